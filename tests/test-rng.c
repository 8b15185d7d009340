/* Random streams (sim/engine/rng.h): published vectors, independence, bounds. */
#include "rng.h"
#include <math.h>
#include <stdlib.h>

static void
test_xoshiro_vector(void)
{
  /* rand_xoshiro's reference test: state {1,2,3,4}, values produced with
   * the authors' reference implementation. */
  static const guint64 expected[] = {
    11520u, 0u, 1509978240u, 1215971899390074240u, 1216172134540287360u,
    607988272756665600u, 16172922978634559625u, 8476171486693032832u,
    10595114339597558777u, 2904607092377533576u,
  };
  SimRng rng = { { 1, 2, 3, 4 } };
  for (gsize i = 0; i < G_N_ELEMENTS(expected); i++)
    g_assert_cmpuint(sim_rng_next(&rng), ==, expected[i]);
}

static void
test_splitmix_vector(void)
{
  static const guint64 expected[] = {
    6457827717110365317u, 3203168211198807973u, 9817491932198370423u,
    4593380528125082431u, 16408922859458223821u,
  };
  guint64 state = 1234567;
  for (gsize i = 0; i < G_N_ELEMENTS(expected); i++)
    g_assert_cmpuint(sim_splitmix64_next(&state), ==, expected[i]);
  state = 0;
  g_assert_cmpuint(sim_splitmix64_next(&state), ==, G_GUINT64_CONSTANT(0xe220a8397b1dcdaf));
}

static void
test_fnv_vector(void)
{
  g_assert_cmpuint(sim_hash_name(""), ==, G_GUINT64_CONSTANT(0xcbf29ce484222325));
  g_assert_cmpuint(sim_hash_name("a"), ==, G_GUINT64_CONSTANT(0xaf63dc4c8601ec8c));
}

static void
test_streams_independent(void)
{
  /* A stream's draws depend only on (seed, name): creating other streams in
   * between changes nothing. */
  SimRng a1, a2, b, c;
  sim_rng_init_stream(&a1, 7, "link.0.ab");
  guint64 first[16];
  for (int i = 0; i < 16; i++) first[i] = sim_rng_next(&a1);
  sim_rng_init_stream(&b, 7, "link.1.ab");
  sim_rng_init_stream(&c, 7, "host.client");
  for (int i = 0; i < 100; i++) { sim_rng_next(&b); sim_rng_next(&c); }
  sim_rng_init_stream(&a2, 7, "link.0.ab");
  for (int i = 0; i < 16; i++) g_assert_cmpuint(sim_rng_next(&a2), ==, first[i]);
  /* Different names and different seeds give different streams. */
  sim_rng_init_stream(&b, 7, "link.0.ba");
  sim_rng_init_stream(&c, 8, "link.0.ab");
  sim_rng_init_stream(&a2, 7, "link.0.ab");
  guint64 x = sim_rng_next(&a2);
  g_assert_cmpuint(x, !=, sim_rng_next(&b));
  g_assert_cmpuint(x, !=, sim_rng_next(&c));
}

static void
test_uniform_and_bounds(void)
{
  SimRng rng;
  sim_rng_init_stream(&rng, 1, "test");
  double sum = 0;
  int counts[6] = { 0 };
  const int n = 600000;
  for (int i = 0; i < n; i++) {
    double u = sim_rng_uniform(&rng);
    g_assert_true(u >= 0.0 && u < 1.0);
    sum += u;
    guint64 k = sim_rng_below(&rng, 6);
    g_assert_cmpuint(k, <, 6);
    counts[k]++;
  }
  /* Mean of U(0,1) has sd 1/sqrt(12 n) ~ 0.00037: 6 sd bounds. */
  g_assert_cmpfloat(fabs(sum / n - 0.5), <, 0.0023);
  /* Each face: n/6 = 100000, sd ~ 289. */
  for (int k = 0; k < 6; k++) g_assert_cmpint(abs(counts[k] - n / 6), <, 1800);
  g_assert_false(sim_rng_chance(&rng, 0.0));
  g_assert_true(sim_rng_chance(&rng, 1.0));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/rng/xoshiro256ss-vector", test_xoshiro_vector);
  g_test_add_func("/rng/splitmix64-vector", test_splitmix_vector);
  g_test_add_func("/rng/fnv1a-vector", test_fnv_vector);
  g_test_add_func("/rng/streams-independent", test_streams_independent);
  g_test_add_func("/rng/uniform-and-bounds", test_uniform_and_bounds);
  return g_test_run();
}
