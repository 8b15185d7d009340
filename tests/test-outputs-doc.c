/* The run's outputs besides the trace and the pcap, as docs/user-guide.md
 * describes them: the metrics CSV (columns, sampling, sim.record series),
 * the summary as JSON, the ladder and its limit, scripts/plot; and the
 * manual page listing every option. */
#include "twsim-run.h"
#include <string.h>

/* The metrics file: the header, one row per host per sample, the counters
 * accumulating. */
static void
test_metrics_rows(void)
{
  char *path = twsim_temp_path("m.csv");
  TwsimResult r = twsim_run("run", "%client-closes-first.lua", "--quiet", "--metrics", path,
                            "--sample", "30s", NULL);
  g_assert_cmpint(r.status, ==, 0);
  gsize len;
  char *csv = twsim_read_file(path, &len);
  char **lines = g_strsplit(csv, "\n", -1);
  g_assert_cmpstr(lines[0], ==,
                  "time,host,CLOSED,LISTEN,SYN_SENT,SYN_RECEIVED,ESTABLISHED,FIN_WAIT_1,"
                  "FIN_WAIT_2,CLOSE_WAIT,CLOSING,LAST_ACK,TIME_WAIT,connect_ok,connect_refused,"
                  "connect_timeout,connect_addrnotavail,connect_reset,connect_unreach,"
                  "resets_sent,resets_received,retransmits,segments_sent,segments_received,"
                  "tw_entered,tw_reused,tw_killed,tw_peak,syn_dropped,accepts,fast_retransmits,"
                  "timeouts,window_probes");
  /* 0, 30, ..., 300 s: 11 samples of 2 hosts, the header, the final "". */
  g_assert_cmpuint(g_strv_length(lines), ==, 1 + 11 * 2 + 1);
  /* At 30 s the client holds its TIME_WAIT; at 90 s it has ended. */
  g_assert_cmpstr(lines[3], ==, "30.000000000,client,0,0,0,0,0,0,0,0,0,0,1,1,0,0,0,0,0,0,0,0,6,4,1,0,0,1,0,0,0,0,0");
  g_assert_cmpstr(lines[7], ==, "90.000000000,client,0,0,0,0,0,0,0,0,0,0,0,1,0,0,0,0,0,0,0,0,6,4,1,0,0,1,0,0,0,0,0");
  g_strfreev(lines);
  g_free(csv);
  twsim_result_clear(&r);
  g_free(path);
}

/* sim.record values, during the run and after sim.run returns, are rows
 * of --records-csv (time, name, value), and none of the metrics file,
 * whose every row is a host's. */
static void
test_metrics_records(void)
{
  char *path = twsim_temp_path("r.csv"), *metrics = twsim_temp_path("m.csv");
  TwsimResult r = twsim_run("run", "@records.lua", "--quiet", "--records-csv", path,
                            "--metrics", metrics, NULL);
  g_assert_cmpint(r.status, ==, 0);
  char *csv = twsim_read_file(path, NULL);
  g_assert_cmpstr(csv, ==, "time,name,value\n0.002000000,during,42\n3.000000000,after,0.5\n");
  char *m = twsim_read_file(metrics, NULL);
  char **lines = g_strsplit(m, "\n", -1);
  for (guint i = 1; lines[i] && *lines[i]; i++)
    g_assert_true(g_str_has_prefix(strchr(lines[i], ',') + 1, "c,") ||
                  g_str_has_prefix(strchr(lines[i], ',') + 1, "s,"));
  g_strfreev(lines);
  g_free(m);
  g_free(csv);
  twsim_result_clear(&r);
  g_free(path);
  g_free(metrics);
}

/* The value in column `name` of a CSV row, by the header's names. */
static const char *
csv_field(char **header, char **row, const char *name)
{
  for (guint i = 0; header[i]; i++)
    if (strcmp(header[i], name) == 0) {
      g_assert_cmpuint(i, <, g_strv_length(row));
      return row[i];
    }
  g_error("no column %s", name);
}

/* The row of `node` at time `t` (as the file writes it), split. */
static char **
csv_row(char **lines, const char *t, const char *node)
{
  char *prefix = g_strdup_printf("%s,%s,", t, node);
  for (guint i = 1; lines[i]; i++)
    if (g_str_has_prefix(lines[i], prefix)) {
      g_free(prefix);
      return g_strsplit(lines[i], ",", -1);
    }
  g_error("no row %s", prefix);
}

/* A run through a NAT router: the header goes on with the router's
 * columns, the router has a row of its own per sample, and its figures
 * follow its flows: three flows established at 1 s hold three ports to the
 * one destination; closed by the clients at 2 s, they hold them in
 * conntrack's TIME_WAIT until 120 s later, then nothing is held. */
static void
test_metrics_nat(void)
{
  char *path = twsim_temp_path("nat.csv");
  TwsimResult r = twsim_run("run", "@nat-flows.lua", "--quiet", "--metrics", path,
                            "--sample", "1s", NULL);
  g_assert_cmpint(r.status, ==, 0);
  char *csv = twsim_read_file(path, NULL);
  char **lines = g_strsplit(csv, "\n", -1);
  char **header = g_strsplit(lines[0], ",", -1);
  g_assert_true(g_str_has_prefix(lines[0], "time,host,CLOSED,"));
  g_assert_true(strstr(lines[0], ",window_probes,ct_SYN_SENT,ct_SYN_RECV,ct_ESTABLISHED,"
                                 "ct_FIN_WAIT,ct_CLOSE_WAIT,ct_LAST_ACK,ct_TIME_WAIT,"
                                 "ct_CLOSE,ct_SYN_SENT2,nat_entries,") != NULL);
  g_assert_true(g_str_has_suffix(lines[0], ",nat_drops_no_port,nat_ports_max,nat_ports_peak"));
  /* 0 .. 130 s: 131 samples of five nodes (server, gw, three clients). */
  g_assert_cmpuint(g_strv_length(lines), ==, 1 + 131 * 5 + 1);
  struct { const char *t, *established, *time_wait, *ports, *expired; } want[] = {
    { "1.000000000", "3", "0", "3", "0" },
    { "3.000000000", "0", "3", "3", "0" },
    { "121.000000000", "0", "3", "3", "0" },
    { "123.000000000", "0", "0", "0", "3" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(want); i++) {
    char **gw = csv_row(lines, want[i].t, "gw");
    g_assert_cmpuint(g_strv_length(gw), ==, g_strv_length(header));
    g_assert_cmpstr(csv_field(header, gw, "TIME_WAIT"), ==, "");
    g_assert_cmpstr(csv_field(header, gw, "ct_ESTABLISHED"), ==, want[i].established);
    g_assert_cmpstr(csv_field(header, gw, "ct_TIME_WAIT"), ==, want[i].time_wait);
    /* Every live flow is translated and holds one port to the server. */
    g_assert_cmpstr(csv_field(header, gw, "nat_entries"), ==, want[i].ports);
    g_assert_cmpstr(csv_field(header, gw, "nat_ports_max"), ==, want[i].ports);
    g_assert_cmpstr(csv_field(header, gw, "nat_ports_peak"), ==, "3");
    g_assert_cmpstr(csv_field(header, gw, "nat_expired"), ==, want[i].expired);
    g_assert_cmpstr(csv_field(header, gw, "nat_drops_no_port"), ==, "0");
    char **client = csv_row(lines, want[i].t, "client1");
    g_assert_cmpuint(g_strv_length(client), ==, g_strv_length(header));
    g_assert_cmpstr(csv_field(header, client, "nat_entries"), ==, "");
    g_assert_cmpstr(csv_field(header, client, "connect_ok"), ==, "1");
    g_strfreev(client);
    g_strfreev(gw);
  }
  g_strfreev(header);
  g_strfreev(lines);
  g_free(csv);
  twsim_result_clear(&r);
  g_free(path);
}

/* The summary of a NAT router: its entries by state, its counters, and
 * its ports in use per destination, in the text and in the JSON. */
static void
test_summary_nat(void)
{
  char *path = twsim_temp_path("nat.json");
  TwsimResult r = twsim_run("run", "@nat-flows.lua", "--set", "until=5s", "--summary-json", path,
                            NULL);
  g_assert_cmpint(r.status, ==, 0);
  g_assert_nonnull(strstr(r.out, "\nrouter gw: conntrack TIME_WAIT 3\n  nat: entries 3, "));
  g_assert_nonnull(strstr(r.out, ", ports_max 3, ports_peak 3\n"
                                 "  ports 203.0.113.1 -> 198.51.100.1:80: in use 3, peak 3\n"));
  char *js = twsim_read_file(path, NULL);
  g_assert_nonnull(strstr(js, "\"TIME_WAIT\":3,\"CLOSE\":0,"));
  g_assert_nonnull(strstr(js, ",\"ports\":[{\"from\":\"203.0.113.1\",\"to\":\"198.51.100.1:80\","
                              "\"in_use\":3,\"peak\":3}]}]"));
  g_free(js);
  twsim_result_clear(&r);
  g_free(path);
}

static void
test_summary_json(void)
{
  char *path = twsim_temp_path("s.json");
  TwsimResult r = twsim_run("run", "%syn-closed-port.lua", "--quiet", "--seed", "4",
                            "--summary-json", path, NULL);
  g_assert_cmpint(r.status, ==, 0);
  gsize len;
  char *js = twsim_read_file(path, &len);
  g_assert_true(g_str_has_prefix(js, "{\"scenario\":\""));
  g_assert_nonnull(strstr(js, "\"seed\":4,\"exit_status\":0,\"time\":10.000000000,"));
  g_assert_nonnull(strstr(js, "{\"name\":\"client\",\"states\":{\"CLOSED\":1,"));
  g_assert_nonnull(strstr(js, "\"connect_refused\":1,"));
  g_assert_nonnull(strstr(js, "\"links\":[{\"a\":\"client\",\"b\":\"server\",\"ab\":{\"sent\":1,"));
  g_assert_true(g_str_has_suffix(js, "],\"records\":{}}\n"));
  g_free(js);
  twsim_result_clear(&r);
  g_free(path);
}

static void
test_ladder(void)
{
  TwsimResult r = twsim_run("run", "%server-closes-first.lua", "--quiet", "--ladder",
                            "--ladder-limit", "2", NULL);
  g_assert_cmpint(r.status, ==, 0);
  g_assert_nonnull(strstr(r.out, "\n#1  client 10.0.0.1:"));
  g_assert_nonnull(strstr(r.out, "\n#2  client 10.0.0.1:"));
  g_assert_null(strstr(r.out, "\n#3  "));
  g_assert_nonnull(strstr(r.out, "|--S seq=0 len=0"));
  g_assert_nonnull(strstr(r.out, "ladder: 18 more connections not drawn (--ladder-limit)"));
  twsim_result_clear(&r);
  r = twsim_run("run", "%server-closes-first.lua", "--ladder-limit", "2", NULL);
  g_assert_cmpint(r.status, ==, 2);
  twsim_result_clear(&r);
}

/* scripts/plot draws a metrics file (skipped without gnuplot). */
static void
test_plot(void)
{
  char *gnuplot = g_find_program_in_path("gnuplot");
  if (gnuplot == NULL) {
    g_test_skip("gnuplot is not installed");
    return;
  }
  g_free(gnuplot);
  char *csv = twsim_temp_path("p.csv");
  char *svg = twsim_temp_path("p.svg");
  TwsimResult r = twsim_run("run", "%server-closes-first.lua", "--quiet", "--metrics", csv, NULL);
  g_assert_cmpint(r.status, ==, 0);
  twsim_result_clear(&r);
  char *script = g_build_filename(g_getenv("TWSIM_SOURCE_ROOT"), "scripts", "plot", NULL);
  char *argv[] = { script, csv, svg, "--hosts", "server", NULL };
  int wait = 0;
  g_assert_true(g_spawn_sync(NULL, argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL |
                             G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, &wait, NULL));
  g_assert_true(g_spawn_check_wait_status(wait, NULL));
  gsize len;
  char *text = twsim_read_file(svg, &len);
  g_assert_nonnull(strstr(text, "<svg"));
  g_assert_nonnull(strstr(text, "server TIME_WAIT"));
  g_free(text);
  g_free(script);
  g_free(csv);
  g_free(svg);
}

/* docs/twsim.1 lists every long option `twsim run --help` and
 * `twsim sweep --help` show. */
static void
test_man_page_options(void)
{
  char *man_path = g_build_filename(g_getenv("TWSIM_SOURCE_ROOT"), "docs", "twsim.1", NULL);
  gsize len;
  char *man = twsim_read_file(man_path, &len);
  GRegex *re = g_regex_new("--([a-z][a-z-]*)", 0, 0, NULL);
  const char *cmds[] = { "run", "sweep" };
  guint options = 0;
  for (gsize k = 0; k < G_N_ELEMENTS(cmds); k++) {
    TwsimResult r = twsim_run(cmds[k], "--help", NULL);
    g_assert_cmpint(r.status, ==, 0);
    GMatchInfo *mi;
    g_regex_match(re, r.out, 0, &mi);
    for (; g_match_info_matches(mi); g_match_info_next(mi, NULL)) {
      char *name = g_match_info_fetch(mi, 1);
      char **parts = g_strsplit(name, "-", -1);
      char *escaped = g_strjoinv("\\-", parts);      /* troff: \- for every - */
      char *want = g_strdup_printf("\\-\\-%s", escaped);
      if (strstr(man, want) == NULL) g_test_message("twsim.1 lacks --%s", name);
      g_assert_nonnull(strstr(man, want));
      options++;
      g_free(want);
      g_free(escaped);
      g_strfreev(parts);
      g_free(name);
    }
    g_match_info_free(mi);
    twsim_result_clear(&r);
  }
  g_assert_cmpuint(options, >, 20);
  g_regex_unref(re);
  g_free(man);
  g_free(man_path);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/outputs-doc/metrics-rows", test_metrics_rows);
  g_test_add_func("/outputs-doc/metrics-records", test_metrics_records);
  g_test_add_func("/outputs-doc/metrics-nat", test_metrics_nat);
  g_test_add_func("/outputs-doc/summary-json", test_summary_json);
  g_test_add_func("/outputs-doc/summary-nat", test_summary_nat);
  g_test_add_func("/outputs-doc/ladder", test_ladder);
  g_test_add_func("/outputs-doc/plot", test_plot);
  g_test_add_func("/outputs-doc/man-page-options", test_man_page_options);
  return g_test_run();
}
