/* A router's middlebox: connection tracking (conntrack.h), source NAT of
 * an inside network to one or more outside addresses, destination NAT
 * (port forwarding) and layer-4 load balancing (lb.h), as a Linux router
 * with netfilter does them.
 *
 * Data flow: net.c hands every packet a router with a NatBox forwards to
 * nat_box_forward() after the TTL check and before the route lookup, as
 * PREROUTING (conntrack, DNAT) and POSTROUTING (SNAT) bracket Linux's
 * routing -> the packet's flow is found in the conntrack table, or a new
 * entry is made and its translation chosen (DNAT or a backend, then the
 * SNAT address and port: nf_nat_core.c's get_unique_tuple()) -> the
 * packet's addresses and ports are rewritten from the entry -> the router
 * routes it by its new destination.  Checksums are not stored: the pcap
 * writer computes them from the rewritten packet, so captures on either
 * side are valid.
 *
 * Entries expire on one engine event the box keeps at the table's next
 * expiry.  Counters: entries by state (the table's by_state), ports in use
 * per (outside address, destination address, destination port), drops by
 * reason.  Trace records: ct_new, ct_state and ct_end (docs/trace-format.md). */
#pragma once
#include "conntrack.h"
#include "lb.h"
#include "link.h"

/* SNAT: sources in inside/prefix, towards destinations outside it, leave
 * from one of `to` (chosen per source and destination address, as
 * find_best_ips_proto() does), keeping their port when it is free, else on
 * a port of [port_lo, port_hi] or, with no range, of Linux's default
 * (1-511, 600-1023 or 1024-65535 by the original port). */
typedef struct {
  gboolean on;
  NetAddr  inside;
  guint    prefix;           /* 0-32 */
  GArray  *to;               /* NetAddr, at least one */
  guint16  port_lo, port_hi; /* both 0: no range */
} NatSnat;

/* DNAT: flows to addr:port go to to_addr:to_port. */
typedef struct {
  NetAddr addr;
  guint16 port;
  NetAddr to_addr;
  guint16 to_port;
} NatDnat;

/* Ports in use towards one destination from one outside address. */
typedef struct {
  NetAddr out, dst;
  guint16 dport;
  guint32 in_use;
  guint32 peak;
} NatDest;

typedef struct {
  guint64 translated;        /* packets whose addresses or ports were rewritten */
  guint64 drops_full;        /* nf_conntrack: table full, dropping packet */
  guint64 drops_invalid;     /* the tracker found the packet invalid */
  guint64 drops_no_port;     /* no free SNAT port (or a clashing tuple) */
  guint64 evicted;           /* closing entries evicted for their port (Linux >= 6.5) */
} NatCounters;

typedef struct NatBox NatBox;
typedef struct NetNode NetNode;

struct NatBox {
  NetNode     *router;       /* borrowed: the box belongs to it */
  CtTable      ct;
  NatSnat      snat;
  GArray      *dnat;         /* NatDnat, first match wins */
  GPtrArray   *lb;           /* LbService*, owned */
  gboolean     evict_closing; /* nf_nat_used_tuple_harder() (Linux 6.5 and later) */
  TcpHashKey   key;          /* address choice and the LB's hash */
  SimRng       rng;          /* SNAT port search offsets: stream "nat.<router>" */
  GHashTable  *dests;        /* NatDest (keyed by itself) -> same, owned */
  GPtrArray   *dest_order;   /* NatDest*, in order of first use (reports) */
  SimEventId   expiry_event;
  SimTime      expiry_at;
  NatCounters  c;
};

/* A box for `router` with conntrack on and Linux's defaults, no
 * translation yet. */
NatBox *
nat_box_new(NetNode *router, guint64 run_seed);
void
nat_box_free(NatBox *box);

/* Sets SNAT (addrs copied, n >= 1). */
void
nat_box_set_snat(NatBox *box, NetAddr inside, guint prefix, const NetAddr *to,
                 guint n_to, guint16 port_lo, guint16 port_hi);
void
nat_box_add_dnat(NatBox *box, const NatDnat *rule);
/* Takes ownership of svc. */
void
nat_box_add_lb(NatBox *box, LbService *svc);

/* Tracks and translates pkt in place at `now`; FALSE if it must be
 * dropped, with *why the reason. */
gboolean
nat_box_forward(NatBox *box, Packet *pkt, SimTime now, NetDropReason *why);

/* The settings changed (timeouts, nf_conntrack_max): re-arms the expiry
 * event. */
void
nat_box_settings_changed(NatBox *box);

/* Ports in use towards the busiest destination now, or (peak) the most
 * ever. */
guint32
nat_box_ports(const NatBox *box, gboolean peak);

/* "10.0.0.1:80>10.0.0.2:5000" into buf (at least NAT_TUPLE_BUF bytes). */
#define NAT_TUPLE_BUF 48
char *
nat_tuple_format(const CtTuple *t, char *buf);

/* ---- settings and counters by name (nat-settings.c) --------------------- */

/* r:set{} keys: conntrack_max, tcp_loose, evict_closing and
 * timeout_<state> (syn_sent, syn_recv, established, fin_wait, close_wait,
 * last_ack, time_wait, close, syn_sent2, unacknowledged).  Values as
 * strings; FALSE with a SIM_ERROR naming the key and what it expects. */
gboolean
nat_box_set(NatBox *box, const char *key, const char *value, GError **error);

/* "a.b.c.d/N" (N 0..32; no "/N": 32). */
gboolean
nat_parse_prefix(const char *text, NetAddr *addr, guint *prefix, GError **error);

/* "a.b.c.d:PORT". */
gboolean
nat_parse_endpoint(const char *text, NetAddr *addr, guint16 *port, GError **error);

/* "LOW-HIGH". */
gboolean
nat_parse_ports(const char *text, guint16 *lo, guint16 *hi, GError **error);

/* The counters as r:stats(), metrics and summaries name them, in a fixed
 * order: entries, entries_peak, created, expired, early_drops, reopened,
 * evicted, translated, drops_full, drops_invalid, drops_no_port,
 * ports_max (ports in use towards the busiest destination), ports_peak. */
typedef struct {
  const char *name;
  guint64     value;
} NatStat;

#define NAT_STATS_N 13

guint
nat_box_stats(const NatBox *box, NatStat *out);

/* ---- finding a flow from outside the router (ladder) -------------------- */

typedef struct NetWorld NetWorld;

/* The flow a packet with addresses `seen` (as some host sends or receives
 * it) belongs to, if a router of `net` with NAT tracks it and translates
 * it: the entry's two tuples (*orig as its originator sent it, *reply as
 * replies leave the far end) and that router.  FALSE if none does.  Walks
 * the routers: for first sightings, not for every packet. */
gboolean
nat_world_find_flow(NetWorld *net, const CtTuple *seen, CtTuple *orig, CtTuple *reply,
                    const NetNode **router);
