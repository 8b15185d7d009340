/* SipHash-2-4 (Aumasson and Bernstein, 2012): the keyed hash behind
 * initial sequence numbers (RFC 6528), timestamp offsets and ephemeral port
 * offsets, as Linux uses it (net/core/secure_seq.c).  Deterministic: the
 * key comes from the run seed, the input from addresses and ports, never
 * from pointers. */
#pragma once
#include <glib.h>
#include <stdint.h>

typedef struct {
  uint64_t k0, k1;
} TcpHashKey;

/* A key derived from the run seed and a purpose name ("isn", "ports"). */
TcpHashKey
tcp_hash_key(uint64_t run_seed, const char *purpose);

/* SipHash-2-4 of four 32-bit words. */
uint64_t
tcp_siphash_4u32(const TcpHashKey *key, uint32_t a, uint32_t b, uint32_t c,
                 uint32_t d);

/* The same in two halves: the state after the first two words, which a
 * caller hashing many tuples of one address pair can keep, and the hash
 * from that state and the last two.  tcp_siphash_end(tcp_siphash_begin(k,
 * a, b), c, d) is tcp_siphash_4u32(k, a, b, c, d). */
typedef struct {
  uint64_t v0, v1, v2, v3;
} TcpSipState;

TcpSipState
tcp_siphash_begin(const TcpHashKey *key, uint32_t a, uint32_t b);

uint64_t
tcp_siphash_end(const TcpSipState *state, uint32_t c, uint32_t d);
