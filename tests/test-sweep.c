/* twsim sweep: the seeds that fail are exactly those that fail alone, the
 * reproduce commands reproduce them, the output does not depend on -j,
 * crashes and hangs are reported and not fatal, the statistics match the
 * per-seed CSV; and the run options for digging into one run
 * (--trace-from, --trace-until, --stop-at-event). */
#include "twsim-run.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#define FIRST_SEED 1
#define LAST_SEED 12

/* Runs argv (argv[0] a program), like twsim_run. */
static TwsimResult
run_argv(char **argv)
{
  TwsimResult r = { 0 };
  int wait_status = 0;
  GError *error = NULL;
  gboolean ok = g_spawn_sync(NULL, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                             &r.out, &r.err, &wait_status, &error);
  g_assert_no_error(error);
  g_assert_true(ok);
  r.status = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : 128 + WTERMSIG(wait_status);
  return r;
}

static char *
first_line(const char *s)
{
  return g_strndup(s, strcspn(s, "\n"));
}

/* The two lines the report prints under "seed N: STATUS": the error line
 * and the reproduce command (NULL if the seed is not listed). */
static gboolean
report_entry(const char *out, guint64 seed, const char *status, char **error_line,
             char **repro)
{
  char *head = g_strdup_printf("\nseed %" G_GUINT64_FORMAT ": %s\n  ", seed, status);
  const char *p = strstr(out, head);
  if (p) {
    p += strlen(head);
    *error_line = first_line(p);
    p = strchr(p, '\n') + 3;              /* skip "\n  " */
    *repro = first_line(p);
  }
  g_free(head);
  return p != NULL;
}

/* The report's count line for `label` says n. */
static void
assert_count(const char *out, const char *label, int n)
{
  char *want = g_strdup_printf("\n  %s ", label);
  const char *p = strstr(out, want);
  g_assert_nonnull(p);
  p += strlen(want);
  while (*p == ' ') p++;
  g_assert_cmpint(atoi(p), ==, n);
  g_assert_true(g_ascii_isdigit(*p));
  g_free(want);
}

static void
test_failing_seeds(void)
{
  char *csv = twsim_temp_path("fail.csv");
  TwsimResult s = twsim_run("sweep", "@flaky.lua", "--seeds", "1..12", "-j", "3", NULL);
  g_assert_cmpint(s.status, ==, 1);
  g_assert_cmpstr(s.err, ==, "");                  /* no progress: stderr is no terminal */
  int failing = 0;
  for (guint64 seed = FIRST_SEED; seed <= LAST_SEED; seed++) {
    char *num = g_strdup_printf("%" G_GUINT64_FORMAT, seed);
    TwsimResult alone = twsim_run("run", "@flaky.lua", "--seed", num, NULL);
    char *err_line = NULL, *repro = NULL;
    gboolean listed = report_entry(s.out, seed, "failed", &err_line, &repro);
    g_assert_cmpint(listed, ==, alone.status == 1);
    if (alone.status != 1) g_assert_cmpint(alone.status, ==, 0);
    if (listed) {
      failing++;
      char *alone_line = first_line(alone.err);
      g_assert_cmpstr(err_line, ==, alone_line);
      /* The reproduce command reproduces it: same status, same error. */
      g_assert_true(g_str_has_prefix(repro, "twsim run "));
      char **argv = NULL;
      g_assert_true(g_shell_parse_argv(repro, NULL, &argv, NULL));
      g_free(argv[0]);
      argv[0] = g_strdup(g_getenv("TWSIM"));
      TwsimResult again = run_argv(argv);
      char *again_line = first_line(again.err);
      g_assert_cmpint(again.status, ==, 1);
      g_assert_cmpstr(again_line, ==, alone_line);
      g_free(again_line);
      g_free(alone_line);
      g_strfreev(argv);
      twsim_result_clear(&again);
    }
    g_free(err_line);
    g_free(repro);
    g_free(num);
    twsim_result_clear(&alone);
  }
  g_assert_cmpint(failing, >, 0);
  g_assert_cmpint(failing, <, LAST_SEED - FIRST_SEED + 1);
  assert_count(s.out, "failed", failing);
  g_free(csv);
  twsim_result_clear(&s);
}

static void
test_jobs_do_not_matter(void)
{
  char *csv1 = twsim_temp_path("j1.csv"), *csv4 = twsim_temp_path("j4.csv");
  TwsimResult a = twsim_run("sweep", "@flaky.lua", "--seeds", "1..12", "-j", "1", "--csv", csv1, NULL);
  TwsimResult b = twsim_run("sweep", "@flaky.lua", "--seeds", "1..12", "-j4", "--csv", csv4, NULL);
  g_assert_cmpint(a.status, ==, 1);
  g_assert_cmpint(b.status, ==, a.status);
  g_assert_cmpstr(a.out, ==, b.out);
  gsize l1, l4;
  char *t1 = twsim_read_file(csv1, &l1), *t4 = twsim_read_file(csv4, &l4);
  /* "draw" is recorded twice a run: its last value, then its distribution. */
  g_assert_true(g_str_has_prefix(t1, "seed,status,draw,draw.count,draw.mean,draw.min,draw.max,"
                                     "draw.p50,draw.p90,draw.p99,packets\n"));
  g_assert_cmpmem(t1, l1, t4, l4);
  g_free(t1); g_free(t4); g_free(csv1); g_free(csv4);
  twsim_result_clear(&a);
  twsim_result_clear(&b);
}

static void
test_crash_and_hang(void)
{
  gint64 start = g_get_monotonic_time();
  TwsimResult s = twsim_run("sweep", "@flaky.lua", "--seeds", "1..8", "-j", "4",
                            "--timeout", "2", "--twsim", g_getenv("TWSIM_STAND_IN"), NULL);
  double secs = (double)(g_get_monotonic_time() - start) / 1e6;
  g_assert_cmpint(s.status, ==, 1);
  g_assert_cmpfloat(secs, <, 30);
  char *line = NULL, *repro = NULL;
  g_assert_true(report_entry(s.out, 3, "crashed", &line, &repro));
  g_assert_cmpstr(line, ==, "killed by signal 11 (SIGSEGV)");
  g_assert_true(g_str_has_suffix(repro, "flaky.lua --seed 3 --timeout 2"));
  g_clear_pointer(&line, g_free);
  g_clear_pointer(&repro, g_free);
  g_assert_true(report_entry(s.out, 7, "crashed", &line, &repro));
  g_assert_cmpstr(line, ==, "killed by signal 11 (SIGSEGV): stand-in: about to crash");
  g_clear_pointer(&line, g_free);
  g_clear_pointer(&repro, g_free);
  g_assert_true(report_entry(s.out, 5, "stopped by a limit", &line, &repro));
  g_assert_nonnull(strstr(line, "--timeout"));
  g_clear_pointer(&line, g_free);
  g_clear_pointer(&repro, g_free);
  assert_count(s.out, "crashed", 2);
  assert_count(s.out, "stopped by a limit", 1);
  assert_count(s.out, "passed", 3);           /* the runs around them ran as usual */
  twsim_result_clear(&s);
}

/* t(0.975, df) for the df this test meets. */
static double
t975(guint64 df)
{
  static const double t[] = { 0, 12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469,
                              2.3646, 2.3060, 2.2622, 2.2281, 2.2010, 2.1788 };
  g_assert_cmpuint(df, <, G_N_ELEMENTS(t));
  return t[df];
}

/* Checks the report's row for column `col` of the CSV against the mean,
 * sd, min, max and confidence interval computed here. */
static void
check_stats_row(const char *out, char **rows, guint col, const char *name)
{
  double sum = 0, min = INFINITY, max = -INFINITY, ss = 0;
  GArray *v = g_array_new(FALSE, FALSE, sizeof(double));
  for (guint i = 1; rows[i] && *rows[i]; i++) {
    char **f = g_strsplit(rows[i], ",", -1);
    if (strcmp(f[1], "passed") == 0 || strcmp(f[1], "failed") == 0) {
      double x = g_ascii_strtod(f[col], NULL);
      g_array_append_val(v, x);
      sum += x;
      min = MIN(min, x);
      max = MAX(max, x);
    }
    g_strfreev(f);
  }
  guint n = v->len;
  double mean = sum / n;
  for (guint i = 0; i < n; i++)
    ss += (g_array_index(v, double, i) - mean) * (g_array_index(v, double, i) - mean);
  double sd = sqrt(ss / (n - 1)), half = t975(n - 1) * sd / sqrt(n);
  double want[] = { n, mean, sd, min, max, mean - half, mean + half };
  char *head = g_strdup_printf("\n  %s ", name);
  const char *row = strstr(out, head);
  g_assert_nonnull(row);
  char *line = first_line(row + 1);
  char **words = g_strsplit_set(g_strstrip(line), " ", -1);
  guint w = 1;
  for (guint k = 0; k < G_N_ELEMENTS(want); k++) {
    while (words[w] && *words[w] == '\0') w++;
    g_assert_nonnull(words[w]);
    double got = g_ascii_strtod(words[w++], NULL);
    g_assert_cmpfloat(fabs(got - want[k]), <=, 1e-5 * fabs(want[k]) + 1e-12);
  }
  g_strfreev(words);
  g_free(line);
  g_free(head);
  g_array_free(v, TRUE);
}

static void
test_statistics(void)
{
  char *csv = twsim_temp_path("stats.csv");
  TwsimResult s = twsim_run("sweep", "@flaky.lua", "--seeds", "1..12", "--csv", csv, NULL);
  g_assert_cmpint(s.status, ==, 1);
  char *text = twsim_read_file(csv, NULL);
  char **rows = g_strsplit(text, "\n", -1);
  g_assert_cmpstr(rows[0], ==, "seed,status,draw,draw.count,draw.mean,draw.min,draw.max,"
                               "draw.p50,draw.p90,draw.p99,packets");
  g_assert_cmpuint(g_strv_length(rows), ==, 12 + 2);   /* header, 12 rows, "" */
  check_stats_row(s.out, rows, 2, "draw");
  check_stats_row(s.out, rows, 4, "draw.mean");
  check_stats_row(s.out, rows, 9, "draw.p99");
  check_stats_row(s.out, rows, 10, "packets");
  /* Each run's distribution of "draw": two values, so p50 is the smaller
   * (nearest rank 1 of 2), p99 the larger, and the mean lies between. */
  for (guint i = 1; i <= 12; i++) {
    char **d = g_strsplit(rows[i], ",", -1);
    g_assert_cmpstr(d[3], ==, "2");
    g_assert_cmpstr(d[7], ==, d[5]);     /* p50 = min */
    g_assert_cmpstr(d[9], ==, d[6]);     /* p99 = max */
    g_assert_cmpfloat(g_ascii_strtod(d[4], NULL), >=, g_ascii_strtod(d[5], NULL));
    g_assert_cmpfloat(g_ascii_strtod(d[4], NULL), <=, g_ascii_strtod(d[6], NULL));
    g_strfreev(d);
  }
  /* The last value recorded under a name is the run's value. */
  TwsimResult one = twsim_run("run", "@flaky.lua", "--seed", "2", "--quiet", "--trace", "-", NULL);
  const char *last = g_strrstr(one.out, "name=draw value=");
  g_assert_nonnull(last);
  char **f = g_strsplit(rows[2], ",", -1);
  g_assert_cmpstr(f[0], ==, "2");
  double traced = g_ascii_strtod(last + strlen("name=draw value="), NULL);
  g_assert_cmpfloat(fabs(traced - g_ascii_strtod(f[2], NULL)), <, 1e-12);
  g_strfreev(f);
  g_strfreev(rows);
  g_free(text);
  g_free(csv);
  twsim_result_clear(&one);
  twsim_result_clear(&s);
}

static void
test_bad_command_lines(void)
{
  static const char *const cases[][6] = {
    { "@flaky.lua", "--seeds", "5..3", NULL },
    { "@flaky.lua", "--seeds", "x", NULL },
    { "@flaky.lua", NULL },
    { "/nonexistent/x.lua", "--seeds", "1..3", NULL },
    { "@syntax-error.lua", "--seeds", "1..3", NULL },
    { "@flaky.lua", "--seeds", "1..3", "--seed", "4", NULL },
    { "@flaky.lua", "--seeds", "1..3", "--trace", "same.trace", NULL },
    { "@flaky.lua", "--seeds", "1..3", "--frobnicate", NULL },
    { "@flaky.lua", "--seeds", "1..3", "--until", "5 parsecs", NULL },
    { "@flaky.lua", "--seeds", "1..3", "-j", "0", NULL },
  };
  static const char *const says[] = {
    "--seeds", "--seeds", "--seeds", "cannot read the scenario", "syntax-error.lua:3:",
    "--seed", "{seed}", "--frobnicate", "--until", "-j",
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    const char *const *c = cases[i];
    TwsimResult r = twsim_run("sweep", c[0], c[1], c[2], c[3], c[4], NULL);
    g_assert_cmpint(r.status, ==, 2);
    g_assert_cmpstr(r.out, ==, "");
    g_assert_nonnull(strstr(r.err, says[i]));
    g_assert_cmpstr(strchr(r.err, '\n'), ==, "\n");                  /* one line */
    twsim_result_clear(&r);
  }
}

static void
test_per_run_outputs(void)
{
  char *pattern = twsim_temp_path("run-{seed}.trace");
  TwsimResult r = twsim_run("sweep", "@flaky.lua", "--seeds", "2..4", "--trace", pattern,
                            "--trace-format", "jsonl", NULL);
  for (int seed = 2; seed <= 4; seed++) {
    char *name = g_strdup_printf("run-%d.trace", seed);
    char *path = twsim_temp_path(name);
    char *text = twsim_read_file(path, NULL);
    g_assert_true(g_str_has_prefix(text, "{\"t\":0.000000000,\"kind\":\"record\",\"ev\":1,"));
    g_free(text); g_free(path); g_free(name);
  }
  g_free(pattern);
  twsim_result_clear(&r);
}

/* Every record time in a text trace lies in [from, until]; returns how
 * many records there are. */
static guint
count_in_window(const char *trace, double from, double until)
{
  char **lines = g_strsplit(trace, "\n", -1);
  guint n = 0;
  for (guint i = 0; lines[i] && *lines[i]; i++) {
    double t = g_ascii_strtod(lines[i], NULL);
    g_assert_cmpfloat(t, >=, from);
    g_assert_cmpfloat(t, <=, until);
    n++;
  }
  g_strfreev(lines);
  return n;
}

static void
test_trace_window(void)
{
  char *path = twsim_temp_path("window.trace");
  TwsimResult r = twsim_run("run", "@window.lua", "--quiet", "--trace", path,
                            "--trace-from", "3s", "--trace-until", "5.5s", NULL);
  g_assert_cmpint(r.status, ==, 0);
  char *text = twsim_read_file(path, NULL);
  g_assert_cmpuint(count_in_window(text, 3, 5.5), ==, 3);        /* ticks at 3, 4, 5 s */
  g_assert_true(g_str_has_prefix(text, "3.000000000 log - ev=6 msg=tick\n"));
  g_free(text);
  twsim_result_clear(&r);
  r = twsim_run("run", "@window.lua", "--quiet", "--trace", path, "--trace-from", "9", NULL);
  text = twsim_read_file(path, NULL);
  g_assert_cmpuint(count_in_window(text, 9, 10), ==, 2);
  g_free(text);
  twsim_result_clear(&r);
  r = twsim_run("run", "@window.lua", "--trace-from", "3s", NULL);   /* no --trace */
  g_assert_cmpint(r.status, ==, 2);
  twsim_result_clear(&r);
  r = twsim_run("run", "@window.lua", "--trace", path, "--trace-from", "5s",
                "--trace-until", "4s", NULL);
  g_assert_cmpint(r.status, ==, 2);
  twsim_result_clear(&r);
  g_free(path);
}

static void
test_stop_at_event(void)
{
  /* assert-fails.lua fails in its event 2: stopping after event 1 is a
   * clean end, stopping after event 2 is too late. */
  TwsimResult r = twsim_run("run", "@assert-fails.lua", "--stop-at-event", "1", NULL);
  g_assert_cmpint(r.status, ==, 0);
  g_assert_nonnull(strstr(r.out, ", 1 events\n"));
  twsim_result_clear(&r);
  r = twsim_run("run", "@assert-fails.lua", "--stop-at-event", "2", NULL);
  g_assert_cmpint(r.status, ==, 1);
  g_assert_nonnull(strstr(r.err, "event 2)"));
  twsim_result_clear(&r);
  /* The trace is complete up to the stop: the ticks before it, none after. */
  char *path = twsim_temp_path("stop.trace");
  r = twsim_run("run", "@ticker.lua", "--stop-at-event", "50", "--trace", path, NULL);
  g_assert_cmpint(r.status, ==, 0);
  g_assert_nonnull(strstr(r.out, "t=0.025000000 s, 50 events\n"));   /* two events a tick */
  twsim_result_clear(&r);
  r = twsim_run("run", "@window.lua", "--stop-at-event", "4", "--quiet", "--trace", path, NULL);
  g_assert_cmpint(r.status, ==, 0);
  char *text = twsim_read_file(path, NULL);
  g_assert_cmpuint(count_in_window(text, 0, 2), ==, 2);          /* the logs at 1 s and 2 s */
  g_free(text);
  twsim_result_clear(&r);
  /* A --max-events below it still stops the run as a limit. */
  r = twsim_run("run", "@ticker.lua", "--stop-at-event", "50", "--max-events", "10", NULL);
  g_assert_cmpint(r.status, ==, 3);
  twsim_result_clear(&r);
  r = twsim_run("run", "@ticker.lua", "--stop-at-event", "0", NULL);
  g_assert_cmpint(r.status, ==, 2);
  twsim_result_clear(&r);
  g_free(path);
}

static void
test_record_errors(void)
{
  static const char *const cases[] = { "case=empty", "case=tab", "case=nan", "case=inf" };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    TwsimResult r = twsim_run("run", "@record-errors.lua", "--set", cases[i], NULL);
    g_assert_cmpint(r.status, ==, 2);
    g_assert_nonnull(strstr(r.err, "record-errors.lua:"));
    g_assert_nonnull(strstr(r.err, "sim.record: "));
    twsim_result_clear(&r);
  }
  TwsimResult r = twsim_run("run", "@record-errors.lua", NULL);
  g_assert_cmpint(r.status, ==, 0);
  twsim_result_clear(&r);
}

/* --grid: every combination of the values, each run of a cell with the
 * cell's --set; the statistics per cell, the CSV with the grid's columns,
 * the failing run named by cell and seed with a command that reproduces
 * it; the same output whatever -j; bad grids refused in one line. */
static void
test_grid(void)
{
  char *csv = twsim_temp_path("grid.csv");
  TwsimResult s = twsim_run("sweep", "@grid.lua", "--grid", "a=1,2", "--grid", "b=x,y",
                            "--seeds", "1..3", "--csv", csv, "-j", "3", NULL);
  g_assert_cmpint(s.status, ==, 1);
  g_assert_true(g_str_has_prefix(strchr(s.out, ','), ", 4 cells x seeds 1..3, 12 runs\n"));
  assert_count(s.out, "passed", 11);
  assert_count(s.out, "failed", 1);
  const char *entry = strstr(s.out, "\na=2 b=y, seed 2: failed\n");
  g_assert_nonnull(entry);
  char *repro = first_line(strstr(entry + 1, "\n  twsim run ") + 3);
  g_assert_nonnull(strstr(repro, " --seed 2 "));
  g_assert_true(g_str_has_suffix(repro, " --set a=2 --set b=y"));
  char **words = g_strsplit(repro, " ", -1);
  TwsimResult again = twsim_run("run", "@grid.lua", words[3], words[4], words[5], words[6],
                                words[7], words[8], NULL);
  g_assert_cmpint(again.status, ==, 1);                  /* the command reproduces it */
  twsim_result_clear(&again);
  g_strfreev(words);
  g_free(repro);
  /* Per cell: x's mean is 10 a + [b = y] + 0.02 over seeds 1..3 (the
   * failing run of a=2 b=y recorded before it failed, and counts). */
  g_assert_nonnull(strstr(s.out, "\n  a b  name "));
  const struct { const char *cell; double mean; } rows[] = {
    { "\n  1 x  x ", 10.02 }, { "\n  1 y  x ", 11.02 },
    { "\n  2 x  x ", 20.02 }, { "\n  2 y  x ", 21.02 },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(rows); i++) {
    const char *row = strstr(s.out, rows[i].cell);
    g_assert_nonnull(row);
    char *end;
    guint64 n = g_ascii_strtoull(row + strlen(rows[i].cell), &end, 10);
    g_assert_cmpuint(n, ==, 3);
    g_assert_cmpfloat_with_epsilon(g_ascii_strtod(end, NULL), rows[i].mean, 1e-9);
  }
  char *text = twsim_read_file(csv, NULL);
  char **lines = g_strsplit(text, "\n", -1);
  g_assert_cmpstr(lines[0], ==, "a,b,seed,status,x");
  g_assert_cmpuint(g_strv_length(lines), ==, 14);        /* header, 12 runs, "" */
  g_assert_cmpstr(lines[1], ==, "1,x,1,passed,10.01");
  g_assert_cmpstr(lines[6], ==, "1,y,3,passed,11.03");
  g_assert_cmpstr(lines[11], ==, "2,y,2,failed,21.02");
  g_strfreev(lines);
  g_free(text);
  TwsimResult one = twsim_run("sweep", "@grid.lua", "--grid", "a=1,2", "--grid", "b=x,y",
                              "--seeds", "1..3", "-j", "1", NULL);
  g_assert_cmpstr(one.out, ==, s.out);
  twsim_result_clear(&one);
  twsim_result_clear(&s);
  const char *const bad[][2] = {
    { "a", "--grid: expected KEY=VALUE1,VALUE2" },
    { "a=1,,2", "--grid: a: an empty value" },
    { "a b=1", "is not a parameter name" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    TwsimResult r = twsim_run("sweep", "@grid.lua", "--grid", bad[i][0], NULL);
    g_assert_cmpint(r.status, ==, 2);
    g_assert_nonnull(strstr(r.err, bad[i][1]));
    g_assert_cmpstr(strchr(r.err, '\n'), ==, "\n");
    twsim_result_clear(&r);
  }
  TwsimResult twice = twsim_run("sweep", "@grid.lua", "--grid", "a=1", "--grid", "a=2", NULL);
  g_assert_cmpint(twice.status, ==, 2);
  g_assert_nonnull(strstr(twice.err, "a is given twice"));
  twsim_result_clear(&twice);
  g_free(csv);
}

/* The mean over a cell's runs of a CSV column (the rows "closer,via,seed,
 * status,..."); every run of the cell must have passed. */
static double
cell_mean(char **lines, const char *closer, const char *via, const char *column)
{
  char **header = g_strsplit(lines[0], ",", -1);
  guint col = 0;
  while (header[col] && strcmp(header[col], column) != 0) col++;
  g_assert_nonnull(header[col]);
  char *prefix = g_strdup_printf("%s,%s,", closer, via);
  double sum = 0;
  guint n = 0;
  for (guint i = 1; lines[i] && *lines[i]; i++) {
    if (!g_str_has_prefix(lines[i], prefix)) continue;
    char **f = g_strsplit(lines[i], ",", -1);
    g_assert_cmpstr(f[3], ==, "passed");
    g_assert_cmpuint(g_strv_length(f), ==, g_strv_length(header));
    sum += g_ascii_strtod(f[col], NULL);
    n++;
    g_strfreev(f);
  }
  g_assert_cmpuint(n, ==, 2);
  g_free(prefix);
  g_strfreev(header);
  return sum / n;
}

/* scenarios/close-advice-nat.lua's grid, scaled down (100 connections/s
 * for 30 s from two clients, a gateway with 500 ports, max_tw_buckets
 * 1000 when tuned), answers the question as docs/nat.md says:
 *  - direct, server closes: the server holds the TIME_WAITs (about rate x
 *    30 s), the clients next to nothing; tuned, it holds max_tw_buckets;
 *  - direct, client closes: the clients hold them, the server none;
 *  - through SNAT on a kernel before 6.5, client closes: the gateway's
 *    conntrack TIME_WAIT holds each of its P ports for 120 s, so after P
 *    connections no more complete and connects wait: the rate is limited;
 *  - through SNAT on Linux 6.5 and later, client closes: eviction keeps
 *    the full rate, with no reset;
 *  - through SNAT, server closes: the gateway hands out ports whose tuple
 *    the server still holds in TIME_WAIT, and resets follow. */
static void
test_close_advice_nat(void)
{
  char *csv = twsim_temp_path("advice.csv");
  TwsimResult s = twsim_run("sweep", "%close-advice-nat.lua",
                            "--grid", "closer=server,client,server-tuned",
                            "--grid", "via=direct,snat,snat-linux-5", "--seeds", "1..2",
                            "--csv", csv, "--set", "rate=100", "--set", "seconds=30",
                            "--set", "clients=2", "--set", "nat_ports=61000-61499",
                            "--set", "buckets=1000", NULL);
  g_assert_cmpint(s.status, ==, 0);
  g_assert_true(g_str_has_prefix(strchr(s.out, ','), ", 9 cells x seeds 1..2, 18 runs\n"));
  g_assert_nonnull(strstr(s.out, "\n  closer       via           name "));
  g_assert_nonnull(strstr(s.out, "\n  client       snat-linux-5  completed_per_s "));
  char *text = twsim_read_file(csv, NULL);
  char **lines = g_strsplit(text, "\n", -1);
  const double rate = 100, seconds = 30, ports = 500;

  g_assert_cmpfloat(cell_mean(lines, "server", "direct", "server_tw_peak"), >, 0.9 * rate * seconds);
  g_assert_cmpfloat(cell_mean(lines, "server", "direct", "client_ports_peak"), <, 20);
  g_assert_cmpfloat(cell_mean(lines, "server-tuned", "direct", "server_tw_peak"), ==, 1000);
  g_assert_cmpfloat(cell_mean(lines, "client", "direct", "server_tw_peak"), ==, 0);
  g_assert_cmpfloat(cell_mean(lines, "client", "direct", "client_ports_peak"), >, 0.9 * rate * seconds);
  g_assert_cmpfloat(cell_mean(lines, "client", "direct", "nat_entries_peak"), ==, 0);

  g_assert_cmpfloat(cell_mean(lines, "client", "snat-linux-5", "nat_ports_peak"), ==, ports);
  g_assert_cmpfloat(cell_mean(lines, "client", "snat-linux-5", "completed_per_s"), <=, ports / seconds);
  g_assert_cmpfloat(cell_mean(lines, "client", "snat-linux-5", "waiting_connects"), >, rate * seconds / 2);
  g_assert_cmpfloat(cell_mean(lines, "client", "snat", "completed_per_s"), >, 0.95 * rate);
  g_assert_cmpfloat(cell_mean(lines, "client", "snat", "rsts"), ==, 0);
  g_assert_cmpfloat(cell_mean(lines, "server", "snat", "rsts"), >, rate);
  g_assert_cmpfloat(cell_mean(lines, "server", "snat", "server_tw_peak"), <=, ports);
  g_strfreev(lines);
  g_free(text);
  twsim_result_clear(&s);
  g_free(csv);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sweep/failing-seeds", test_failing_seeds);
  g_test_add_func("/sweep/jobs-do-not-matter", test_jobs_do_not_matter);
  g_test_add_func("/sweep/crash-and-hang", test_crash_and_hang);
  g_test_add_func("/sweep/statistics", test_statistics);
  g_test_add_func("/sweep/bad-command-lines", test_bad_command_lines);
  g_test_add_func("/sweep/per-run-outputs", test_per_run_outputs);
  g_test_add_func("/sweep/grid", test_grid);
  g_test_add_func("/sweep/close-advice-nat", test_close_advice_nat);
  g_test_add_func("/run/trace-window", test_trace_window);
  g_test_add_func("/run/stop-at-event", test_stop_at_event);
  g_test_add_func("/run/record-errors", test_record_errors);
  return g_test_run();
}
