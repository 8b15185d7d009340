/* Runs cut short with TCP traffic, and the sandbox's bounds.
 *
 * A run stopped by --max-events, --timeout or a signal must still leave
 * complete, valid outputs: a pcap whose records add up to the file (and
 * that tshark reads without complaint, when it is installed), a metrics
 * file whose last row is a whole sample at the time the run stopped, a
 * summary JSON that is one closed object, a trace ending in a whole line.
 * Under --sandbox, memory is capped by default, --timeout stops loops even
 * inside coroutines, the string metatable reaches nothing removed, and
 * coroutines do not get blocking calls past the process check. */
#include "twsim-run.h"
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

typedef struct {
  char *pcap, *metrics, *json, *trace;
} Outputs;

static void
outputs_init(Outputs *o, const char *tag)
{
  g_autofree char *p = g_strdup_printf("%s.pcap", tag), *m = g_strdup_printf("%s.csv", tag),
                  *j = g_strdup_printf("%s.json", tag), *t = g_strdup_printf("%s.trace", tag);
  o->pcap = twsim_temp_path(p);
  o->metrics = twsim_temp_path(m);
  o->json = twsim_temp_path(j);
  o->trace = twsim_temp_path(t);
}

static void
outputs_clear(Outputs *o)
{
  g_free(o->pcap); g_free(o->metrics); g_free(o->json); g_free(o->trace);
}

static guint32
le32(const guint8 *p)
{
  return (guint32)p[0] | (guint32)p[1] << 8 | (guint32)p[2] << 16 | (guint32)p[3] << 24;
}

/* Classic pcap: the global header, then records whose lengths add up to
 * the file exactly (a record cut in the middle would not). */
static guint
check_pcap(const char *path)
{
  gsize len;
  g_autofree guint8 *data = (guint8 *)twsim_read_file(path, &len);
  g_assert_cmpuint(len, >=, 24);
  g_assert_true(le32(data) == 0xa1b2c3d4 || le32(data) == 0xa1b23c4d);   /* us or ns */
  gsize off = 24;
  guint n = 0;
  while (off < len) {
    g_assert_cmpuint(off + 16, <=, len);
    guint32 incl = le32(data + off + 8), orig = le32(data + off + 12);
    g_assert_cmpuint(incl, <=, orig);
    off += 16 + incl;
    g_assert_cmpuint(off, <=, len);
    n++;
  }
  g_assert_cmpuint(n, >, 0);
  const char *tshark = g_getenv("TSHARK");
  g_autofree char *found = (tshark && *tshark) ? g_strdup(tshark) : g_find_program_in_path("tshark");
  if (found) {
    const char *argv[] = { found, "-r", path, "-o", "ip.check_checksum:TRUE",
                           "-o", "tcp.check_checksum:TRUE", NULL };
    g_autofree char *out = NULL, *err = NULL;
    int status = 0;
    GError *error = NULL;
    g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                 &status, &error);
    g_assert_no_error(error);
    g_assert_true(g_spawn_check_wait_status(status, NULL));
    /* Any complaint but tshark's warning about running as root. */
    g_auto(GStrv) errs = g_strsplit(err, "\n", -1);
    for (char **e = errs; *e; e++)
      if (**e && !strstr(*e, "could be dangerous")) g_error("tshark: %s", *e);
    g_assert_null(strstr(out, "Malformed"));
    g_assert_null(strstr(out, "incorrect"));
    guint lines = 0;
    for (const char *p = out; *p; p++) lines += *p == '\n';
    g_assert_cmpuint(lines, ==, n);
  }
  return n;
}

/* The header and every row have the same number of fields; the last rows
 * are whole samples. */
static void
check_metrics(const char *path)
{
  g_autofree char *text = twsim_read_file(path, NULL);
  g_assert_true(g_str_has_suffix(text, "\n"));
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  guint n = g_strv_length(lines) - 1;         /* the empty string after the last \n */
  g_assert_cmpuint(n, >=, 2);
  g_assert_true(g_str_has_prefix(lines[0], "time,host,CLOSED,"));
  guint cols = 0;
  for (const char *p = lines[0]; *p; p++) cols += *p == ',';
  for (guint i = 1; i < n; i++) {
    guint c = 0;
    for (const char *p = lines[i]; *p; p++) c += *p == ',';
    g_assert_cmpuint(c, ==, cols);
  }
  /* The last sample is taken when the run stopped, after time 0. */
  g_assert_cmpfloat(g_ascii_strtod(lines[n - 1], NULL), >, 0.0);
}

/* One JSON object, closed: brackets balance outside strings. */
static void
check_json(const char *path)
{
  g_autofree char *text = twsim_read_file(path, NULL);
  g_assert_true(text[0] == '{');
  int depth = 0;
  gboolean in_str = FALSE;
  for (const char *p = text; *p; p++) {
    if (in_str) {
      if (*p == '\\' && p[1]) p++;
      else if (*p == '"') in_str = FALSE;
    } else if (*p == '"') {
      in_str = TRUE;
    } else if (*p == '{' || *p == '[') {
      depth++;
    } else if (*p == '}' || *p == ']') {
      depth--;
      g_assert_cmpint(depth, >=, 0);
    }
  }
  g_assert_false(in_str);
  g_assert_cmpint(depth, ==, 0);
  g_assert_nonnull(strstr(text, "\"hosts\""));
}

static void
check_outputs(const Outputs *o)
{
  check_pcap(o->pcap);
  check_metrics(o->metrics);
  check_json(o->json);
  g_autofree char *trace = twsim_read_file(o->trace, NULL);
  g_assert_true(g_str_has_suffix(trace, "\n"));
  g_assert_nonnull(strstr(trace, " state "));
}

static void
test_max_events(void)
{
  Outputs o;
  outputs_init(&o, "max-events");
  TwsimResult r = twsim_run("run", "%server-closes-first-load.lua", "--max-events", "20000",
                            "--pcap", o.pcap, "--metrics", o.metrics, "--summary-json", o.json,
                            "--trace", o.trace, "--quiet", NULL);
  g_assert_cmpint(r.status, ==, 3);
  g_assert_nonnull(strstr(r.err, "event limit reached"));
  check_outputs(&o);
  twsim_result_clear(&r);
  outputs_clear(&o);
}

static void
test_timeout(void)
{
  Outputs o;
  outputs_init(&o, "timeout");
  TwsimResult r = twsim_run("run", "%port-exhaustion.lua", "--timeout", "0.3",
                            "--pcap", o.pcap, "--metrics", o.metrics, "--summary-json", o.json,
                            "--trace", o.trace, "--quiet", NULL);
  g_assert_cmpint(r.status, ==, 3);
  g_assert_nonnull(strstr(r.err, "wall-clock limit"));
  check_outputs(&o);
  twsim_result_clear(&r);
  outputs_clear(&o);
}

static void
test_signal(gconstpointer data)
{
  int sig = GPOINTER_TO_INT(data);
  Outputs o;
  outputs_init(&o, sig == SIGINT ? "sigint" : "sigterm");
  g_autofree char *scenario = g_build_filename(g_getenv("TWSIM_SCENARIOS"),
                                               "port-exhaustion.lua", NULL);
  const char *argv[] = { g_getenv("TWSIM"), "run", scenario, "--pcap", o.pcap,
                         "--metrics", o.metrics, "--summary-json", o.json,
                         "--trace", o.trace, "--quiet", NULL };
  int status = twsim_run_and_signal(argv, 400000, sig);
  g_assert_true(WIFEXITED(status));
  g_assert_cmpint(WEXITSTATUS(status), ==, 128 + sig);
  check_outputs(&o);
  outputs_clear(&o);
}

/* ---- the sandbox ---------------------------------------------------------- */

static void
test_sandbox_memory(void)
{
  /* 600 MiB in one string: refused under the default cap... */
  TwsimResult r = twsim_run("run", "@big-alloc.lua", "--sandbox", "--quiet", NULL);
  g_assert_cmpint(r.status, ==, 3);
  g_assert_nonnull(strstr(r.err, "memory limit reached"));
  twsim_result_clear(&r);
  /* ...and --max-memory still sets the cap under --sandbox. */
  r = twsim_run("run", "@memory-hog.lua", "--sandbox", "--max-memory", "16", "--quiet", NULL);
  g_assert_cmpint(r.status, ==, 3);
  twsim_result_clear(&r);
}

static void
test_sandbox_time(void)
{
  TwsimResult r = twsim_run("run", "@busy-loop.lua", "--sandbox", "--timeout", "0.3", NULL);
  g_assert_cmpint(r.status, ==, 3);
  g_assert_nonnull(strstr(r.err, "wall-clock limit"));
  twsim_result_clear(&r);
  /* A loop inside a coroutine inside a process is stopped too. */
  r = twsim_run("run", "@coroutine-escape.lua", "--sandbox", "--set", "how=loop",
                "--timeout", "0.3", NULL);
  g_assert_cmpint(r.status, ==, 3);
  g_assert_nonnull(strstr(r.err, "wall-clock limit"));
  twsim_result_clear(&r);
}

static void
test_sandbox_reach(void)
{
  TwsimResult r = twsim_run("run", "@sandbox-reach.lua", "--sandbox", "--quiet", NULL);
  g_assert_cmpint(r.status, ==, 0);
  static const char *const paths[] = { "string-mt.__index.dump", "(\"\").dump", "string.dump",
                                       "load-io", "load-env-os", "_ENV.debug", "_G.package",
                                       "collectgarbage", "coroutine-io", NULL };
  for (int i = 0; paths[i]; i++) {
    g_autofree char *want = g_strdup_printf("%s\tnil\n", paths[i]);
    if (strstr(r.out, want) == NULL) g_test_message("got: %s", r.out);
    g_assert_nonnull(strstr(r.out, want));
  }
  g_assert_nonnull(strstr(r.out, "string.rep\tabab\n"));   /* strings still work */
  twsim_result_clear(&r);
  /* Without --sandbox the same paths reach the libraries. */
  r = twsim_run("run", "@sandbox-reach.lua", "--quiet", NULL);
  g_assert_nonnull(strstr(r.out, "string-mt.__index.dump\tfunction\n"));
  g_assert_nonnull(strstr(r.out, "load-io\ttable\n"));
  twsim_result_clear(&r);
}

static void
test_sandbox_coroutines(void)
{
  static const char *const hows[] = { "wrap-c", "resume", "nested", "yield-across", NULL };
  for (int i = 0; hows[i]; i++) {
    g_autofree char *set = g_strdup_printf("how=%s", hows[i]);
    TwsimResult r = twsim_run("run", "@coroutine-escape.lua", "--sandbox", "--quiet",
                              "--set", set, NULL);
    if (r.status != 2) g_test_message("%s: %s", hows[i], r.err);
    g_assert_cmpint(r.status, ==, 2);
    g_assert_nonnull(strstr(r.err, "a blocking call outside a process"));
    g_assert_nonnull(strstr(r.err, "coroutine-escape.lua:"));   /* names the line */
    twsim_result_clear(&r);
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/limits/max-events/outputs", test_max_events);
  g_test_add_func("/limits/timeout/outputs", test_timeout);
  g_test_add_data_func("/limits/sigint/outputs", GINT_TO_POINTER(SIGINT), test_signal);
  g_test_add_data_func("/limits/sigterm/outputs", GINT_TO_POINTER(SIGTERM), test_signal);
  g_test_add_func("/sandbox/memory", test_sandbox_memory);
  g_test_add_func("/sandbox/time", test_sandbox_time);
  g_test_add_func("/sandbox/reach", test_sandbox_reach);
  g_test_add_func("/sandbox/coroutines", test_sandbox_coroutines);
  return g_test_run();
}
