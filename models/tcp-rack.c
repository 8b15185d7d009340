/* Linux's loss recovery (see tcp-rack.h): the record of segments in
 * flight, RACK, PRR, TLP and the CA states.
 *
 * Data flow: tcp-out.c -> tcp_rack_sent(); tcp-sack.c -> tcp_rack_sacked();
 * tcp-cc.c -> tcp_rack_ack(), tcp_rack_rto(); tcp-timer.c ->
 * tcp_rack_timer(); this file -> tcp_retransmit_at() and tcp_output() in
 * tcp-out.c for what it resends or probes with. */
#include "tcp.h"
#include "tcp-cc.h"
#include "tcp-seq.h"

#define TCP_MAX_REORDERING 300        /* tcp_max_reordering */
#define TCP_TIMEOUT_MIN (2 * SIM_MS)  /* TCP_TIMEOUT_MIN: 2 jiffies at HZ 1000 */
#define TCP_TIMEOUT_INIT SIM_S        /* TCP_TIMEOUT_INIT: PTO with no RTT */

/* ---- the ring of segments in flight ---------------------------------------- */

static guint
cap(const TcpRack *r)
{
  return r->txq ? r->txq->len : 0;
}

/* The capacity is a power of two (16, doubled when full), so a mask
 * wraps the index: the % of a capacity unknown to the compiler is a
 * division, and this runs about ten times a connection. */
static TcpTxSeg *
at(const TcpRack *r, guint i)
{
  return &g_array_index(r->txq, TcpTxSeg, (r->head + i) & (cap(r) - 1));
}

/* Room for one more record: the ring made, or doubled when full. */
static void
ring_reserve(TcpRack *r)
{
  if (r->txq == NULL) r->txq = g_array_new(FALSE, FALSE, sizeof(TcpTxSeg));
  guint old = cap(r);
  if (r->len == old) {
    /* Doubling, from 16, so that the capacity stays a power of two (at()):
     * the records before head move up behind the old end, so the ring
     * stays contiguous modulo the new capacity. */
    guint grown = MAX(16u, 2 * old);
    g_array_set_size(r->txq, grown);
    for (guint i = 0; i < r->head; i++)
      g_array_index(r->txq, TcpTxSeg, old + i) = g_array_index(r->txq, TcpTxSeg, i);
  }
}

static void
ring_pop(TcpRack *r)
{
  r->head = (r->head + 1) & (cap(r) - 1);
  if (--r->len == 0) r->head = 0;
}

/* The index of the first record ending above seq (len if none). */
static guint
ring_find(const TcpRack *r, guint32 seq)
{
  guint lo = 0, hi = r->len;
  while (lo < hi) {
    guint mid = (lo + hi) / 2;
    if (tcp_seq_gt(at(r, mid)->end, seq)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

void
tcp_rack_init(TcpConn *c)
{
  TcpRack *r = &c->rack;
  r->reordering = 3;                  /* tcp_reordering */
  r->rack_xmit = -1;
  r->ca_state = TCP_CA_OPEN;
}

void
tcp_rack_free(TcpConn *c)
{
  if (c->rack.txq) g_array_free(c->rack.txq, TRUE);
  c->rack.txq = NULL;
}

void
tcp_rack_reset(TcpConn *c)
{
  c->rack.head = c->rack.len = 0;
}

guint32
tcp_rack_packets_out(const TcpConn *c)
{
  return c->rack.len;
}

/* Linux's tcp_packets_in_flight(): sent, less SACKed and lost, plus the
 * resends still out. */
static guint32
in_flight(const TcpRack *r)
{
  return r->len - (r->sacked_out + r->lost_out) + r->retrans_out;
}

static guint32
cwnd_pkts(const TcpConn *c)
{
  return c->cwnd / MAX(c->mss, 1);
}

static gboolean
in_reduction(const TcpRack *r)
{
  return r->ca_state == TCP_CA_CWR || r->ca_state == TCP_CA_RECOVERY;
}

/* A sequence number kept across ACKs (rxt_hint, rxt_high), or SND.UNA
 * when it lies outside [SND.UNA, SND.MAX]: not set yet, or acknowledged
 * since. */
static guint32
within(const TcpConn *c, guint32 seq)
{
  return tcp_seq_lt(seq, c->snd_una) || tcp_seq_gt(seq, c->snd_max) ? c->snd_una : seq;
}

/* Linux's tcp_highest_sack_seq(): SND.UNA when nothing is SACKed. */
static guint32
fack(const TcpConn *c)
{
  return c->rack.sacked_out ? c->rack.fack : c->snd_una;
}

/* ---- sending ----------------------------------------------------------------- */

static void
resent(TcpConn *c, TcpTxSeg *e)
{
  TcpRack *r = &c->rack;
  e->xmit = c->now;
  e->order = r->sends++;
  e->flags |= TCP_TX_EVER_RETRANS;
  /* A SACKed segment sent again (a probe, or a resend that overlaps it)
   * is not counted out: the peer holds it. */
  if (!(e->flags & (TCP_TX_RETRANS | TCP_TX_SACKED))) {
    e->flags |= TCP_TX_RETRANS;
    r->retrans_out++;
  }
  r->total_retrans++;
  if (tcp_seq_gt(e->end, within(c, r->rxt_high))) r->rxt_high = e->end;
  if (in_reduction(r)) r->prr_out++;
}

/* A record of [seq, end), new data sent now, at the ring's end (which
 * has room). */
static inline void
record_new(TcpConn *c, TcpRack *r, guint32 seq, guint32 end)
{
  r->len++;
  *at(r, r->len - 1) = (TcpTxSeg){ seq, end, c->now, r->sends++, 0 };
  if (in_reduction(r)) r->prr_out++;  /* Linux's tcp_write_xmit() */
}

/* tcp_rack_sent() past its common case: a resend, or a ring to make or
 * grow.  Out of line, so that the common case saves no registers. */
static G_GNUC_NO_INLINE void
rack_sent(TcpConn *c, guint32 seq, guint32 end)
{
  TcpRack *r = &c->rack;
  guint32 tail = r->len ? at(r, r->len - 1)->end : seq;
  if (tcp_seq_lt(seq, tail)) {
    guint32 upto = tcp_seq_lt(end, tail) ? end : tail;
    for (guint i = ring_find(r, seq); i < r->len && tcp_seq_lt(at(r, i)->seq, upto); i++)
      resent(c, at(r, i));
    seq = upto;
  }
  if (!tcp_seq_lt(seq, end)) return;
  ring_reserve(r);
  record_new(c, r, seq, end);
}

void
tcp_rack_sent(TcpConn *c, guint32 seq, guint32 end)
{
  TcpRack *r = &c->rack;
  /* New data above every record, with room in the ring (nearly every
   * segment sent): no call. */
  if (r->len < cap(r) && (r->len == 0 || !tcp_seq_lt(seq, at(r, r->len - 1)->end)) &&
      tcp_seq_lt(seq, end)) {
    record_new(c, r, seq, end);
    return;
  }
  rack_sent(c, seq, end);
}

void
tcp_rack_send_edge(const TcpConn *c, guint32 *edge)
{
  const TcpRack *r = &c->rack;
  if (r->ca_state != TCP_CA_DISORDER && !in_reduction(r)) return;
  guint32 cw = cwnd_pkts(c), fl = in_flight(r);
  guint32 e = c->snd_nxt + (cw > fl ? cw - fl : 0) * c->mss;
  if (tcp_seq_gt(e, c->snd_una + c->snd_wnd)) e = c->snd_una + c->snd_wnd;
  *edge = e;
}

/* ---- RACK (RFC 8985 6.2, Linux's tcp_rack_advance/detect_loss) -------------- */

void
tcp_rack_rtt_sample(TcpConn *c, SimTime rtt)
{
  if (c->rack.min_rtt == 0 || rtt < c->rack.min_rtt) c->rack.min_rtt = MAX(rtt, 1);
}

/* Whether (t1, o1) was sent after (t2, o2): later, or at the same time
 * and later in order (Linux's tcp_skb_sent_after() breaks the tie by
 * sequence, right for one burst; in virtual time a resend and new data
 * can share an instant too, so the order of sending decides). */
static gboolean
sent_after(SimTime t1, SimTime t2, guint32 o1, guint32 o2)
{
  return t1 > t2 || (t1 == t2 && o1 > o2);
}

/* A record was delivered (ACKed or SACKed): RACK's most recent one. */
static void
rack_advance(TcpConn *c, const TcpTxSeg *e)
{
  TcpRack *r = &c->rack;
  SimTime rtt = c->now - e->xmit;
  /* A resend delivered sooner than min_rtt may be the original's
   * delivery: it says nothing (RFC 8985 6.2 step 2). */
  if ((e->flags & TCP_TX_EVER_RETRANS) && rtt < r->min_rtt) return;
  r->advanced = TRUE;
  r->rack_rtt = rtt;
  if (r->rack_xmit < 0 || sent_after(e->xmit, r->rack_xmit, e->order, r->rack_order)) {
    r->rack_xmit = e->xmit;
    r->rack_order = e->order;
  }
}

/* RACK's reordering window (Linux's tcp_rack_reo_wnd()): none before
 * reordering was seen when in recovery or with DupThresh SACKed
 * segments; else min_rtt / 4, at most SRTT. */
static SimTime
reo_wnd(const TcpConn *c)
{
  const TcpRack *r = &c->rack;
  if (!r->reord_seen) {
    if (r->ca_state >= TCP_CA_RECOVERY) return 0;
    if (r->sacked_out >= r->reordering) return 0;
  }
  return MIN(r->min_rtt / 4, c->srtt);
}

static void
mark_lost(TcpConn *c, TcpTxSeg *e)
{
  TcpRack *r = &c->rack;
  if (e->flags & TCP_TX_SACKED) return;
  if (e->flags & TCP_TX_LOST) {
    if (e->flags & TCP_TX_RETRANS) {          /* the resend is lost too */
      e->flags &= ~TCP_TX_RETRANS;
      r->retrans_out--;
    }
  } else {
    e->flags |= TCP_TX_LOST;
    r->lost_out++;
  }
  r->ack_lost++;
  if (tcp_seq_lt(e->seq, within(c, r->rxt_hint))) r->rxt_hint = e->seq;
}

/* Marks lost every record sent before RACK's most recent delivery by
 * more than RACK.rtt + reo_wnd; returns the longest wait of the others
 * (0: none).  Records are in sequence order; those above rxt_high were
 * never resent, so in send order too: the walk ends at the first of
 * them sent after RACK's. */
static SimTime
detect_loss(TcpConn *c)
{
  TcpRack *r = &c->rack;
  SimTime wnd = reo_wnd(c), wait = 0;
  for (guint i = 0; i < r->len; i++) {
    TcpTxSeg *e = at(r, i);
    if (e->flags & TCP_TX_SACKED) continue;
    if ((e->flags & TCP_TX_LOST) && !(e->flags & TCP_TX_RETRANS)) continue;
    if (!sent_after(r->rack_xmit, e->xmit, r->rack_order, e->order)) {
      if (!tcp_seq_lt(e->seq, within(c, r->rxt_high))) break;
      continue;
    }
    SimTime left = r->rack_rtt + wnd - (c->now - e->xmit);
    if (left <= 0) mark_lost(c, e);
    else wait = MAX(wait, left);
  }
  return wait;
}

/* Linux's tcp_rack_mark_lost(): after a delivery, detect; arm the
 * reordering timer for what may still be late.  TRUE if it was armed. */
static gboolean
rack_mark_lost(TcpConn *c)
{
  TcpRack *r = &c->rack;
  if (!r->advanced || r->rack_xmit < 0) return FALSE;
  r->advanced = FALSE;
  SimTime wait = detect_loss(c);
  if (wait == 0) return FALSE;
  c->rtx_at = c->now + MIN(wait + TCP_TIMEOUT_MIN, c->rto);
  r->timer = TCP_RACK_TIMER_REO;
  return TRUE;
}

/* Linux's tcp_check_sack_reordering(): a never-resent segment at low_seq
 * was delivered below the highest SACKed one: the path reorders by at
 * least that distance. */
static void
check_reordering(TcpConn *c, guint32 low_seq)
{
  TcpRack *r = &c->rack;
  guint32 f = fack(c), mss = MAX(c->mss, 1);
  if (!tcp_seq_lt(low_seq, f)) return;
  guint32 metric = f - low_seq;
  if (metric > (guint32)r->reordering * mss)
    r->reordering = (guint16)MIN((metric + mss - 1) / mss, TCP_MAX_REORDERING);
  r->reord_seen = TRUE;
}

/* ---- ACKs and SACKs ------------------------------------------------------------ */

void
tcp_rack_ack_begin(TcpConn *c, guint32 ack)
{
  TcpRack *r = &c->rack;
  r->old_ack = tcp_seq_lt(ack, c->snd_una);
  r->ack_delivered = r->ack_sacked_bytes = r->ack_new_bytes = r->ack_lost = 0;
  r->ack_reord = r->ack_cum_reord = c->snd_max;          /* none */
  r->prior_fack = fack(c);
  r->ack_sack_xmit = -1;
  r->prior_timer = r->timer;
}

void
tcp_rack_sacked(TcpConn *c, guint32 s, guint32 e, guint32 ms, guint32 me)
{
  TcpRack *r = &c->rack;
  for (guint i = ring_find(r, s); i < r->len; i++) {
    TcpTxSeg *x = at(r, i);
    if (!tcp_seq_lt(x->seq, e)) break;
    /* Only a record the SACKed range covers whole is SACKed (Linux
     * would split the skb; segments here are cut as they were sent). */
    if (tcp_seq_lt(x->seq, ms) || tcp_seq_gt(x->end, me) || (x->flags & TCP_TX_SACKED))
      continue;
    rack_advance(c, x);
    if (x->flags & TCP_TX_RETRANS) {
      /* A resend SACKed: neither lost nor out now. */
      if (x->flags & TCP_TX_LOST) r->lost_out--;
      x->flags &= ~(TCP_TX_LOST | TCP_TX_RETRANS);
      r->retrans_out--;
    } else {
      /* Never resent and below the highest SACKed: reordering
       * (tcp_sacktag_one()). */
      if (!(x->flags & TCP_TX_EVER_RETRANS) && tcp_seq_lt(x->seq, fack(c)) &&
          tcp_seq_lt(x->seq, r->ack_reord))
        r->ack_reord = x->seq;
      if (!(x->flags & TCP_TX_EVER_RETRANS) && (r->ack_sack_xmit < 0 || x->xmit < r->ack_sack_xmit))
        r->ack_sack_xmit = x->xmit;
      if (x->flags & TCP_TX_LOST) {
        x->flags &= ~TCP_TX_LOST;
        r->lost_out--;
      }
    }
    if (r->sacked_out == 0 || tcp_seq_gt(x->end, r->fack)) r->fack = x->end;
    x->flags |= TCP_TX_SACKED;
    r->sacked_out++;
    r->ack_delivered++;
    r->ack_sacked_bytes += x->end - x->seq;
    r->ack_new_bytes += x->end - x->seq;
  }
}

/* Drops the records SND.UNA now covers (Linux's tcp_clean_rtx_queue()). */
static void
pop_acked(TcpConn *c)
{
  TcpRack *r = &c->rack;
  while (r->len > 0) {
    TcpTxSeg *e = at(r, 0);
    if (tcp_seq_gt(e->end, c->snd_una)) {
      if (tcp_seq_lt(e->seq, c->snd_una)) e->seq = c->snd_una;
      break;
    }
    if (e->flags & TCP_TX_SACKED) {
      r->sacked_out--;
    } else {
      r->ack_delivered++;
      r->ack_new_bytes += e->end - e->seq;
      if (!(e->flags & TCP_TX_EVER_RETRANS) && tcp_seq_lt(e->seq, r->ack_cum_reord))
        r->ack_cum_reord = e->seq;
      rack_advance(c, e);
    }
    if (e->flags & TCP_TX_LOST) r->lost_out--;
    if (e->flags & TCP_TX_RETRANS) r->retrans_out--;
    ring_pop(r);
  }
}

/* Linux's tcp_init_cwnd_reduction(). */
static void
init_reduction(TcpConn *c)
{
  TcpRack *r = &c->rack;
  r->high_seq = c->snd_max;
  r->tlp_high_seq = 0;
  r->prior_cwnd = MAX(cwnd_pkts(c), 1);
  r->prr_delivered = r->prr_out = 0;
  c->ssthresh = c->cc->ssthresh(c);
  c->cwnd_acked = 0;
}

/* Linux's tcp_end_cwnd_reduction(): cwnd falls to ssthresh. */
static void
end_reduction(TcpConn *c)
{
  if (c->ssthresh < 0x7fffffffu) c->cwnd = MAX(c->ssthresh, (guint32)c->mss);
  c->cwnd_acked = 0;
}

/* Linux's tcp_try_keep_open(): Disorder while anything is SACKed, lost
 * or resent, else Open. */
static void
keep_open(TcpConn *c)
{
  TcpRack *r = &c->rack;
  gboolean ever = r->len > 0 && (at(r, 0)->flags & TCP_TX_EVER_RETRANS);
  TcpCaState s = (r->sacked_out || r->lost_out || r->retrans_out || ever)
                 ? TCP_CA_DISORDER : TCP_CA_OPEN;
  if (r->ca_state != s) {
    r->ca_state = (guint8)s;
    r->high_seq = c->snd_max;
  }
}

/* Linux's tcp_enter_recovery(). */
static void
enter_recovery(TcpConn *c)
{
  TcpRack *r = &c->rack;
  if (!in_reduction(r)) init_reduction(c);
  r->ca_state = TCP_CA_RECOVERY;
  c->recover = r->high_seq;
  c->env->stats->fast_retransmits++;
}

/* PRR (RFC 6937 with Linux's slow-start reduction bound,
 * tcp_cwnd_reduction()): `delivered` segments newly ACKed or SACKed,
 * `lost` newly marked lost. */
static void
prr(TcpConn *c, guint32 delivered, guint32 lost, gboolean una_advanced)
{
  TcpRack *r = &c->rack;
  if (delivered == 0 || r->prior_cwnd == 0) return;
  gint64 fl = in_flight(r);
  gint64 ssth = c->ssthresh / MAX(c->mss, 1);
  gint64 delta = ssth - fl, sndcnt;
  r->prr_delivered += delivered;
  if (delta < 0) {
    /* Proportional: deliver ssthresh/prior_cwnd of what arrives. */
    sndcnt = (ssth * r->prr_delivered + r->prior_cwnd - 1) / r->prior_cwnd - r->prr_out;
  } else {
    /* Slow start back up to ssthresh, at most what was delivered + 1. */
    sndcnt = MAX((gint64)r->prr_delivered - r->prr_out, (gint64)delivered);
    if (una_advanced && lost == 0) sndcnt++;
    sndcnt = MIN(delta, sndcnt);
  }
  sndcnt = MAX(sndcnt, r->prr_out ? 0 : 1);   /* the fast retransmit goes */
  c->cwnd = (guint32)MAX(fl + sndcnt, 1) * c->mss;
}

/* Linux's tcp_xmit_retransmit_queue(): resends lost segments, oldest
 * first, while cwnd leaves room. */
static void
retransmit_lost(TcpConn *c, GArray *out)
{
  TcpRack *r = &c->rack;
  guint i = ring_find(r, within(c, r->rxt_hint));
  for (; i < r->len; i++) {
    if (in_flight(r) >= cwnd_pkts(c) || r->retrans_out >= r->lost_out) break;
    TcpTxSeg *e = at(r, i);
    if (!(e->flags & TCP_TX_LOST) || (e->flags & (TCP_TX_SACKED | TCP_TX_RETRANS))) continue;
    guint32 seq = e->seq, end = e->end;
    tcp_retransmit_at(c, out, seq, end - seq);
    if (i == 0 && r->timer != TCP_RACK_TIMER_REO) tcp_timer_arm_rtx(c);
  }
  r->rxt_hint = i < r->len ? at(r, i)->seq : c->snd_max;
}

/* Linux's tcp_fastretrans_alert() for a SACK connection with RACK: the
 * state exits at high_seq, loss detection, entry into Recovery.  Returns
 * whether lost segments are to be resent; *reo when the reordering timer
 * was armed. */
static gboolean
alert(TcpConn *c, gboolean *reo)
{
  TcpRack *r = &c->rack;
  if (r->ca_state == TCP_CA_CWR && tcp_seq_gt(c->snd_una, r->high_seq)) {
    end_reduction(c);
    r->ca_state = TCP_CA_OPEN;
  } else if (r->ca_state == TCP_CA_RECOVERY && tcp_seq_ge(c->snd_una, r->high_seq)) {
    end_reduction(c);                 /* recovery done: cwnd = ssthresh */
    r->ca_state = TCP_CA_OPEN;
  } else if (r->ca_state == TCP_CA_LOSS) {
    if (tcp_seq_lt(c->snd_una, r->high_seq)) return FALSE;   /* go-back-N goes on */
    r->ca_state = TCP_CA_OPEN;
  }
  *reo = rack_mark_lost(c);
  if (r->ca_state == TCP_CA_RECOVERY) return TRUE;
  if (r->lost_out == 0) {
    if (r->ca_state != TCP_CA_CWR) keep_open(c);
    return FALSE;
  }
  enter_recovery(c);
  return TRUE;
}

/* Linux's tcp_process_tlp_ack(): the ACK of a probe.  A probe that
 * resent data and is followed by an ACK beyond it repaired a loss:
 * cwnd is reduced once (CWR). */
static void
tlp_ack(TcpConn *c, guint32 acked)
{
  TcpRack *r = &c->rack;
  if (r->tlp_high_seq == 0 || r->old_ack || tcp_seq_lt(c->snd_una, r->tlp_high_seq)) return;
  if (!r->tlp_retrans) {
    r->tlp_high_seq = 0;
  } else if (tcp_seq_gt(c->snd_una, r->tlp_high_seq)) {
    init_reduction(c);
    /* The ACK that shows it has emptied the flight RFC 5681 halves:
     * half of cwnd instead (Linux's tcp_reno_ssthresh()). */
    c->ssthresh = MAX(cwnd_pkts(c) / 2, 2u) * c->mss;
    r->ca_state = TCP_CA_CWR;
    end_reduction(c);
    keep_open(c);
  } else if (acked == 0 && r->ack_delivered == 0) {
    r->tlp_high_seq = 0;              /* a pure duplicate: both arrived */
  }
}

/* The probe timeout (RFC 8985 7.2, Linux's tcp_schedule_loss_probe()):
 * 2 * SRTT, plus rto_min with one segment out (a delayed ACK) or 2 ms,
 * no later than the RTO.  `advancing`: the RTO restarts now. */
static void
schedule_tlp(TcpConn *c, gboolean advancing)
{
  TcpRack *r = &c->rack;
  if (r->len == 0 || (r->ca_state != TCP_CA_OPEN && r->ca_state != TCP_CA_CWR)) return;
  SimTime pto = TCP_TIMEOUT_INIT;
  if (c->rtt_valid)
    pto = 2 * c->srtt + (r->len == 1 ? c->profile->rto_min : TCP_TIMEOUT_MIN);
  SimTime rto_left = advancing ? c->rto : at(r, 0)->xmit + c->rto - c->now;
  if (rto_left > 0) pto = MIN(pto, rto_left);
  c->rtx_at = c->now + pto;
  r->timer = TCP_RACK_TIMER_TLP;
}

void
tcp_rack_new_data_sent(TcpConn *c)
{
  schedule_tlp(c, FALSE);
}

/* Linux's tcp_rearm_rto() after a probe or reordering timer: from the
 * oldest segment's send, or from now after a probe went. */
static void
rearm_rto(TcpConn *c, gboolean from_now)
{
  TcpRack *r = &c->rack;
  if (r->len == 0) return;
  if (from_now) {
    tcp_timer_arm_rtx(c);
    return;
  }
  SimTime left = at(r, 0)->xmit + c->rto - c->now;
  c->rtx_at = c->now + MAX(left, SIM_US);
  r->timer = TCP_RACK_TIMER_RTO;
}

/* tcp_rack_ack() past its shortcut: out of line, so that the shortcut
 * saves no registers. */
static G_GNUC_NO_INLINE void
rack_ack(TcpConn *c, guint32 acked, GArray *out)
{
  TcpRack *r = &c->rack;
  /* Reordering is checked twice, as Linux does: for the segments the
   * SACK blocks reach, against the highest SACK once they are tagged
   * (tcp_sacktag_write_queue()); then for the ones the cumulative ACK
   * reaches, only if one lay below the highest SACK before this ACK
   * (tcp_clean_rtx_queue()'s before(reord, prior_fack)): an ACK of
   * several segments in order is no reordering. */
  if (tcp_seq_lt(r->ack_reord, c->snd_max)) check_reordering(c, r->ack_reord);
  if (acked) {
    pop_acked(c);
    if (tcp_seq_lt(r->ack_cum_reord, r->prior_fack)) check_reordering(c, r->ack_cum_reord);
  }
  /* An ACK that acknowledges nothing new but SACKs a segment sent once
   * is an RTT sample (Linux's tcp_ack_update_rtt() with sack_rtt_us). */
  if (!acked && !r->old_ack && r->ack_sack_xmit >= 0) tcp_rtt_sample(c, c->now - r->ack_sack_xmit);
  tlp_ack(c, acked);
  gboolean reo = FALSE, resend = FALSE;
  /* Linux's tcp_ack_is_dubious(): out of Open, or SACK news. */
  if (r->ca_state != TCP_CA_OPEN || r->ack_sacked_bytes > 0) resend = alert(c, &reo);
  if (acked && !reo) {
    /* Linux's tcp_set_xmit_timer(): the probe, or the RTO (restarted
     * now by the caller; from the oldest send if a probe or reordering
     * timer was pending). */
    if (r->prior_timer != TCP_RACK_TIMER_RTO) rearm_rto(c, FALSE);
    schedule_tlp(c, TRUE);
  }
  if (!r->old_ack) {
    if (in_reduction(r)) prr(c, r->ack_delivered, r->ack_lost, acked > 0);
    else if (acked) c->cc->on_ack(c, r->ack_new_bytes);   /* Linux's acked_sacked */
  }
  if (resend) retransmit_lost(c, out);
}

void
tcp_rack_ack(TcpConn *c, guint32 acked, GArray *out)
{
  const TcpRack *r = &c->rack;
  /* The common duplicate or window update: nothing acknowledged or
   * SACKed (so no RTT sample or reordering either), Open, no probe out:
   * every step of rack_ack() would find nothing to do. */
  if (!acked && r->ca_state == TCP_CA_OPEN && r->ack_sacked_bytes == 0 && r->tlp_high_seq == 0)
    return;
  rack_ack(c, acked, out);
}

/* ---- timers -------------------------------------------------------------------- */

void
tcp_rack_rto(TcpConn *c)
{
  /* Linux's tcp_enter_loss() and tcp_timeout_mark_lost(): all not
   * SACKed is lost but what was sent within the last RACK.rtt (after
   * the first); resends in flight are forgotten. */
  TcpRack *r = &c->rack;
  for (guint i = 0; i < r->len; i++) {
    TcpTxSeg *e = at(r, i);
    if (i > 0 && r->rack_xmit >= 0 && r->rack_rtt - (c->now - e->xmit) > 0) continue;
    mark_lost(c, e);
  }
  r->rxt_hint = c->snd_una;
  r->tlp_high_seq = 0;
  r->high_seq = c->snd_max;
  r->ca_state = TCP_CA_LOSS;
  r->prr_delivered = r->prr_out = 0;
}

/* Linux's tcp_send_loss_probe(): new data if the window lets one
 * segment go, else the last segment again; then the RTO. */
static void
tlp_fire(TcpConn *c, GArray *out)
{
  TcpRack *r = &c->rack;
  gboolean sent = FALSE;
  if (r->tlp_high_seq == 0 && r->len > 0) {
    guint32 end = c->snd_base + c->snd_len;
    guint32 max0 = c->snd_max;
    if (tcp_seq_lt(c->snd_nxt, end) && tcp_seq_le(c->snd_nxt + MIN((guint32)c->mss, end - c->snd_nxt),
                                                   c->snd_una + c->snd_wnd)) {
      /* One new segment whatever cwnd says (tcp_write_xmit() with
       * push_one 2). */
      guint32 cwnd = c->cwnd;
      c->cwnd = (c->snd_nxt - c->snd_una) + c->mss;
      tcp_output(c, out);
      c->cwnd = cwnd;
      sent = tcp_seq_gt(c->snd_max, max0);
      r->tlp_retrans = FALSE;
    } else {
      TcpTxSeg *e = at(r, r->len - 1);
      guint n = out->len;
      tcp_retransmit_at(c, out, e->seq, e->end - e->seq);
      sent = out->len > n;
      if (sent) g_array_index(out, TcpSegment, out->len - 1).why = TCP_WHY_RETRANSMIT;
      r->tlp_retrans = TRUE;
    }
    if (sent) r->tlp_high_seq = c->snd_nxt;
  }
  rearm_rto(c, sent);
}

/* Linux's tcp_rack_reo_timeout(): what waited out the reordering window
 * is lost now; recovery starts if it was not under way. */
static void
reo_fire(TcpConn *c, GArray *out)
{
  TcpRack *r = &c->rack;
  guint32 prior = in_flight(r);
  r->ack_lost = 0;
  detect_loss(c);
  if (in_flight(r) != prior) {
    if (r->ca_state != TCP_CA_RECOVERY) {
      enter_recovery(c);
      prr(c, 1, r->ack_lost, FALSE);
    }
    retransmit_lost(c, out);
  }
  if (c->rtx_at == SIM_TIME_MAX) rearm_rto(c, TRUE);
}

gboolean
tcp_rack_timer(TcpConn *c, GArray *out)
{
  TcpRack *r = &c->rack;
  if (!tcp_rack_on(c) || r->timer == TCP_RACK_TIMER_RTO) return FALSE;
  TcpRackTimer t = (TcpRackTimer)r->timer;
  r->timer = TCP_RACK_TIMER_RTO;
  if (t == TCP_RACK_TIMER_TLP) tlp_fire(c, out);
  else reo_fire(c, out);
  return TRUE;
}

gboolean
tcp_rack_check(const TcpConn *c, GString *why)
{
  const TcpRack *r = &c->rack;
  if (r->len == 0) return TRUE;
  if (cap(r) & (cap(r) - 1)) {
    if (why) g_string_printf(why, "sent records' ring of %u, not a power of two", cap(r));
    return FALSE;
  }
  if (at(r, 0)->seq != c->snd_una || at(r, r->len - 1)->end != c->snd_max) {
    if (why) g_string_printf(why, "sent records [%u, %u) but SND.UNA %u, SND.MAX %u", at(r, 0)->seq,
                    at(r, r->len - 1)->end, c->snd_una, c->snd_max);
    return FALSE;
  }
  if (r->len > 32) return TRUE;
  guint32 s = 0, l = 0, x = 0;
  for (guint i = 0; i < r->len; i++) {
    const TcpTxSeg *e = at(r, i);
    gboolean apart = i == 0 || at(r, i - 1)->end == e->seq;
    gboolean marks = !(e->flags & TCP_TX_SACKED) || !(e->flags & (TCP_TX_LOST | TCP_TX_RETRANS));
    if (!tcp_seq_lt(e->seq, e->end) || !apart || !marks) {
      if (why) g_string_printf(why, "sent record %u [%u, %u) flags %#x out of order", i, e->seq, e->end, e->flags);
      return FALSE;
    }
    s += !!(e->flags & TCP_TX_SACKED);
    l += !!(e->flags & TCP_TX_LOST);
    x += !!(e->flags & TCP_TX_RETRANS);
  }
  if (s != r->sacked_out || l != r->lost_out || x != r->retrans_out) {
    if (why) g_string_printf(why, "marks %u/%u/%u but sacked_out %u, lost_out %u, retrans_out %u", s, l, x,
                    r->sacked_out, r->lost_out, r->retrans_out);
    return FALSE;
  }
  return TRUE;
}
