/* Nodes, routing, forwarding, and what the network reports (see net.h). */
#include "net.h"
#include "nat.h"
#include "simerror.h"
#include <string.h>

NetWorld *
net_world_new(SimEngine *engine, guint64 run_seed)
{
  NetWorld *net = g_new0(NetWorld, 1);
  net->routes_epoch = 1;
  net->engine = engine;
  net->run_seed = run_seed;
  net->nodes = g_ptr_array_new();
  net->links = g_ptr_array_new();
  net->link_bases = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  net->by_name = g_hash_table_new(g_str_hash, g_str_equal);
  net->by_addr = g_hash_table_new(g_direct_hash, g_direct_equal);
  return net;
}

static void
node_free(NetNode *node)
{
  if (node->transport_destroy) node->transport_destroy(node->transport);
  nat_box_free(node->nat);
  g_free(node->name);
  g_free(node->profile);
  g_array_free(node->addrs, TRUE);
  g_array_free(node->ifaces, TRUE);
  net_route_table_free(node->routes);
  g_aligned_free(node);
}

void
net_world_free(NetWorld *net)
{
  if (net == NULL) return;
  for (guint i = 0; i < net->links->len; i++) {
    NetLink *link = g_ptr_array_index(net->links, i);
    net_link_clear(link);
    g_aligned_free(link);
  }
  for (guint i = 0; i < net->nodes->len; i++) node_free(g_ptr_array_index(net->nodes, i));
  g_ptr_array_free(net->links, TRUE);
  g_hash_table_destroy(net->link_bases);
  g_ptr_array_free(net->nodes, TRUE);
  g_hash_table_destroy(net->by_name);
  g_hash_table_destroy(net->by_addr);
  g_free(net);
}

void
net_world_set_observer(NetWorld *net, NetObserveFn fn, gpointer user)
{
  net->observe = fn;
  net->observe_user = user;
}

void
net_world_set_pcap(NetWorld *net, NetPcap *pcap, NetNode *at)
{
  net->pcap = pcap;
  net->pcap_at = at;
}

NetNode *
net_world_find_node(NetWorld *net, const char *name)
{
  return g_hash_table_lookup(net->by_name, name);
}

NetNode *
net_world_find_addr(NetWorld *net, NetAddr addr)
{
  return g_hash_table_lookup(net->by_addr, GUINT_TO_POINTER(addr));
}

/* ---- nodes -------------------------------------------------------------- */

static NetNode *
node_new(NetWorld *net, const char *name, NetNodeKind kind, GError **error)
{
  if (g_hash_table_contains(net->by_name, name)) {
    g_set_error(error, SIM_ERROR, SIM_ERROR_INVALID,
                "a node named '%s' already exists", name);
    return NULL;
  }
  NetNode *node = g_aligned_alloc0(1, sizeof(NetNode), _Alignof(NetNode));
  node->net = net;
  node->index = net->nodes->len;
  node->kind = kind;
  node->name = g_strdup(name);
  node->addrs = g_array_new(FALSE, FALSE, sizeof(NetAddr));
  node->ifaces = g_array_new(FALSE, FALSE, sizeof(NetIface));
  node->ttl = NET_DEFAULT_TTL;
  g_ptr_array_add(net->nodes, node);
  g_hash_table_insert(net->by_name, node->name, node);
  net->routes_dirty = TRUE;
  return node;
}

NetNode *
net_world_host_new(NetWorld *net, const char *name, const NetAddr *addrs,
                   guint n_addrs, GError **error)
{
  g_assert(n_addrs >= 1);
  char buf[NET_ADDR_BUF];
  for (guint i = 0; i < n_addrs; i++) {
    NetNode *owner = net_world_find_addr(net, addrs[i]);
    gboolean repeated = FALSE;
    for (guint j = 0; j < i; j++) repeated |= addrs[j] == addrs[i];
    if (owner || repeated || addrs[i] == 0) {
      g_set_error(error, SIM_ERROR, SIM_ERROR_INVALID,
                  addrs[i] == 0 ? "address %s cannot be a host's" :
                  "address %s is already %s's", net_addr_format(addrs[i], buf),
                  owner ? owner->name : name);
      return NULL;
    }
  }
  NetNode *node = node_new(net, name, NET_NODE_HOST, error);
  if (node == NULL) return NULL;
  g_array_append_vals(node->addrs, addrs, n_addrs);
  node->addr = addrs[0];
  for (guint i = 0; i < n_addrs; i++)
    g_hash_table_insert(net->by_addr, GUINT_TO_POINTER(addrs[i]), node);
  return node;
}

NetNode *
net_world_router_new(NetWorld *net, const char *name, GError **error)
{
  return node_new(net, name, NET_NODE_ROUTER, error);
}

gboolean
net_router_add_addr(NetNode *node, NetAddr addr, GError **error)
{
  g_assert(node->kind == NET_NODE_ROUTER);
  char buf[NET_ADDR_BUF];
  NetNode *owner = net_world_find_addr(node->net, addr);
  if (owner == node) return TRUE;
  if (owner || addr == 0) {
    g_set_error(error, SIM_ERROR, SIM_ERROR_INVALID,
                owner ? "address %s is already %s's" : "address %s cannot be a router's",
                net_addr_format(addr, buf), owner ? owner->name : "");
    return FALSE;
  }
  g_array_append_val(node->addrs, addr);
  g_hash_table_insert(node->net->by_addr, GUINT_TO_POINTER(addr), node);
  node->net->routes_dirty = TRUE;
  return TRUE;
}

NatBox *
net_router_nat(NetNode *node)
{
  g_assert(node->kind == NET_NODE_ROUTER);
  if (node->nat == NULL) node->nat = nat_box_new(node, node->net->run_seed);
  return node->nat;
}

NetAddr
net_world_free_addr(NetWorld *net)
{
  NetAddr a = 0x0a000001;   /* 10.0.0.1 */
  while (net_world_find_addr(net, a) || (a & 0xff) == 0 || (a & 0xff) == 0xff) a++;
  return a;
}

void
net_node_set_receiver(NetNode *node, NetReceiveFn fn, gpointer user)
{
  node->receiver = fn;
  node->receiver_user = user;
}

void
net_node_set_transport(NetNode *node, gpointer transport, GDestroyNotify destroy)
{
  node->transport = transport;
  node->transport_destroy = destroy;
}

NetAddr
net_node_addr(const NetNode *node)
{
  return node->addrs->len ? g_array_index(node->addrs, NetAddr, 0) : 0;
}

/* ---- links -------------------------------------------------------------- */

/* "a-b", or "a-b#N" for the Nth link so named: N - 1 links before it have
 * the name "a-b" up to their '#' (counted in link_bases, so a link costs
 * no walk over the links made before it). */
static char *
link_name(NetWorld *net, const NetNode *a, const NetNode *b)
{
  char *base = g_strdup_printf("%s-%s", a->name, b->name);
  guint same = strchr(base, '#') ? 0
             : GPOINTER_TO_UINT(g_hash_table_lookup(net->link_bases, base));
  char *name = same ? g_strdup_printf("%s#%u", base, same + 1) : g_strdup(base);
  g_free(base);
  const char *hash = strchr(name, '#');
  char *prefix = hash ? g_strndup(name, (gsize)(hash - name)) : g_strdup(name);
  guint count = GPOINTER_TO_UINT(g_hash_table_lookup(net->link_bases, prefix));
  g_hash_table_replace(net->link_bases, prefix, GUINT_TO_POINTER(count + 1));
  return name;
}

/* Adds an interface on `node` for direction `dir` of link; returns its
 * index. */
static guint
node_add_iface(NetNode *node, NetLink *link, guint dir)
{
  guint i = node->ifaces->len;
  NetIface iface = { link, dir, 0 };
  if (node->kind == NET_NODE_HOST)
    iface.addr = g_array_index(node->addrs, NetAddr, i < node->addrs->len ? i : 0);
  g_array_append_val(node->ifaces, iface);
  return i;
}

NetLink *
net_world_link_new(NetWorld *net, NetNode *a, NetNode *b,
                   const NetLinkParams *ab, const NetLinkParams *ba)
{
  g_assert(a != b);
  NetLink *link = g_aligned_alloc0(1, sizeof(NetLink), _Alignof(NetLink));
  link->net = net;
  link->index = net->links->len;
  link->name = link_name(net, a, b);
  NetNode *ends[2] = { a, b };
  const NetLinkParams *params[2] = { ab, ba };
  guint iface[2];
  for (guint dir = 0; dir < 2; dir++) iface[dir] = node_add_iface(ends[dir], link, dir);
  for (guint dir = 0; dir < 2; dir++) {
    NetLinkDir *d = &link->d[dir];
    d->link = link;
    d->dir = dir;
    d->from = ends[dir];
    d->to = ends[1 - dir];
    d->to_iface = iface[1 - dir];
    d->p = *params[dir];
    net_link_init_dir(d, net->run_seed);
  }
  g_ptr_array_add(net->links, link);
  net->routes_dirty = TRUE;
  return link;
}

static inline NetNode *
iface_peer(const NetIface *iface)
{
  return iface->link->d[iface->dir].to;
}

/* ---- routing ------------------------------------------------------------ */

/* Hop counts from every node to `dst`, through routers only, into dist
 * (G_MAXUINT: unreachable).  queue has room for every node. */
static void
bfs_from(NetWorld *net, NetNode *dst, guint *dist, guint *queue)
{
  for (guint i = 0; i < net->nodes->len; i++) dist[i] = G_MAXUINT;
  guint head = 0, tail = 0;
  dist[dst->index] = 0;
  queue[tail++] = dst->index;
  while (head < tail) {
    NetNode *x = g_ptr_array_index(net->nodes, queue[head++]);
    if (x != dst && x->kind != NET_NODE_ROUTER) continue;   /* hosts do not relay */
    for (guint k = 0; k < x->ifaces->len; k++) {
      NetNode *y = iface_peer(&g_array_index(x->ifaces, NetIface, k));
      if (dist[y->index] != G_MAXUINT) continue;
      dist[y->index] = dist[x->index] + 1;
      queue[tail++] = y->index;
    }
  }
}

/* The first interface (creation order) of `node` on a shortest path to
 * dst, or -1. */
static int
first_hop(const NetNode *node, const NetNode *dst, const guint *dist)
{
  guint want = dist[node->index] - 1;
  for (guint k = 0; k < node->ifaces->len; k++) {
    const NetNode *z = iface_peer(&g_array_index(node->ifaces, NetIface, k));
    if (dist[z->index] == want && (z == dst || z->kind == NET_NODE_ROUTER)) return (int)k;
  }
  return -1;
}

static gboolean
needs_table(const NetNode *node)
{
  return node->kind == NET_NODE_ROUTER || node->ifaces->len > 1;
}

/* The router a host with a single interface hangs from, or NULL.  Every
 * path to such a host passes that router last, so a node's first hop
 * towards the host is its first hop towards the router (the hop counts of
 * bfs_from() differ by one along the whole way), except at the router
 * itself, whose hop is the host's link. */
static NetNode *
stub_router(const NetNode *node)
{
  if (node->kind != NET_NODE_HOST || node->ifaces->len != 1) return NULL;
  NetNode *peer = iface_peer(&g_array_index(node->ifaces, NetIface, 0));
  return peer->kind == NET_NODE_ROUTER ? peer : NULL;
}

/* Routes are computed once per topology: a breadth-first search from each
 * destination, except that the hosts hanging from one router share that
 * router's search (stub_router), and only the nodes with a table are
 * visited per destination.  So many hosts behind a few routers cost a
 * search per router and a table entry per (router, host), not a search
 * per host over every node. */
void
net_world_compute_routes(NetWorld *net)
{
  if (!net->routes_dirty) return;
  guint n = net->nodes->len;
  GArray *tables = g_array_new(FALSE, FALSE, sizeof(guint));   /* nodes with a table */
  for (guint i = 0; i < n; i++) {
    NetNode *node = g_ptr_array_index(net->nodes, i);
    net_route_table_free(node->routes);
    node->routes = needs_table(node) ? net_route_table_new() : NULL;
    if (node->routes) g_array_append_val(tables, i);
  }
  guint *dist = g_new(guint, n), *queue = g_new(guint, n);
  int **via_hops = g_new0(int *, n);   /* per router: each table's first hop to it, or -1 */
  int *hops = g_new(int, tables->len);
  for (guint di = 0; di < n; di++) {
    NetNode *dst = g_ptr_array_index(net->nodes, di);
    if (dst->addrs->len == 0) continue;   /* a router without addresses */
    NetNode *via = stub_router(dst);
    if (via && via_hops[via->index] == NULL) {
      bfs_from(net, via, dist, queue);
      int *h = via_hops[via->index] = g_new(int, tables->len);
      for (guint t = 0; t < tables->len; t++) {
        NetNode *node = g_ptr_array_index(net->nodes, g_array_index(tables, guint, t));
        h[t] = node == via || dist[node->index] == G_MAXUINT ? -1 : first_hop(node, via, dist);
      }
    }
    if (via) {
      memcpy(hops, via_hops[via->index], sizeof(int) * tables->len);
    } else {
      bfs_from(net, dst, dist, queue);
      for (guint t = 0; t < tables->len; t++) {
        NetNode *node = g_ptr_array_index(net->nodes, g_array_index(tables, guint, t));
        hops[t] = node == dst || dist[node->index] == G_MAXUINT ? -1 : first_hop(node, dst, dist);
      }
    }
    for (guint t = 0; t < tables->len; t++) {
      NetNode *node = g_ptr_array_index(net->nodes, g_array_index(tables, guint, t));
      int k = hops[t];
      if (node == via) {
        const NetIface *up = &g_array_index(dst->ifaces, NetIface, 0);
        k = (int)up->link->d[up->dir].to_iface;
      }
      if (k < 0) continue;
      const NetIface *iface = &g_array_index(node->ifaces, NetIface, k);
      for (guint a = 0; a < dst->addrs->len; a++)
        net_route_table_set(node->routes, g_array_index(dst->addrs, NetAddr, a), k,
                            &iface->link->d[iface->dir]);
    }
  }
  for (guint i = 0; i < n; i++) g_free(via_hops[i]);
  g_free(via_hops);
  g_free(hops);
  g_array_free(tables, TRUE);
  g_free(dist);
  g_free(queue);
  net->routes_dirty = FALSE;
  net->routes_epoch++;
}

static int
next_hop_lookup(NetNode *node, NetAddr dst)
{
  NetWorld *net = node->net;
  if (node->routes) {
    const NetRoute *r = net_route_table_find(node->routes, dst);
    return r ? r->iface : -1;
  }
  if (node->ifaces->len != 1) return -1;
  /* One interface: everything leaves by it, if the neighbour can take it on. */
  NetNode *owner = net_world_find_addr(net, dst);
  NetNode *peer = iface_peer(&g_array_index(node->ifaces, NetIface, 0));
  if (owner == NULL || owner == node) return -1;
  if (peer == owner) return 0;
  if (peer->kind != NET_NODE_ROUTER) return -1;
  return net_route_table_find(peer->routes, dst) ? 0 : -1;
}

/* Whether node's last answer holds for dst: the test every packet makes
 * before it leaves a node, inline. */
static inline gboolean
hop_cached(const NetNode *node, NetAddr dst)
{
  const NetWorld *net = node->net;
  return node->hop_dst == dst && node->hop_epoch == net->routes_epoch && !net->routes_dirty;
}

/* The answer depends only on the topology, and every change of topology
 * marks the routes dirty, so a node keeps its last answer until the routes
 * are computed again (a new epoch).  A host mostly sends to the peer it
 * sent to last. */
int
net_node_next_hop(NetNode *node, NetAddr dst)
{
  NetWorld *net = node->net;
  if (net->routes_dirty) net_world_compute_routes(net);
  if (node->hop_epoch == net->routes_epoch && node->hop_dst == dst) return node->hop;
  int k = next_hop_lookup(node, dst);
  const NetIface *iface = k >= 0 ? &g_array_index(node->ifaces, NetIface, k) : NULL;
  node->hop = k;
  node->hop_out = iface ? &iface->link->d[iface->dir] : NULL;
  node->hop_src = iface ? iface->addr : 0;
  node->hop_dst = dst;
  node->hop_epoch = net->routes_epoch;
  return k;
}

/* A connect asks for the route and the MTU, a listener's child for the
 * MTU: both from the node's last answer (its direction and source address
 * are its interface's), the table only when it does not hold. */
gboolean
net_host_route(gpointer host, NetAddr dst, NetAddr *src)
{
  NetNode *node = host;
  if (!hop_cached(node, dst)) net_node_next_hop(node, dst);
  if (node->hop_out == NULL) return FALSE;
  if (src) *src = node->hop_src;
  return TRUE;
}

guint
net_host_mtu(gpointer host, NetAddr dst)
{
  NetNode *node = host;
  if (!hop_cached(node, dst)) net_node_next_hop(node, dst);
  return node->hop_out ? node->hop_out->p.mtu : 0;
}

/* ---- what the network reports ------------------------------------------ */

static void
trace_event(SimTrace *trace, const NetEvent *ev)
{
  static const char *const kinds[] = { "send", "recv", "drop" };
  const Packet *pkt = ev->pkt;
  const TcpSegment *seg = &pkt->tcp;
  char a[NET_ADDR_BUF + 8], b[NET_ADDR_BUF + 8], flags[9];
  char abuf[NET_ADDR_BUF], bbuf[NET_ADDR_BUF];
  g_snprintf(a, sizeof a, "%s:%u", net_addr_format(pkt->src, abuf), seg->sport);
  g_snprintf(b, sizeof b, "%s:%u", net_addr_format(pkt->dst, bbuf), seg->dport);
  sim_trace_begin(trace, ev->time, kinds[ev->kind], ev->node->name);
  sim_trace_str(trace, "src", a);
  sim_trace_str(trace, "dst", b);
  sim_trace_str(trace, "flags", tcp_flags_format(seg->flags, flags));
  sim_trace_int(trace, "seq", seg->seq);
  sim_trace_int(trace, "ack", seg->ack);
  sim_trace_int(trace, "win", seg->win);
  sim_trace_int(trace, "len", seg->payload.len);
  sim_trace_int(trace, "ttl", pkt->ttl);
  if (ev->kind == NET_EVENT_DROP) {
    sim_trace_str(trace, "reason", net_drop_reason_name(ev->reason));
    if (ev->link) sim_trace_str(trace, "link", ev->link->name);
  }
  sim_trace_end(trace);
}

static G_GNUC_NO_INLINE void
report_to(NetWorld *net, NetEventKind kind, NetDropReason reason, const NetNode *node,
          const NetLink *link, const Packet *pkt)
{
  NetEvent ev = { kind, reason, node, link, pkt, sim_engine_now(net->engine) };
  if (net->pcap && kind != NET_EVENT_DROP &&
      (net->pcap_at ? net->pcap_at == node : kind == NET_EVENT_SEND))
    net_pcap_write(net->pcap, ev.time, pkt);
  if (sim_trace_wants(net->trace, ev.time)) trace_event(net->trace, &ev);
  if (net->observe) net->observe(net->observe_user, &ev);
}

/* Tells the pcap, the trace and the observer of a packet sent, received or
 * dropped.  With none of them (a benchmark, a sweep's runs) a packet costs
 * three tests here, not a call. */
static inline void
report(NetWorld *net, NetEventKind kind, NetDropReason reason, const NetNode *node,
       const NetLink *link, const Packet *pkt)
{
  if (net_world_quiet(net)) return;
  report_to(net, kind, reason, node, link, pkt);
}

void
net_world_drop(NetWorld *net, const NetNode *node, const NetLink *link,
               NetDropReason reason, Packet *pkt)
{
  report(net, NET_EVENT_DROP, reason, node, link, pkt);
  packet_free(pkt);
}

void
net_host_dropped(gpointer host, const Packet *pkt, NetDropReason reason)
{
  NetNode *node = host;
  report(node->net, NET_EVENT_DROP, reason, node, NULL, pkt);
}

/* ---- moving packets ----------------------------------------------------- */

/* net_host_output's every case.  Out of line, so that the common case
 * (below) saves no registers for it. */
static G_GNUC_NO_INLINE void
host_output_slow(NetNode *node, Packet *pkt)
{
  if (!hop_cached(node, pkt->dst)) net_node_next_hop(node, pkt->dst);
  if (pkt->src == 0) pkt->src = node->hop_out ? node->hop_src : node->addr;
  if (node->hop_out == NULL) {
    node->c.noroute_drops++;
    net_world_drop(node->net, node, NULL, NET_DROP_NOROUTE, pkt);
    return;
  }
  if (node->tx_refuse) {
    /* Linux's qdisc drop (NET_XMIT_DROP): the packet never leaves.  The
     * TCP stack does not send data into it (tcp-out.c); what it sends
     * anyway (ACKs, RSTs, SYNs) is lost here, as Linux loses it. */
    net_world_drop(node->net, node, NULL, NET_DROP_QDISC, pkt);
    return;
  }
  node->c.sent++;
  report(node->net, NET_EVENT_SEND, 0, node, NULL, pkt);
  net_link_dir_send(node->net, node->hop_out, pkt);
}

/* The common case: the last answer holds, the source is set, the device
 * takes the packet and nobody watches. */
void
net_host_output(gpointer host, Packet *pkt)
{
  NetNode *node = host;
  g_assert(node->kind == NET_NODE_HOST);
  pkt->ttl = node->ttl;
  pkt->ip_id = node->next_ip_id++;
  NetWorld *net = node->net;
  if (G_UNLIKELY(!hop_cached(node, pkt->dst) || pkt->src == 0 || node->hop_out == NULL ||
                 node->tx_refuse || !net_world_quiet(net))) {
    host_output_slow(node, pkt);
    return;
  }
  node->c.sent++;
  net_link_dir_send(net, node->hop_out, pkt);
}

static void
router_forward(NetNode *node, Packet *pkt)
{
  if (pkt->ttl <= 1) {   /* RFC 1812 5.3.1: a router never forwards TTL 0 */
    node->c.ttl_drops++;
    net_world_drop(node->net, node, NULL, NET_DROP_TTL, pkt);
    return;
  }
  pkt->ttl--;
  NetDropReason why;
  if (node->nat && !nat_box_forward(node->nat, pkt, sim_engine_now(node->net->engine), &why)) {
    net_world_drop(node->net, node, NULL, why, pkt);
    return;
  }
  /* Straight to the table: a router's destinations alternate, so its
   * last answer seldom holds. */
  NetWorld *net = node->net;
  if (net->routes_dirty) net_world_compute_routes(net);
  const NetRoute *r = net_route_table_find(node->routes, pkt->dst);
  if (r == NULL) {
    node->c.noroute_drops++;
    net_world_drop(net, node, NULL, NET_DROP_NOROUTE, pkt);
    return;
  }
  node->c.forwarded++;
  net_link_dir_send(net, r->out, pkt);
}

/* Whether `a` is one of the host's own addresses: what
 * net_world_find_addr(a) == node says, without the world's hash table (a
 * host has one address or a few). */
static gboolean
node_has_addr(const NetNode *node, NetAddr a)
{
  for (guint i = 0; i < node->addrs->len; i++)
    if (g_array_index(node->addrs, NetAddr, i) == a) return TRUE;
  return FALSE;
}

void
net_node_input_slow(NetNode *node, Packet *pkt)
{
  if (node->kind == NET_NODE_ROUTER) {
    router_forward(node, pkt);
    return;
  }
  if (pkt->dst != node->addr && !node_has_addr(node, pkt->dst)) {   /* hosts do not forward */
    node->c.noroute_drops++;
    net_world_drop(node->net, node, NULL, NET_DROP_NOROUTE, pkt);
    return;
  }
  node->c.received++;
  report(node->net, NET_EVENT_RECV, 0, node, NULL, pkt);
  if (node->receiver == NULL) {
    node->c.no_receiver++;
    packet_free(pkt);
    return;
  }
  node->receiver(node->receiver_user, node, pkt);
}
