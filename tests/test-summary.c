/* The summary says why and what it costs: TIME_WAIT records reopened by a
 * new SYN, in words; the TIME_WAIT sockets' size in a Linux kernel beside
 * twsim's; every sim.record name's distribution, in the text and the JSON;
 * a table when there are many hosts (--summary-hosts). */
#include "twsim-run.h"
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Runs `twsim run @scenario --quiet --summary-json F --trace -` and
 * returns the summary, parsed; *trace gets the trace. */
static JsonNode *
run_json(const char *scenario, char **trace)
{
  char *path = twsim_temp_path("s.json");
  TwsimResult r = twsim_run("run", scenario, "--quiet", "--summary-json", path,
                            "--trace", "-", NULL);
  g_assert_cmpint(r.status, ==, 0);
  char *text = twsim_read_file(path, NULL);
  JsonNode *root = json_from_string(text, NULL);
  g_assert_nonnull(root);
  *trace = g_strdup(r.out);
  g_free(text);
  g_free(path);
  twsim_result_clear(&r);
  return root;
}

static JsonObject *
host_named(JsonNode *root, const char *name)
{
  JsonArray *hosts = json_object_get_array_member(json_node_get_object(root), "hosts");
  for (guint i = 0; i < json_array_get_length(hosts); i++) {
    JsonObject *h = json_array_get_object_element(hosts, i);
    if (strcmp(json_object_get_string_member(h, "name"), name) == 0) return h;
  }
  g_assert_not_reached();
}

static void
test_tw_reopened(void)
{
  TwsimResult r = twsim_run("run", "@tw-reopen.lua", NULL);
  g_assert_cmpint(r.status, ==, 0);
  char *trace;
  JsonNode *root = run_json("@tw-reopen.lua", &trace);
  JsonObject *stats = json_object_get_object_member(host_named(root, "server"), "stats");
  gint64 reused = json_object_get_int_member(stats, "tw_reused");
  gint64 entered = json_object_get_int_member(stats, "tw_entered");
  g_assert_cmpint(reused, >, 0);
  char *words = g_strdup_printf("  TIME_WAIT reused: %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT
                                " records reopened by a new SYN from a reused client port",
                                reused, entered);
  g_assert_nonnull(strstr(r.out, words));
  /* The client reused nothing: no such line in its block. */
  g_assert_cmpuint(strstr(r.out, "TIME_WAIT reused:") - r.out, >, strstr(r.out, "host server:") - r.out);
  g_free(words);
  g_free(trace);
  json_node_unref(root);
  twsim_result_clear(&r);
}

/* n with commas between groups of three digits, as the summary writes
 * counts. */
static char *
grouped(gint64 n)
{
  char *plain = g_strdup_printf("%" G_GINT64_FORMAT, n);
  GString *s = g_string_new(NULL);
  gsize len = strlen(plain);
  for (gsize i = 0; i < len; i++) {
    if (i && (len - i) % 3 == 0) g_string_append_c(s, ',');
    g_string_append_c(s, plain[i]);
  }
  g_free(plain);
  return g_string_free(s, FALSE);
}

static void
test_tw_memory(void)
{
  char *trace;
  JsonNode *root = run_json("@tw-reopen.lua", &trace);
  JsonObject *server = host_named(root, "server");
  gint64 peak = json_object_get_int_member(json_object_get_object_member(server, "stats"),
                                           "tw_peak");
  JsonObject *mem = json_object_get_object_member(server, "tw_memory");
  g_assert_cmpint(json_object_get_int_member(mem, "linux_bytes_per_socket"), ==, 256);
  g_assert_cmpint(json_object_get_int_member(mem, "linux_bytes_at_peak"), ==, peak * 256);
  /* twsim's records: at least 36 bytes each, and less than the kernel's. */
  gint64 ours = json_object_get_int_member(mem, "twsim_bytes");
  g_assert_cmpint(ours, >=, peak * 36);
  g_assert_cmpint(ours, <, peak * 256);
  TwsimResult r = twsim_run("run", "@tw-reopen.lua", NULL);
  char *kernel = grouped(peak * 256), *twsim = grouped(ours);
  char *line = g_strdup_printf("  TIME_WAIT memory at the peak of %" G_GINT64_FORMAT ": %s"
                               " bytes in a Linux kernel (256 a socket, slab tw_sock_TCP), "
                               "%s bytes in twsim\n", peak, kernel, twsim);
  g_free(kernel);
  g_free(twsim);
  g_assert_nonnull(strstr(r.out, line));
  g_free(line);
  g_free(trace);
  json_node_unref(root);
  twsim_result_clear(&r);
}

static int
compare_doubles(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The JSON's distribution of connect_ms against the values the trace's
 * "record" lines carry, computed here. */
static void
test_records_distribution(void)
{
  char *trace;
  JsonNode *root = run_json("@tw-reopen.lua", &trace);
  GArray *v = g_array_new(FALSE, FALSE, sizeof(double));
  double sum = 0;
  for (const char *p = strstr(trace, "name=connect_ms value="); p;
       p = strstr(p + 1, "name=connect_ms value=")) {
    double x = g_ascii_strtod(p + strlen("name=connect_ms value="), NULL);
    g_array_append_val(v, x);
    sum += x;
  }
  g_assert_cmpuint(v->len, ==, 40);
  double last = g_array_index(v, double, v->len - 1);
  qsort(v->data, v->len, sizeof(double), compare_doubles);
  JsonObject *rec = json_object_get_object_member(
    json_object_get_object_member(json_node_get_object(root), "records"), "connect_ms");
  g_assert_cmpint(json_object_get_int_member(rec, "count"), ==, 40);
  /* The trace prints values with 14 digits, the JSON in full. */
  const struct { const char *key; double want; } figures[] = {
    { "last", last }, { "mean", sum / 40 }, { "min", g_array_index(v, double, 0) },
    { "max", g_array_index(v, double, 39) }, { "p50", g_array_index(v, double, 19) },
    { "p90", g_array_index(v, double, 35) }, { "p99", g_array_index(v, double, 39) },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(figures); i++) {
    double got = json_object_get_double_member(rec, figures[i].key);
    if (fabs(got - figures[i].want) > 1e-9) g_test_message("%s: %g", figures[i].key, got);
    g_assert_cmpfloat(fabs(got - figures[i].want), <=, 1e-9);
  }
  /* The text summary has the same figures, to six digits. */
  TwsimResult r = twsim_run("run", "@tw-reopen.lua", NULL);
  const char *row = strstr(r.out, "\n  connect_ms ");
  g_assert_nonnull(row);
  char *expect = g_strdup_printf("%8d %12.6g", 40, sum / 40);
  g_assert_nonnull(strstr(row, expect));
  g_free(expect);
  g_array_free(v, TRUE);
  g_free(trace);
  json_node_unref(root);
  twsim_result_clear(&r);
}

/* How many lines of `text` start with `prefix`. */
static guint
lines_starting(const char *text, const char *prefix)
{
  guint n = 0;
  char **lines = g_strsplit(text, "\n", -1);
  for (guint i = 0; lines[i]; i++) n += g_str_has_prefix(lines[i], prefix);
  g_strfreev(lines);
  return n;
}

static void
test_hosts_table(void)
{
  /* routed.lua has six hosts: more than a summary shows as blocks. */
  TwsimResult aut = twsim_run("run", "%routed.lua", NULL);
  TwsimResult blocks = twsim_run("run", "%routed.lua", "--summary-hosts", "blocks", NULL);
  TwsimResult table = twsim_run("run", "%routed.lua", "--summary-hosts", "table", NULL);
  g_assert_cmpint(aut.status, ==, 0);
  g_assert_cmpint(blocks.status, ==, 0);
  g_assert_cmpint(table.status, ==, 0);
  g_assert_cmpuint(lines_starting(aut.out, "host "), ==, 0);
  g_assert_cmpuint(lines_starting(aut.out, "  host "), ==, 1);     /* the table's header */
  g_assert_cmpuint(lines_starting(blocks.out, "host "), ==, 6);
  g_assert_cmpuint(lines_starting(blocks.out, "link "), ==, 22);
  g_assert_cmpuint(lines_starting(table.out, "  edge -> core1 "), ==, 1);
  g_assert_cmpuint(lines_starting(aut.out, "  (22 directions) "), ==, 1);
  /* What the scenario printed comes first, the same in all three. */
  const char *end = strstr(aut.out, "end: ");
  g_assert_nonnull(end);
  g_assert_cmpmem(aut.out, end - aut.out, blocks.out, end - aut.out);
  twsim_result_clear(&aut);
  twsim_result_clear(&blocks);
  twsim_result_clear(&table);
  TwsimResult bad = twsim_run("run", "%routed.lua", "--summary-hosts", "tabel", NULL);
  g_assert_cmpint(bad.status, ==, 2);
  g_assert_cmpstr(bad.err, ==, "twsim: --summary-hosts: expected auto, blocks or table, "
                               "got 'tabel'\n");
  g_assert_cmpstr(bad.out, ==, "");
  twsim_result_clear(&bad);
  bad = twsim_run("run", "%routed.lua", "--summary-hosts", NULL);
  g_assert_cmpint(bad.status, ==, 2);
  g_assert_nonnull(strstr(bad.err, "--summary-hosts"));
  twsim_result_clear(&bad);
}

/* --records-csv: a file that cannot be made is one line naming the
 * option, exit 2, and nothing run. */
static void
test_records_csv_bad_path(void)
{
  TwsimResult bad = twsim_run("run", "@tw-reopen.lua", "--records-csv",
                              "/nonexistent/dir/r.csv", NULL);
  g_assert_cmpint(bad.status, ==, 2);
  g_assert_true(g_str_has_prefix(bad.err, "twsim: --records-csv /nonexistent/dir/r.csv: "));
  g_assert_cmpuint(twsim_count(bad.err, "\n"), ==, 1);
  g_assert_cmpstr(bad.out, ==, "");
  twsim_result_clear(&bad);
}

/* The README's first command draws each state change once: the ladder's
 * line, not the scenario's own print as well.  The print is there when
 * asked for (lab 1). */
static void
test_readme_first_command(void)
{
  static const char *const changes[] = {
    "CLOSED -> SYN_SENT", "LISTEN -> SYN_RECEIVED", "FIN_WAIT_2 -> TIME_WAIT",
    "TIME_WAIT -> CLOSED", "LAST_ACK -> CLOSED",
  };
  /* 120 columns: wide enough for the ladder to draw whole changes. */
  TwsimResult r = twsim_run("run", "%client-closes-first.lua", "--ladder", "--ladder-width", "120",
                            NULL);
  g_assert_cmpint(r.status, ==, 0);
  for (gsize i = 0; i < G_N_ELEMENTS(changes); i++) {
    if (twsim_count(r.out, changes[i]) != 1) g_test_message("%s", changes[i]);
    g_assert_cmpuint(twsim_count(r.out, changes[i]), ==, 1);
  }
  twsim_result_clear(&r);
  r = twsim_run("run", "%client-closes-first.lua", "--quiet", "--set", "states=print", NULL);
  g_assert_cmpint(r.status, ==, 0);
  g_assert_cmpuint(twsim_count(r.out, "client CLOSED       -> SYN_SENT\n"), ==, 1);
  g_assert_cmpuint(twsim_count(r.out, " -> "), ==, 12);    /* six changes each side */
  twsim_result_clear(&r);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/summary/tw-reopened", test_tw_reopened);
  g_test_add_func("/summary/tw-memory", test_tw_memory);
  g_test_add_func("/summary/records-distribution", test_records_distribution);
  g_test_add_func("/summary/hosts-table", test_hosts_table);
  g_test_add_func("/summary/readme-first-command", test_readme_first_command);
  g_test_add_func("/summary/records-csv-bad-path", test_records_csv_bad_path);
  return g_test_run();
}
