/* The TIME_WAIT table: compact records of connections in TIME_WAIT, in
 * place of the full TcpConn, which is freed (Linux's tcp_timewait_sock).
 *
 * Data flow: a TcpConn enters TIME_WAIT -> tcp-stack.c inserts a record
 * here and frees the connection -> later segments for the 4-tuple come to
 * tcp_tw_input() -> the record expires from the FIFO head on one engine
 * event that tcp-stack.c keeps at tcp_tw_next_expiry().
 *
 * Axioms:
 *  - every record is in `index` (slot-index.h: record indices hashed by
 *    their 4-tuple, 4 bytes a slot, at most 3/4 full) and in the FIFO,
 *    and the FIFO is ordered by expiry: a new or restarted record goes to
 *    the tail, and expires no earlier than the record before it (the
 *    TIME_WAIT length is one per host; should h:set{} shorten it while
 *    records are held, new ones wait for the older ones);
 *  - records live in slabs of TCP_TW_SLAB and are linked by 32-bit
 *    indices (index + 1; 0 is "none"), free ones chained through `next`;
 *  - a record is 56 bytes, plus 5-11 bytes of hash slots. */
#pragma once
#include "tcp.h"
#include "slot-index.h"

typedef struct {
  TcpTuple tuple;            /* first: the hash key */
  guint32  snd_nxt, rcv_nxt;
  guint32  ts_recent;        /* last timestamp from the peer */
  guint32  ts_offset;        /* our timestamp offset */
  guint32  ts_stamp_ms;      /* virtual ms when ts_recent was taken */
  guint32  prev, next;       /* FIFO links (index + 1) */
  guint32  self;             /* own index + 1 */
  guint8   ts_ok;            /* timestamps were in use */
  guint16  win;              /* window field of our ACKs: the window at
                                entry, scaled (Linux tw_rcv_wnd >> wscale) */
  SimTime  expiry;
} TcpTwRecord;

#define TCP_TW_SLAB 4096

typedef struct {
  SlotIndex   index;         /* record index + 1 by 4-tuple; the table must not move */
  GPtrArray  *slabs;         /* TcpTwRecord[TCP_TW_SLAB] each */
  guint32     used;          /* slots handed out from the slabs */
  guint32     free_list;     /* index + 1 */
  guint32     head, tail;    /* FIFO, index + 1 */
  guint64     count;
} TcpTwTable;

void
tcp_tw_table_init(TcpTwTable *tw);
void
tcp_tw_table_clear(TcpTwTable *tw);

TcpTwRecord *
tcp_tw_lookup(TcpTwTable *tw, const TcpTuple *tuple);

/* The bytes the table holds for its records: every record handed out so
 * far (the table's high-water mark: freed records are kept for reuse) and
 * the hash slots.  The slabs' unused tails are left out. */
guint64
tcp_tw_table_bytes(const TcpTwTable *tw);

/* A record for `c` (which is in TIME_WAIT), expiring at `expiry`, at the
 * FIFO tail.  The caller frees c. */
TcpTwRecord *
tcp_tw_insert(TcpTwTable *tw, const TcpConn *c, SimTime expiry);

void
tcp_tw_remove(TcpTwTable *tw, TcpTwRecord *rec);

/* The record that expires first, or NULL. */
TcpTwRecord *
tcp_tw_head(TcpTwTable *tw);

/* The ACK a TIME_WAIT record sends: <SEQ=SND.NXT><ACK=RCV.NXT>, with the
 * window the connection had when it entered TIME_WAIT. */
void
tcp_tw_ack(const TcpTwRecord *rec, SimTime now, TcpSegment *reply);

typedef enum {
  TCP_TW_DROP,               /* nothing to do */
  TCP_TW_ACK,                /* *reply holds the ACK to send */
  TCP_TW_KILL,               /* RST: the record must go (not rfc1337) */
  TCP_TW_SYN,                /* a new SYN reopens the 4-tuple, ISN *isn */
} TcpTwAction;

/* A segment for a TIME_WAIT record (Linux tcp_timewait_state_process(),
 * RFC 9293 3.10.7.4 TIME-WAIT).  A restart moves the record to the tail
 * with expiry now + time_wait. */
TcpTwAction
tcp_tw_input(TcpTwTable *tw, TcpTwRecord *rec, const TcpSegment *seg,
             const TcpProfile *profile, SimTime now, TcpSegment *reply,
             guint32 *isn);

/* The record after `rec` in expiry order (the first with rec NULL), or
 * NULL after the last: for listings (tcp-ss.c), not for the hot path. */
const TcpTwRecord *
tcp_tw_next(TcpTwTable *tw, const TcpTwRecord *rec);
