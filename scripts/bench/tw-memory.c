/* Heap bytes per TIME_WAIT record, from the allocator: inserts N records
 * (distinct 4-tuples, as one server sees from many clients) into a
 * TcpTwTable and divides the growth of glibc's in-use bytes (mallinfo2,
 * small and mmapped blocks) by N.  The count is exact for a given glibc,
 * not a sample of the machine, so scripts/bench/guard checks it against
 * its baseline.
 *
 *   bench-tw-memory [N]   (default 1000000)
 *
 * Prints `tw-table-bytes-per-record VALUE bytes`. */
#include "timewait.h"
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>

int
main(int argc, char **argv)
{
  guint n = argc > 1 ? (guint)strtoul(argv[1], NULL, 10) : 1000000;
  if (n == 0) {
    fprintf(stderr, "usage: bench-tw-memory [N>0]\n");
    return 2;
  }
  TcpProfile profile = *tcp_profile_lookup("linux");
  TcpStats stats = { 0 };
  TcpConnEnv env = { .profile = &profile, .stats = &stats };
  TcpConn *c = tcp_conn_new(&env, 0);
  TcpTwTable tw;
  struct mallinfo2 before = mallinfo2();
  tcp_tw_table_init(&tw);
  for (guint i = 0; i < n; i++) {
    c->tuple = (TcpTuple){ 0x0a000002u, 0x0a010000u + (i >> 14), 80,
                           (guint16)(32768 + (i & 16383)) };
    c->snd_nxt = i;
    tcp_tw_insert(&tw, c, 60 * SIM_S);
  }
  struct mallinfo2 after = mallinfo2();
  gsize used = (after.uordblks + after.hblkhd) - (before.uordblks + before.hblkhd);
  if (tcp_tw_count(&tw) != n) {
    fprintf(stderr, "bench-tw-memory: %" G_GUINT64_FORMAT " records, not %u\n", tcp_tw_count(&tw), n);
    return 1;
  }
  printf("tw-table-bytes-per-record %.1f bytes\n", (double)used / n);
  tcp_tw_table_clear(&tw);
  tcp_conn_free(c);
  return 0;
}
