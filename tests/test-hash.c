/* SipHash-2-4 (models/hash.c): the reference vector, and the split form
 * (tcp_siphash_begin/end) giving the same hashes as the whole one. */
#include "hash.h"

/* The reference implementation's 16-byte vector: key 00..0f, message
 * 00..0f (Aumasson and Bernstein, vectors.h, entry 16). */
static void
test_reference_vector(void)
{
  TcpHashKey key = { UINT64_C(0x0706050403020100), UINT64_C(0x0f0e0d0c0b0a0908) };
  g_assert_cmphex(tcp_siphash_4u32(&key, 0x03020100u, 0x07060504u, 0x0b0a0908u, 0x0f0e0d0cu),
                  ==, UINT64_C(0x3f2acc7f57c29bdb));
}

/* A state kept after the first two words finishes to the same hash for
 * any last two, and to a different one for different words. */
static void
test_split_matches_whole(void)
{
  TcpHashKey key = tcp_hash_key(42, "tcp-isn/host");
  TcpSipState state = tcp_siphash_begin(&key, 0x0a000001u, 0x0a000002u);
  for (guint32 port = 1; port < 2000; port += 7) {
    guint64 whole = tcp_siphash_4u32(&key, 0x0a000001u, 0x0a000002u, port, 80);
    g_assert_cmphex(tcp_siphash_end(&state, port, 80), ==, whole);
    g_assert_cmphex(whole, !=, tcp_siphash_4u32(&key, 0x0a000001u, 0x0a000003u, port, 80));
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/hash/reference-vector", test_reference_vector);
  g_test_add_func("/hash/split-matches-whole", test_split_matches_whole);
  return g_test_run();
}
