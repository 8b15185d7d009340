/* A node's routing table (see route-table.h). */
#include "route-table.h"

#define ROUTE_TABLE_MIN 8

NetRouteTable *
net_route_table_new(void)
{
  NetRouteTable *t = g_new0(NetRouteTable, 1);
  t->slots = g_new0(NetRoute, ROUTE_TABLE_MIN);
  t->mask = ROUTE_TABLE_MIN - 1;
  return t;
}

void
net_route_table_free(NetRouteTable *t)
{
  if (t == NULL) return;
  g_free(t->slots);
  g_free(t);
}

static NetRoute *
slot_for(NetRouteTable *t, NetAddr addr)
{
  guint i = net_route_table_slot(t, addr);
  while (t->slots[i].addr != 0 && t->slots[i].addr != addr) i = (i + 1) & t->mask;
  return &t->slots[i];
}

/* Doubles the capacity, every route placed again. */
static void
grow(NetRouteTable *t)
{
  NetRoute *old = t->slots;
  guint cap = t->mask + 1;
  t->slots = g_new0(NetRoute, cap * 2);
  t->mask = cap * 2 - 1;
  for (guint i = 0; i < cap; i++)
    if (old[i].addr) *slot_for(t, old[i].addr) = old[i];
  g_free(old);
}

void
net_route_table_set(NetRouteTable *t, NetAddr addr, int iface, NetLinkDir *out)
{
  g_assert(addr != 0);
  if (2 * (t->len + 1) > t->mask + 1) grow(t);   /* at most half full: short probes */
  NetRoute *r = slot_for(t, addr);
  if (r->addr == 0) t->len++;
  *r = (NetRoute){ addr, iface, out };
}
