/* SipHash-2-4 over a fixed number of 32-bit words (see hash.h). */
#include "hash.h"
#include "rng.h"

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

#define SIPROUND                                                     \
  do {                                                               \
    v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);        \
    v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;                           \
    v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;                           \
    v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);        \
  } while (0)

TcpHashKey
tcp_hash_key(uint64_t run_seed, const char *purpose)
{
  uint64_t sm = run_seed ^ sim_hash_name(purpose);
  TcpHashKey key;
  key.k0 = sim_splitmix64_next(&sm);
  key.k1 = sim_splitmix64_next(&sm);
  return key;
}

/* The 16-byte message is two 64-bit words: (a, b), then (c, d). */
TcpSipState
tcp_siphash_begin(const TcpHashKey *key, uint32_t a, uint32_t b)
{
  uint64_t v0 = UINT64_C(0x736f6d6570736575) ^ key->k0;
  uint64_t v1 = UINT64_C(0x646f72616e646f6d) ^ key->k1;
  uint64_t v2 = UINT64_C(0x6c7967656e657261) ^ key->k0;
  uint64_t v3 = UINT64_C(0x7465646279746573) ^ key->k1;
  uint64_t word = (uint64_t)a | ((uint64_t)b << 32);
  v3 ^= word;
  SIPROUND;
  SIPROUND;
  v0 ^= word;
  return (TcpSipState){ v0, v1, v2, v3 };
}

uint64_t
tcp_siphash_end(const TcpSipState *state, uint32_t c, uint32_t d)
{
  uint64_t v0 = state->v0, v1 = state->v1, v2 = state->v2, v3 = state->v3;
  uint64_t word = (uint64_t)c | ((uint64_t)d << 32);
  v3 ^= word;
  SIPROUND;
  SIPROUND;
  v0 ^= word;
  uint64_t last = (uint64_t)16 << 56;   /* message length 16 bytes */
  v3 ^= last;
  SIPROUND;
  SIPROUND;
  v0 ^= last;
  v2 ^= 0xff;
  SIPROUND;
  SIPROUND;
  SIPROUND;
  SIPROUND;
  return v0 ^ v1 ^ v2 ^ v3;
}

uint64_t
tcp_siphash_4u32(const TcpHashKey *key, uint32_t a, uint32_t b, uint32_t c,
                 uint32_t d)
{
  TcpSipState state = tcp_siphash_begin(key, a, b);
  return tcp_siphash_end(&state, c, d);
}
