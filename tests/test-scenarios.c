/* The scenario library: every file in scenarios/ runs to the end (exit 0)
 * and prints the figures it exists to show, which come out of the
 * simulation, not out of a formula: who holds TIME_WAIT and for how long,
 * the SYN backoff, the FIN retransmissions after a lost last ACK, the port
 * exhaustion rate (28,232 ports / 60 s = 470.5 connections/s), Little's law
 * for a server that closes first and for a SNAT gateway (P ports / 120 s
 * of conntrack TIME_WAIT), nf_conntrack_max's drops.  And a TCP run is reproducible byte for
 * byte: stdout, trace and pcap. */
#include "twsim-run.h"
#include <string.h>

typedef struct {
  const char *scenario;
  const char *args[9];           /* extra arguments, NULL-terminated */
  const char *expect[6];         /* substrings of stdout, NULL-terminated */
} ScenarioCase;

static const ScenarioCase cases[] = {
  { "timers.lua", { NULL }, { "3 workers done, 2 heartbeats", NULL } },
  { "client-closes-first.lua", { NULL },
    { "after 1 s: client TIME_WAIT 1, server TIME_WAIT 0",
      "the client held TIME_WAIT for 60.000 s", NULL } },
  { "server-closes-first.lua", { NULL },
    { "after the load: server TIME_WAIT 20, client TIME_WAIT 0",
      "at 90 s: server TIME_WAIT 0 (peak 20)", NULL } },
  { "simultaneous-open.lua", { NULL },
    { "a: CLOSED -> SYN_SENT -> SYN_RECEIVED -> ESTABLISHED",
      "b: CLOSED -> SYN_SENT -> SYN_RECEIVED -> ESTABLISHED", NULL } },
  { "simultaneous-close.lua", { NULL },
    { "FIN_WAIT_1 -> CLOSING -> TIME_WAIT", "TIME_WAIT: a 1, b 1", NULL } },
  { "linger-abort.lua", { NULL },
    { "server's recv after the abort: ECONNRESET",
      "TIME_WAIT: client 0, server 0; client resets sent 1", NULL } },
  { "lost-final-ack.lua", { "--set", "lose=5", NULL },
    { "server FIN #2 at 0.225 s (0.210 s after the one before)",
      "server FIN #3 at 0.435 s (0.210 s after the one before)", "(0.420 s after the one before)",
      "(0.840 s after the one before)", "(1.680 s after the one before)",
      "client TIME_WAIT ended at 63.380 s" } },
  { "syn-closed-port.lua", { NULL },
    { "connect: ECONNREFUSED after 0.010 s; server sent 1 RST", NULL } },
  { "syn-blackhole.lua", { NULL },
    { "SYN retransmissions at +1, +2, +3, +4, +5, +7, +11, +19, +35, +67 s",
      "connect: ETIMEDOUT after 131.000 s", NULL } },
  { "syn-blackhole.lua", { "--set", "profile=linux-5", NULL },
    { "SYN retransmissions at +1, +3, +7, +15, +31, +63 s",
      "connect: ETIMEDOUT after 127.000 s", NULL } },
  { "backlog-overflow.lua", { NULL }, { "4 of 10 connected at once", NULL } },
  { "port-exhaustion.lua", { NULL },
    { "first failure: EADDRNOTAVAIL at 28.233 s",
      "sustained rate from 60 s to 120 s: 470.5 connections/s",
      "client TIME_WAIT now 28232 (peak 28232)", NULL } },
  { "server-closes-first-load.lua", { NULL },
    { "server TIME_WAIT at 30 s: 29900",
      "server TIME_WAIT at 120 s: 60000, peak 60001 (rate x 60 s = 60000), reopened 0",
      "clients: EADDRNOTAVAIL 0", NULL } },
  { "lossy-link.lua", { NULL },
    { "connected at 1.046 s (the first SYN-ACK was dropped); 200000 of 200000 bytes", NULL } },
  { "bulk-transfer.lua", { NULL },
    { "loss 0.01, RTT 40 ms: 55.3 MB in 120 s",
      "goodput 3.72 Mbit/s after 10 s of warm-up; Mathis law 3.55 Mbit/s; ratio 1.049",
      "sender: 374 retransmissions, 313 fast retransmits, 0 timeouts", NULL } },
  { "lost-final-ack.lua", { "--set", "tw=100ms", NULL },
    { "client TIME_WAIT ended at 0.120 s", "client resets sent 1; server resets received 1", NULL } },
  { "client-closes-first.lua", { "--set", "profile=windows", NULL },
    { "the client held TIME_WAIT for 120.000 s", NULL } },
  { "syn-blackhole.lua", { "--set", "profile=windows", NULL },
    { "SYN retransmissions at +3, +9 s", "connect: ETIMEDOUT after 21.000 s", NULL } },
  { "old-duplicate.lua", { NULL },
    { "new connect from port 5000: connected",
      "the server's application read 1460 bytes in the new connection, 1452 of them from the old one",
      NULL } },
  { "old-duplicate.lua", { "--set", "ts=true", NULL },
    { "read 8 bytes in the new connection, 0 of them from the old one", NULL } },
  { "old-duplicate.lua", { "--set", "tw=60s", NULL },
    { "new connect from port 5000: EADDRNOTAVAIL", NULL } },
  { "tw-reuse.lua", { NULL },
    { "connections per second: 50 0 0 0 0 0 0 0 0 0", NULL } },
  { "tw-reuse.lua", { "--set", "reuse=1", NULL },
    { "connections per second: 50 50 50 50 50 50 50 50 50 50", "taken over 450", NULL } },
  { "tw-reuse.lua", { "--set", "closer=server", NULL },
    { "client: connects ok 999, EADDRNOTAVAIL 0", "reopened by a SYN 974", NULL } },
  { "simultaneous-close-gap.lua", { "--set", "gap=5ms", NULL },
    { "b: ESTABLISHED -> FIN_WAIT_1 -> CLOSING -> TIME_WAIT", "TIME_WAIT held at 5 s: a 1, b 1",
      NULL } },
  { "simultaneous-close-gap.lua", { "--set", "gap=30ms", NULL },
    { "b: ESTABLISHED -> CLOSE_WAIT -> LAST_ACK -> CLOSED", "TIME_WAIT held at 5 s: a 1, b 0",
      NULL } },
  { "server-remedies.lua", { "--set", "remedy=linger0", NULL },
    { "server TIME_WAIT now 0, peak 0", "resets sent: server 7951, clients 0",
      "responses complete 3899, short 74", NULL } },
  { "server-remedies.lua", { "--set", "remedy=buckets", NULL },
    { "server TIME_WAIT now 1000, peak 1000; entered 1000, skipped (killed) 2978, reopened 0", NULL } },
  { "close-advice.lua", { "--set", "seconds=20", NULL },
    { "server-first            7735      1.9 MiB",
      "client-first               0      0.0 MiB              9999               0",
      "tuned                   5000      1.2 MiB                37               0         124",
      NULL } },
  { "close-advice-nat.lua",
    { "--set", "closer=client", "--set", "via=snat-linux-5", "--set", "seconds=20", "--set",
      "nat_ports=61000-61499", NULL },
    { "closer=client via=snat-linux-5: 500 connections/s from 4 clients for 20 s",
      "  nat_ports_peak     500\n", "  completed_per_s    25\n",
      "(gateway: SYNs dropped for want of a port ", ", closing entries evicted 0)", NULL } },
  { "nat-gateway.lua", { NULL },
    { "sustained rate from 240 s to 600 s: 8.33 connections/s (P / 120 s = 8.33)",
      "gateway conntrack: 1000 entries (TIME_WAIT 1000), peak 1000; ports in use 1000, peak 1000",
      "gateway drops: no port 100135, table full 0; closing entries evicted 0",
      "server TIME_WAIT 0", NULL } },
  { "nat-gateway.lua", { "--set", "evict=true", NULL },
    { "sustained rate from 240 s to 600 s: 20.00 connections/s",
      "closing entries evicted 9712", "clients: connects failed 0", NULL } },
  { "nat-gateway.lua", { "--set", "max=500", NULL },
    { "sustained rate from 240 s to 600 s: 4.17 connections/s",
      "gateway conntrack: 500 entries (TIME_WAIT 500), peak 500",
      "gateway drops: no port 0, table full 120075; closing entries evicted 0", NULL } },
  { "nat-gateway.lua",
    { "--set", "closer=server", "--set", "ct_tw=30s", "--set", "ports=100", "--set", "rate=5" },
    { "sustained rate from 240 s to 600 s: 3.33 connections/s (P / 120 s = 0.83)",
      "clients: connects failed 707; server TIME_WAIT 100",
      "server: TIME_WAIT entered 2000, taken over by a new SYN 958; resets received 942", NULL } },
  { "load-balancer.lua", { NULL },
    { "balancer rr, server closes: backend TIME_WAIT 332 332 332, clients TIME_WAIT 0",
      "balancer conntrack: TIME_WAIT 996, entries 996", NULL } },
  { "load-balancer.lua", { "--set", "closer=client", NULL },
    { "backend TIME_WAIT 0 0 0, clients TIME_WAIT 996", NULL } },
  { "load-balancer.lua", { "--set", "mode=hash", "--set", "snat=true" },
    { "balancer hash with SNAT, server closes: backend TIME_WAIT 332 330 334", NULL } },
  { "routed.lua", { NULL },
    { "client1 -> edge -> core1 -> dc -> web (3 routers: TTL 61 on arrival)",
      "fetched 240000 bytes in 12 requests", "connect to 10.99.0.1: ENETUNREACH", NULL } },
  { "keepalive-load.lua", { NULL },
    { "closer=server requests/connection=1: ", " 0 failed (none); TIME_WAIT: server ",
      ", client 0\n", NULL } },
  { "keepalive-load.lua", { "--set", "closer=client", NULL },
    { "EADDRNOTAVAIL); TIME_WAIT: server 0, client 28232\n", NULL } },
  { "keepalive-load.lua", { "--set", "requests=10", "--set", "closer=client", NULL },
    { "closer=client requests/connection=10: ", " 0 failed (none); TIME_WAIT: server 0, ",
      NULL } },
};

static void
run_case(gconstpointer data)
{
  const ScenarioCase *c = data;
  char *path = g_strdup_printf("%%%s", c->scenario);
  const char *a[9] = { NULL };
  for (int i = 0; i < 8 && c->args[i]; i++) a[i] = c->args[i];
  TwsimResult r = twsim_run("run", path, "--quiet", a[0], a[1], a[2], a[3], a[4], a[5], a[6],
                            a[7], NULL);
  if (r.status != 0) g_test_message("stderr: %s", r.err);
  g_assert_cmpint(r.status, ==, 0);
  for (int i = 0; i < 6 && c->expect[i]; i++) {
    if (strstr(r.out, c->expect[i]) == NULL) g_test_message("stdout: %s", r.out);
    g_assert_nonnull(strstr(r.out, c->expect[i]));
  }
  twsim_result_clear(&r);
  g_free(path);
}

/* A NAT router's conntrack in the trace: an entry's life, from its first
 * SYN to its expiry 120 s after the last ACK. */
static void
test_nat_trace_metrics(void)
{
  TwsimResult r = twsim_run("run", "%nat-gateway.lua", "--quiet", "--set", "seconds=0.5",
                            "--until", "130s", "--trace", "-", NULL);
  g_assert_cmpint(r.status, ==, 0);
  const char *flow = "orig=10.0.0.1:34314>198.51.100.1:80 reply=198.51.100.1:80>203.0.113.1:61027";
  const char *want[] = {
    "\n0.201000480 ct_new gw ev=12 %s\n",
    "\n0.201000480 ct_state gw ev=12 %s from=NONE to=SYN_SENT\n",
    "\n0.237010112 ct_state gw ev=38 %s from=LAST_ACK to=TIME_WAIT\n",
    "\n120.237010112 ct_end gw ev=236 %s state=TIME_WAIT why=expired\n",
  };
  for (gsize i = 0; i < G_N_ELEMENTS(want); i++) {
    char *line = g_strdup_printf(want[i], flow);
    if (strstr(r.out, line) == NULL) g_test_message("missing: %s", line);
    g_assert_nonnull(strstr(r.out, line));
    g_free(line);
  }
  twsim_result_clear(&r);
}

/* Every file in scenarios/ has a case above (a new scenario needs one). */
static void
test_every_scenario_listed(void)
{
  GDir *dir = g_dir_open(g_getenv("TWSIM_SCENARIOS"), 0, NULL);
  g_assert_nonnull(dir);
  const char *name;
  while ((name = g_dir_read_name(dir)) != NULL) {
    if (!g_str_has_suffix(name, ".lua")) continue;
    gboolean listed = FALSE;
    for (gsize i = 0; i < G_N_ELEMENTS(cases) && !listed; i++)
      listed = strcmp(cases[i].scenario, name) == 0;
    if (!listed) g_test_message("scenarios/%s has no test case", name);
    g_assert_true(listed);
  }
  g_dir_close(dir);
}

/* The MSS follows the first hop's MTU: a 1000-byte link gives MSS 960 and
 * 948-byte data segments (timestamps on), and nothing dropped for size. */
static void
test_path_mtu(void)
{
  TwsimResult r = twsim_run("run", "@small-mtu.lua", "--quiet", NULL);
  g_assert_cmpint(r.status, ==, 0);
  g_assert_nonnull(strstr(r.out, "received 100000 bytes; largest segment 948 bytes; mtu drops 0"));
  twsim_result_clear(&r);
}

/* The README's first scenario, taken from the README itself, runs and
 * prints what its text says: the server, which closes first, holds one
 * TIME_WAIT per request. */
static void
test_readme_example(void)
{
  char *readme = g_build_filename(g_getenv("TWSIM_SOURCE_ROOT"), "README.md", NULL);
  char *text = twsim_read_file(readme, NULL);
  const char *start = strstr(text, "```lua\n");
  g_assert_nonnull(start);
  start += strlen("```lua\n");
  const char *end = strstr(start, "\n```");
  g_assert_nonnull(end);
  char *path = twsim_temp_path("first.lua");
  g_assert_true(g_file_set_contents(path, start, end - start + 1, NULL));
  TwsimResult r = twsim_run("run", path, "--seed", "3", "--quiet", NULL);
  g_assert_cmpint(r.status, ==, 0);
  g_assert_nonnull(strstr(r.out, "TIME_WAIT: server\t100\tclient\t0\n"));
  twsim_result_clear(&r);
  g_free(path);
  g_free(text);
  g_free(readme);
}

/* A TCP run twice: stdout, trace and pcap byte for byte. */
static void
test_tcp_run_reproducible(void)
{
  char *out[2], *trace[2], *pcap[2];
  gsize tlen[2], plen[2];
  for (int k = 0; k < 2; k++) {
    char *tp = twsim_temp_path(k ? "b.trace" : "a.trace");
    char *pp = twsim_temp_path(k ? "b.pcap" : "a.pcap");
    TwsimResult r = twsim_run("run", "%lossy-link.lua", "--seed", "3", "--trace", tp,
                              "--pcap", pp, NULL);
    g_assert_cmpint(r.status, ==, 0);
    out[k] = r.out;
    g_free(r.err);
    trace[k] = twsim_read_file(tp, &tlen[k]);
    pcap[k] = twsim_read_file(pp, &plen[k]);
    g_free(tp);
    g_free(pp);
  }
  g_assert_cmpstr(out[0], ==, out[1]);
  g_assert_cmpuint(tlen[0], >, 10000);
  g_assert_cmpmem(trace[0], tlen[0], trace[1], tlen[1]);
  g_assert_cmpuint(plen[0], >, 10000);
  g_assert_cmpmem(pcap[0], plen[0], pcap[1], plen[1]);
  for (int k = 0; k < 2; k++) { g_free(out[k]); g_free(trace[k]); g_free(pcap[k]); }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    char *name = g_strndup(cases[i].scenario, strlen(cases[i].scenario) - 4);
    char *path = g_strdup_printf("/scenarios/%s%s%s", name, cases[i].args[0] ? "/" : "",
                                 cases[i].args[0] ? cases[i].args[1] : "");
    g_test_add_data_func(path, &cases[i], run_case);
    g_free(path);
    g_free(name);
  }
  g_test_add_func("/scenarios/every-scenario-listed", test_every_scenario_listed);
  g_test_add_func("/scenarios/nat-trace-metrics", test_nat_trace_metrics);
  g_test_add_func("/scenarios/tcp-run-reproducible", test_tcp_run_reproducible);
  g_test_add_func("/scenarios/path-mtu", test_path_mtu);
  g_test_add_func("/scenarios/readme-example", test_readme_example);
  return g_test_run();
}
