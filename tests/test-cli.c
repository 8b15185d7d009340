/* The twsim command: exit statuses, one-line errors naming file and line,
 * determinism, outputs that are whole or absent, the sandbox. */
#include "twsim-run.h"
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

/* stderr's first line, for checking "every error is one line". */
static char *
first_line(const char *s)
{
  const char *nl = strchr(s, '\n');
  return nl ? g_strndup(s, (gsize)(nl - s)) : g_strdup(s);
}

static void
test_version_and_help(void)
{
  TwsimResult r = twsim_run("--version", NULL);
  g_assert_cmpint(r.status, ==, 0);
  g_assert_true(g_str_has_prefix(r.out, "twsim "));
  twsim_result_clear(&r);
  r = twsim_run("--help", NULL);
  g_assert_cmpint(r.status, ==, 0);
  g_assert_nonnull(strstr(r.out, "twsim run SCENARIO.lua"));
  twsim_result_clear(&r);
  r = twsim_run("run", "--help", NULL);
  g_assert_cmpint(r.status, ==, 0);
  g_assert_nonnull(strstr(r.out, "--max-events"));
  twsim_result_clear(&r);
}

static void
test_exit_ok(void)
{
  TwsimResult r = twsim_run("run", "@determinism.lua", NULL);
  g_assert_cmpint(r.status, ==, 0);
  g_assert_true(g_str_has_prefix(r.out, "twsim: "));
  g_assert_nonnull(strstr(r.out, "seed 1\n"));        /* the first line names the seed */
  g_assert_cmpstr(r.err, ==, "");
  twsim_result_clear(&r);
}

static void
test_exit_syntax_error(void)
{
  TwsimResult r = twsim_run("run", "@syntax-error.lua", NULL);
  g_assert_cmpint(r.status, ==, 2);
  g_assert_nonnull(strstr(r.err, "syntax-error.lua:3:"));
  g_assert_nonnull(strchr(r.err, '\n'));
  g_assert_cmpstr(strchr(r.err, '\n'), ==, "\n");                     /* one line */
  twsim_result_clear(&r);
}

static void
test_exit_missing_file(void)
{
  TwsimResult r = twsim_run("run", "/nonexistent/x.lua", NULL);
  g_assert_cmpint(r.status, ==, 2);
  g_assert_nonnull(strstr(r.err, "/nonexistent/x.lua: cannot read the scenario"));
  twsim_result_clear(&r);
}

static void
test_exit_bad_options(void)
{
  static const struct { const char *opt, *value, *says; } cases[] = {
    { "--frobnicate", NULL, "--frobnicate" },
    { "--seed", "-3", "--seed" },
    { "--seed", "abc", "--seed" },
    { "--until", "5 parsecs", "--until" },
    { "--until", "-1s", "--until" },
    { "--max-events", "0", "--max-events" },
    { "--timeout", "soon", "--timeout" },
    { "--set", "novalue", "--set" },
    { "--trace-format", "xml", "--trace-format" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    TwsimResult r = cases[i].value
      ? twsim_run("run", "@determinism.lua", cases[i].opt, cases[i].value, NULL)
      : twsim_run("run", "@determinism.lua", cases[i].opt, NULL);
    g_assert_cmpint(r.status, ==, 2);
    char *line = first_line(r.err);
    g_assert_nonnull(strstr(line, cases[i].says));
    g_assert_cmpstr(r.out, ==, "");
    g_free(line);
    twsim_result_clear(&r);
  }
  TwsimResult r = twsim_run("fly", NULL);
  g_assert_cmpint(r.status, ==, 2);
  twsim_result_clear(&r);
  r = twsim_run("run", NULL);
  g_assert_cmpint(r.status, ==, 2);
  twsim_result_clear(&r);
}

static void
test_exit_assert(void)
{
  TwsimResult r = twsim_run("run", "@assert-fails.lua", "--seed", "9", NULL);
  g_assert_cmpint(r.status, ==, 1);
  char *line = first_line(r.err);
  g_assert_nonnull(strstr(line, "assert-fails.lua:4: arithmetic is broken"));
  /* The failure names seed, virtual time and event, and how to reproduce. */
  g_assert_nonnull(strstr(line, "seed 9"));
  g_assert_nonnull(strstr(line, "t=1.000000000 s"));
  g_assert_nonnull(strstr(line, "event 2"));
  g_assert_nonnull(strstr(r.err, "reproduce with: twsim run "));
  g_assert_nonnull(strstr(r.err, "assert-fails.lua --seed 9\n"));
  g_free(line);
  twsim_result_clear(&r);
}

static void
test_exit_runtime_error(void)
{
  TwsimResult r = twsim_run("run", "@error-in-main.lua", NULL);
  g_assert_cmpint(r.status, ==, 1);
  g_assert_nonnull(strstr(r.err, "error-in-main.lua:3:"));
  twsim_result_clear(&r);
}

static void
test_exit_usage_errors(void)
{
  static const struct { const char *file, *says; } cases[] = {
    { "@bad-argument.lua", "bad-argument.lua:4: sim.sleep: duration: unknown unit" },
    { "@blocking-outside.lua", "blocking-outside.lua:2: sim.sleep: a blocking call outside a process" },
    { "@blocking-in-coroutine.lua", "blocking-in-coroutine.lua:3: sim.sleep: a blocking call outside a process" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    TwsimResult r = twsim_run("run", cases[i].file, NULL);
    g_assert_cmpint(r.status, ==, 2);
    g_assert_nonnull(strstr(r.err, cases[i].says));
    twsim_result_clear(&r);
  }
}

static void
test_exit_limits(void)
{
  TwsimResult r = twsim_run("run", "@ticker.lua", "--max-events", "1000", NULL);
  g_assert_cmpint(r.status, ==, 3);
  g_assert_nonnull(strstr(r.err, "event limit reached"));
  g_assert_nonnull(strstr(r.out, "1000 events"));          /* summary still written */
  twsim_result_clear(&r);
  r = twsim_run("run", "@busy-loop.lua", "--timeout", "0.3", NULL);
  g_assert_cmpint(r.status, ==, 3);
  g_assert_nonnull(strstr(r.err, "wall-clock limit"));
  twsim_result_clear(&r);
  r = twsim_run("run", "@ticker.lua", "--timeout", "0.3", NULL);
  g_assert_cmpint(r.status, ==, 3);
  twsim_result_clear(&r);
}

static void
test_exit_memory_limit(void)
{
  TwsimResult r = twsim_run("run", "@memory-hog.lua", "--max-memory", "32", NULL);
  g_assert_cmpint(r.status, ==, 3);
  g_assert_nonnull(strstr(r.err, "memory limit reached"));
  twsim_result_clear(&r);
}

static void
test_exit_signal(void)
{
  /* SIGTERM stops a run like a limit: exit 128 + 15, outputs complete. */
  char *trace = twsim_temp_path("signal.trace");
  char *scenario = g_build_filename(g_getenv("TWSIM_TEST_SCENARIOS"), "ticker.lua", NULL);
  const char *argv[] = { g_getenv("TWSIM"), "run", scenario, "--trace", trace, NULL };
  int status = twsim_run_and_signal(argv, 300000, SIGTERM);
  g_assert_true(WIFEXITED(status));
  g_assert_cmpint(WEXITSTATUS(status), ==, 143);
  g_assert_true(g_file_test(trace, G_FILE_TEST_EXISTS));
  g_free(scenario);
  g_free(trace);
}

/* What a running twsim shows of glibc's huge-page tunable: its
 * GLIBC_TUNABLES (glibc 2.36 writes back only the first item there) and
 * whether its heap is advised for huge pages ("hg" in the VmFlags of
 * [heap]). */
typedef struct {
  char     *tunables;
  gboolean  heap_advised;
} HugeSeen;

static void
huge_seen_read(GPid pid, HugeSeen *seen)
{
  g_clear_pointer(&seen->tunables, g_free);
  seen->heap_advised = FALSE;
  char *path = g_strdup_printf("/proc/%d/environ", (int)pid);
  gchar *text = NULL;
  gsize len = 0;
  g_assert_true(g_file_get_contents(path, &text, &len, NULL));
  for (gsize at = 0; at < len; at += strlen(text + at) + 1)
    if (g_str_has_prefix(text + at, "GLIBC_TUNABLES="))
      seen->tunables = g_strdup(text + at + strlen("GLIBC_TUNABLES="));
  g_free(text);
  g_free(path);
  path = g_strdup_printf("/proc/%d/smaps", (int)pid);
  g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
  const char *heap = strstr(text, "[heap]");
  const char *flags = heap ? strstr(heap, "VmFlags:") : NULL;
  if (flags) {
    g_autofree char *line = g_strndup(flags, strcspn(flags, "\n"));
    seen->heap_advised = strstr(line, " hg") != NULL;
  }
  g_free(text);
  g_free(path);
}

/* Runs twsim (a scenario that ticks forever) with GLIBC_TUNABLES set to
 * `tunables` (NULL: unset) until it shows what `want_advised` says, or
 * for 2 s, then stops it and returns what it showed. */
static HugeSeen
huge_seen(const char *tunables, gboolean want_advised)
{
  char *scenario = g_build_filename(g_getenv("TWSIM_TEST_SCENARIOS"), "ticker.lua", NULL);
  const char *argv[] = { g_getenv("TWSIM"), "run", scenario, NULL };
  char **env = g_get_environ();
  env = tunables ? g_environ_setenv(env, "GLIBC_TUNABLES", tunables, TRUE)
                 : g_environ_unsetenv(env, "GLIBC_TUNABLES");
  GPid pid = twsim_start(argv, env);
  HugeSeen seen = { 0 };
  /* At least 300 ms, so that a restart that should not happen has had
   * its time to. */
  for (int i = 0; i < 200; i++) {
    g_usleep(10000);
    huge_seen_read(pid, &seen);
    if (i >= 30 && seen.heap_advised == want_advised) break;
  }
  twsim_stop(pid, SIGTERM);
  g_strfreev(env);
  g_free(scenario);
  return seen;
}

static void
test_huge_pages(void)
{
  /* twsim starts itself again with glibc's huge-page tunable added where
   * the kernel has transparent huge pages, and leaves a choice the user
   * made in GLIBC_TUNABLES as it is.  Outputs are the same either way
   * (the determinism tests). */
  char *enabled = NULL;
  gboolean thp = g_file_get_contents("/sys/kernel/mm/transparent_hugepage/enabled", &enabled, NULL, NULL) &&
                 strstr(enabled, "[never]") == NULL;
  g_free(enabled);
#if defined(__SANITIZE_ADDRESS__)
  /* The sanitizer's allocator, not glibc's heap, serves this build's
   * allocations: only the tunable can be seen. */
  gboolean glibc_heap = FALSE;
#else
  gboolean glibc_heap = TRUE;
#endif
  HugeSeen seen = huge_seen(NULL, thp && glibc_heap);
  g_assert_cmpstr(seen.tunables, ==, thp ? "glibc.malloc.hugetlb=1" : NULL);
  g_assert_true(seen.heap_advised == (thp && glibc_heap));
  g_free(seen.tunables);
  /* Another tunable set: the huge pages' one added after it. */
  seen = huge_seen("glibc.malloc.tcache_count=7", thp && glibc_heap);
  g_assert_true(seen.heap_advised == (thp && glibc_heap));
  g_free(seen.tunables);
  /* The user's own choice. */
  seen = huge_seen("glibc.malloc.hugetlb=0", FALSE);
  g_assert_cmpstr(seen.tunables, ==, "glibc.malloc.hugetlb=0");
  g_assert_false(seen.heap_advised);
  g_free(seen.tunables);
}

static void
test_determinism(void)
{
  char *trace1 = twsim_temp_path("det1.trace"), *trace2 = twsim_temp_path("det2.trace");
  TwsimResult a = twsim_run("run", "@determinism.lua", "--seed", "5", "--trace", trace1, NULL);
  TwsimResult b = twsim_run("run", "@determinism.lua", "--seed", "5", "--trace", trace2, NULL);
  g_assert_cmpint(a.status, ==, 0);
  g_assert_cmpint(b.status, ==, 0);
  g_assert_cmpstr(a.out, ==, b.out);
  gsize l1, l2;
  char *t1 = twsim_read_file(trace1, &l1), *t2 = twsim_read_file(trace2, &l2);
  g_assert_cmpuint(l1, >, 0);
  g_assert_cmpmem(t1, l1, t2, l2);
  /* A different seed gives a different run. */
  TwsimResult c = twsim_run("run", "@determinism.lua", "--seed", "6", NULL);
  g_assert_cmpint(c.status, ==, 0);
  g_assert_cmpstr(a.out, !=, c.out);
  /* pairs() visits numbers in order, then strings bytewise. */
  g_assert_nonnull(strstr(a.out, "7=1 14=2 21=3"));
  g_assert_nonnull(strstr(a.out, "key1=1 key10=10 key100=100 key101=101"));
  g_free(t1); g_free(t2); g_free(trace1); g_free(trace2);
  twsim_result_clear(&a); twsim_result_clear(&b); twsim_result_clear(&c);
}

static void
test_trace_forms_agree(void)
{
  TwsimResult text = twsim_run("run", "@determinism.lua", "--quiet", "--trace", "-", NULL);
  TwsimResult json = twsim_run("run", "@determinism.lua", "--quiet", "--trace", "-",
                               "--trace-format", "jsonl", NULL);
  g_assert_cmpint(text.status, ==, 0);
  g_assert_cmpint(json.status, ==, 0);
  g_assert_nonnull(strstr(text.out, "0.001000000 log - ev=6 msg=\"process 1 step 1\""));
  g_assert_nonnull(strstr(json.out, "{\"t\":0.001000000,\"kind\":\"log\",\"ev\":6,\"msg\":\"process 1 step 1\"}"));
  twsim_result_clear(&text);
  twsim_result_clear(&json);
}

static void
test_invalid_run_leaves_no_output(void)
{
  char *trace = twsim_temp_path("invalid.trace");
  TwsimResult r = twsim_run("run", "@bad-argument.lua", "--trace", trace, NULL);
  g_assert_cmpint(r.status, ==, 2);
  g_assert_false(g_file_test(trace, G_FILE_TEST_EXISTS));
  twsim_result_clear(&r);
  /* A limited run keeps a complete trace up to where it stopped. */
  r = twsim_run("run", "@assert-fails.lua", "--trace", trace, NULL);
  g_assert_cmpint(r.status, ==, 1);
  g_assert_true(g_file_test(trace, G_FILE_TEST_EXISTS));
  twsim_result_clear(&r);
  g_free(trace);
}

static void
test_sandbox(void)
{
  TwsimResult r = twsim_run("run", "@sandbox-escape.lua", "--sandbox", "--quiet", NULL);
  g_assert_cmpint(r.status, ==, 0);
  static const char *const refused[] = { "io.open", "os.execute", "require", "debug",
                                         "dofile", "loadfile", "load-binary", "string.dump", NULL };
  for (int i = 0; refused[i]; i++) {
    char *want = g_strdup_printf("%s\trefused\n", refused[i]);
    g_assert_nonnull(strstr(r.out, want));
    g_free(want);
  }
  g_assert_nonnull(strstr(r.out, "load-text\tALLOWED\n"));
  twsim_result_clear(&r);
  /* Without --sandbox the same file reaches io. */
  r = twsim_run("run", "@sandbox-escape.lua", "--quiet", NULL);
  g_assert_nonnull(strstr(r.out, "io.open\tALLOWED\n"));
  twsim_result_clear(&r);
}

/* --check runs every invariant check after every event: the run and its
 * outputs stay the same, and a reproduce line keeps the option. */
static void
test_check(void)
{
  char *t1 = twsim_temp_path("check1.trace"), *t2 = twsim_temp_path("check2.trace");
  TwsimResult a = twsim_run("run", "%lossy-link.lua", "--trace", t1, NULL);
  TwsimResult b = twsim_run("run", "%lossy-link.lua", "--check", "--trace", t2, NULL);
  g_assert_cmpint(a.status, ==, 0);
  g_assert_cmpint(b.status, ==, 0);
  g_assert_cmpstr(a.out, ==, b.out);
  gsize l1, l2;
  char *x1 = twsim_read_file(t1, &l1), *x2 = twsim_read_file(t2, &l2);
  g_assert_cmpuint(l1, >, 0);
  g_assert_cmpmem(x1, l1, x2, l2);
  twsim_result_clear(&a);
  twsim_result_clear(&b);
  a = twsim_run("run", "@assert-fails.lua", "--check", NULL);
  g_assert_cmpint(a.status, ==, 1);
  g_assert_nonnull(strstr(a.err, " --check"));
  twsim_result_clear(&a);
  /* A sweep hands --check to each run: the failing seeds' commands say so. */
  a = twsim_run("sweep", "@flaky.lua", "--seeds", "1..6", "-j", "1", "--check", NULL);
  g_assert_nonnull(strstr(a.out, "--seed 1 --check"));
  twsim_result_clear(&a);
  g_free(x1); g_free(x2); g_free(t1); g_free(t2);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/cli/version-and-help", test_version_and_help);
  g_test_add_func("/cli/exit/ok", test_exit_ok);
  g_test_add_func("/cli/exit/syntax-error", test_exit_syntax_error);
  g_test_add_func("/cli/exit/missing-file", test_exit_missing_file);
  g_test_add_func("/cli/exit/bad-options", test_exit_bad_options);
  g_test_add_func("/cli/exit/assert", test_exit_assert);
  g_test_add_func("/cli/exit/runtime-error", test_exit_runtime_error);
  g_test_add_func("/cli/exit/usage-errors", test_exit_usage_errors);
  g_test_add_func("/cli/exit/limits", test_exit_limits);
  g_test_add_func("/cli/exit/memory-limit", test_exit_memory_limit);
  g_test_add_func("/cli/exit/signal", test_exit_signal);
  g_test_add_func("/cli/huge-pages", test_huge_pages);
  g_test_add_func("/cli/determinism", test_determinism);
  g_test_add_func("/cli/trace-forms-agree", test_trace_forms_agree);
  g_test_add_func("/cli/invalid-run-leaves-no-output", test_invalid_run_leaves_no_output);
  g_test_add_func("/cli/sandbox", test_sandbox);
  g_test_add_func("/cli/check", test_check);
  return g_test_run();
}
