/* Random streams.
 *
 * The generator is xoshiro256** 1.0 (Blackman and Vigna, 2018), seeded by
 * SplitMix64.  Every consumer draws from its own named stream whose state is
 * derived from the run seed and a fixed 64-bit FNV-1a hash of the stream's
 * name, never from another stream: adding a link or a host adds streams but
 * changes no existing stream's draws. */
#pragma once
#include <glib.h>
#include <stdint.h>

typedef struct {
  uint64_t s[4];
} SimRng;

/* One SplitMix64 step: advances *state and returns the next output. */
uint64_t
sim_splitmix64_next(uint64_t *state);

/* 64-bit FNV-1a of a string: a fixed hash, the same on every machine. */
uint64_t
sim_hash_name(const char *name);

/* Seeds rng directly from a 64-bit value (four SplitMix64 outputs). */
void
sim_rng_seed(SimRng *rng, uint64_t seed);

/* Seeds rng as the stream called `name` of the run seeded with `run_seed`. */
void
sim_rng_init_stream(SimRng *rng, uint64_t run_seed, const char *name);

/* The next 64 random bits. */
static inline uint64_t
sim_rng_next(SimRng *rng)
{
  uint64_t *s = rng->s;
  uint64_t x = s[1] * 5;
  uint64_t result = ((x << 7) | (x >> 57)) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = (s[3] << 45) | (s[3] >> 19);
  return result;
}

/* Uniform in [0, 1) with 53 random bits: exact, the same on every IEEE 754
 * machine. */
static inline double
sim_rng_uniform(SimRng *rng)
{
  return (double)(sim_rng_next(rng) >> 11) * 0x1.0p-53;
}

/* Uniform integer in [0, bound), bound > 0, without modulo bias (Lemire's
 * multiply-and-reject). */
uint64_t
sim_rng_below(SimRng *rng, uint64_t bound);

/* TRUE with probability p (p <= 0 never, p >= 1 always, no draw wasted on
 * either). */
gboolean
sim_rng_chance(SimRng *rng, double p);
