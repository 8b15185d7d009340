/* The figures a scenario records with sim.record(name, value), per name in
 * first-recorded order: every value recorded under it, so that the summary
 * gives its distribution (count, mean, min, max, p50, p90, p99), and the
 * last one, which is the name's figure for a sweep.  Filled by lsim.c,
 * written at the end of a run (`twsim run --records FILE`) for the sweep
 * that started the run to aggregate across seeds (docs/sweeps.md). */
#pragma once
#include <glib.h>

typedef struct SimRecords SimRecords;

SimRecords *
sim_records_new(void);

void
sim_records_free(SimRecords *records);

/* Whether `name` may be recorded: non-empty, no control characters (a
 * records file is one "name<TAB>value" line per name). */
gboolean
sim_records_name_ok(const char *name, gsize len);

/* Sets name's value (copies name); a new name goes after the others. */
void
sim_records_set(SimRecords *records, const char *name, double value);

guint
sim_records_count(const SimRecords *records);

const char *
sim_records_name(const SimRecords *records, guint i);

double
sim_records_value(const SimRecords *records, guint i);

/* The distribution of the values recorded under one name.  Percentiles
 * are nearest-rank: the p-th is the smallest recorded value with at least
 * p % of the values at or below it (so always a value that was recorded,
 * and exact).  The mean sums the values in the order they were recorded. */
typedef struct {
  guint64 count;
  double  last, mean, min, max, p50, p90, p99;
} SimRecordStats;

/* The distribution of record i (0 <= i < sim_records_count). */
void
sim_records_stats(const SimRecords *records, guint i, SimRecordStats *stats);

/* The figures of a distribution in a fixed order, as the summary, the
 * JSON and the sweep's records name them ("count", "mean", ...). */
#define SIM_RECORD_STATS_N 7
extern const char *const sim_record_stats_names[SIM_RECORD_STATS_N];
double
sim_record_stats_get(const SimRecordStats *stats, guint k);

/* Writes every record as "name<TAB>value\n" (its last value) to path and,
 * for a name recorded more than once, its distribution as the records
 * "name.count", "name.mean", "name.min", ... "name.p99", through a temporary
 * file renamed into place (sim/engine/output.h).  FALSE with error on failure. */
gboolean
sim_records_write(const SimRecords *records, const char *path, GError **error);
