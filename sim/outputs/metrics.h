/* --metrics FILE.csv: a time series of every host's TCP states and
 * counters, sampled every --sample interval of virtual time, plus the
 * scenario's own series (sim.record).
 *
 * Columns: time (seconds, nine decimals), host, one column per TCP state
 * named as the RFC spells it (CLOSED ... TIME_WAIT), every counter of
 * h:stats() in tcp_stats_fields() order, then series and value.  A host row
 * leaves series and value empty; a sim.record row leaves host, states and
 * counters empty and is written at the instant of the call.  A router with
 * NAT (models/nat.h) has one row per figure at each sample: its name in
 * host, states and counters empty, series "conntrack.<STATE>" (entries in
 * that state) or "nat.<counter>" (nat_box_stats), and the value.
 *
 * The sample at time T shows the state after every event at or before T.
 * Sampling is driven by the engine's watch hook, not by events, so it never
 * keeps a simulation alive; the last sample is written when the run ends,
 * however it ends. */
#pragma once
#include "run-view.h"
#include "net.h"

typedef struct SimMetrics SimMetrics;

/* A writer on `out` (borrowed) sampling the run's hosts every `interval`
 * (> 0) from t = 0; it installs itself as the engine's watch. */
SimMetrics *
sim_metrics_new(FILE *out, SimTime interval, const SimRunView *view);

void
sim_metrics_free(SimMetrics *m);

/* Writes every sample due strictly before `t`; returns the next sample
 * time (for the engine's watch hook). */
SimTime
sim_metrics_advance(SimMetrics *m, SimTime t);

/* A sim.record(name, value) at time `now`. */
void
sim_metrics_record(SimMetrics *m, SimTime now, const char *name, double value);

/* The end of the run at `now`: samples due up to and including `now`, and a
 * last sample at `now` if it is not on the grid. */
void
sim_metrics_finish(SimMetrics *m, SimTime now);
