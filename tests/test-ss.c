/* ss-style views: h:sockets() (checked by tests/scenarios/ss.lua itself),
 * --ss-at's listings and totals at the instants asked for, a time the run
 * never reached, bad values; and the time format of ss's timers. */
#include "twsim-run.h"
#include "tcp-ss.h"
#include <string.h>

static void
test_time_format(void)
{
  /* iproute2's print_ms_timer: what `ss -o` shows for these. */
  const struct { SimTime t; const char *ss; } cases[] = {
    { 52 * SIM_S, "52sec" },          { 62 * SIM_S + 500 * SIM_MS, "1min2sec" },
    { 9501 * SIM_MS, "9.501sec" },    { 476 * SIM_MS + 999 * SIM_US, "476ms" },
    { 600 * SIM_S + 7 * SIM_S, "10min" }, { 60 * SIM_S, "1min" },
    { 10 * SIM_S + 250 * SIM_MS, "10sec" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    char buf[32];
    g_assert_cmpstr(tcp_ss_format_time(cases[i].t, buf), ==, cases[i].ss);
  }
}

/* The listing of `host` at `t` in a run's stdout, up to its TCP line. */
static char *
listing(const char *out, const char *t, const char *host)
{
  char *head = g_strdup_printf("ss at t=%s s, host %s ", t, host);
  const char *p = strstr(out, head);
  g_free(head);
  g_assert_nonnull(p);
  const char *end = strstr(p, "\nTCP:");
  g_assert_nonnull(end);
  end = strchr(end + 1, '\n');
  return g_strndup(p, (gsize)(end - p + 1));
}

static void
test_ss_at(void)
{
  TwsimResult r = twsim_run("run", "@ss.lua", "--quiet", "--ss-at", "2s", "--ss-at", "0.5s",
                            "--ss-at", "20s", "--ss-at", "0.5", "--ss-at", "100min", NULL);
  g_assert_cmpint(r.status, ==, 0);                 /* ss.lua's own checks passed */
  char *s = listing(r.out, "0.500000000", "s");
  /* The request waits unread: Recv-Q 5 on the server's ESTAB. */
  g_assert_nonnull(strstr(s, "\nLISTEN     0      8                  0.0.0.0:80 0.0.0.0:*\n"));
  g_assert_nonnull(strstr(s, "\nESTAB      5      0                 10.0.0.2:80 10.0.0.1:"));
  g_assert_nonnull(strstr(s, "\nTCP:   2 (estab 1, closed 0, orphaned 0, timewait 0)\n"));
  g_free(s);
  s = listing(r.out, "2.000000000", "s");
  /* The server closed first: an orphan in FIN_WAIT_2, timed as Linux's
   * timewait socket for fin_timeout (60 s from about 1 s). */
  g_assert_nonnull(strstr(s, "\nFIN-WAIT-2 0      0 "));
  g_assert_nonnull(strstr(s, " timer:(timewait,59sec,0)\n"));
  g_assert_nonnull(strstr(s, "orphaned 1, timewait 0)\n"));
  g_free(s);
  s = listing(r.out, "2.000000000", "c");
  g_assert_nonnull(strstr(s, "\nCLOSE-WAIT 0      0 "));
  g_free(s);
  s = listing(r.out, "20.000000000", "s");
  g_assert_nonnull(strstr(s, "\nTIME-WAIT  0      0                 10.0.0.2:80 10.0.0.1:"));
  g_assert_nonnull(strstr(s, " timer:(timewait,44sec,0)\n"));
  g_assert_nonnull(strstr(s, "\nTCP:   2 (estab 0, closed 0, orphaned 0, timewait 1)\n"));
  g_free(s);
  /* In time order, each time once (0.5 was given twice), and the time the
   * run did not reach says so. */
  const char *a = strstr(r.out, "ss at t=0.500000000"), *b = strstr(r.out, "ss at t=2.000000000");
  g_assert_true(a && b && a < b);
  g_assert_null(strstr(a + 1, "ss at t=0.500000000 s, host c"));
  g_assert_nonnull(strstr(r.out, "ss at t=6000.000000000 s: not reached (the run ended at "
                                 "t=20.000000000 s)\n"));
  twsim_result_clear(&r);
}

static void
test_bad_values(void)
{
  const char *const bad[] = { "soon", "-1s", "" };
  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    TwsimResult r = twsim_run("run", "@ss.lua", "--ss-at", bad[i], NULL);
    g_assert_cmpint(r.status, ==, 2);
    g_assert_cmpstr(r.out, ==, "");
    g_assert_true(g_str_has_prefix(r.err, "twsim: --ss-at: "));
    g_assert_cmpstr(strchr(r.err, '\n'), ==, "\n");
    twsim_result_clear(&r);
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/ss/time-format", test_time_format);
  g_test_add_func("/ss/ss-at", test_ss_at);
  g_test_add_func("/ss/bad-values", test_bad_values);
  return g_test_run();
}
