/* sim.record's table (see records.h). */
#include "records.h"
#include "value.h"
#include "output.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* Invariant: names->len == values->len == samples->len; index maps each
 * name to its position + 1 in names; the last element of samples[i] is
 * values[i]. */
struct SimRecords {
  GPtrArray  *names;    /* char *, first-recorded order */
  GArray     *values;   /* double, the last value of each name */
  GPtrArray  *samples;  /* GArray of double: every value of each name, in order */
  GHashTable *index;    /* name (owned by names) -> GUINT_TO_POINTER(i + 1) */
};

const char *const sim_record_stats_names[SIM_RECORD_STATS_N] = {
  "count", "mean", "min", "max", "p50", "p90", "p99",
};

SimRecords *
sim_records_new(void)
{
  SimRecords *r = g_new0(SimRecords, 1);
  r->names = g_ptr_array_new_with_free_func(g_free);
  r->values = g_array_new(FALSE, FALSE, sizeof(double));
  r->samples = g_ptr_array_new_with_free_func((GDestroyNotify)g_array_unref);
  r->index = g_hash_table_new(g_str_hash, g_str_equal);
  return r;
}

void
sim_records_free(SimRecords *records)
{
  if (records == NULL) return;
  g_hash_table_destroy(records->index);
  g_ptr_array_free(records->names, TRUE);
  g_array_free(records->values, TRUE);
  g_ptr_array_free(records->samples, TRUE);
  g_free(records);
}

gboolean
sim_records_name_ok(const char *name, gsize len)
{
  if (len == 0 || !g_utf8_validate(name, (gssize)len, NULL)) return FALSE;
  for (gsize i = 0; i < len; i++)
    if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f) return FALSE;
  return TRUE;
}

void
sim_records_set(SimRecords *records, const char *name, double value)
{
  guint at = GPOINTER_TO_UINT(g_hash_table_lookup(records->index, name));
  if (at == 0) {
    char *copy = g_strdup(name);
    g_ptr_array_add(records->names, copy);
    g_array_append_val(records->values, value);
    g_ptr_array_add(records->samples, g_array_new(FALSE, FALSE, sizeof(double)));
    g_hash_table_insert(records->index, copy, GUINT_TO_POINTER(records->names->len));
    at = records->names->len;
  }
  g_array_index(records->values, double, at - 1) = value;
  /* Amortised: the array doubles, so this is no allocation per call. */
  g_array_append_val((GArray *)g_ptr_array_index(records->samples, at - 1), value);
}

static int
compare_doubles(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The nearest-rank p-th percentile of n sorted values: the value at rank
 * ceil(p n / 100), computed in integers so no rounding can move it. */
static double
nearest_rank(const double *sorted, guint64 n, guint p)
{
  guint64 rank = (p * n + 99) / 100;
  return sorted[MAX(rank, 1) - 1];
}

void
sim_records_stats(const SimRecords *records, guint i, SimRecordStats *stats)
{
  const GArray *v = g_ptr_array_index(records->samples, i);
  guint64 n = v->len;
  g_assert(n > 0);
  double *sorted = g_memdup2(v->data, n * sizeof(double));
  double sum = 0, mean;
  for (guint64 k = 0; k < n; k++) sum += g_array_index(v, double, k);
  mean = sum / (double)n;
  if (!isfinite(sum)) {   /* values near DBL_MAX: divide first */
    mean = 0;
    for (guint64 k = 0; k < n; k++) mean += g_array_index(v, double, k) / (double)n;
  }
  qsort(sorted, n, sizeof(double), compare_doubles);
  *stats = (SimRecordStats){
    .count = n, .last = sim_records_value(records, i), .mean = mean,
    .min = sorted[0], .max = sorted[n - 1], .p50 = nearest_rank(sorted, n, 50),
    .p90 = nearest_rank(sorted, n, 90), .p99 = nearest_rank(sorted, n, 99),
  };
  g_free(sorted);
}

double
sim_record_stats_get(const SimRecordStats *stats, guint k)
{
  const double figures[SIM_RECORD_STATS_N] = {
    (double)stats->count, stats->mean, stats->min, stats->max,
    stats->p50, stats->p90, stats->p99,
  };
  g_assert(k < SIM_RECORD_STATS_N);
  return figures[k];
}

guint
sim_records_count(const SimRecords *records)
{
  return records->names->len;
}

const char *
sim_records_name(const SimRecords *records, guint i)
{
  return g_ptr_array_index(records->names, i);
}

double
sim_records_value(const SimRecords *records, guint i)
{
  return g_array_index(records->values, double, i);
}

gboolean
sim_records_write(const SimRecords *records, const char *path, GError **error)
{
  SimOutput *out = sim_output_open(path, "--records", error);
  if (out == NULL) return FALSE;
  FILE *f = sim_output_stream(out);
  char buf[SIM_NUM_BUF];
  for (guint i = 0; i < sim_records_count(records); i++) {
    const char *name = sim_records_name(records, i);
    fprintf(f, "%s\t%s\n", name, sim_num_format(sim_records_value(records, i), buf));
    SimRecordStats st;
    sim_records_stats(records, i, &st);
    for (guint k = 0; st.count > 1 && k < SIM_RECORD_STATS_N; k++)
      fprintf(f, "%s.%s\t%s\n", name, sim_record_stats_names[k],
              sim_num_format(sim_record_stats_get(&st, k), buf));
  }
  return sim_output_commit(out, error);
}
