/* What a sweep prints at the end (see sweep.h): the count of runs by
 * outcome, every run that did not pass with its first error line and the
 * command that reproduces it, the statistics of the values the runs
 * recorded with sim.record (with --grid, one table of them per cell), and
 * the per-run CSV.  Computed from the results in run-index order only, so
 * the output is the same whatever -j, the order runs finished in, or the
 * number of MPI ranks. */
#include "sweep.h"
#include "records.h"
#include "value.h"
#include <math.h>
#include <string.h>

/* One run's records, parsed: name indexes into the sweep's name list. */
typedef struct {
  guint  name;
  double value;
} SweepValue;

/* Every result's records, parsed.  Invariant: rows->len is the number of
 * results, row i holds result i's values in its file's order. */
typedef struct {
  GPtrArray  *names;   /* char *, first seen in seed order */
  GHashTable *index;   /* name -> GUINT_TO_POINTER(position + 1) */
  GPtrArray  *rows;    /* GArray of SweepValue, one per result */
} SweepTable;

/* Statistics of one name over the runs that passed or failed. */
typedef struct {
  guint64 n;
  double  mean, sd, min, max, ci_low, ci_high;   /* sd, ci: NAN when n < 2 */
} SweepStats;

/* t(0.975, df) for df = 1..30, then a few larger df; beyond the last one,
 * the normal quantile 1.96.  A df between two rows takes the smaller df's
 * (larger, so more cautious) value. */
static const struct { guint64 df; double t; } t975_table[] = {
  { 1, 12.7062 }, { 2, 4.3027 }, { 3, 3.1824 }, { 4, 2.7764 }, { 5, 2.5706 },
  { 6, 2.4469 }, { 7, 2.3646 }, { 8, 2.3060 }, { 9, 2.2622 }, { 10, 2.2281 },
  { 11, 2.2010 }, { 12, 2.1788 }, { 13, 2.1604 }, { 14, 2.1448 }, { 15, 2.1314 },
  { 16, 2.1199 }, { 17, 2.1098 }, { 18, 2.1009 }, { 19, 2.0930 }, { 20, 2.0860 },
  { 21, 2.0796 }, { 22, 2.0739 }, { 23, 2.0687 }, { 24, 2.0639 }, { 25, 2.0595 },
  { 26, 2.0555 }, { 27, 2.0518 }, { 28, 2.0484 }, { 29, 2.0452 }, { 30, 2.0423 },
  { 40, 2.0211 }, { 50, 2.0086 }, { 60, 2.0003 }, { 80, 1.9901 }, { 100, 1.9840 },
  { 120, 1.9799 },
};

double
sweep_t975(guint64 df)
{
  g_assert(df >= 1);
  if (df > 120) return 1.96;
  double t = t975_table[0].t;
  for (gsize i = 0; i < G_N_ELEMENTS(t975_table) && t975_table[i].df <= df; i++)
    t = t975_table[i].t;
  return t;
}

static guint
table_name_index(SweepTable *t, const char *name, gsize len)
{
  char *key = g_strndup(name, len);
  guint at = GPOINTER_TO_UINT(g_hash_table_lookup(t->index, key));
  if (at == 0) {
    g_ptr_array_add(t->names, key);
    at = t->names->len;
    g_hash_table_insert(t->index, key, GUINT_TO_POINTER(at));
  } else {
    g_free(key);
  }
  return at - 1;
}

/* Parses "name<TAB>value\n" lines; a malformed line is skipped. */
static GArray *
table_parse_records(SweepTable *t, const char *text)
{
  GArray *row = g_array_new(FALSE, FALSE, sizeof(SweepValue));
  for (const char *line = text; *line; ) {
    const char *nl = strchr(line, '\n');
    const char *end = nl ? nl : line + strlen(line);
    const char *tab = memchr(line, '\t', (gsize)(end - line));
    if (tab && tab > line) {
      char *num = g_strndup(tab + 1, (gsize)(end - tab - 1));
      char *stop;
      double v = g_ascii_strtod(num, &stop);
      if (*num && *stop == '\0' && isfinite(v)) {
        SweepValue sv = { table_name_index(t, line, (gsize)(tab - line)), v };
        g_array_append_val(row, sv);
      }
      g_free(num);
    }
    line = nl ? nl + 1 : end;
  }
  return row;
}

static SweepTable *
table_new(const SweepResult *results, guint n)
{
  SweepTable *t = g_new0(SweepTable, 1);
  t->names = g_ptr_array_new_with_free_func(g_free);
  t->index = g_hash_table_new(g_str_hash, g_str_equal);
  t->rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_array_unref);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add(t->rows, table_parse_records(t, results[i].records));
  return t;
}

static void
table_free(SweepTable *t)
{
  g_hash_table_destroy(t->index);
  g_ptr_array_free(t->names, TRUE);
  g_ptr_array_free(t->rows, TRUE);
  g_free(t);
}

/* Runs whose values count in the statistics: the scenario ran to its end
 * or failed in its own code.  Invalid, limited and crashed runs do not. */
static gboolean
counts_in_stats(SweepStatus status)
{
  return status == SWEEP_PASSED || status == SWEEP_FAILED;
}

/* Mean, sample standard deviation (two passes, in index order), min, max
 * and the 95 % confidence interval of the mean, for every name, over the
 * runs of `cell` (or of every cell when cell is G_MAXUINT). */
static SweepStats *
table_stats(const SweepTable *t, const SweepResult *results, guint cell)
{
  guint k = t->names->len;
  SweepStats *s = g_new0(SweepStats, k);
  double *sum = g_new0(double, k), *ss = g_new0(double, k);
  for (int pass = 0; pass < 2; pass++) {
    for (guint i = 0; i < t->rows->len; i++) {
      if (!counts_in_stats(results[i].status)) continue;
      if (cell != G_MAXUINT && results[i].cell != cell) continue;
      GArray *row = g_ptr_array_index(t->rows, i);
      for (guint j = 0; j < row->len; j++) {
        SweepValue *v = &g_array_index(row, SweepValue, j);
        SweepStats *st = &s[v->name];
        if (pass == 1) {
          ss[v->name] += (v->value - st->mean) * (v->value - st->mean);
          continue;
        }
        st->min = st->n == 0 || v->value < st->min ? v->value : st->min;
        st->max = st->n == 0 || v->value > st->max ? v->value : st->max;
        st->n++;
        sum[v->name] += v->value;
      }
    }
    for (guint j = 0; j < k && pass == 0; j++)
      s[j].mean = s[j].n ? sum[j] / (double)s[j].n : NAN;
  }
  for (guint j = 0; j < k; j++) {
    s[j].sd = s[j].ci_low = s[j].ci_high = NAN;
    if (s[j].n < 2) continue;
    s[j].sd = sqrt(ss[j] / (double)(s[j].n - 1));
    double half = sweep_t975(s[j].n - 1) * s[j].sd / sqrt((double)s[j].n);
    s[j].ci_low = s[j].mean - half;
    s[j].ci_high = s[j].mean + half;
  }
  g_free(sum);
  g_free(ss);
  return s;
}

/* "%.6g", or "-" for a figure that does not exist (NAN). */
static void
print_number(FILE *out, double v)
{
  if (isnan(v)) fprintf(out, " %12s", "-");
  else fprintf(out, " %12.6g", v);
}

static void
print_stats(FILE *out, const SweepTable *t, const SweepResult *results)
{
  if (t->names->len == 0) return;
  SweepStats *s = table_stats(t, results, G_MAXUINT);
  int width = 4;
  for (guint j = 0; j < t->names->len; j++)
    width = MAX(width, (int)strlen(g_ptr_array_index(t->names, j)));
  fprintf(out, "\nrecords, over the runs that passed or failed (95%% confidence "
               "interval of the mean, Student's t):\n");
  fprintf(out, "  %-*s %8s %12s %12s %12s %12s %12s %12s\n", width, "name", "n",
          "mean", "sd", "min", "max", "ci95-low", "ci95-high");
  for (guint j = 0; j < t->names->len; j++) {
    fprintf(out, "  %-*s %8" G_GUINT64_FORMAT, width,
            (const char *)g_ptr_array_index(t->names, j), s[j].n);
    double figures[] = { s[j].mean, s[j].sd, s[j].n ? s[j].min : NAN,
                         s[j].n ? s[j].max : NAN, s[j].ci_low, s[j].ci_high };
    for (gsize f = 0; f < G_N_ELEMENTS(figures); f++) print_number(out, figures[f]);
    fputc('\n', out);
  }
  g_free(s);
}

/* With --grid: one row per cell and name, the cell's values in the first
 * columns, then n, mean and the 95 % interval of the mean. */
static void
print_grid_stats(FILE *out, const SweepPlan *plan, const SweepTable *t,
                 const SweepResult *results)
{
  if (t->names->len == 0) return;
  guint n_keys = plan->grid_keys->len;
  int *kw = g_new0(int, n_keys);
  int width = 4;
  for (guint k = 0; k < n_keys; k++) {
    kw[k] = (int)strlen(g_ptr_array_index(plan->grid_keys, k));
    for (guint c = 0; c < plan->n_cells; c++)
      kw[k] = MAX(kw[k], (int)strlen(sweep_plan_cell_value(plan, c, k)));
  }
  for (guint j = 0; j < t->names->len; j++)
    width = MAX(width, (int)strlen(g_ptr_array_index(t->names, j)));
  fprintf(out, "\nrecords per cell, over the runs that passed or failed (95%% confidence "
               "interval of the mean, Student's t):\n ");
  for (guint k = 0; k < n_keys; k++)
    fprintf(out, " %-*s", kw[k], (const char *)g_ptr_array_index(plan->grid_keys, k));
  fprintf(out, "  %-*s %8s %12s %12s %12s\n", width, "name", "n", "mean", "ci95-low",
          "ci95-high");
  for (guint c = 0; c < plan->n_cells; c++) {
    SweepStats *s = table_stats(t, results, c);
    for (guint j = 0; j < t->names->len; j++) {
      fputc(' ', out);
      for (guint k = 0; k < n_keys; k++)
        fprintf(out, " %-*s", kw[k], sweep_plan_cell_value(plan, c, k));
      fprintf(out, "  %-*s %8" G_GUINT64_FORMAT, width,
              (const char *)g_ptr_array_index(t->names, j), s[j].n);
      print_number(out, s[j].mean);
      print_number(out, s[j].ci_low);
      print_number(out, s[j].ci_high);
      fputc('\n', out);
    }
    g_free(s);
  }
  g_free(kw);
}

void
sweep_report_print(FILE *out, const SweepPlan *plan, const SweepResult *results)
{
  guint n = sweep_plan_runs(plan);
  guint64 first = plan->first, last = plan->first + plan->n_seeds - 1;
  gboolean grid = plan->grid_keys->len > 0;
  static const char *const labels[SWEEP_N_STATUS] = {
    "passed", "failed", "invalid", "stopped by a limit", "crashed",
  };
  guint count[SWEEP_N_STATUS] = { 0 };
  for (guint i = 0; i < n; i++) count[results[i].status]++;
  if (grid)
    fprintf(out, "twsim sweep: %s, %u cell%s x seeds %" G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT
            ", %u runs\n", plan->scenario, plan->n_cells, plan->n_cells == 1 ? "" : "s",
            first, last, n);
  else
    fprintf(out, "twsim sweep: %s, seeds %" G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT
            ", %u runs\n", plan->scenario, first, last, n);
  for (int s = 0; s < SWEEP_N_STATUS; s++)
    fprintf(out, "  %-20s %8u\n", labels[s], count[s]);
  for (guint i = 0; i < n; i++) {
    const SweepResult *r = &results[i];
    if (r->status == SWEEP_PASSED) continue;
    char *cell = grid ? sweep_plan_cell_label(plan, r->cell) : g_strdup("");
    fprintf(out, "\n%s%sseed %" G_GUINT64_FORMAT ": %s\n  %s\n  %s\n", cell, grid ? ", " : "",
            r->seed, labels[r->status], *r->error_line ? r->error_line : "(no message)",
            r->repro);
    g_free(cell);
  }
  SweepTable *t = table_new(results, n);
  if (grid) print_grid_stats(out, plan, t, results);
  else print_stats(out, t, results);
  table_free(t);
}

void
sweep_report_write_csv(FILE *out, const SweepPlan *plan, const SweepResult *results)
{
  guint n = sweep_plan_runs(plan);
  SweepTable *t = table_new(results, n);
  guint k = t->names->len;
  for (guint g = 0; g < plan->grid_keys->len; g++) {
    sim_csv_write_field(out, g_ptr_array_index(plan->grid_keys, g));
    fputc(',', out);
  }
  fputs("seed,status", out);
  for (guint j = 0; j < k; j++) {
    fputc(',', out);
    sim_csv_write_field(out, g_ptr_array_index(t->names, j));
  }
  fputc('\n', out);
  const char **cells = g_new0(const char *, k);
  char (*bufs)[SIM_NUM_BUF] = g_malloc(MAX(k, 1) * SIM_NUM_BUF);
  for (guint i = 0; i < n; i++) {
    GArray *row = g_ptr_array_index(t->rows, i);
    memset(cells, 0, k * sizeof *cells);
    for (guint j = 0; j < row->len; j++) {
      SweepValue *v = &g_array_index(row, SweepValue, j);
      cells[v->name] = sim_num_format(v->value, bufs[v->name]);
    }
    for (guint g = 0; g < plan->grid_keys->len; g++) {
      sim_csv_write_field(out, sweep_plan_cell_value(plan, results[i].cell, g));
      fputc(',', out);
    }
    fprintf(out, "%" G_GUINT64_FORMAT ",%s", results[i].seed,
            sweep_status_word(results[i].status));
    for (guint j = 0; j < k; j++) fprintf(out, ",%s", cells[j] ? cells[j] : "");
    fputc('\n', out);
  }
  g_free(bufs);
  g_free(cells);
  table_free(t);
}
