/* Compact TIME_WAIT records in a FIFO of slabs, and their index (see
 * timewait.h). */
#include "timewait.h"
#include "tcp-seq.h"
#include "tuple-table.h"
#include "open-table.h"
#include <string.h>

/* Positions are renumbered from 0 before the tail would pass this. */
#define POSITION_LIMIT (G_MAXUINT32 - 2 * TCP_TW_SLAB)

static inline TcpTwRecord *
rec_at(const TcpTwTable *tw, guint32 pos)
{
  return tcp_tw_at(tw, pos);
}

static inline gboolean
rec_dead(const TcpTwRecord *rec)
{
  return rec->laddr_ts == TCP_TW_DEAD;
}

/* The index of laddr in tw->laddrs, or -1. */
static int
laddr_find(const TcpTwTable *tw, NetAddr laddr)
{
  for (guint i = 0; i < tw->laddrs->len; i++)
    if (g_array_index(tw->laddrs, NetAddr, i) == laddr) return (int)i;
  return -1;
}

static inline guint32
rec_hash(const TcpTwTable *tw, const TcpTwRecord *rec)
{
  TcpTuple t = tcp_tw_tuple(tw, rec);
  return tcp_tuple_mix(&t);
}

/* ---- the index ----------------------------------------------------------- */

/* A slot holds position + 1 of a live record; its hash is the 4-tuple's
 * mix of the record it names.  16 slots at first: a host that holds
 * TIME_WAIT at all soon holds many. */
static inline guint32
index_hash(const TcpTwTable *tw, const OpenTagSlot *slot)
{
  return rec_hash(tw, rec_at(tw, slot->n - 1));
}

OPEN_TABLE_DEFINE_TAGGED(index, TcpTwIndex, const TcpTwTable *, 16)

/* A lookup's key: the 4-tuple, with its local address as laddrs index
 * (shifted as in laddr_ts); the match leaves the record it found in `rec`,
 * so that the lookup does not work out its place again. */
typedef struct {
  const TcpTuple *tuple;
  guint16         laddr_ts;
  TcpTwRecord    *rec;
} TwKey;

static inline gboolean
index_match_key(const TcpTwTable *tw, const OpenTagSlot *slot, guint32 h, TwKey *key)
{
  (void)h;
  TcpTwRecord *rec = rec_at(tw, slot->n - 1);
  key->rec = rec;
  return rec->raddr == key->tuple->raddr && rec->lport == key->tuple->lport &&
         rec->rport == key->tuple->rport && (rec->laddr_ts & ~1u) == key->laddr_ts;
}

static inline gboolean
index_match_rec(const TcpTwTable *tw, const OpenTagSlot *slot, guint32 h, const TcpTwRecord *rec)
{
  (void)h;
  return rec_at(tw, slot->n - 1) == rec;
}

OPEN_TABLE_DEFINE_TAGGED_FIND(index, index_find, TcpTwIndex, const TcpTwTable *, TwKey *,
                              index_match_key)
OPEN_TABLE_DEFINE_TAGGED_FIND(index, index_find_rec, TcpTwIndex, const TcpTwTable *,
                              const TcpTwRecord *, index_match_rec)

void
tcp_tw_table_init(TcpTwTable *tw)
{
  memset(tw, 0, sizeof *tw);
  tw->slabs = g_ptr_array_new_with_free_func(g_free);
  tw->laddrs = g_array_new(FALSE, FALSE, sizeof(NetAddr));
}

void
tcp_tw_table_clear(TcpTwTable *tw)
{
  index_release(&tw->index);
  g_ptr_array_free(tw->slabs, TRUE);
  g_free(tw->spare);
  g_array_free(tw->laddrs, TRUE);
  memset(tw, 0, sizeof *tw);
}

/* The slot that holds rec (which is live and indexed). */
static OpenTagSlot *
index_slot_of(const TcpTwTable *tw, const TcpTwRecord *rec)
{
  OpenTagSlot *slot = index_find_rec(&tw->index, tw, rec_hash(tw, rec), rec);
  g_assert(slot != NULL);
  return slot;
}

TcpTwRecord *
tcp_tw_lookup_mixed(TcpTwTable *tw, const TcpTuple *tuple, guint32 mix)
{
  if (tcp_tw_count(tw) == 0) return NULL;
  int l = laddr_find(tw, tuple->laddr);
  if (l < 0) return NULL;
  TwKey key = { .tuple = tuple, .laddr_ts = (guint16)(l << 1) };
  return index_find(&tw->index, tw, mix, &key) ? key.rec : NULL;
}

TcpTwRecord *
tcp_tw_lookup(TcpTwTable *tw, const TcpTuple *tuple)
{
  /* Before the mix: a connect's port probes ask an empty table often. */
  if (tcp_tw_count(tw) == 0) return NULL;
  return tcp_tw_lookup_mixed(tw, tuple, tcp_tuple_mix(tuple));
}

/* ---- the FIFO ------------------------------------------------------------ */

/* Renumbers every position from 0 (once in 4 billion insertions). */
static void
positions_rebase(TcpTwTable *tw)
{
  guint32 d = tw->base;
  for (guint32 i = 0; i < index_size(&tw->index); i++)
    if (index_used(&tw->index.slots[i])) tw->index.slots[i].n -= d;
  tw->base -= d;
  tw->head -= d;
  tw->tail -= d;
}

/* A new position at the tail, its slab allocated. */
static guint32
position_take(TcpTwTable *tw)
{
  if (tw->tail >= POSITION_LIMIT) positions_rebase(tw);
  guint32 pos = tw->tail++;
  tw->peak = MAX(tw->peak, tw->tail - tw->head);
  if ((pos - tw->base) / TCP_TW_SLAB == tw->slabs->len) {
    gpointer slab = tw->spare ? tw->spare : g_new(TcpTwRecord, TCP_TW_SLAB);
    tw->spare = NULL;
    g_ptr_array_add(tw->slabs, slab);
  }
  return pos;
}

/* Vacates pos; the FIFO's ends move past dead positions, and slabs the
 * head has left are given back (one kept as the spare). */
static void
position_vacate(TcpTwTable *tw, guint32 pos)
{
  rec_at(tw, pos)->laddr_ts = TCP_TW_DEAD;
  while (tw->tail > tw->head && rec_dead(rec_at(tw, tw->tail - 1))) tw->tail--;
  while (tw->head < tw->tail && rec_dead(rec_at(tw, tw->head))) tw->head++;
  while (tw->slabs->len > 0 && tw->head - tw->base >= TCP_TW_SLAB) {
    gpointer slab = g_ptr_array_steal_index(tw->slabs, 0);
    if (tw->spare) g_free(slab);
    else tw->spare = slab;
    tw->base += TCP_TW_SLAB;
  }
}

/* Appends a copy of *rec at the tail with `expiry`, no earlier than the
 * record before it: the FIFO stays in expiry order even when h:set{}
 * shortens time_wait while records are held (else a new record would sit
 * behind an older one past its expiry). */
static TcpTwRecord *
fifo_append(TcpTwTable *tw, const TcpTwRecord *rec, SimTime expiry, guint32 *pos)
{
  if (tw->tail > tw->head) expiry = MAX(expiry, tcp_tw_expiry(rec_at(tw, tw->tail - 1)));
  TcpTwRecord copy = *rec;
  *pos = position_take(tw);
  TcpTwRecord *to = rec_at(tw, *pos);
  *to = copy;
  to->expiry_lo = (guint32)expiry;
  to->expiry_hi = (guint32)((guint64)expiry >> 32);
  return to;
}

TcpTwRecord *
tcp_tw_insert(TcpTwTable *tw, const TcpConn *c, SimTime expiry)
{
  int l = laddr_find(tw, c->tuple.laddr);
  if (l < 0) {
    g_array_append_val(tw->laddrs, c->tuple.laddr);
    l = (int)tw->laddrs->len - 1;
  }
  /* A host's addresses are far fewer than the 32,767 an index can name. */
  g_assert(l < (int)(TCP_TW_DEAD >> 1));
  TcpTwRecord rec = {
    .raddr = c->tuple.raddr, .lport = c->tuple.lport, .rport = c->tuple.rport,
    .snd_nxt = c->snd_nxt, .rcv_nxt = c->rcv_nxt, .ts_recent = c->ts_recent,
    .ts_stamp_ms = (guint32)(c->ts_recent_stamp / SIM_MS),
    .laddr_ts = (guint16)(l << 1 | (c->ts_ok ? 1 : 0)),
  };
  /* Linux tcp_time_wait(): tw_rcv_wnd = tcp_receive_window(), what is
   * left of the window last advertised; its ACKs send it >> rcv_wscale
   * (tcp_v4_timewait_ack()). */
  guint32 wnd = tcp_seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
  rec.win = (guint16)MIN(wnd >> c->rcv_wscale, 65535u);
  guint32 pos;
  TcpTwRecord *to = fifo_append(tw, &rec, expiry, &pos);
  index_add(&tw->index, tw, tcp_tuple_mix(&c->tuple), pos + 1);
  return to;
}

void
tcp_tw_remove(TcpTwTable *tw, TcpTwRecord *rec)
{
  OpenTagSlot *slot = index_slot_of(tw, rec);
  guint32 pos = slot->n - 1;
  index_remove(&tw->index, tw, slot);
  position_vacate(tw, pos);
}

/* Moves rec to the tail with a new expiry; returns it there. */
static TcpTwRecord *
tw_restart(TcpTwTable *tw, TcpTwRecord *rec, SimTime expiry)
{
  OpenTagSlot *slot = index_slot_of(tw, rec);
  guint32 old = slot->n - 1;
  TcpTwRecord copy = *rec;
  /* Vacated first, so that the record before it in the FIFO sets the
   * floor of its new expiry, as if it had been taken out and put back. */
  position_vacate(tw, old);
  guint32 pos;
  TcpTwRecord *to = fifo_append(tw, &copy, expiry, &pos);
  slot->n = pos + 1;
  return to;
}

void
tcp_tw_ack(const TcpTwTable *tw, const TcpTwRecord *rec, SimTime now, TcpSegment *reply)
{
  memset(reply, 0, sizeof *reply);
  reply->sport = rec->lport;
  reply->dport = rec->rport;
  reply->seq = rec->snd_nxt;
  reply->ack = rec->rcv_nxt;
  reply->flags = TCP_FLAG_ACK;
  reply->why = TCP_WHY_TW_ACK;
  reply->win = rec->win;
  if (tcp_tw_ts_ok(rec)) {
    /* The offset the connection used (tcp.c, conn_init_ts): a keyed hash
     * of the address pair, not kept in the record. */
    TcpTuple t = tcp_tw_tuple(tw, rec);
    guint32 offset = (guint32)tcp_siphash_4u32(&tw->ts_key, t.laddr, t.raddr, 0, 0);
    reply->opts = TCP_OPT_TS;
    reply->ts_val = (guint32)(now / SIM_MS) + offset;
    reply->ts_ecr = rec->ts_recent;
  }
}

TcpTwAction
tcp_tw_input(TcpTwTable *tw, TcpTwRecord *rec, const TcpSegment *seg,
             const TcpProfile *profile, SimTime now, TcpSegment *reply,
             guint32 *isn)
{
  guint8 f = seg->flags;
  gboolean saw_ts = tcp_tw_ts_ok(rec) && (seg->opts & TCP_OPT_TS);
  gboolean paws = saw_ts && !(f & TCP_FLAG_RST) && tcp_seq_lt(seg->ts_val, rec->ts_recent);
  guint32 len = tcp_segment_seq_len(seg);
  /* In-window (SEG.SEQ == RCV.NXT) bare ACK or RST. */
  if (!paws && seg->seq == rec->rcv_nxt && (len == 0 || (f & TCP_FLAG_RST))) {
    if (f & TCP_FLAG_RST) {
      /* TIME_WAIT assassination (RFC 1337): Linux kills the record unless
       * net.ipv4.tcp_rfc1337 is set. */
      if (!profile->rfc1337) return TCP_TW_KILL;
    } else {
      rec = tw_restart(tw, rec, now + profile->time_wait);
    }
    if (saw_ts) {
      rec->ts_recent = seg->ts_val;
      rec->ts_stamp_ms = (guint32)(now / SIM_MS);
    }
    return TCP_TW_DROP;
  }
  /* A new SYN above RCV.NXT, or with a newer timestamp, reopens the
   * 4-tuple (Linux, and BSD's tcp_twcheck()): the new ISN is the old
   * SND.NXT + 65535 + 2. */
  if ((f & TCP_FLAG_SYN) && !(f & (TCP_FLAG_RST | TCP_FLAG_ACK)) && !paws &&
      (tcp_seq_gt(seg->seq, rec->rcv_nxt) ||
       (saw_ts && tcp_seq_lt(rec->ts_recent, seg->ts_val)))) {
    *isn = rec->snd_nxt + 65535 + 2;
    if (*isn == 0) *isn = 1;
    return TCP_TW_SYN;
  }
  if (f & TCP_FLAG_RST) return TCP_TW_DROP;
  /* Anything else (a retransmitted FIN above all) is ACKed; with an ACK
   * or a PAWS reject, the TIME_WAIT restarts (RFC 9293 3.10.7.4). */
  if (paws || (f & TCP_FLAG_ACK)) rec = tw_restart(tw, rec, now + profile->time_wait);
  tcp_tw_ack(tw, rec, now, reply);
  return TCP_TW_ACK;
}

const TcpTwRecord *
tcp_tw_next(const TcpTwTable *tw, guint32 *cursor)
{
  guint32 pos = *cursor ? *cursor : tw->head;
  while (pos < tw->tail && rec_dead(rec_at(tw, pos))) pos++;
  if (pos >= tw->tail) return NULL;
  *cursor = pos + 1;
  return rec_at(tw, pos);
}

guint64
tcp_tw_table_bytes(const TcpTwTable *tw)
{
  return (guint64)tw->peak * sizeof(TcpTwRecord) +
         (guint64)index_size(&tw->index) * sizeof(OpenTagSlot);
}
