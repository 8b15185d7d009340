/* Out of memory at every allocation, the way SQLite proves its malloc
 * failure paths: each scenario runs with its Nth allocation refused (the
 * Lua state's, and twsim's own charged objects: `--fail-alloc N`, which
 * refuses the Nth and every later one) for N = 1, 2, 3 ... until a run
 * never reaches N.  Every run must end with exit status 3 and the out of
 * memory message, or with the scenario's normal result: never a crash, a
 * sanitizer report (CI runs this under ASan, leaks included), or a
 * temporary output file left behind.  Each requested output either is
 * whole (the run reached its end or a limit: exit 0 or 3) or absent. */
#include "twsim-run.h"
#include <glib/gstdio.h>
#include <string.h>

/* More than any of these scenarios allocates: reaching it means the loop
 * never saw a run complete. */
#define MAX_N 20000

static const char *const scenarios[] = { "api-tour.lua", NULL };

static gint
compare_names(gconstpointer a, gconstpointer b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Every file in `dir`, sorted, joined with spaces. */
static char *
list_dir(const char *dir)
{
  GDir *d = g_dir_open(dir, 0, NULL);
  g_assert_nonnull(d);
  GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
  for (const char *n; (n = g_dir_read_name(d)) != NULL;) g_ptr_array_add(names, g_strdup(n));
  g_dir_close(d);
  g_ptr_array_sort(names, compare_names);
  GString *s = g_string_new(NULL);
  for (guint i = 0; i < names->len; i++)
    g_string_append_printf(s, "%s%s", i ? " " : "", (char *)g_ptr_array_index(names, i));
  g_ptr_array_free(names, TRUE);
  return g_string_free(s, FALSE);
}

/* Removes every file of `dir` (no subfolders are made there). */
static void
empty_dir(const char *dir)
{
  GDir *d = g_dir_open(dir, 0, NULL);
  for (const char *n; (n = g_dir_read_name(d)) != NULL;) {
    char *p = g_build_filename(dir, n, NULL);
    g_remove(p);
    g_free(p);
  }
  g_dir_close(d);
}

static TwsimResult
run_with(const char *scenario, const char *dir, guint64 n)
{
  char *at = g_strdup_printf("@%s", scenario);
  char *trace = g_build_filename(dir, "trace.jsonl", NULL);
  char *metrics = g_build_filename(dir, "metrics.csv", NULL);
  char *summary = g_build_filename(dir, "summary.json", NULL);
  char *fail = g_strdup_printf("%" G_GUINT64_FORMAT, n);
  TwsimResult r = n ? twsim_run("run", at, "--quiet", "--trace", trace, "--trace-format", "jsonl",
                                "--metrics", metrics, "--summary-json", summary,
                                "--fail-alloc", fail, NULL)
                    : twsim_run("run", at, "--quiet", "--trace", trace, "--trace-format", "jsonl",
                                "--metrics", metrics, "--summary-json", summary, NULL);
  g_free(at); g_free(trace); g_free(metrics); g_free(summary); g_free(fail);
  return r;
}

static void
test_scenario(gconstpointer data)
{
  const char *scenario = data;
  g_autofree char *somewhere = twsim_temp_path("x");
  char *dir = g_path_get_dirname(somewhere);
  TwsimResult normal = run_with(scenario, dir, 0);
  g_assert_cmpint(normal.status, ==, 0);
  char *whole = list_dir(dir);
  g_assert_cmpstr(whole, ==, "metrics.csv summary.json trace.jsonl");
  empty_dir(dir);
  guint64 n = 1;
  for (;; n++) {
    g_assert_cmpuint(n, <, MAX_N);
    TwsimResult r = run_with(scenario, dir, n);
    gboolean refused = strstr(r.err, "out of memory") != NULL;
    if (r.status != 3 && !(r.status == normal.status && !refused))
      g_test_message("--fail-alloc %" G_GUINT64_FORMAT ": exit %d: %s", n, r.status, r.err);
    g_assert_null(strstr(r.err, "Sanitizer"));
    g_assert_null(strstr(r.err, "internal error"));
    g_assert_true(r.status == 3 || (r.status == normal.status && !refused));
    if (r.status == 3) g_assert_true(refused);
    /* Whole outputs, or none (the Lua state could not even be made): never
     * a temporary file. */
    char *files = list_dir(dir);
    if (*files) g_assert_cmpstr(files, ==, whole);
    g_free(files);
    empty_dir(dir);
    gboolean done = !refused;
    twsim_result_clear(&r);
    if (done) break;
  }
  /* The loop went through the failure of many allocations before a run
   * completed: the hook was really on. */
  g_assert_cmpuint(n, >, 100);
  g_test_message("%s: %" G_GUINT64_FORMAT " runs", scenario, n);
  g_free(whole);
  g_free(dir);
  twsim_result_clear(&normal);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  for (int i = 0; scenarios[i]; i++) {
    char *path = g_strdup_printf("/alloc-fail/%s", scenarios[i]);
    g_test_add_data_func(path, scenarios[i], test_scenario);
    g_free(path);
  }
  return g_test_run();
}
