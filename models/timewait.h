/* The TIME_WAIT table: compact records of connections in TIME_WAIT, in
 * place of the full TcpConn, which is freed (Linux's tcp_timewait_sock).
 *
 * Data flow: a TcpConn enters TIME_WAIT -> tcp-stack.c inserts a record
 * here and frees the connection -> later segments for the 4-tuple come to
 * tcp_tw_input() -> the record expires from the FIFO head on one engine
 * event that tcp-stack.c keeps at the head's expiry.
 *
 * The records form a FIFO by position: a new or restarted record takes
 * the next position at the tail (a restart copies the record there), and
 * records leave from anywhere, the head mostly.  Positions count up
 * without end (renumbered from 0 in the rare case they would pass 2^32);
 * position p lives in slabs[(p - base) / TCP_TW_SLAB], so the FIFO needs no
 * links and a record no number of its own.
 *
 * Axioms:
 *  - the positions [head, tail) hold every live record, in expiry order,
 *    and dead ones (removed or moved to the tail) in between; head and
 *    tail - 1, if head < tail, are live; a new or restarted record expires
 *    no earlier than the one before it (the TIME_WAIT length is one per
 *    host; should h:set{} shorten it while records are held, new ones wait
 *    for the older ones);
 *  - `index` holds position + 1 of every live record and nothing else,
 *    hashed by the record's 4-tuple (tcp_tuple_mix), open addressing with
 *    linear probing, at most 3/4 full, deletion by shifting back (Knuth's
 *    algorithm R), 5 bytes a slot: beside the position, the low byte of
 *    the mix (a tagged index, open-table.h), so that a lookup fetches
 *    only the record it seeks and a deletion none;
 *  - a record keeps its local address as an index into `laddrs` (a host
 *    has few) and no timestamp offset, which is a keyed hash of the
 *    addresses (tcp.c's conn_init_ts) computed again when an ACK needs it:
 *    so a record is 36 bytes, plus 7-14 bytes of index slots. */
#pragma once
#include "open-table.h"
#include "tcp.h"

typedef struct {
  NetAddr  raddr;
  guint16  lport, rport;
  guint32  snd_nxt, rcv_nxt;
  guint32  ts_recent;        /* last timestamp from the peer */
  guint32  ts_stamp_ms;      /* virtual ms when ts_recent was taken */
  guint32  expiry_lo, expiry_hi;  /* SimTime in halves: the record stays
                                     4-byte aligned, 36 bytes */
  guint16  win;              /* window field of our ACKs: the window at
                                entry, scaled (Linux tw_rcv_wnd >> wscale) */
  guint16  laddr_ts;         /* laddrs index << 1 | timestamps in use;
                                TCP_TW_DEAD once the position is vacated */
} TcpTwRecord;

#define TCP_TW_SLAB 4096
#define TCP_TW_DEAD 0xffffu

/* The index (a tagged index, open-table.h): position + 1 of each record
 * by its 4-tuple. */
typedef struct {
  OpenTagSlot *slots;        /* mask + 1 of them, or NULL */
  guint32      mask;
  gboolean     far;
  guint32      used;
} TcpTwIndex;

typedef struct {
  TcpTwIndex  index;
  GPtrArray  *slabs;         /* TcpTwRecord[TCP_TW_SLAB] each */
  guint32     base;          /* position of slabs[0][0], a multiple of TCP_TW_SLAB */
  guint32     head, tail;    /* the FIFO's positions: [head, tail) */
  gpointer    spare;         /* an emptied slab kept for the next one */
  GArray     *laddrs;        /* NetAddr: the local addresses records name */
  TcpHashKey  ts_key;        /* the timestamp offsets' key (TcpConnEnv.ts_key) */
  guint32     peak;          /* the most positions [head, tail) spanned */
} TcpTwTable;

/* The live records: the index holds one entry for each. */
static inline guint64
tcp_tw_count(const TcpTwTable *tw)
{
  return tw->index.used;
}

static inline SimTime
tcp_tw_expiry(const TcpTwRecord *rec)
{
  return (SimTime)((guint64)rec->expiry_hi << 32 | rec->expiry_lo);
}

static inline gboolean
tcp_tw_ts_ok(const TcpTwRecord *rec)
{
  return rec->laddr_ts & 1;
}

/* The record at position pos, in [base, base + slabs * TCP_TW_SLAB). */
static inline TcpTwRecord *
tcp_tw_at(const TcpTwTable *tw, guint32 pos)
{
  guint32 i = pos - tw->base;
  TcpTwRecord *slab = g_ptr_array_index(tw->slabs, i / TCP_TW_SLAB);
  return &slab[i % TCP_TW_SLAB];
}

/* The record's 4-tuple.  Inline, as tcp_tw_head() is: a removal asks for
 * it, and each of the stack's TIME_WAIT events for the head. */
static inline TcpTuple
tcp_tw_tuple(const TcpTwTable *tw, const TcpTwRecord *rec)
{
  return (TcpTuple){ .laddr = g_array_index(tw->laddrs, NetAddr, rec->laddr_ts >> 1),
                     .raddr = rec->raddr, .lport = rec->lport, .rport = rec->rport };
}

void
tcp_tw_table_init(TcpTwTable *tw);
void
tcp_tw_table_clear(TcpTwTable *tw);

/* The record of `tuple`, or NULL; `mix` is tcp_tuple_mix(tuple), which a
 * segment's lookup has already computed for the connections' table. */
TcpTwRecord *
tcp_tw_lookup_mixed(TcpTwTable *tw, const TcpTuple *tuple, guint32 mix);

TcpTwRecord *
tcp_tw_lookup(TcpTwTable *tw, const TcpTuple *tuple);

/* The bytes the table held for its records at its peak (the most
 * positions the FIFO spanned, dead ones between included) and the index
 * slots it holds. */
guint64
tcp_tw_table_bytes(const TcpTwTable *tw);

/* A record for `c` (which is in TIME_WAIT), expiring at `expiry`, at the
 * FIFO tail.  The caller frees c. */
TcpTwRecord *
tcp_tw_insert(TcpTwTable *tw, const TcpConn *c, SimTime expiry);

/* Removes rec; rec and any record pointer taken before are invalid after. */
void
tcp_tw_remove(TcpTwTable *tw, TcpTwRecord *rec);

/* The record that expires first, or NULL. */
static inline TcpTwRecord *
tcp_tw_head(const TcpTwTable *tw)
{
  return tw->head < tw->tail ? tcp_tw_at(tw, tw->head) : NULL;
}

/* The ACK a TIME_WAIT record sends: <SEQ=SND.NXT><ACK=RCV.NXT>, with the
 * window the connection had when it entered TIME_WAIT. */
void
tcp_tw_ack(const TcpTwTable *tw, const TcpTwRecord *rec, SimTime now, TcpSegment *reply);

typedef enum {
  TCP_TW_DROP,               /* nothing to do */
  TCP_TW_ACK,                /* *reply holds the ACK to send */
  TCP_TW_KILL,               /* RST: the record must go (not rfc1337) */
  TCP_TW_SYN,                /* a new SYN reopens the 4-tuple, ISN *isn */
} TcpTwAction;

/* A segment for a TIME_WAIT record (Linux tcp_timewait_state_process(),
 * RFC 9293 3.10.7.4 TIME-WAIT).  A restart moves the record to the tail
 * with expiry now + time_wait: after TCP_TW_DROP or TCP_TW_ACK, rec is
 * invalid (look the 4-tuple up again); after TCP_TW_KILL or TCP_TW_SYN it
 * is still good. */
TcpTwAction
tcp_tw_input(TcpTwTable *tw, TcpTwRecord *rec, const TcpSegment *seg,
             const TcpProfile *profile, SimTime now, TcpSegment *reply,
             guint32 *isn);

/* The records in expiry order, for listings and checks (tcp-ss.c,
 * tcp-check.c): the next after *cursor (the first if *cursor is 0), with
 * *cursor moved past it, or NULL after the last.  The table must not
 * change meanwhile. */
const TcpTwRecord *
tcp_tw_next(const TcpTwTable *tw, guint32 *cursor);
