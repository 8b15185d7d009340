/* --metrics FILE.csv: a time series of every host's TCP states and
 * counters, sampled every --sample interval of virtual time.  (The
 * scenario's own figures, sim.record, go to a file of their own:
 * --records-csv, outputs.c.)
 *
 * Columns: time (seconds, nine decimals), host, one column per TCP state
 * named as the RFC spells it (CLOSED ... TIME_WAIT), then every counter of
 * h:stats() in tcp_stats_fields() order.  Every row is a host's, unless the
 * run has a router with NAT or conntrack (at its first sample): then the
 * header goes on with the routers' columns, ct_STATE for each state of
 * the TCP tracker and nat_COUNTER for each of nat_box_stats(), and each
 * sample ends with one row per such router (its name in the host column,
 * the hosts' columns empty; the hosts' rows leave the routers' empty).
 * The header is written with the first sample, when the network exists.
 *
 * The sample at time T shows the state after every event at or before T.
 * Sampling is driven by the engine's watch hook (outputs.c calls
 * sim_metrics_advance from it), not by events, so it never keeps a
 * simulation alive; the last sample is written when the run ends,
 * however it ends. */
#pragma once
#include "run-view.h"
#include "net.h"

typedef struct SimMetrics SimMetrics;

/* A writer on `out` (borrowed) sampling the run's hosts every `interval`
 * (> 0) from t = 0, as sim_metrics_advance is called. */
SimMetrics *
sim_metrics_new(FILE *out, SimTime interval, const SimRunView *view);

void
sim_metrics_free(SimMetrics *m);

/* Writes every sample due strictly before `t`; returns the next sample
 * time (for the engine's watch hook). */
SimTime
sim_metrics_advance(SimMetrics *m, SimTime t);

/* The end of the run at `now`: samples due up to and including `now`, and a
 * last sample at `now` if it is not on the grid. */
void
sim_metrics_finish(SimMetrics *m, SimTime now);
