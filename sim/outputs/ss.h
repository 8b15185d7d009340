/* --ss-at TIME (repeatable): every host's TCP sockets at that instant of
 * virtual time, printed as Linux's `ss -tano` prints them, with the
 * totals `ss -s` gives, on the run's stdout:
 *
 *   ss at t=70.000000000 s, host server (10.0.0.2):
 *   State      Recv-Q Send-Q      Local Address:Port       Peer Address:Port Process
 *   LISTEN     0      128              10.0.0.2:80              0.0.0.0:*
 *   TIME-WAIT  0      0                10.0.0.2:80             10.0.0.1:40000 timer:(timewait,52sec,0)
 *   TCP:   2 (estab 0, closed 0, orphaned 0, timewait 1)
 *
 * The listing at time T shows the state after every event at or before T
 * (as the metrics' samples do); it is driven by the engine's watch, so it
 * adds no event.  A time the run never reached says so at the end. */
#pragma once
#include "run-view.h"
#include <stdio.h>

typedef struct SimSs SimSs;

/* A writer on `out` (borrowed) for the times at[0..n) (sorted, distinct). */
SimSs *
sim_ss_new(FILE *out, const SimTime *at, guint n, const SimRunView *view);

void
sim_ss_free(SimSs *ss);

/* Prints every listing due strictly before `t`; returns the next time due
 * (SIM_TIME_MAX when none is left), for the engine's watch. */
SimTime
sim_ss_advance(SimSs *ss, SimTime t);

/* The end of the run at `now`: the listings due at or before it, then a
 * line for each time the run did not reach. */
void
sim_ss_finish(SimSs *ss, SimTime now);
