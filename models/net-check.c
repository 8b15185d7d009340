/* Invariant checks of the network (see net-check.h).  Reads only. */
#include "net-check.h"
#include "check.h"
#include "nat.h"

/* One direction's counters: sent = delivered - duplicated + lost + drops
 * + in flight, and in flight cannot be negative; the transmitter's queue
 * within its ring. */
static gboolean
link_dir_check(const NetLink *link, const NetLinkDir *d, GString *why)
{
  const NetLinkCounters *c = &d->c;
  guint64 out = c->delivered + c->lost + c->queue_drops + c->mtu_drops + c->pred_drops;
  CHECK(c->sent + c->duplicated >= out, "link %s: %" G_GUINT64_FORMAT " packets "
        "offered but %" G_GUINT64_FORMAT " accounted for", link->name,
        c->sent + c->duplicated, out);
  CHECK(d->waiting_len <= d->waiting_cap, "link %s: transmit ring overfull", link->name);
  CHECK(d->link == link && d->to && d->from && d->from != d->to,
        "link %s: direction %u has bad endpoints", link->name, d->dir);
  CHECK(d->to_iface < d->to->ifaces->len &&
        g_array_index(d->to->ifaces, NetIface, d->to_iface).link == link,
        "link %s: the far node's interface %u is another link", link->name, d->to_iface);
  return TRUE;
}

/* A router's conntrack: the counts by state add up to the entries held,
 * within nf_conntrack_max, and an expiry event is pending while any entry
 * is held.  O(states), not O(entries). */
static gboolean
nat_check(const NetWorld *net, const NetNode *node, GString *why)
{
  const CtTable *t = &node->nat->ct;
  guint64 sum = 0;
  for (guint s = 0; s < CT_STATE_N; s++) sum += t->by_state[s];
  CHECK(sum == t->count, "router %s: %" G_GUINT64_FORMAT " conntrack entries counted by "
        "state, %" G_GUINT64_FORMAT " held", node->name, sum, t->count);
  CHECK(t->cfg.max == 0 || t->count <= t->cfg.max, "router %s: %" G_GUINT64_FORMAT
        " entries above conntrack_max %u", node->name, t->count, t->cfg.max);
  CHECK(t->count == 0 || sim_engine_event_pending(net->engine, node->nat->expiry_event, NULL),
        "router %s: entries held but no expiry event pending", node->name);
  return TRUE;
}

static gboolean
node_check(const NetWorld *net, const NetNode *node, guint i, GString *why)
{
  CHECK(node->net == net && node->index == i, "node %s: index %u at position %u",
        node->name, node->index, i);
  CHECK(g_hash_table_lookup(net->by_name, node->name) == node,
        "node %s: not found by its name", node->name);
  if (node->kind == NET_NODE_HOST)
    CHECK(node->addrs && node->addrs->len >= 1, "host %s has no address", node->name);
  for (guint a = 0; a < node->addrs->len; a++) {
    NetAddr addr = g_array_index(node->addrs, NetAddr, a);
    CHECK(g_hash_table_lookup(net->by_addr, GUINT_TO_POINTER(addr)) == node,
          "node %s: address %u not indexed to it", node->name, a);
  }
  if (node->nat && !nat_check(net, node, why)) return FALSE;
  for (guint k = 0; k < node->ifaces->len; k++) {
    const NetIface *ifc = &g_array_index(node->ifaces, NetIface, k);
    CHECK(ifc->dir < 2 && ifc->link->d[ifc->dir].from == node,
          "node %s: interface %u leaves by a link direction that is not its own",
          node->name, k);
  }
  return TRUE;
}

gboolean
net_world_check(const NetWorld *net, GString *why)
{
  CHECK(g_hash_table_size(net->by_name) == net->nodes->len,
        "%u names indexed for %u nodes", g_hash_table_size(net->by_name), net->nodes->len);
  for (guint i = 0; i < net->nodes->len; i++)
    if (!node_check(net, g_ptr_array_index(net->nodes, i), i, why)) return FALSE;
  for (guint i = 0; i < net->links->len; i++) {
    const NetLink *link = g_ptr_array_index(net->links, i);
    CHECK(link->index == i && link->net == net, "link %s: index %u at position %u",
          link->name, link->index, i);
    if (!link_dir_check(link, &link->d[0], why) || !link_dir_check(link, &link->d[1], why))
      return FALSE;
  }
  return TRUE;
}
