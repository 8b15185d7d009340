/* Durations, rates and time formatting (sim/engine/simtime.h). */
#include "simtime.h"
#include "simerror.h"
#include <string.h>

static void
test_durations_good(void)
{
  static const struct { const char *text; SimTime ns; } cases[] = {
    { "0s", 0 }, { "1ns", 1 }, { "250us", 250000 }, { "1ms", 1000000 },
    { "1.5ms", 1500000 }, { "60s", 60 * SIM_S }, { "2min", 120 * SIM_S },
    { "0.1s", 100000000 }, { "0.000000001s", 1 }, { "1.0000000004s", SIM_S },
    { "1.0000000005s", SIM_S + 1 }, { "9223372036s", 9223372036 * SIM_S },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    SimTime t = -1;
    GError *error = NULL;
    g_assert_true(sim_time_parse(cases[i].text, &t, &error));
    g_assert_no_error(error);
    g_assert_cmpint(t, ==, cases[i].ns);
  }
}

static void
test_durations_bad(void)
{
  static const struct { const char *text; int code; const char *says; } cases[] = {
    { "", SIM_ERROR_INVALID, "empty" },
    { "5", SIM_ERROR_INVALID, "no unit" },
    { "-1s", SIM_ERROR_RANGE, "negative" },
    { "1 s", SIM_ERROR_INVALID, "unknown unit" },
    { "1sec", SIM_ERROR_INVALID, "unknown unit" },
    { "1h", SIM_ERROR_INVALID, "unknown unit" },
    { "ms", SIM_ERROR_INVALID, "bad duration" },
    { ".s", SIM_ERROR_INVALID, "bad duration" },
    { "99999999999999999999s", SIM_ERROR_RANGE, "too large" },
    { "9223372037s", SIM_ERROR_RANGE, "too large" },
    { "1e3s", SIM_ERROR_INVALID, "unknown unit" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    SimTime t = 42;
    GError *error = NULL;
    g_assert_false(sim_time_parse(cases[i].text, &t, &error));
    g_assert_error(error, SIM_ERROR, cases[i].code);
    g_assert_nonnull(strstr(error->message, cases[i].says));
    g_assert_cmpint(t, ==, 42);
    g_error_free(error);
  }
}

static void
test_seconds(void)
{
  SimTime t;
  GError *error = NULL;
  g_assert_true(sim_time_from_seconds(0.25, &t, NULL));
  g_assert_cmpint(t, ==, 250 * SIM_MS);
  g_assert_true(sim_time_from_seconds(1e-9, &t, NULL));
  g_assert_cmpint(t, ==, 1);
  g_assert_false(sim_time_from_seconds(-0.5, &t, &error));
  g_assert_error(error, SIM_ERROR, SIM_ERROR_RANGE);
  g_clear_error(&error);
  g_assert_false(sim_time_from_seconds(0.0 / 0.0, &t, &error));
  g_assert_error(error, SIM_ERROR, SIM_ERROR_INVALID);
  g_clear_error(&error);
  g_assert_false(sim_time_from_seconds(1e300, &t, &error));
  g_clear_error(&error);
}

static void
test_format(void)
{
  char buf[SIM_TIME_BUF];
  g_assert_cmpstr(sim_time_format(0, buf), ==, "0.000000000");
  g_assert_cmpstr(sim_time_format(12 * SIM_S + 250 * SIM_US, buf), ==, "12.000250000");
  g_assert_cmpstr(sim_time_format(-1, buf), ==, "-0.000000001");
  g_assert_cmpstr(sim_time_format(SIM_TIME_MAX, buf), ==, "9223372036.854775807");
}

static void
test_rates(void)
{
  static const struct { const char *text; guint64 bps; } good[] = {
    { "9600bps", 9600 }, { "64kbps", 64000 }, { "100Mbps", 100000000 },
    { "1Gbps", 1000000000 }, { "1.5Gbps", 1500000000 }, { "2.5kbps", 2500 },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(good); i++) {
    guint64 bps = 0;
    g_assert_true(sim_rate_parse(good[i].text, &bps, NULL));
    g_assert_cmpuint(bps, ==, good[i].bps);
  }
  static const char *const bad[] = { "100", "100MB", "fast", "-1Mbps", "1Tbps",
                                     "100mbps", "20000Gbps", NULL };
  for (gsize i = 0; bad[i]; i++) {
    guint64 bps = 7;
    GError *error = NULL;
    g_assert_false(sim_rate_parse(bad[i], &bps, &error));
    g_assert_nonnull(error);
    g_assert_cmpuint(bps, ==, 7);
    g_error_free(error);
  }
}

static void
test_serialization(void)
{
  /* 1500 bytes at 1 Gbps: 12,000 bits take 12 us. */
  g_assert_cmpint(sim_time_serialization(1500, 1000000000), ==, 12 * SIM_US);
  g_assert_cmpint(sim_time_serialization(1500, 100000000), ==, 120 * SIM_US);
  g_assert_cmpint(sim_time_serialization(1, 3), ==, 2666666667);  /* rounds up */
  g_assert_cmpint(sim_time_serialization(1500, 0), ==, 0);
}

static void
test_serializer_matches(void)
{
  /* The per-rate serializer gives sim_time_serialization()'s nanosecond
   * for rates that divide 8e9 and rates that do not, small and huge
   * packets alike. */
  static const uint64_t rates[] = { 1, 3, 9600, 64000, 1000000, 100000000, 1000000000,
                                    1500000000, 8000000000, 10000000000, 40000000000,
                                    UINT64_C(7777777777777), UINT64_C(10000000000000) };
  static const uint64_t sizes[] = { 0, 1, 40, 52, 1500, 9000, 65535, (1u << 20) - 1,
                                    1u << 20, UINT64_C(1) << 30 };
  for (gsize r = 0; r < G_N_ELEMENTS(rates); r++) {
    SimSerializer ser;
    sim_serializer_init(&ser, rates[r]);
    for (gsize b = 0; b < G_N_ELEMENTS(sizes); b++) {
      if (rates[r] < 1000 && sizes[b] > 65535) continue;    /* beyond SimTime */
      g_assert_cmpint(sim_serializer_time(&ser, sizes[b]), ==,
                      sim_time_serialization(sizes[b], rates[r]));
    }
    for (uint64_t b = 0; b < 3000; b += 7)
      g_assert_cmpint(sim_serializer_time(&ser, b), ==, sim_time_serialization(b, rates[r]));
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/time/durations/good", test_durations_good);
  g_test_add_func("/time/durations/bad", test_durations_bad);
  g_test_add_func("/time/seconds", test_seconds);
  g_test_add_func("/time/format", test_format);
  g_test_add_func("/time/rates", test_rates);
  g_test_add_func("/time/serialization", test_serialization);
  g_test_add_func("/time/serializer-matches", test_serializer_matches);
  return g_test_run();
}
