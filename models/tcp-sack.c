/* Selective acknowledgment, both ends of it.
 *
 * The receiver reports the blocks it holds out of order (RFC 2018 4), the
 * most recently changed first, kept as Linux keeps them
 * (tp->selective_acks: tcp_sack_new_ofo_skb(), tcp_sack_remove()), and a
 * duplicate it received once as a D-SACK block (RFC 2883).
 *
 * The sender keeps a scoreboard of what the peer SACKed above SND.UNA and
 * answers RFC 6675's questions from it: IsLost(), SetPipe(), NextSeg().
 * The scoreboard is a sorted array of disjoint byte ranges, not a mark per
 * segment: every question is a walk over the ranges (a handful: each ACK
 * brings at most four blocks), so none costs a walk over the data in
 * flight.
 *
 * Data flow: tcp-in.c and tcp-rcv.c tell the receiver's side what arrived
 * and tcp-out.c asks it for the blocks of each ACK; tcp-in.c feeds each
 * ACK's blocks to the scoreboard, which tcp-cc.c (loss recovery) and
 * tcp-out.c (what to resend) read. */
#include "tcp.h"
#include "tcp-seq.h"
#include <string.h>

#define DUP_THRESH 3                  /* RFC 6675 2: DupThresh */

/* ---- the receiver's blocks -------------------------------------------------- */

/* Linux tcp_sack_extend(): a block that overlaps or touches [seq, end)
 * grows to cover it. */
static gboolean
block_extend(TcpSackBlock *b, guint32 seq, guint32 end)
{
  if (tcp_seq_gt(seq, b->end) || tcp_seq_gt(b->start, end)) return FALSE;
  if (tcp_seq_lt(seq, b->start)) b->start = seq;
  if (tcp_seq_gt(end, b->end)) b->end = end;
  return TRUE;
}

static void
rcv_remove(TcpConn *c, guint i)
{
  memmove(&c->rcv_sack[i], &c->rcv_sack[i + 1], (c->n_rcv_sack - i - 1) * sizeof *c->rcv_sack);
  c->n_rcv_sack--;
}

void
tcp_sack_rcv_ofo(TcpConn *c, guint32 seq, guint32 end)
{
  if (!c->sack_ok || !tcp_seq_lt(seq, end)) return;
  for (guint i = 0; i < c->n_rcv_sack; i++) {
    if (!block_extend(&c->rcv_sack[i], seq, end)) continue;
    /* The grown block moves to the front (RFC 2018 4: the first block
     * reports the most recent segment), and may now touch others
     * (Linux's tcp_sack_maybe_coalesce()). */
    TcpSackBlock b = c->rcv_sack[i];
    memmove(&c->rcv_sack[1], &c->rcv_sack[0], i * sizeof b);
    c->rcv_sack[0] = b;
    for (guint j = 1; j < c->n_rcv_sack;) {
      if (block_extend(&c->rcv_sack[0], c->rcv_sack[j].start, c->rcv_sack[j].end))
        rcv_remove(c, j);
      else
        j++;
    }
    return;
  }
  /* A new block in front; the oldest falls off when all four are used. */
  guint keep = MIN(c->n_rcv_sack, (guint)TCP_SACK_MAX - 1);
  memmove(&c->rcv_sack[1], &c->rcv_sack[0], keep * sizeof *c->rcv_sack);
  c->rcv_sack[0] = (TcpSackBlock){ seq, end };
  c->n_rcv_sack = (guint8)(keep + 1);
}

void
tcp_sack_rcv_dup(TcpConn *c, guint32 seq, guint32 end)
{
  if (!c->sack_ok || !c->profile->dsack || !tcp_seq_lt(seq, end)) return;
  /* Linux tcp_dsack_extend(): one D-SACK block per ACK; a second
   * duplicate joins it when it touches, else waits for no one. */
  if (c->dsack_due) {
    block_extend(&c->rcv_dsack, seq, end);
    return;
  }
  c->rcv_dsack = (TcpSackBlock){ seq, end };
  c->dsack_due = TRUE;
}

void
tcp_sack_rcv_advance(TcpConn *c)
{
  if (c->ooo == NULL || c->ooo->len == 0) {
    c->n_rcv_sack = 0;                /* the queue is empty: nothing to report */
    return;
  }
  for (guint i = 0; i < c->n_rcv_sack;) {
    if (!tcp_seq_lt(c->rcv_nxt, c->rcv_sack[i].start)) rcv_remove(c, i);
    else i++;
  }
}

void
tcp_sack_fill(TcpConn *c, TcpSegment *seg)
{
  if (!c->sack_ok) return;
  /* 40 bytes of options, less 12 for timestamps; the blocks take 2 NOPs,
   * 2 bytes of kind and length, 8 each: 3 blocks, or 4 (RFC 2018 3). */
  guint room = (seg->opts & TCP_OPT_TS) ? 3 : TCP_SACK_MAX;
  guint n = 0;
  if (c->dsack_due) {
    seg->sack[n++] = c->rcv_dsack;    /* RFC 2883 4: the D-SACK block first */
    c->dsack_due = FALSE;
  }
  for (guint i = 0; i < c->n_rcv_sack && n < room; i++) seg->sack[n++] = c->rcv_sack[i];
  if (n == 0) return;
  seg->opts |= TCP_OPT_SACK;
  seg->n_sack = (guint8)n;
}

/* ---- the sender's scoreboard ------------------------------------------------ */

#define RANGE(c, i) g_array_index((c)->scoreboard, TcpSackBlock, i)

static guint
board_len(const TcpConn *c)
{
  return c->scoreboard ? c->scoreboard->len : 0;
}

/* Forgets what lies below una (acknowledged now). */
static void
board_trim(TcpConn *c, guint32 una)
{
  guint drop = 0;
  while (drop < board_len(c) && !tcp_seq_gt(RANGE(c, drop).end, una)) drop++;
  if (drop) g_array_remove_range(c->scoreboard, 0, drop);
  if (board_len(c) && tcp_seq_lt(RANGE(c, 0).start, una)) RANGE(c, 0).start = una;
}

/* Tells tcp-rack.c the parts of [s, e) that ranges i to j - 1 did not
 * cover yet, each with the range m they all merge into. */
static void
board_tell_rack(TcpConn *c, guint i, guint j, guint32 s, guint32 e, TcpSackBlock m)
{
  guint32 from = s;
  for (guint k = i; k < j; k++) {
    const TcpSackBlock *r = &RANGE(c, k);
    if (tcp_seq_lt(from, r->start)) tcp_rack_sacked(c, from, r->start, m.start, m.end);
    if (tcp_seq_gt(r->end, from)) from = r->end;
  }
  if (tcp_seq_lt(from, e)) tcp_rack_sacked(c, from, e, m.start, m.end);
}

/* Merges [s, e) in; returns the bytes it adds. */
static guint32
board_add(TcpConn *c, guint32 s, guint32 e)
{
  if (c->scoreboard == NULL) c->scoreboard = g_array_new(FALSE, FALSE, sizeof(TcpSackBlock));
  guint i = 0;
  while (i < board_len(c) && tcp_seq_lt(RANGE(c, i).end, s)) i++;
  TcpSackBlock m = { s, e };
  guint32 had = 0;
  guint j = i;
  for (; j < board_len(c) && !tcp_seq_gt(RANGE(c, j).start, e); j++) {
    const TcpSackBlock *r = &RANGE(c, j);
    guint32 a = tcp_seq_gt(r->start, s) ? r->start : s;
    guint32 z = tcp_seq_lt(r->end, e) ? r->end : e;
    if (tcp_seq_gt(z, a)) had += z - a;
    if (tcp_seq_lt(r->start, m.start)) m.start = r->start;
    if (tcp_seq_gt(r->end, m.end)) m.end = r->end;
  }
  if (tcp_rack_on(c)) board_tell_rack(c, i, j, s, e, m);
  if (j > i) g_array_remove_range(c->scoreboard, i, j - i);
  g_array_insert_val(c->scoreboard, i, m);
  return (e - s) - had;
}

/* tcp_sack_update() for an ACK with SACK blocks or a scoreboard to trim:
 * out of line, so that the usual ACK, with neither, pays for no more than
 * its tests. */
static G_GNUC_NO_INLINE guint32
sack_update_board(TcpConn *c, const TcpSegment *seg)
{
  if (tcp_rack_on(c)) tcp_rack_ack_begin(c, seg->ack);
  guint32 una = tcp_seq_gt(seg->ack, c->snd_una) ? seg->ack : c->snd_una;
  board_trim(c, una);
  if (!(seg->opts & TCP_OPT_SACK)) return 0;
  guint32 added = 0;
  for (guint i = 0; i < seg->n_sack; i++) {
    TcpSackBlock b = seg->sack[i];
    /* A D-SACK block (RFC 2883) lies below the ACK: it tells of a
     * duplicate, not of data held.  Nothing beyond what was sent counts
     * (a block the sender cannot make sense of is ignored). */
    if (!tcp_seq_lt(b.start, b.end) || tcp_seq_lt(b.start, una) ||
        tcp_seq_gt(b.end, c->snd_max))
      continue;
    added += board_add(c, b.start, b.end);
  }
  return added;
}

guint32
tcp_sack_update(TcpConn *c, const TcpSegment *seg)
{
  if (!c->sack_ok) return 0;
  if ((seg->opts & TCP_OPT_SACK) || board_len(c) > 0) return sack_update_board(c, seg);
  /* The usual ACK: only RACK's start of an ACK, with nothing live after
   * the call. */
  if (tcp_rack_on(c)) tcp_rack_ack_begin(c, seg->ack);
  return 0;
}

/* Whether the SACKed ranges from index i up say that what lies below
 * them is lost: DupThresh discontiguous ranges, or more than
 * (DupThresh - 1) * SMSS bytes (RFC 6675 IsLost()). */
static gboolean
enough_above(guint ranges, guint32 bytes, guint32 mss)
{
  return ranges >= DUP_THRESH || bytes > (DUP_THRESH - 1) * mss;
}

gboolean
tcp_sack_is_lost(const TcpConn *c, guint32 seq)
{
  guint ranges = 0;
  guint32 bytes = 0;
  for (guint i = board_len(c); i-- > 0;) {
    const TcpSackBlock *r = &RANGE(c, i);
    if (!tcp_seq_gt(r->end, seq)) break;
    if (tcp_seq_gt(r->start, seq)) {
      ranges++;
      bytes += r->end - r->start;
    } else {
      return FALSE;                   /* seq itself is SACKed */
    }
  }
  return enough_above(ranges, bytes, c->mss);
}

/* IsLost() holds for every byte not SACKed below the returned sequence
 * number and for none above it (the more is SACKed above a byte, the
 * likelier it is lost): the start of the highest range that completes
 * the rule, or SND.UNA when none does. */
static guint32
lost_edge(const TcpConn *c)
{
  guint ranges = 0;
  guint32 bytes = 0;
  for (guint i = board_len(c); i-- > 0;) {
    const TcpSackBlock *r = &RANGE(c, i);
    ranges++;
    bytes += r->end - r->start;
    if (enough_above(ranges, bytes, c->mss)) return r->start;
  }
  return c->snd_una;
}

/* Bytes of [a, b) the peer SACKed. */
static guint32
sacked_in(const TcpConn *c, guint32 a, guint32 b)
{
  guint32 n = 0;
  for (guint i = 0; i < board_len(c); i++) {
    const TcpSackBlock *r = &RANGE(c, i);
    guint32 s = tcp_seq_gt(r->start, a) ? r->start : a;
    guint32 e = tcp_seq_lt(r->end, b) ? r->end : b;
    if (tcp_seq_gt(e, s)) n += e - s;
  }
  return n;
}

guint32
tcp_sack_pipe(const TcpConn *c)
{
  /* RFC 6675 SetPipe(), a byte at a time: one for each byte not SACKed
   * and not lost, one more for each retransmitted (below HighRxt). */
  guint32 una = c->snd_una, max = c->snd_max;
  guint32 lost = lost_edge(c);
  guint32 rxt = c->high_rxt;
  if (tcp_seq_lt(rxt, una)) rxt = una;
  if (tcp_seq_gt(rxt, max)) rxt = max;
  guint32 in_net = (max - lost) - sacked_in(c, lost, max);
  return in_net + (rxt - una) - sacked_in(c, una, rxt);
}

gboolean
tcp_sack_next_lost(const TcpConn *c, guint32 *seq, guint32 *len)
{
  guint32 lost = lost_edge(c);
  guint32 s = tcp_seq_gt(c->high_rxt, c->snd_una) ? c->high_rxt : c->snd_una;
  for (guint i = 0; i < board_len(c); i++) {
    const TcpSackBlock *r = &RANGE(c, i);
    if (!tcp_seq_gt(r->end, s)) continue;
    if (!tcp_seq_gt(r->start, s)) {
      s = r->end;                     /* SACKed: not to be resent */
      continue;
    }
    if (!tcp_seq_lt(s, lost)) return FALSE;
    *seq = s;
    *len = MIN((guint32)c->mss, r->start - s);
    return TRUE;
  }
  return FALSE;                       /* nothing SACKed above: nothing lost */
}

guint32
tcp_sack_skip(const TcpConn *c, guint32 seq, guint32 *len)
{
  for (guint i = 0; i < board_len(c); i++) {
    const TcpSackBlock *r = &RANGE(c, i);
    if (!tcp_seq_gt(r->end, seq)) continue;
    if (!tcp_seq_gt(r->start, seq)) return r->end;
    if (tcp_seq_gt(seq + *len, r->start)) *len = r->start - seq;
    break;
  }
  return seq;
}

void
tcp_sack_free(TcpConn *c)
{
  if (c->scoreboard) g_array_free(c->scoreboard, TRUE);
  c->scoreboard = NULL;
}
