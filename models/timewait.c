/* Compact TIME_WAIT records in slabs, their hash set and their FIFO (see
 * timewait.h). */
#include "timewait.h"
#include "tcp-seq.h"
#include "tuple-table.h"
#include <string.h>

static TcpTwRecord *
rec_at(TcpTwTable *tw, guint32 index1)
{
  guint32 i = index1 - 1;
  TcpTwRecord *slab = g_ptr_array_index(tw->slabs, i / TCP_TW_SLAB);
  return &slab[i % TCP_TW_SLAB];
}

static guint32
rec_index(TcpTwTable *tw, const TcpTwRecord *rec)
{
  g_assert(rec_at(tw, rec->self) == rec);
  return rec->self;
}

/* The index hashes a record number by its record's 4-tuple. */
static guint32
record_hash(gconstpointer owner, guint32 idx)
{
  return tcp_tuple_mix(&rec_at((TcpTwTable *)owner, idx)->tuple);
}

void
tcp_tw_table_init(TcpTwTable *tw)
{
  memset(tw, 0, sizeof *tw);
  tw->slabs = g_ptr_array_new_with_free_func(g_free);
  slot_index_init(&tw->index, record_hash, tw);
}

void
tcp_tw_table_clear(TcpTwTable *tw)
{
  slot_index_clear(&tw->index);
  g_ptr_array_free(tw->slabs, TRUE);
  memset(tw, 0, sizeof *tw);
}

/* ---- the index: open addressing over record indices ---------------------- */

TcpTwRecord *
tcp_tw_lookup(TcpTwTable *tw, const TcpTuple *tuple)
{
  const SlotIndex *x = &tw->index;
  if (x->n_slots == 0) return NULL;
  guint32 mask = x->n_slots - 1;
  for (guint32 i = slot_index_home(x, tcp_tuple_mix(tuple)); x->slots[i]; i = (i + 1) & mask) {
    TcpTwRecord *rec = rec_at(tw, x->slots[i]);
    if (tcp_tuple_same(&rec->tuple, tuple)) return rec;
  }
  return NULL;
}

static void
fifo_unlink(TcpTwTable *tw, TcpTwRecord *rec, guint32 idx)
{
  if (rec->prev) rec_at(tw, rec->prev)->next = rec->next;
  else tw->head = rec->next;
  if (rec->next) rec_at(tw, rec->next)->prev = rec->prev;
  else tw->tail = rec->prev;
  rec->prev = rec->next = 0;
  (void)idx;
}

/* Appends rec at the tail.  The FIFO stays in expiry order even when
 * h:set{} shortens time_wait while records are held: a new or restarted
 * record then expires no earlier than the newest one already held (else it
 * would sit behind it past its expiry). */
static void
fifo_append(TcpTwTable *tw, TcpTwRecord *rec, guint32 idx)
{
  if (tw->tail) rec->expiry = MAX(rec->expiry, rec_at(tw, tw->tail)->expiry);
  rec->next = 0;
  rec->prev = tw->tail;
  if (tw->tail) rec_at(tw, tw->tail)->next = idx;
  else tw->head = idx;
  tw->tail = idx;
}

static guint32
rec_alloc(TcpTwTable *tw)
{
  if (tw->free_list) {
    guint32 idx = tw->free_list;
    tw->free_list = rec_at(tw, idx)->next;
    return idx;
  }
  if (tw->used % TCP_TW_SLAB == 0 && tw->used / TCP_TW_SLAB == tw->slabs->len)
    g_ptr_array_add(tw->slabs, g_new(TcpTwRecord, TCP_TW_SLAB));
  return ++tw->used;
}

TcpTwRecord *
tcp_tw_insert(TcpTwTable *tw, const TcpConn *c, SimTime expiry)
{
  guint32 idx = rec_alloc(tw);
  TcpTwRecord *rec = rec_at(tw, idx);
  memset(rec, 0, sizeof *rec);
  rec->self = idx;
  rec->tuple = c->tuple;
  rec->snd_nxt = c->snd_nxt;
  rec->rcv_nxt = c->rcv_nxt;
  rec->ts_ok = c->ts_ok;
  rec->ts_recent = c->ts_recent;
  rec->ts_offset = c->ts_offset;
  rec->ts_stamp_ms = (guint32)(c->ts_recent_stamp / SIM_MS);
  /* Linux tcp_time_wait(): tw_rcv_wnd = tcp_receive_window(), what is
   * left of the window last advertised; its ACKs send it >> rcv_wscale
   * (tcp_v4_timewait_ack()). */
  guint32 wnd = tcp_seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
  rec->win = (guint16)MIN(wnd >> c->rcv_wscale, 65535u);
  rec->expiry = expiry;
  fifo_append(tw, rec, idx);
  slot_index_reserve(&tw->index, tw->count + 1);
  slot_index_put(&tw->index, idx);
  tw->count++;
  return rec;
}

void
tcp_tw_remove(TcpTwTable *tw, TcpTwRecord *rec)
{
  guint32 idx = rec_index(tw, rec);
  slot_index_remove(&tw->index, idx);
  fifo_unlink(tw, rec, idx);
  rec->next = tw->free_list;
  tw->free_list = idx;
  tw->count--;
}

TcpTwRecord *
tcp_tw_head(TcpTwTable *tw)
{
  return tw->head ? rec_at(tw, tw->head) : NULL;
}

static void
tw_restart(TcpTwTable *tw, TcpTwRecord *rec, SimTime expiry)
{
  guint32 idx = rec_index(tw, rec);
  fifo_unlink(tw, rec, idx);
  rec->expiry = expiry;
  fifo_append(tw, rec, idx);
}

void
tcp_tw_ack(const TcpTwRecord *rec, SimTime now, TcpSegment *reply)
{
  memset(reply, 0, sizeof *reply);
  reply->sport = rec->tuple.lport;
  reply->dport = rec->tuple.rport;
  reply->seq = rec->snd_nxt;
  reply->ack = rec->rcv_nxt;
  reply->flags = TCP_FLAG_ACK;
  reply->why = TCP_WHY_TW_ACK;
  reply->win = rec->win;
  if (rec->ts_ok) {
    reply->opts = TCP_OPT_TS;
    reply->ts_val = (guint32)(now / SIM_MS) + rec->ts_offset;
    reply->ts_ecr = rec->ts_recent;
  }
}

TcpTwAction
tcp_tw_input(TcpTwTable *tw, TcpTwRecord *rec, const TcpSegment *seg,
             const TcpProfile *profile, SimTime now, TcpSegment *reply,
             guint32 *isn)
{
  guint8 f = seg->flags;
  gboolean saw_ts = rec->ts_ok && (seg->opts & TCP_OPT_TS);
  gboolean paws = saw_ts && !(f & TCP_FLAG_RST) && tcp_seq_lt(seg->ts_val, rec->ts_recent);
  guint32 len = tcp_segment_seq_len(seg);
  /* In-window (SEG.SEQ == RCV.NXT) bare ACK or RST. */
  if (!paws && seg->seq == rec->rcv_nxt && (len == 0 || (f & TCP_FLAG_RST))) {
    if (f & TCP_FLAG_RST) {
      /* TIME_WAIT assassination (RFC 1337): Linux kills the record unless
       * net.ipv4.tcp_rfc1337 is set. */
      if (!profile->rfc1337) return TCP_TW_KILL;
    } else {
      tw_restart(tw, rec, now + profile->time_wait);
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
  if (paws || (f & TCP_FLAG_ACK)) tw_restart(tw, rec, now + profile->time_wait);
  tcp_tw_ack(rec, now, reply);
  return TCP_TW_ACK;
}

const TcpTwRecord *
tcp_tw_next(TcpTwTable *tw, const TcpTwRecord *rec)
{
  guint32 i = rec ? rec->next : tw->head;
  return i ? rec_at(tw, i) : NULL;
}

guint64
tcp_tw_table_bytes(const TcpTwTable *tw)
{
  return (guint64)tw->used * sizeof(TcpTwRecord) + (guint64)tw->index.n_slots * sizeof(guint32);
}
