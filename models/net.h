/* The network: hosts, routers and the links between them, routing, TTL,
 * and what the network shows (observer hook, trace records, pcap).
 *
 * Data flow: a host's transport (the TCP stack, through TcpStackEnv's
 * output and route: net_host_output, net_host_route) -> the interface
 * towards the destination -> link (link.h) -> next node: a router
 * decrements the TTL and forwards by destination address, a host hands the
 * packet to its receiver (net_node_set_receiver) -> the transport.
 *
 * A router with a NatBox (nat.h) tracks and translates every packet it
 * forwards, after the TTL check and before the route lookup, so it routes
 * by the translated destination.
 *
 * Routes are shortest paths by hop count; only routers relay (a host with
 * several interfaces does not forward).  Equal-cost ties go to the
 * interface whose link was created first.  They are computed by
 * net_world_compute_routes() (the Lua layer calls it when sim.run starts)
 * and again automatically before the next lookup if the topology changed.
 * A router, or a host with several interfaces, has a table (route-table.h,
 * keyed by destination address: O(1) lookups, one cache line); a host with one interface
 * sends everything out of it and asks its neighbour whether the
 * destination is reachable, so a star of thousands of hosts holds one
 * table, in its router.
 *
 * Nodes and links are kept in creation order (GPtrArray); nothing iterates
 * a hash table, so nothing depends on hash order. */
#pragma once
#include "link.h"
#include "route-table.h"
#include "trace.h"
#include "pcap.h"

typedef struct NatBox NatBox;   /* nat.h */

typedef enum {
  NET_NODE_HOST,
  NET_NODE_ROUTER,
} NetNodeKind;

#define NET_DEFAULT_TTL 64

/* Receives a packet addressed to the node (ownership passes). */
typedef void (*NetReceiveFn)(gpointer user, NetNode *node, Packet *pkt);

typedef struct {
  NetLink *link;
  guint    dir;       /* the direction that leaves this node */
  NetAddr  addr;      /* this interface's address (hosts; 0 on routers) */
} NetIface;

/* Counters of a node. */
typedef struct {
  guint64 sent;           /* packets the host put on the wire */
  guint64 received;       /* packets delivered to the host */
  guint64 forwarded;      /* packets a router passed on */
  guint64 no_receiver;    /* delivered but no receiver was set: freed */
  guint64 ttl_drops;
  guint64 noroute_drops;
} NetNodeCounters;

struct NetNode {
  /* What every packet a host sends or receives reads, in the first 64
   * bytes (nodes are allocated on a cache line), the counters in the next:
   * with many hosts each packet finds its host out of cache, and touches
   * two of the node's lines, not four (the address and interface arrays
   * are not read on the way). */
  _Alignas(64)
  NetWorld       *net;
  NetNodeKind     kind;
  NetAddr         addr;         /* hosts: the primary address (addrs[0]) */
  NetAddr         hop_dst;      /* the last destination net_node_next_hop answered */
  guint           hop_epoch;    /* the routes' epoch it holds for, 0: none */
  NetLinkDir     *hop_out;      /* the direction that leaves by `hop`, or NULL */
  NetAddr         hop_src;      /* the address of interface `hop` */
  int             hop;          /* its answer */
  guint8          ttl;          /* initial TTL of packets it sends */
  guint16         next_ip_id;   /* IP ID of the next packet it sends */
  gboolean        tx_refuse;    /* hosts: the device queue takes no packet (a
                                 * qdisc of limit 0): each one sent is dropped
                                 * there, and the TCP stack sees it refused */
  NetReceiveFn    receiver;
  gpointer        receiver_user;
  /* The second line: the counters (sent and received first), the stack. */
  NetNodeCounters c;
  gpointer        transport;    /* reserved for the TCP stack */
  GDestroyNotify  transport_destroy;  /* frees transport with the node, or NULL */
  /* Out of the packets' way. */
  GArray         *addrs;        /* NetAddr: the host's addresses, first is primary;
                                 * a router's own (NAT, virtual addresses) */
  GArray         *ifaces;       /* NetIface, in link creation order */
  guint           index;        /* creation order, from 0 */
  char           *name;
  char           *profile;      /* hosts: the TCP profile name, or NULL */
  NetRouteTable  *routes;       /* NULL if not needed */
  NatBox         *nat;          /* routers: conntrack, NAT, balancing; or NULL */
};

/* What observers see: a packet sent by a host, received by a host, or
 * dropped (where, and why). */
typedef enum {
  NET_EVENT_SEND,
  NET_EVENT_RECV,
  NET_EVENT_DROP,
} NetEventKind;

typedef struct {
  NetEventKind   kind;
  NetDropReason  reason;    /* drops only */
  const NetNode *node;      /* the host that sent/received, the node where dropped */
  const NetLink *link;      /* the link for link drops, else NULL */
  const Packet  *pkt;
  SimTime        time;
} NetEvent;

/* Called for every event while set.  Must not keep ev or ev->pkt. */
typedef void (*NetObserveFn)(gpointer user, const NetEvent *ev);

struct NetWorld {
  SimEngine   *engine;      /* borrowed */
  guint64      run_seed;
  GPtrArray   *nodes;       /* NetNode*, creation order; owned */
  GPtrArray   *links;       /* NetLink*, creation order; owned */
  GHashTable  *by_name;     /* name -> NetNode* (lookups only) */
  GHashTable  *by_addr;     /* NetAddr -> NetNode* (lookups only) */
  GHashTable  *link_bases;  /* link name up to its '#' -> links so named (owned keys) */
  gboolean     routes_dirty;
  guint        routes_epoch; /* +1 each time routes are computed, from 1 */
  SimTrace    *trace;       /* borrowed, may be NULL */
  NetPcap     *pcap;        /* borrowed, may be NULL */
  NetNode     *pcap_at;     /* capture point, or NULL for every sender */
  NetObserveFn observe;
  gpointer     observe_user;
};

/* An empty network on `engine` (borrowed); link streams derive from
 * run_seed. */
NetWorld *
net_world_new(SimEngine *engine, guint64 run_seed);

/* Frees nodes (and their transports, see net_node_set_transport), links
 * and routes.  Free it before the engine: a transport may cancel its
 * timers; packets still in flight are returned by their events' destroy
 * notifiers, which touch no node or link. */
void
net_world_free(NetWorld *net);

/* The observer hook (NULL to remove). */
void
net_world_set_observer(NetWorld *net, NetObserveFn fn, gpointer user);

/* Where packets are captured: every host's output when `at` is NULL, or
 * what host `at` sends and receives.  Both borrowed. */
void
net_world_set_pcap(NetWorld *net, NetPcap *pcap, NetNode *at);

/* Computes every node's routes (if the topology changed since the last
 * time). */
void
net_world_compute_routes(NetWorld *net);

/* Lookups; NULL if none. */
NetNode *
net_world_find_node(NetWorld *net, const char *name);
NetNode *
net_world_find_addr(NetWorld *net, NetAddr addr);

/* A new host.  `addrs` (n >= 1, copied) are its addresses: interface i
 * uses addrs[i] if there is one, else addrs[0].  NULL with error if the
 * name or an address is taken. */
NetNode *
net_world_host_new(NetWorld *net, const char *name, const NetAddr *addrs,
                   guint n_addrs, GError **error);

/* A new router.  NULL with error if the name is taken. */
NetNode *
net_world_router_new(NetWorld *net, const char *name, GError **error);

/* Gives router `node` an address of its own (an SNAT outside address, a
 * DNAT or virtual address): routes to it lead to the router, whose
 * NatBox translates what arrives there.  FALSE with error if taken. */
gboolean
net_router_add_addr(NetNode *node, NetAddr addr, GError **error);

/* The router's NatBox, made (conntrack on, no translation) on first use. */
NatBox *
net_router_nat(NetNode *node);

/* The first address not yet taken from 10.0.0.1 up (for hosts created
 * without one). */
NetAddr
net_world_free_addr(NetWorld *net);

/* A new link between a and b (a != b) with per-direction parameters
 * (ab: a -> b, ba: b -> a).  Never NULL. */
NetLink *
net_world_link_new(NetWorld *net, NetNode *a, NetNode *b,
                   const NetLinkParams *ab, const NetLinkParams *ba);

/* Sets the function receiving packets addressed to node (a host). */
void
net_node_set_receiver(NetNode *node, NetReceiveFn fn, gpointer user);

/* Attaches the host's transport (the TCP stack): node->transport, freed
 * with `destroy` when the network is freed. */
void
net_node_set_transport(NetNode *node, gpointer transport, GDestroyNotify destroy);

/* The host's primary address. */
NetAddr
net_node_addr(const NetNode *node);

/* The index in node->ifaces of the interface towards dst, or -1 when dst
 * cannot be reached (recomputes routes first if the topology changed). */
int
net_node_next_hop(NetNode *node, NetAddr dst);

/* ---- for TcpStackEnv (gpointer node is a NetNode* host) --------------- */

/* Sends pkt (ownership passes) from the host: sets TTL and IP ID (and src
 * if 0), and puts it on the interface towards pkt->dst; drops it with
 * reason "noroute" if there is none. */
void
net_host_output(gpointer node, Packet *pkt);

/* Reports a packet the host's transport discarded (reason
 * NET_DROP_BACKLOG or NET_DROP_NO_LISTENER) as a drop at the host, to the
 * trace and the observer.  The packet stays the caller's. */
void
net_host_dropped(gpointer node, const Packet *pkt, NetDropReason reason);

/* Whether dst can be reached from the host, and (if src is not NULL) the
 * address of the interface it leaves by. */
gboolean
net_host_route(gpointer node, NetAddr dst, NetAddr *src);

/* The MTU of the link the host sends to dst on (its `mtu` option in that
 * direction), 0 if unlimited or unreachable. */
guint
net_host_mtu(gpointer node, NetAddr dst);

/* ---- internal to the models -------------------------------------------- */

/* Whether nothing watches the network's packets (no pcap, trace or
 * observer): the packets' common paths test it once. */
static inline gboolean
net_world_quiet(const NetWorld *net)
{
  return net->pcap == NULL && net->trace == NULL && net->observe == NULL;
}

/* net_node_input's every case (a router, another address, no receiver,
 * someone watching), out of line. */
void
net_node_input_slow(NetNode *node, Packet *pkt);

/* A packet arriving at `node` on interface `iface` (ownership passes).
 * Inline for the common case, a host's own primary address with a
 * receiver and nobody watching: every arrival on a link comes here. */
static inline void
net_node_input(NetNode *node, guint iface, Packet *pkt)
{
  (void)iface;
  if (G_UNLIKELY(node->kind != NET_NODE_HOST || pkt->dst != node->addr ||
                 node->receiver == NULL || !net_world_quiet(node->net))) {
    net_node_input_slow(node, pkt);
    return;
  }
  node->c.received++;
  node->receiver(node->receiver_user, node, pkt);
}

/* Reports a drop to observers and the trace, counts nothing, frees pkt. */
void
net_world_drop(NetWorld *net, const NetNode *node, const NetLink *link,
               NetDropReason reason, Packet *pkt);
