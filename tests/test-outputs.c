/* The outputs of a run, end to end: the metrics file shows Little's law for
 * a server that closes first; the summary JSON is valid and agrees with the
 * text summary; the ladder draws each segment, state change and loss;
 * Wireshark's TCP analysis flags retransmissions exactly where they
 * happened; a run cut by a limit still ends its metrics with a sample. */
#include "twsim-run.h"
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The value of column `name` in a CSV row, given the header's fields. */
static const char *
csv_field(char **header, char **row, const char *name)
{
  for (guint i = 0; header[i] && row[i]; i++)
    if (strcmp(header[i], name) == 0) return row[i];
  g_assert_not_reached();
}

static void
test_metrics_littles_law(void)
{
  char *csv = twsim_temp_path("load.csv");
  char *records = twsim_temp_path("load-records.csv");
  TwsimResult r = twsim_run("run", "%server-closes-first-load.lua", "--quiet",
                            "--metrics", csv, "--sample", "10s", "--records-csv", records, NULL);
  g_assert_cmpint(r.status, ==, 0);
  twsim_result_clear(&r);
  char *text = twsim_read_file(csv, NULL);
  char **lines = g_strsplit(text, "\n", -1);
  char **header = g_strsplit(lines[0], ",", -1);
  g_assert_cmpstr(header[0], ==, "time");
  g_assert_cmpstr(header[1], ==, "host");
  g_assert_cmpstr(header[12], ==, "TIME_WAIT");
  guint server_rows = 0;
  for (guint i = 1; lines[i] && *lines[i]; i++) {
    char **row = g_strsplit(lines[i], ",", -1);
    const char *host = csv_field(header, row, "host");
    if (strcmp(host, "server") == 0) {
      double t = g_ascii_strtod(csv_field(header, row, "time"), NULL);
      double tw = g_ascii_strtod(csv_field(header, row, "TIME_WAIT"), NULL);
      /* 1,000 connections/s: rate x t until 60 s, then rate x 60 s. */
      double want = 1000.0 * MIN(t, 60.0);
      if (fabs(tw - want) > 150) g_test_message("t=%g: TIME_WAIT %g, want %g", t, tw, want);
      g_assert_cmpfloat(fabs(tw - want), <=, 150);
      server_rows++;
    }
    g_assert_cmpstr(host, !=, "");                 /* every row is a host's */
    g_strfreev(row);
  }
  g_assert_cmpuint(server_rows, ==, 13);          /* t = 0, 10, ..., 120 */
  /* The scenario's figure is in the records file. */
  char *rec = twsim_read_file(records, NULL);
  g_assert_true(g_str_has_prefix(rec, "time,name,value\n120.000000000,server_tw_peak,"));
  g_free(rec);
  g_free(records);
  g_strfreev(header);
  g_strfreev(lines);
  g_free(text);
  g_free(csv);
}

static void
test_metrics_cut_by_limit(void)
{
  char *csv = twsim_temp_path("cut.csv");
  TwsimResult r = twsim_run("run", "%server-closes-first-load.lua", "--quiet",
                            "--metrics", csv, "--max-events", "200000", NULL);
  g_assert_cmpint(r.status, ==, 3);
  twsim_result_clear(&r);
  char *text = twsim_read_file(csv, NULL);
  g_assert_true(g_str_has_suffix(text, "\n"));
  char **lines = g_strsplit(text, "\n", -1);
  guint n = g_strv_length(lines);
  g_assert_cmpuint(n, >, 3);
  /* It ends with a whole host row: as many fields as the header. */
  char **header = g_strsplit(lines[0], ",", -1), **row = g_strsplit(lines[n - 2], ",", -1);
  g_assert_cmpuint(g_strv_length(row), ==, g_strv_length(header));
  g_strfreev(header);
  g_strfreev(row);
  /* The last sample is not on the 1 s grid: it is where the run stopped. */
  char **last = g_strsplit(lines[n - 2], ",", 2);
  g_assert_false(g_str_has_suffix(last[0], ".000000000"));
  g_strfreev(last);
  g_strfreev(lines);
  g_free(text);
  g_free(csv);
}

static void
test_summary_json(void)
{
  char *path = twsim_temp_path("summary.json");
  TwsimResult r = twsim_run("run", "@tw-summary.lua", "--summary-json", path, NULL);
  g_assert_cmpint(r.status, ==, 0);
  g_assert_nonnull(strstr(r.out, "host server: LISTEN 1, TIME_WAIT 5\n"));
  JsonParser *parser = json_parser_new();
  GError *error = NULL;
  g_assert_true(json_parser_load_from_file(parser, path, &error));
  g_assert_no_error(error);
  JsonObject *root = json_node_get_object(json_parser_get_root(parser));
  g_assert_cmpint(json_object_get_int_member(root, "seed"), ==, 1);
  g_assert_cmpint(json_object_get_int_member(root, "exit_status"), ==, 0);
  JsonArray *hosts = json_object_get_array_member(root, "hosts");
  g_assert_cmpuint(json_array_get_length(hosts), ==, 2);
  JsonObject *client = json_array_get_object_element(hosts, 0);
  JsonObject *server = json_array_get_object_element(hosts, 1);
  g_assert_cmpstr(json_object_get_string_member(client, "name"), ==, "client");
  g_assert_cmpstr(json_object_get_string_member(server, "name"), ==, "server");
  JsonObject *states = json_object_get_object_member(server, "states");
  g_assert_cmpint(json_object_get_int_member(states, "TIME_WAIT"), ==, 5);
  g_assert_cmpint(json_object_get_int_member(states, "LISTEN"), ==, 1);
  JsonObject *stats = json_object_get_object_member(server, "stats");
  g_assert_cmpint(json_object_get_int_member(stats, "tw_entered"), ==, 5);
  stats = json_object_get_object_member(client, "stats");
  g_assert_cmpint(json_object_get_int_member(stats, "connect_ok"), ==, 5);
  JsonArray *links = json_object_get_array_member(root, "links");
  g_assert_cmpuint(json_array_get_length(links), ==, 1);
  g_object_unref(parser);
  twsim_result_clear(&r);
  g_free(path);
}

static void
test_ladder(void)
{
  TwsimResult r = twsim_run("run", "%lost-final-ack.lua", "--quiet", "--ladder",
                            "--ladder-width", "120", NULL);
  g_assert_cmpint(r.status, ==, 0);
  static const char *const want[] = {
    "Time in seconds since the start. Each arrow is drawn at the time its\n",
    "#1  client 10.0.0.1:",
    "#1   connect()  ",
    "#1   CLOSED -> SYN_SENT ",
    "|--S seq=0 len=0 win=",
    "|<----------SA seq=0 ack=1 len=0 win=",
    "| LISTEN -> SYN_RECEIVED",
    "|--FA seq=1 ack=1 len=0",
    "#1   FIN_WAIT_2 -> TIME_WAIT ",
    "|--A seq=2 ack=2 len=0 win=64256-X          | dropped by the scenario\n",
    "|<----------FA seq=1 ack=2 len=0 win=65280--| retransmission\n",
    "->| TIME_WAIT re-ACK\n",
    "| LAST_ACK -> CLOSED",
    NULL,
  };
  for (int i = 0; want[i]; i++) {
    if (strstr(r.out, want[i]) == NULL) g_test_message("ladder:\n%s", r.out);
    g_assert_nonnull(strstr(r.out, want[i]));
  }
  /* A call before the state change it causes; the lost ACK's row (sent at
   * 0.020 s) above the retransmitted FIN's (sent at 0.225 s). */
  g_assert_true(strstr(r.out, "#1   close()") < strstr(r.out, "ESTABLISHED -> FIN_WAIT_1"));
  g_assert_true(strstr(r.out, "dropped by the scenario") < strstr(r.out, "retransmission"));
  twsim_result_clear(&r);
  /* --ladder-limit: only the first connection of a busier run. */
  r = twsim_run("run", "%server-closes-first.lua", "--quiet", "--ladder",
                "--ladder-limit", "1", NULL);
  g_assert_cmpint(r.status, ==, 0);
  g_assert_nonnull(strstr(r.out, "#1  "));
  g_assert_null(strstr(r.out, "#2  "));
  g_assert_nonnull(strstr(r.out, "ladder: 19 more connections not drawn (--ladder-limit)"));
  twsim_result_clear(&r);
}

/* Drops only the listener knew of: drawn with their reason, and traced. */
static void
test_ladder_listener_drops(void)
{
  TwsimResult r = twsim_run("run", "%backlog-overflow.lua", "--quiet", "--ladder",
                            "--ladder-limit", "10", "--ladder-width", "80", NULL);
  g_assert_cmpint(r.status, ==, 0);
  g_assert_nonnull(strstr(r.out, "-X|"));
  g_assert_nonnull(strstr(r.out, "accept queue full"));
  twsim_result_clear(&r);
  r = twsim_run("run", "%backlog-overflow.lua", "--quiet", "--trace", "-", NULL);
  g_assert_cmpint(r.status, ==, 0);
  g_assert_nonnull(strstr(r.out, " drop server ev="));
  g_assert_nonnull(strstr(r.out, " reason=backlog\n"));
  twsim_result_clear(&r);
  r = twsim_run("run", "%syn-closed-port.lua", "--quiet", "--ladder", "--trace", "-", NULL);
  g_assert_cmpint(r.status, ==, 0);
  g_assert_nonnull(strstr(r.out, "no listener: RST"));
  g_assert_nonnull(strstr(r.out, " reason=no_listener\n"));
  twsim_result_clear(&r);
}

/* The trace writes a call ahead of the state change it caused. */
static void
test_trace_call_order(void)
{
  TwsimResult r = twsim_run("run", "%client-closes-first.lua", "--quiet", "--trace", "-", NULL);
  g_assert_cmpint(r.status, ==, 0);
  const char *call = strstr(r.out, "call server ev=1 call=listen result=ok");
  const char *change = strstr(r.out, "state server ev=1 from=CLOSED to=LISTEN");
  g_assert_nonnull(call);
  g_assert_nonnull(change);
  g_assert_true(call < change);
  call = strstr(r.out, "call client ev=13 call=close result=ok");
  change = strstr(r.out, "state client ev=13 from=ESTABLISHED to=FIN_WAIT_1");
  g_assert_true(call && change && call < change);
  twsim_result_clear(&r);
}

/* --ladder-conn, --ladder-from/--ladder-until, and their bad values. */
static void
test_ladder_options(void)
{
  TwsimResult r = twsim_run("run", "%server-closes-first.lua", "--quiet", "--ladder",
                            "--ladder-conn", "3", NULL);
  g_assert_cmpint(r.status, ==, 0);
  g_assert_nonnull(strstr(r.out, "\n#3  client"));
  g_assert_null(strstr(r.out, "#1 "));
  g_assert_null(strstr(r.out, "#4 "));
  g_assert_null(strstr(r.out, "not drawn"));
  twsim_result_clear(&r);
  r = twsim_run("run", "%lost-final-ack.lua", "--quiet", "--ladder", "--ladder-from", "0.1",
                "--ladder-until", "1s", NULL);
  g_assert_cmpint(r.status, ==, 0);
  g_assert_null(strstr(r.out, "connect()"));
  g_assert_nonnull(strstr(r.out, "  0.225000000 #1 "));
  g_assert_null(strstr(r.out, "60.230000000"));
  twsim_result_clear(&r);
  static const char *const bad[][3] = {
    { "--ladder-width", "10", "--ladder-width: expected a number of columns from 72 to 1000, got '10'" },
    { "--ladder-width", "wide", "--ladder-width: expected a number of columns" },
    { "--ladder-conn", "0", "--ladder-conn: " },
    { "--ladder-until", "soon", "--ladder-until: " },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    r = twsim_run("run", "%client-closes-first.lua", "--ladder", bad[i][0], bad[i][1], NULL);
    g_assert_cmpint(r.status, ==, 2);
    g_assert_nonnull(strstr(r.err, bad[i][2]));
    g_assert_cmpuint(strlen(r.err), ==, strcspn(r.err, "\n") + 1);   /* one line */
    g_assert_cmpstr(r.out, ==, "");
    twsim_result_clear(&r);
  }
  r = twsim_run("run", "%client-closes-first.lua", "--ladder-width", "80", NULL);
  g_assert_cmpint(r.status, ==, 2);
  g_assert_nonnull(strstr(r.err, "--ladder-width: given without --ladder"));
  twsim_result_clear(&r);
  r = twsim_run("run", "%client-closes-first.lua", "--ladder", "--ladder-from", "2",
                "--ladder-until", "1", NULL);
  g_assert_cmpint(r.status, ==, 2);
  g_assert_nonnull(strstr(r.err, "--ladder-from: 2 is after --ladder-until 1"));
  twsim_result_clear(&r);
}

/* Runs tshark's TCP analysis on a capture: one line per frame with its
 * checksum statuses and analysis flags. */
static char *
tshark_analysis(const char *pcap)
{
  const char *bin = g_getenv("TSHARK");
  const char *argv[] = { bin, "-r", pcap, "-o", "ip.check_checksum:TRUE",
                         "-o", "tcp.check_checksum:TRUE", "-T", "fields",
                         "-e", "ip.checksum.status", "-e", "tcp.checksum.status",
                         "-e", "tcp.analysis.retransmission", "-e", "_ws.malformed", NULL };
  char *out = NULL;
  int status = 0;
  g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL,
                             NULL, NULL, &out, NULL, &status, NULL));
  g_assert_true(g_spawn_check_wait_status(status, NULL));
  return out;
}

static guint
count_lines(const char *text, const char *prefix)
{
  guint n = 0;
  char **lines = g_strsplit(text, "\n", -1);
  for (char **l = lines; *l; l++) n += **l && g_str_has_prefix(*l, prefix);
  g_strfreev(lines);
  return n;
}

/* A pcap at either side of a SNAT gateway: the client's shows its inside
 * address, the server's the gateway's outside address and never an inside
 * one; every checksum holds on both sides. */
static void
test_pcap_nat(void)
{
  const char *bin = g_getenv("TSHARK");
  if (bin == NULL || *bin == '\0') {
    g_test_skip("tshark not found");
    return;
  }
  const char *at[] = { "client1", "server" };
  const char *want[] = { "10.0.0.1\t198.51.100.1", "198.51.100.1\t203.0.113.1" };
  for (guint i = 0; i < 2; i++) {
    char *pcap = twsim_temp_path("nat.pcap");
    TwsimResult r = twsim_run("run", "%nat-gateway.lua", "--quiet", "--set", "seconds=2",
                              "--pcap-at", at[i], "--pcap", pcap, NULL);
    g_assert_cmpint(r.status, ==, 0);
    twsim_result_clear(&r);
    char *out = tshark_analysis(pcap);
    guint frames = count_lines(out, "");
    g_assert_cmpuint(frames, >, 20);
    g_assert_cmpuint(count_lines(out, "1\t1\t\t"), ==, frames);
    g_free(out);
    const char *argv[] = { bin, "-r", pcap, "-T", "fields", "-e", "ip.src", "-e", "ip.dst", NULL };
    int status = 0;
    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL,
                               NULL, NULL, &out, NULL, &status, NULL));
    char **lines = g_strsplit(out, "\n", -1);
    guint matched = 0;
    for (char **l = lines; *l && **l; l++) {
      char **ab = g_strsplit(*l, "\t", 2);
      char *sorted = strcmp(ab[0], ab[1]) < 0 ? g_strdup_printf("%s\t%s", ab[0], ab[1])
                                               : g_strdup_printf("%s\t%s", ab[1], ab[0]);
      matched += strcmp(sorted, want[i]) == 0;
      g_free(sorted);
      g_strfreev(ab);
    }
    g_assert_cmpuint(matched, ==, frames);
    g_strfreev(lines);
    g_free(out);
    g_free(pcap);
  }
}

static void
test_pcap_tcp_analysis(void)
{
  const char *bin = g_getenv("TSHARK");
  if (bin == NULL || *bin == '\0') {
    g_test_skip("tshark not found");
    return;
  }
  char *pcap = twsim_temp_path("clean.pcap");
  TwsimResult r = twsim_run("run", "%client-closes-first.lua", "--quiet", "--pcap", pcap, NULL);
  g_assert_cmpint(r.status, ==, 0);
  twsim_result_clear(&r);
  char *out = tshark_analysis(pcap);
  guint frames = count_lines(out, "");
  g_assert_cmpuint(frames, ==, 10);   /* the server's FIN carries the ACK of the client's */
  /* Every frame: good IP and TCP checksums, no retransmission, not malformed. */
  g_assert_cmpuint(count_lines(out, "1\t1\t\t"), ==, frames);
  g_free(out);

  r = twsim_run("run", "%lost-final-ack.lua", "--quiet", "--set", "lose=3", "--pcap", pcap, NULL);
  g_assert_cmpint(r.status, ==, 0);
  twsim_result_clear(&r);
  out = tshark_analysis(pcap);
  frames = count_lines(out, "");
  g_assert_cmpuint(count_lines(out, "1\t1\t"), ==, frames);
  g_assert_cmpuint(count_lines(out, "1\t1\t1"), ==, 3);   /* three FINs sent again */
  g_free(out);
  g_free(pcap);
}

/* Through a SNAT gateway the ladder draws each connection once: the
 * client's side and the server's (which sees the gateway's address and
 * port) under one number, with a row naming the translation.  With one
 * outside port and a short conntrack TIME_WAIT the gateway gives a second
 * connection the first one's outside port: the server's side of it joins
 * the second connection, not the first. */
static void
test_ladder_nat(void)
{
  TwsimResult r = twsim_run("run", "@nat-flows.lua", "--quiet", "--ladder", "--set", "clients=1",
                            "--set", "ports=61000-61000", "--set", "ct_tw=1s", "--set", "again=5",
                            "--set", "until=10s", NULL);
  g_assert_cmpint(r.status, ==, 0);
  /* Two connections, each headed by the client's side and never by the
   * server's or the gateway's. */
  g_assert_cmpuint(twsim_count(r.out, "\n#1  client1 10.0.0.1:"), ==, 1);
  g_assert_cmpuint(twsim_count(r.out, "\n#2  client1 10.0.0.1:"), ==, 1);
  g_assert_null(strstr(r.out, "\n#3"));
  g_assert_null(strstr(r.out, "  <->  gw"));
  g_assert_null(strstr(r.out, "\n#1  server"));
  /* One translation row each, naming the one outside port. */
  GRegex *via = g_regex_new("^ +[0-9.]+ #([12]) +via gw: 10\\.0\\.0\\.1:[0-9]+ is "
                            "203\\.0\\.113\\.1:61000 beyond it$", G_REGEX_MULTILINE, 0, NULL);
  GMatchInfo *mi;
  guint vias = 0;
  for (g_regex_match(via, r.out, 0, &mi); g_match_info_matches(mi); g_match_info_next(mi, NULL)) {
    char *n = g_match_info_fetch(mi, 1);
    g_assert_cmpuint(atoi(n), ==, ++vias);
    g_free(n);
  }
  g_match_info_free(mi);
  g_regex_unref(via);
  g_assert_cmpuint(vias, ==, 2);
  /* The server's state changes and segments are in its (right) column of
   * each connection: its SYN-ACK runs right to left, with sequence numbers
   * relative to both ISNs. */
  const char *patterns[] = { "#%u +\\| +\\| SYN_RECEIVED$", "#%u +\\|<-+SA seq=0 ack=1 " };
  for (guint n = 1; n <= 2; n++)
    for (gsize i = 0; i < G_N_ELEMENTS(patterns); i++) {
      char *pattern = g_strdup_printf(patterns[i], n);
      g_assert_true(g_regex_match_simple(pattern, r.out, G_REGEX_MULTILINE, 0));
      g_free(pattern);
    }
  twsim_result_clear(&r);
}

/* twsim step numbers connections as the ladder does, NAT'd ones included:
 * stopped where the server enters SYN_RECEIVED, `p` (the connection last
 * touched) is the client's connection #1, and shows the server's end too,
 * found by the addresses beyond the gateway. */
static void
test_step_nat(void)
{
  char *script = g_build_filename(g_getenv("TWSIM_TEST_SCENARIOS"), "nat-flows.lua", NULL);
  char *cmd = g_strdup_printf("printf 'b SYN_RECEIVED\\nr\\np\\nq\\n' | '%s' step '%s' --quiet "
                              "--set clients=1", g_getenv("TWSIM"), script);
  const char *argv[] = { "/bin/sh", "-c", cmd, NULL };
  char *out = NULL;
  int status = 0;
  g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                             &out, NULL, &status, NULL));
  g_assert_true(g_spawn_check_wait_status(status, NULL));
  const char *p = strstr(out, "step> p\n#1  client1 10.0.0.1:");
  g_assert_nonnull(p);
  g_assert_nonnull(strstr(p, "\n  client1    SYN_SENT "));
  g_assert_nonnull(strstr(p, "\n  server     SYN_RECEIVED "));
  g_free(out);
  g_free(cmd);
  g_free(script);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/outputs/metrics/littles-law", test_metrics_littles_law);
  g_test_add_func("/outputs/metrics/cut-by-limit", test_metrics_cut_by_limit);
  g_test_add_func("/outputs/summary-json", test_summary_json);
  g_test_add_func("/outputs/pcap-nat", test_pcap_nat);
  g_test_add_func("/outputs/ladder", test_ladder);
  g_test_add_func("/outputs/ladder-nat", test_ladder_nat);
  g_test_add_func("/outputs/step-nat", test_step_nat);
  g_test_add_func("/outputs/ladder-listener-drops", test_ladder_listener_drops);
  g_test_add_func("/outputs/ladder-options", test_ladder_options);
  g_test_add_func("/outputs/trace-call-order", test_trace_call_order);
  g_test_add_func("/outputs/pcap-tcp-analysis", test_pcap_tcp_analysis);
  return g_test_run();
}
