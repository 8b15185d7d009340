/* A node's routing table: destination address -> the interface towards it
 * and the link direction that leaves by it.
 *
 * One flat array of slots (open addressing, linear probing, at most half
 * full), the answer inline beside the address: a lookup reads one cache
 * line where a GHashTable reads three (its hashes, keys and values), which
 * is what a router in front of many hosts pays per packet.  Address 0 is
 * never a destination (no host or router has it) and marks a free slot.
 * Filled when routes are computed, read per packet; never shrinks. */
#pragma once
#include "link.h"

typedef struct {
  NetAddr     addr;     /* 0: free */
  int         iface;    /* index in the node's interfaces */
  NetLinkDir *out;      /* the direction that leaves by that interface */
} NetRoute;

typedef struct {
  NetRoute *slots;
  guint     mask;       /* capacity - 1; the capacity is a power of 2 */
  guint     len;        /* destinations held */
} NetRouteTable;

NetRouteTable *
net_route_table_new(void);

void
net_route_table_free(NetRouteTable *t);

/* Sets (or replaces) the route to addr (!= 0). */
void
net_route_table_set(NetRouteTable *t, NetAddr addr, int iface, NetLinkDir *out);

static inline guint
net_route_table_slot(const NetRouteTable *t, NetAddr addr)
{
  guint32 h = addr * 0x9E3779B1u;   /* Fibonacci hashing: neighbours spread */
  return (h ^ (h >> 16)) & t->mask;
}

/* The route to addr, or NULL. */
static inline const NetRoute *
net_route_table_find(const NetRouteTable *t, NetAddr addr)
{
  for (guint i = net_route_table_slot(t, addr);; i = (i + 1) & t->mask) {
    const NetRoute *r = &t->slots[i];
    if (r->addr == addr) return r;
    if (r->addr == 0) return NULL;
  }
}
