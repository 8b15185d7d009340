/* Links: full-duplex wires between two nodes, with a transmitter (rate and
 * a drop-tail queue), propagation delay and jitter, and faults (random
 * loss, Bernoulli or Gilbert-Elliott; duplication; reordering; an MTU;
 * predicates that drop chosen segments).
 *
 * Data flow: a node's output (net.h) -> net_link_send() on one direction ->
 * [predicate, MTU, queue, serialization, loss, delay + jitter, reorder,
 * duplication] -> an engine event at the arrival time -> the far node's
 * input (net.h).  Each direction ("ab": from the first node given to the
 * second, "ba": back) has its own parameters, counters and random stream
 * "link.<a>-<b>.ab" (sim_rng_init_stream of the run seed), so adding a link
 * never changes another link's draws.  Per packet, draws happen in a fixed
 * order, and only for parameters that are set: loss, jitter, reorder, dup.
 *
 * Invariants of a direction:
 *  - busy_until is when the transmitter finishes the last admitted packet;
 *  - `waiting` holds the transmission start times, in order, of admitted
 *    packets that had not started when last looked at; those <= now have
 *    started and are popped lazily, so the queue costs no event;
 *  - with jitter or reordering, last_arrival is the arrival time of the
 *    last packet that was not reordered: such packets never arrive before
 *    it (FIFO under jitter); without, arrivals are in order by themselves.
 * No allocation per packet once warm: packets come from packet_alloc's free
 * list, and a packet in flight is its own arrival event's data (it names
 * its direction, Packet.link_dir).
 *
 * A direction's parameters are fixed when the link is made: the faults it
 * uses are summed up then (NetLinkDir.faulty), so that a packet on a plain
 * wire tests one flag, not each fault. */
#pragma once
#include "segment.h"
#include "engine.h"
#include "rng.h"

typedef struct NetNode NetNode;
typedef struct NetLink NetLink;
typedef struct NetWorld NetWorld;

/* Why a packet was dropped (traces and sim.on("segment") spell them). */
typedef enum {
  NET_DROP_LOSS,      /* random loss on a link */
  NET_DROP_QUEUE,     /* a link's transmit queue was full */
  NET_DROP_MTU,       /* larger than the link's MTU */
  NET_DROP_TTL,       /* TTL ran out at a router */
  NET_DROP_PRED,      /* a link:drop predicate said so */
  NET_DROP_NOROUTE,   /* no route to the destination */
  NET_DROP_BACKLOG,   /* the receiving listener's accept queue was full */
  NET_DROP_NO_LISTENER, /* no socket at the receiver: answered with a RST */
  NET_DROP_CT_FULL,   /* a router's conntrack table was full (nat.h) */
  NET_DROP_CT_INVALID, /* a router's conntrack found the packet invalid */
  NET_DROP_NAT_PORT,  /* a router found no free SNAT port for a new flow */
  NET_DROP_QDISC,     /* the sending host's device queue refused it (net.h tx_refuse) */
  NET_DROP_N,
} NetDropReason;

/* "loss", "queue", "mtu", "ttl", "pred", "noroute", "backlog",
 * "no_listener", "ct_full", "ct_invalid", "nat_port": one word, as traces
 * spell the reason. */
const char *
net_drop_reason_name(NetDropReason reason);

/* The reason in words, as the ladder writes it for a reader: "lost on the
 * link", "dropped by the scenario", "accept queue full"... */
const char *
net_drop_reason_words(NetDropReason reason);

/* One direction's parameters.  Zero means "off" everywhere except mtu and
 * queue, whose defaults are set by net_link_params_init.  A packet reads
 * its direction's copies of rate, delay and MTU (NetLinkDir), not these. */
typedef struct {
  guint64 rate;            /* bits per second; 0: infinitely fast */
  SimTime delay;           /* propagation delay */
  SimTime jitter;          /* uniform extra delay in [0, jitter] */
  double  loss;            /* Bernoulli loss probability (when !ge) */
  double  dup;             /* duplication probability */
  double  reorder;         /* probability a packet is held back */
  guint   mtu;             /* bytes on the wire; 0: no limit */
  guint   queue;           /* packets that may wait for the transmitter */
  gboolean ge;             /* Gilbert-Elliott loss instead of Bernoulli */
  SimTime reorder_delay;   /* how long it is held back */
  double  ge_p;            /* P(good -> bad) per packet */
  double  ge_r;            /* P(bad -> good) per packet */
  double  ge_k;            /* P(delivered | good): 1 - loss in good state */
  double  ge_h;            /* P(delivered | bad): 1 - loss in bad state */
} NetLinkParams;

#define NET_LINK_DEFAULT_QUEUE 1000        /* Linux's txqueuelen */
#define NET_LINK_DEFAULT_MTU 1500          /* Ethernet */
#define NET_LINK_DEFAULT_REORDER_DELAY SIM_MS

/* Defaults: everything off, queue 1000, MTU 1500, k = 1, h = 0. */
void
net_link_params_init(NetLinkParams *p);

/* Counters of one direction.  sent = delivered - duplicated + lost +
 * queue_drops + mtu_drops + pred_drops + packets in flight. */
typedef struct {
  guint64 sent;            /* offered to the direction */
  guint64 delivered;       /* handed to the far node */
  guint64 lost;            /* random loss */
  guint64 duplicated;      /* extra copies made */
  guint64 reordered;       /* packets held back */
  guint64 queue_drops;
  guint64 mtu_drops;
  guint64 pred_drops;      /* dropped by a link:drop predicate */
} NetLinkCounters;

/* A direction's fields: what every packet reads and writes on its way
 * (the summary of faults, the MTU and delay copied from p, the
 * transmitter, the far end) in the first 64 bytes, the counters (sent and
 * delivered first) in the next; the parameters, and what only a queue,
 * faults and set-up read (the ring of start times, the random stream, the
 * owner) after.  With many hosts each packet finds its link out of cache:
 * it costs two lines, not four. */
typedef struct {
  _Alignas(64)
  gboolean        faulty;       /* a predicate, loss, jitter, reordering or
                                 * duplication: each packet takes the long way */
  guint           mtu;          /* p.mtu */
  SimTime         delay;        /* p.delay */
  SimTime         busy_until;
  SimSerializer   ser;          /* for p.rate (ser.rate 0: infinitely fast) */
  NetNode        *to;
  guint           to_iface;     /* index of this link among `to`'s interfaces */
  gboolean        ge_bad;       /* Gilbert-Elliott state */
  NetLinkCounters c;
  NetLinkParams   p;
  SimTime         last_arrival;
  SimTime        *waiting;      /* ring of start times, capacity a power of 2 */
  guint           waiting_head, waiting_len, waiting_cap;
  NetLink        *link;
  guint           dir;          /* 0: ab, 1: ba */
  NetNode        *from;
  SimRng          rng;
} NetLinkDir;

/* Decides whether a packet entering direction `dir` of `link` is dropped
 * (TRUE).  Must not keep pkt. */
typedef gboolean (*NetLinkFilterFn)(gpointer user, NetLink *link, guint dir,
                                    const Packet *pkt);

/* Allocated on a cache line (net_world_link_new), the directions first. */
struct NetLink {
  NetLinkDir      d[2];
  NetWorld       *net;
  guint           index;        /* creation order, from 0 */
  char           *name;         /* "a-b", "a-b#2" for a second a-b link */
  NetLinkFilterFn filter;       /* NULL: no predicate */
  gpointer        filter_user;
  GDestroyNotify  filter_destroy;
};

/* Sets (or, with fn NULL, removes) the link's drop predicate; the previous
 * one's destroy notifier runs. */
void
net_link_set_filter(NetLink *link, NetLinkFilterFn fn, gpointer user,
                    GDestroyNotify destroy);

/* Puts pkt (ownership passes) on direction `dir`: it arrives at the far
 * node, is dropped (and reported to the network's observers) or is still
 * in flight when the run ends. */
void
net_link_send(NetLink *link, guint dir, Packet *pkt);

/* Counters of direction `dir`. */
const NetLinkCounters *
net_link_counters(const NetLink *link, guint dir);

/* Internal to the models: made by net_world_link_new (once d->p is set),
 * freed with the world. */
void
net_link_init_dir(NetLinkDir *d, guint64 run_seed);
void
net_link_clear(NetLink *link);
/* net_link_send for a node that holds the direction (NetNode.hop_out). */
void
net_link_dir_send(NetWorld *net, NetLinkDir *d, Packet *pkt);
