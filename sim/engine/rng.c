/* xoshiro256** streams seeded through SplitMix64 (see rng.h). */
#include "rng.h"

uint64_t
sim_splitmix64_next(uint64_t *state)
{
  uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}

uint64_t
sim_hash_name(const char *name)
{
  uint64_t h = UINT64_C(0xcbf29ce484222325);
  for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
    h ^= *p;
    h *= UINT64_C(0x100000001b3);
  }
  return h;
}

void
sim_rng_seed(SimRng *rng, uint64_t seed)
{
  uint64_t sm = seed;
  for (int i = 0; i < 4; i++) rng->s[i] = sim_splitmix64_next(&sm);
}

void
sim_rng_init_stream(SimRng *rng, uint64_t run_seed, const char *name)
{
  /* Mix the seed first so that seeds 1 and 2 do not give streams whose
   * SplitMix64 states differ only by the name hash's low bits. */
  uint64_t sm = run_seed;
  uint64_t mixed = sim_splitmix64_next(&sm);
  sim_rng_seed(rng, mixed ^ sim_hash_name(name));
}

uint64_t
sim_rng_below(SimRng *rng, uint64_t bound)
{
  g_assert(bound > 0);
  unsigned __int128 m = (unsigned __int128)sim_rng_next(rng) * bound;
  uint64_t low = (uint64_t)m;
  if (low < bound) {
    uint64_t threshold = (0 - bound) % bound;
    while (low < threshold) {
      m = (unsigned __int128)sim_rng_next(rng) * bound;
      low = (uint64_t)m;
    }
  }
  return (uint64_t)(m >> 64);
}

gboolean
sim_rng_chance(SimRng *rng, double p)
{
  if (p <= 0) return FALSE;
  if (p >= 1) return TRUE;
  return sim_rng_uniform(rng) < p;
}
