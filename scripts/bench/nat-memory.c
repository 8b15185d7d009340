/* Heap bytes per conntrack entry of a NAT router, from the allocator:
 * sends the SYNs of N flows (N / 1000 inside hosts of 1,000 ports each,
 * towards 32 servers) through a router that SNATs them to one outside
 * address, and divides the growth of glibc's in-use bytes (mallinfo2) by
 * the entries held.  Each flow takes the conntrack entry, its two index
 * slots and its share of the per-destination port counts.
 *
 *   bench-nat-memory [N]   (default 1000000)
 *
 * Prints `nat-table-bytes-per-entry VALUE bytes`. */
#include "nat.h"
#include "net.h"
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>

int
main(int argc, char **argv)
{
  guint n = argc > 1 ? (guint)strtoul(argv[1], NULL, 10) : 1000000;
  if (n == 0) {
    fprintf(stderr, "usage: bench-nat-memory [N>0]\n");
    return 2;
  }
  SimEngine *engine = sim_engine_new();
  NetWorld *net = net_world_new(engine, 1);
  NetNode *router = net_world_router_new(net, "r", NULL);
  NetAddr out = 0xcb007101u;
  NatBox *box = net_router_nat(router);
  nat_box_set_snat(box, 0x0a000000u, 8, &out, 1, 0, 0);
  box->ct.cfg.max = 0;
  NetDropReason why;
  /* Warm: the first flow creates the slabs' bookkeeping and the event. */
  struct mallinfo2 before = mallinfo2();
  for (guint i = 0; i < n; i++) {
    Packet *p = packet_alloc();
    p->src = 0x0a000000u + 1 + i / 1000;
    p->dst = 0xc6336400u + 1 + i % 32;
    p->tcp.sport = (guint16)(10000 + i % 1000);
    p->tcp.dport = 80;
    p->tcp.flags = TCP_FLAG_SYN;
    p->tcp.seq = i;
    if (!nat_box_forward(box, p, 0, &why)) {
      fprintf(stderr, "bench-nat-memory: flow %u dropped (%s)\n", i, net_drop_reason_name(why));
      return 1;
    }
    packet_free(p);
  }
  struct mallinfo2 after = mallinfo2();
  gsize used = (after.uordblks + after.hblkhd) - (before.uordblks + before.hblkhd);
  if (box->ct.count != n) {
    fprintf(stderr, "bench-nat-memory: %" G_GUINT64_FORMAT " entries, not %u\n", box->ct.count, n);
    return 1;
  }
  printf("nat-table-bytes-per-entry %.1f bytes\n", (double)used / n);
  net_world_free(net);
  sim_engine_free(engine);
  return 0;
}
