/* "Did you mean": the closest known name (sim/engine/closest.h). */
#include "closest.h"

static const char *const settings[] = {
  "time_wait", "port_range", "tw_reuse", "max_tw_buckets", "rfc1337",
  "syn_retries", "synack_retries", "fin_timeout", NULL,
};

static void
test_typos(void)
{
  static const char *const methods[] = { "bind", "listen", "accept", "connect", "close" };
  g_assert_cmpstr(sim_closest_name("conect", methods, G_N_ELEMENTS(methods)), ==, "connect");
  g_assert_cmpstr(sim_closest_name("acept", methods, G_N_ELEMENTS(methods)), ==, "accept");
  /* A swap of two neighbours costs one edit. */
  static const char *const keys[] = { "clients", "rate" };
  g_assert_cmpstr(sim_closest_name("clinets", keys, 2), ==, "clients");
  g_assert_cmpstr(sim_closest_name("rtae", keys, 2), ==, "rate");
}

static void
test_prefix(void)
{
  /* sysctl's own name for the setting, with its "tcp_" prefix. */
  g_assert_cmpstr(sim_closest_name("tcp_tw_reuse", settings, -1), ==, "tw_reuse");
  g_assert_cmpstr(sim_closest_name("tcp_fin_timeout", settings, -1), ==, "fin_timeout");
}

static void
test_nothing_close(void)
{
  g_assert_null(sim_closest_name("bogus", settings, -1));
  g_assert_null(sim_closest_name("x", settings, -1));
  g_assert_null(sim_closest_name("anything", NULL, 0));
  char *hint = sim_closest_hint("bogus", settings, -1);
  g_assert_cmpstr(hint, ==, "");
  g_free(hint);
}

static void
test_hint(void)
{
  char *hint = sim_closest_hint("time_wiat", settings, -1);
  g_assert_cmpstr(hint, ==, " (did you mean 'time_wait'?)");
  g_free(hint);
}

static void
test_ties_go_first(void)
{
  static const char *const two[] = { "abcd", "abce" };
  g_assert_cmpstr(sim_closest_name("abcf", two, 2), ==, "abcd");
  /* An exact match is distance 0 and wins over an earlier near one. */
  static const char *const exact[] = { "ports", "port" };
  g_assert_cmpstr(sim_closest_name("port", exact, 2), ==, "port");
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/closest/typos", test_typos);
  g_test_add_func("/closest/prefix", test_prefix);
  g_test_add_func("/closest/nothing-close", test_nothing_close);
  g_test_add_func("/closest/hint", test_hint);
  g_test_add_func("/closest/ties-go-first", test_ties_go_first);
  return g_test_run();
}
