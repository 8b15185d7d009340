/* Connection tracking: the table a NAT router keeps of the TCP flows that
 * cross it, as Linux netfilter's conntrack keeps it
 * (net/netfilter/nf_conntrack_core.c, nf_conntrack_proto_tcp.c).
 *
 * Data flow: a packet reaches a router with NAT (nat.h) -> nat.c looks
 * its 4-tuple up here (either direction) -> ct_entry_packet() moves the
 * entry's state by netfilter's table tcp_conntracks[dir][flags][state] and
 * renews its timeout -> nat.c rewrites the addresses from the entry's two
 * tuples.  A packet of no entry makes a new one (ct_first_state says if it
 * may); ct_table_make_room() applies nf_conntrack_max and early drop.
 * Entries expire from the heads of per-timeout FIFO lists on one engine
 * event that nat.c keeps at ct_table_next_expiry().
 *
 * Axioms:
 *  - every entry is in `index` twice, once under each direction's tuple
 *    (slot-index.h: values (index << 1 | dir) + 1, 5 bytes a slot with the
 *    tag, at most 3/4 full);
 *  - every entry is on exactly one FIFO, that of its timeout class
 *    (`fifo`), and each FIFO is ordered by expiry: an entry whose timeout
 *    is renewed goes to the tail of its class, and a class's timeout is
 *    one number, so the tail expires last (should it be shortened while
 *    entries are held, new ones wait for the older ones, as in
 *    timewait.h);
 *  - entries live in slabs of CT_SLAB, linked by 32-bit indices (index +
 *    1; 0 is "none"), free ones chained through `next`;
 *  - by_state[s] counts the entries in state s; count is their sum.
 * No work per packet depends on the number of entries. */
#pragma once
#include "segment.h"
#include "simtime.h"
#include "slot-index.h"

/* The TCP tracker's states, in netfilter's order (the order matters:
 * "at or past TIME_WAIT" is a test of it). */
typedef enum {
  CT_NONE,
  CT_SYN_SENT,
  CT_SYN_RECV,
  CT_ESTABLISHED,
  CT_FIN_WAIT,
  CT_CLOSE_WAIT,
  CT_LAST_ACK,
  CT_TIME_WAIT,
  CT_CLOSE,
  CT_SYN_SENT2,
  CT_STATE_N,
} CtState;

/* Timeout classes: one per state, and UNACK (a flow picked up in the
 * middle, whose other side has not been seen yet). */
enum {
  CT_TIMEOUT_UNACK = CT_STATE_N,
  CT_TIMEOUT_N,
};

/* "SYN_SENT", ...; "UNACK" for the extra class. */
const char *
ct_state_name(guint state);

/* A flow's addresses as one direction's packets carry them. */
typedef struct {
  NetAddr src, dst;
  guint16 sport, dport;
} CtTuple;

enum {
  CT_DIR_ORIGINAL,
  CT_DIR_REPLY,
};

/* Entry status bits (netfilter's IPS_*). */
enum {
  CT_ASSURED    = 0x01,   /* a reply was seen and the flow reached ESTABLISHED */
  CT_SEEN_REPLY = 0x02,
  CT_SRC_NAT    = 0x04,
  CT_DST_NAT    = 0x08,
  CT_CLOSE_INIT = 0x10,   /* a FIN was seen: the flow is closing or closed */
};

typedef struct {
  CtTuple  tuple[2];      /* [ORIGINAL] as the first packet came; [REPLY] as replies come */
  SimTime  expiry;
  guint32  td_end;        /* highest seq + len seen in the original direction */
  guint32  prev, next;    /* FIFO links (index + 1) */
  guint32  self;          /* own index + 1 */
  guint8   state;         /* CtState */
  guint8   status;        /* CT_* bits */
  guint8   fifo;          /* timeout class whose FIFO holds it */
  guint8   last_dir;      /* direction of the last packet */
  guint8   last_index;    /* its flag class (CT_FLAGS_*) */
} CtEntry;

#define CT_SLAB 4096

/* The settings of one table (r:set{} keys in parentheses). */
typedef struct {
  SimTime timeout[CT_TIMEOUT_N];  /* nf_conntrack_tcp_timeout_* */
  guint32 max;                    /* nf_conntrack_max; 0: no limit */
  gboolean loose;                 /* nf_conntrack_tcp_loose: pick up flows mid-stream */
} CtConfig;

/* Linux 6.x's defaults (docs/nat.md gives each one's source). */
void
ct_config_init(CtConfig *cfg);

/* What happened to entries, cumulative. */
typedef struct {
  guint64 created;
  guint64 expired;
  guint64 early_drops;     /* evicted to make room under nf_conntrack_max */
  guint64 reopened;        /* a SYN on a closed flow replaced its entry */
  guint64 peak;            /* most entries held at once */
} CtCounters;

typedef struct {
  CtConfig    cfg;
  SlotIndex   index;         /* (index << 1 | dir) + 1 by tuple; the table must not move */
  GPtrArray  *slabs;         /* CtEntry[CT_SLAB] each */
  guint32     used;          /* entries handed out from the slabs */
  guint32     free_list;     /* index + 1 */
  guint32     head[CT_TIMEOUT_N], tail[CT_TIMEOUT_N];
  guint64     count;
  guint64     by_state[CT_STATE_N];
  CtCounters  c;
} CtTable;

void
ct_table_init(CtTable *t, const CtConfig *cfg);
void
ct_table_clear(CtTable *t);

/* The entry one of whose tuples is `tuple`, and which direction it is in
 * *dir; NULL if none. */
CtEntry *
ct_table_find(CtTable *t, const CtTuple *tuple, guint *dir);

/* Whether the table holds nf_conntrack_max entries or more. */
gboolean
ct_table_full(const CtTable *t);

/* Early drop, when the table is full: the entry the new flow `tuple` may
 * evict, one that was never ASSURED among the eight slots from the new
 * tuple's home (Linux looks at the eight hash buckets from the new
 * tuple's), or NULL.  The caller removes it and counts it. */
CtEntry *
ct_table_early_drop(CtTable *t, const CtTuple *tuple);

/* A new entry for a flow whose first packet was `orig`, whose replies will
 * come as `reply` (both tuples must be free), in state CT_NONE; then feed
 * it its first packet with ct_entry_packet. */
CtEntry *
ct_table_insert(CtTable *t, const CtTuple *orig, const CtTuple *reply);

void
ct_table_remove(CtTable *t, CtEntry *e);

/* The entry that expires first, or NULL. */
CtEntry *
ct_table_next(CtTable *t);

/* When the next entry expires (SIM_TIME_MAX: none). */
SimTime
ct_table_next_expiry(CtTable *t);

/* The state a new entry takes from its first packet, or CT_STATE_N if the
 * packet cannot start one (netfilter's tcp_new(): a SYN, or with `loose`
 * an ACK). */
CtState
ct_first_state(const CtConfig *cfg, const TcpSegment *seg);

typedef enum {
  CT_ACCEPT,     /* let the packet through, translated */
  CT_IGNORE,     /* let it through, state unchanged (netfilter's sIG) */
  CT_INVALID,    /* the tracker rejects it (sIV): dropped */
  CT_REOPEN,     /* a SYN on a closed flow: remove the entry, start anew */
  CT_KILL,       /* let it through, then remove the entry (RST, no reply seen) */
} CtVerdict;

/* A packet of entry e in direction `dir` at `now`: netfilter's
 * nf_tcp_packet() without its window checks. */
CtVerdict
ct_entry_packet(CtTable *t, CtEntry *e, guint dir, const TcpSegment *seg, SimTime now);

/* The hash of a tuple (fixed mix: no pointers, no per-process seed). */
guint32
ct_tuple_hash(const CtTuple *t);

/* The tuple of packets going the other way. */
static inline CtTuple
ct_tuple_invert(const CtTuple *t)
{
  return (CtTuple){ t->dst, t->src, t->dport, t->sport };
}
