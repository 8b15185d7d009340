/* Segment arrival: RFC 9293 3.10.7 for one connection, from SYN_SENT to
 * LAST_ACK (LISTEN and TIME_WAIT are handled by tcp-stack.c and
 * timewait.c, which own those records).
 *
 * Data flow: tcp-stack.c demux -> tcp_conn_input() -> state changes
 * (tcp_set_state) and segments appended to the caller's queue. */
#include "tcp.h"
#include "tcp-cc.h"
#include "tcp-seq.h"
#include <string.h>

gboolean
tcp_rst_for(const TcpSegment *seg, TcpSegment *rst)
{
  /* RFC 9293 3.10.7.1: if the ACK bit is off, <SEQ=0><ACK=SEG.SEQ+SEG.LEN>
   * <CTL=RST,ACK>; if on, <SEQ=SEG.ACK><CTL=RST>. */
  if (seg->flags & TCP_FLAG_RST) return FALSE;
  memset(rst, 0, sizeof *rst);
  rst->sport = seg->dport;
  rst->dport = seg->sport;
  if (seg->flags & TCP_FLAG_ACK) {
    rst->seq = seg->ack;
    rst->flags = TCP_FLAG_RST;
  } else {
    rst->ack = seg->seq + tcp_segment_seq_len(seg);
    rst->flags = TCP_FLAG_RST | TCP_FLAG_ACK;
  }
  return TRUE;
}

static void
conn_take_options(TcpConn *c, const TcpSegment *seg)
{
  c->ts_ok = c->ts_ok && (seg->opts & TCP_OPT_TS);
  if (c->ts_ok) {
    c->ts_recent = seg->ts_val;
    c->ts_recent_stamp = c->now;
  }
  tcp_conn_set_mss(c, seg);
}

/* ACK of our SYN: the RTT sample when it was not retransmitted (Karn). */
static void
conn_syn_acked(TcpConn *c, guint32 ack)
{
  c->snd_una = ack;
  if (tcp_seq_lt(c->snd_nxt, ack)) c->snd_nxt = ack;
  if (c->retries == 0) tcp_rtt_sample(c, c->now - c->rtt_start);
  else c->rto = c->profile->rto_init;
  c->rtt_timing = FALSE;
  c->retries = 0;
  c->rtx_at = SIM_TIME_MAX;
}

/* RFC 9293 3.10.7.3: SEGMENT ARRIVES in SYN-SENT. */
static void
input_syn_sent(TcpConn *c, const TcpSegment *seg, GArray *out)
{
  guint8 f = seg->flags;
  if ((f & TCP_FLAG_ACK) &&
      (tcp_seq_le(seg->ack, c->iss) || tcp_seq_gt(seg->ack, c->snd_max))) {
    /* Unacceptable ACK: <SEQ=SEG.ACK><CTL=RST> unless it is a RST. */
    if (!(f & TCP_FLAG_RST)) tcp_emit(c, out, seg->ack, TCP_FLAG_RST);
    return;
  }
  if (f & TCP_FLAG_RST) {
    /* RST with an acceptable ACK: refused.  Without ACK: dropped. */
    if (f & TCP_FLAG_ACK) {
      tcp_conn_drop(c, TCP_ECONNREFUSED);
    }
    return;
  }
  if (!(f & TCP_FLAG_SYN)) return;
  c->irs = seg->seq;
  c->rcv_nxt = seg->seq + 1;
  c->rcv_wup = c->rcv_nxt;
  c->rcv_adv = c->rcv_nxt + c->rcv_wnd_sent;   /* the window our SYN offered */
  c->snd_wnd = c->snd_wnd_max = seg->win;      /* a SYN's window is not scaled */
  c->snd_wl1 = seg->seq;
  c->snd_wl2 = seg->ack;
  conn_take_options(c, seg);
  if (f & TCP_FLAG_ACK) {
    /* SYN-ACK: SYN_SENT -> ESTABLISHED, ACK it. */
    conn_syn_acked(c, seg->ack);
    c->env->stats->connect_ok++;
    tcp_set_state(c, TCP_STATE_ESTABLISHED);
    tcp_rcv_established(c);
    c->ack_now = TRUE;
    return;
  }
  /* SYN alone: simultaneous open, SYN_SENT -> SYN_RECEIVED, send
   * <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>; our SYN stays unacknowledged. */
  tcp_set_state(c, TCP_STATE_SYN_RECEIVED);
  tcp_emit_syn(c, out);
}

/* seg_acceptable() for a segment not at RCV.NXT: out of line, as GCC
 * would make it anyway, with the test below inline in its callers. */
static G_GNUC_NO_INLINE gboolean
seg_acceptable_window(const TcpConn *c, const TcpSegment *seg)
{
  guint32 wnd = tcp_seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
  guint32 len = tcp_segment_seq_len(seg);
  guint32 lo = c->rcv_nxt, hi = c->rcv_nxt + wnd;
  if (len == 0 && wnd == 0) return seg->seq == c->rcv_nxt;
  if (len == 0) return tcp_seq_in(seg->seq, lo, hi);
  if (wnd == 0) return seg->seq == c->rcv_nxt;   /* keep its ACK (3.10.7.4) */
  return tcp_seq_in(seg->seq, lo, hi) || tcp_seq_in(seg->seq + len - 1, lo, hi);
}

/* RFC 9293 3.10.7.4, first check: is the segment acceptable?  RCV.WND is
 * the window last advertised. */
static inline gboolean
seg_acceptable(const TcpConn *c, const TcpSegment *seg)
{
  /* A segment at RCV.NXT passes all four cases (the in-order segment, all
   * but a few): no window to compute, and no call. */
  return seg->seq == c->rcv_nxt || seg_acceptable_window(c, seg);
}

/* Answers an out-of-window or otherwise invalid segment with an ACK (RFC
 * 9293 3.10.7.4), at most once per invalid_ratelimit for segments without
 * data, as Linux's tcp_oow_rate_limited() does: two ends that disagree
 * about the sequence space would otherwise ACK each other forever.  A
 * data segment is always answered (it is not part of such a loop). */
static void
oow_ack(TcpConn *c, const TcpSegment *seg)
{
  SimTime limit = c->profile->invalid_ratelimit;
  gboolean no_data = seg->payload.len == 0 || (seg->flags & TCP_FLAG_SYN);
  if (limit > 0 && no_data) {
    if (c->now - c->last_oow_ack < limit) return;
    c->last_oow_ack = c->now;
  }
  c->ack_now = TRUE;
}

/* RST in a synchronized state (RFC 9293 3.10.7.4 second check, RFC 5961 3). */
/* Linux tcp_reset_check(): after the peer's FIN (CLOSE_WAIT, CLOSING,
 * LAST_ACK) a RST at RCV.NXT - 1 also resets, in or out of the window:
 * the peer may not count our ACK of its FIN. */
static gboolean
rst_after_fin(const TcpConn *c, const TcpSegment *seg)
{
  return (seg->flags & TCP_FLAG_RST) && c->rcv_fin && seg->seq == c->rcv_nxt - 1 &&
         (c->state == TCP_STATE_CLOSE_WAIT || c->state == TCP_STATE_CLOSING ||
          c->state == TCP_STATE_LAST_ACK);
}

static void
input_rst(TcpConn *c, const TcpSegment *seg)
{
  if (c->profile->challenge_ack && seg->seq != c->rcv_nxt && !rst_after_fin(c, seg)) {
    oow_ack(c, seg);                    /* RFC 5961 3.2: challenge ACK */
    return;
  }
  switch (c->state) {
  case TCP_STATE_SYN_RECEIVED:
    tcp_conn_drop(c, c->passive ? 0 : TCP_ECONNREFUSED);
    break;
  case TCP_STATE_CLOSE_WAIT:
    tcp_conn_drop(c, TCP_EPIPE);
    break;
  case TCP_STATE_CLOSING:
  case TCP_STATE_LAST_ACK:
    tcp_conn_drop(c, 0);
    break;
  default:                              /* ESTABLISHED, FIN_WAIT_1/2 */
    tcp_conn_drop(c, TCP_ECONNRESET);
    break;
  }
}

/* SYN in a synchronized state (RFC 9293 3.10.7.4 fourth check). */
static void
input_syn(TcpConn *c, const TcpSegment *seg, GArray *out)
{
  if (c->profile->challenge_ack) {
    oow_ack(c, seg);                    /* RFC 5961 4.2 */
    return;
  }
  /* RFC 793 behaviour: a SYN in the window is an error; reset. */
  tcp_emit(c, out, c->snd_nxt, TCP_FLAG_RST);
  tcp_conn_drop(c, TCP_ECONNRESET);
}

static gboolean
fin_acked(const TcpConn *c)
{
  return c->fin_queued && c->snd_una == c->snd_base + c->snd_len + 1;
}

/* Drops acknowledged bytes from the send buffer. */
static void
snd_buf_trim(TcpConn *c, guint32 ack)
{
  guint32 end = c->snd_base + c->snd_len;
  guint32 upto = tcp_seq_lt(ack, end) ? ack : end;
  if (!tcp_seq_gt(upto, c->snd_base)) return;
  guint32 n = upto - c->snd_base;
  c->snd_base = upto;
  c->snd_len -= n;
  guint drop = 0;
  while (n > 0) {
    NetSlice *s = &g_array_index(c->snd_buf, NetSlice, drop);
    if (n < s->len) {
      s->off += n;
      s->len -= n;
      break;
    }
    n -= s->len;
    net_buf_unref(s->buf);
    drop++;
  }
  if (drop == c->snd_buf->len) c->snd_buf->len = 0;   /* all acknowledged: nothing moves */
  else if (drop) g_array_remove_range(c->snd_buf, 0, drop);
}

/* RTT from an ACK of new data: with timestamps, one sample per ACK from
 * its TSecr (RFC 7323 4.1: retransmissions are no ambiguity); without,
 * the one timed segment, never a retransmitted one (RFC 6298 3, Karn). */
static void
ack_rtt(TcpConn *c, const TcpSegment *seg)
{
  if (c->ts_ok && (seg->opts & TCP_OPT_TS) && seg->ts_ecr != 0) {
    guint32 ms = tcp_ts_now(c) - seg->ts_ecr;
    if (ms < 0x7fffffffu) tcp_rtt_sample(c, (SimTime)ms * SIM_MS);
    c->rtt_timing = FALSE;
  } else if (c->rtt_timing && tcp_seq_ge(seg->ack, c->rtt_seq)) {
    tcp_rtt_sample(c, c->now - c->rtt_start);
    c->rtt_timing = FALSE;
  } else if (c->rtt_valid) {
    tcp_rto_update(c);                  /* no sample: only undo any backoff */
  } else {
    c->rto = c->profile->rto_init;
  }
}

/* A new acknowledgement SND.UNA < SEG.ACK <= SND.MAX (RFC 9293 3.10.7.4
 * fifth check, RFC 6298 5.2-5.3, congestion control). */
static void
ack_advance(TcpConn *c, const TcpSegment *seg, GArray *out)
{
  guint32 acked = seg->ack - c->snd_una;
  snd_buf_trim(c, seg->ack);
  c->snd_una = seg->ack;
  if (tcp_seq_lt(c->snd_nxt, seg->ack)) c->snd_nxt = seg->ack;
  ack_rtt(c, seg);
  c->retries = 0;
  c->rtx_at = SIM_TIME_MAX;
  if (tcp_seq_lt(c->snd_una, c->snd_nxt)) tcp_timer_arm_rtx(c);
  else tcp_chrono_stop(c, TCP_CHRONO_BUSY);   /* tcp_clean_rtx_queue() */
  /* After the RTO restarts: RACK may arm its timers instead. */
  tcp_cc_ack(c, acked, FALSE, out);
  tcp_conn_grow_sndbuf(c);
}

/* RFC 5681 2: a duplicate ACK acknowledges nothing new while data is
 * outstanding, carries no data, SYN or FIN, and leaves the window as it
 * was. */
static gboolean
is_dupack(const TcpConn *c, const TcpSegment *seg, guint32 wnd)
{
  return seg->ack == c->snd_una && c->snd_una != c->snd_max &&
         seg->payload.len == 0 && !(seg->flags & (TCP_FLAG_SYN | TCP_FLAG_FIN)) &&
         wnd == c->snd_wnd;
}

/* Fifth check: the ACK field.  FALSE when processing stops here. */
static gboolean
input_ack(TcpConn *c, const TcpSegment *seg, GArray *out)
{
  if (c->state == TCP_STATE_SYN_RECEIVED) {
    if (!tcp_seq_gt(seg->ack, c->snd_una) || tcp_seq_gt(seg->ack, c->snd_max)) {
      tcp_emit(c, out, seg->ack, TCP_FLAG_RST);   /* <SEQ=SEG.ACK><CTL=RST> */
      return FALSE;
    }
    /* The ACK of our SYN-ACK: SYN_RECEIVED -> ESTABLISHED. */
    conn_syn_acked(c, seg->ack);
    c->snd_wnd = (guint32)seg->win << c->snd_wscale;
    c->snd_wnd_max = MAX(c->snd_wnd_max, c->snd_wnd);
    c->snd_wl1 = seg->seq;
    c->snd_wl2 = seg->ack;
    if (!c->passive) c->env->stats->connect_ok++;
    tcp_set_state(c, TCP_STATE_ESTABLISHED);
    tcp_rcv_established(c);
  }
  if (tcp_seq_gt(seg->ack, c->snd_max)) {
    oow_ack(c, seg);                    /* acks something not yet sent */
    return FALSE;
  }
  guint32 wnd = (guint32)seg->win << c->snd_wscale;   /* RFC 7323 2.3 */
  if (!tcp_seq_lt(seg->ack, c->snd_una)) {
    /* Linux's tcp_ack(): any ACK not older than SND.UNA answers the
     * window probes and is the last ACK received (tcp_info). */
    c->probes = 0;
    c->rcv_tstamp = c->now;
  }
  guint32 sacked = tcp_sack_update(c, seg);           /* RFC 6675 Update() */
  gboolean dup = is_dupack(c, seg, wnd) && (!c->sack_ok || sacked > 0);
  if (tcp_seq_gt(seg->ack, c->snd_una)) ack_advance(c, seg, out);
  else tcp_cc_ack(c, 0, dup, out);
  if (tcp_seq_lt(c->snd_wl1, seg->seq) ||
      (c->snd_wl1 == seg->seq && tcp_seq_le(c->snd_wl2, seg->ack))) {
    c->snd_wnd = wnd;
    c->snd_wnd_max = MAX(c->snd_wnd_max, wnd);
    c->snd_wl1 = seg->seq;
    c->snd_wl2 = seg->ack;
  }
  if (c->snd_una == c->snd_nxt && tcp_seq_lt(c->snd_nxt, c->snd_base + c->snd_len))
    tcp_timer_ack_probe(c);
  if (!fin_acked(c)) return TRUE;
  switch (c->state) {
  case TCP_STATE_FIN_WAIT_1:
    /* Our FIN acknowledged: FIN_WAIT_1 -> FIN_WAIT_2. */
    tcp_set_state(c, TCP_STATE_FIN_WAIT_2);
    if (c->orphan && c->profile->fin_timeout > 0)
      c->state_at = c->now + c->profile->fin_timeout;
    return TRUE;
  case TCP_STATE_CLOSING:
    /* CLOSING -> TIME_WAIT. */
    tcp_conn_time_wait(c);
    return FALSE;
  case TCP_STATE_LAST_ACK:
    /* LAST_ACK -> CLOSED. */
    tcp_conn_drop(c, 0);
    return FALSE;
  default:
    return TRUE;
  }
}

static gboolean
text_state(TcpState s)
{
  return s == TCP_STATE_ESTABLISHED || s == TCP_STATE_FIN_WAIT_1 ||
         s == TCP_STATE_FIN_WAIT_2;
}

/* A segment beyond RCV.NXT: keep what lies within the window (RFC 9293
 * 3.10.7.4 allows it; Linux's out-of-order queue), ACK at once. */
static void
input_out_of_order(TcpConn *c, const TcpSegment *seg)
{
  guint32 len = seg->payload.len;
  gboolean fin = (seg->flags & TCP_FLAG_FIN) != 0;
  if (tcp_seq_gt(seg->seq + len, c->rcv_adv)) {
    len = tcp_seq_gt(c->rcv_adv, seg->seq) ? c->rcv_adv - seg->seq : 0;
    fin = FALSE;
  }
  if (len || fin) {
    tcp_rcv_ooo_insert(c, seg, 0, len, fin);
    tcp_sack_rcv_ofo(c, seg->seq, seg->seq + len + fin);
  }
  tcp_rcv_out_of_order(c);
}

/* Seventh check: segment text.  Returns TRUE when the peer's FIN is now
 * in sequence: this segment's, or one queued out of order. */
static gboolean
input_text(TcpConn *c, const TcpSegment *seg, GArray *out)
{
  guint32 len = seg->payload.len;
  gboolean fin = (seg->flags & TCP_FLAG_FIN) != 0;
  if (len == 0 && !fin) return FALSE;
  if (len == 0 || !text_state(c->state)) {
    if (len == 0 && text_state(c->state) && tcp_seq_gt(seg->seq, c->rcv_nxt))
      input_out_of_order(c, seg);
    return len == 0 && seg->seq == c->rcv_nxt;   /* text after a FIN: ignored */
  }
  guint32 skip = tcp_seq_lt(seg->seq, c->rcv_nxt) ? c->rcv_nxt - seg->seq : 0;
  if (skip >= len) return fin && seg->seq + len == c->rcv_nxt;
  if (skip) tcp_sack_rcv_dup(c, seg->seq, c->rcv_nxt);   /* its head came before */
  if (seg->seq + skip != c->rcv_nxt) {
    input_out_of_order(c, seg);
    return FALSE;
  }
  if (c->orphan) {
    /* Linux (tcp_rcv_state_process): new data for a socket the user has
     * closed aborts the connection with a RST (RFC 1122 4.2.2.13), the
     * one that answers the segment (tcp_v4_send_reset(): <SEQ=SEG.ACK>
     * <CTL=RST>, RFC 9293 3.10.7.1), which the peer takes: SND.NXT,
     * beyond our FIN, may be above its window. */
    TcpSegment rst;
    if (tcp_rst_for(seg, &rst)) g_array_append_val(out, rst);
    tcp_conn_drop(c, 0);
    return FALSE;
  }
  /* Only what the advertised window allows (RFC 9293 3.8.6). */
  guint32 room = tcp_seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
  guint32 n = MIN(len - skip, room);
  if (n) tcp_rcv_append(c, &seg->payload, skip, n);
  gboolean fin_now = fin && n == len - skip;
  gboolean hole = c->ooo && c->ooo->len > 0;
  if (hole && n) fin_now = tcp_rcv_ooo_deliver(c) || fin_now;
  if (n) tcp_sack_rcv_advance(c);
  if (n) tcp_rcv_data_arrived(c, len, hole, fin_now && c->state == TCP_STATE_ESTABLISHED);
  else c->ack_now = TRUE;
  return fin_now;
}

/* Eighth check: the FIN (`alone`: no data came with it). */
static void
input_fin(TcpConn *c, GArray *out, gboolean alone)
{
  c->rcv_nxt++;
  c->rcv_fin = TRUE;
  switch (c->state) {
  case TCP_STATE_SYN_RECEIVED:
  case TCP_STATE_ESTABLISHED:
    /* FIN in ESTABLISHED moves to CLOSE_WAIT; its ACK may wait (Linux's
     * pingpong on a FIN), as the data's did. */
    if (alone) tcp_rcv_fin_arrived(c);
    tcp_set_state(c, TCP_STATE_CLOSE_WAIT);
    break;
  case TCP_STATE_FIN_WAIT_1:
    /* FIN before the ACK of ours: simultaneous close, -> CLOSING. */
    c->ack_now = TRUE;
    tcp_set_state(c, TCP_STATE_CLOSING);
    break;
  case TCP_STATE_FIN_WAIT_2:
    /* FIN in FIN_WAIT_2 moves to TIME_WAIT, ACKed first (Linux tcp_fin():
     * tcp_send_ack(), then tcp_time_wait(), which may find no bucket). */
    c->state_at = SIM_TIME_MAX;
    tcp_emit(c, out, c->snd_nxt, TCP_FLAG_ACK);
    c->ack_now = FALSE;
    tcp_conn_time_wait(c);
    break;
  default:
    c->ack_now = TRUE;
    break;
  }
}

/* RFC 7323 5.3 PAWS: a segment whose timestamp is older than TS.Recent is
 * a duplicate from an earlier incarnation.  Also records TS.Recent. */
static gboolean
paws_reject(TcpConn *c, const TcpSegment *seg)
{
  if (!c->ts_ok || !(seg->opts & TCP_OPT_TS)) return FALSE;
  if (tcp_seq_lt(seg->ts_val, c->ts_recent) && !(seg->flags & TCP_FLAG_RST) &&
      c->now - c->ts_recent_stamp < (SimTime)24 * 86400 * SIM_S)  /* 5.5: 24 days */
    return TRUE;
  if (tcp_seq_le(seg->seq, c->rcv_wup)) {   /* RFC 7323 4.3: Last.ACK.sent */
    c->ts_recent = seg->ts_val;
    c->ts_recent_stamp = c->now;
  }
  return FALSE;
}

/* A listener's child in SYN_RECEIVED is Linux's request socket, which
 * tcp_check_req() handles before any RFC check, in this order: the peer's
 * SYN again gets the SYN-ACK again; an ACK of anything but our SYN is
 * answered by the listener's <SEQ=SEG.ACK><CTL=RST>; a segment outside
 * the window gets an ACK (never a RST, rate-limited); a RST or SYN in the
 * window (any sequence number, no RFC 5961 challenge) drops the request,
 * and a SYN is answered with a RST; a segment without ACK is dropped.
 * TRUE when the segment was consumed here. */
static gboolean
input_request(TcpConn *c, const TcpSegment *seg, GArray *out)
{
  guint8 f = seg->flags & (TCP_FLAG_SYN | TCP_FLAG_ACK | TCP_FLAG_RST);
  if (f == TCP_FLAG_SYN && seg->seq == c->irs) {
    tcp_emit_syn(c, out);
    return TRUE;
  }
  if ((f & TCP_FLAG_ACK) && seg->ack != c->iss + 1) {
    if (!(f & TCP_FLAG_RST)) tcp_emit(c, out, seg->ack, TCP_FLAG_RST);
    return TRUE;
  }
  if (seg->seq == c->irs) f &= (guint8)~TCP_FLAG_SYN;   /* the SYN is old */
  if (!(f & (TCP_FLAG_RST | TCP_FLAG_SYN))) return FALSE;
  if (!seg_acceptable(c, seg)) return FALSE;          /* ACKed below */
  if (!(f & TCP_FLAG_RST)) {
    TcpSegment rst;
    if (tcp_rst_for(seg, &rst)) {
      rst.sport = c->tuple.lport;
      rst.dport = c->tuple.rport;
      g_array_append_val(out, rst);
    }
  }
  tcp_conn_drop(c, 0);
  return TRUE;
}

/* In a simultaneous open (our own SYN_RECEIVED), the peer's SYN-ACK is
 * the ACK of our SYN (Linux's tcp_validate_incoming() lets it through):
 * *as_ack is that ACK. */
static void
input_syn_received_simultaneous(TcpConn *c, const TcpSegment *seg, TcpSegment *as_ack)
{
  guint8 f = seg->flags;
  if ((f & TCP_FLAG_SYN) && (f & TCP_FLAG_ACK) && !(f & TCP_FLAG_RST) &&
      seg->seq + 1 == c->rcv_nxt && seg->ack == c->snd_nxt) {
    *as_ack = *seg;
    as_ack->payload.buf = NULL;
    as_ack->payload.len = 0;
    as_ack->flags &= (guint8)~(TCP_FLAG_SYN | TCP_FLAG_FIN);
    as_ack->seq = c->rcv_nxt;
  }
}

/* RFC 9293 3.10.7.4: SEGMENT ARRIVES in a synchronized state. */
static void
input_synchronized(TcpConn *c, const TcpSegment *seg, GArray *out)
{
  TcpSegment simul;
  simul.flags = 0;
  if (c->state == TCP_STATE_SYN_RECEIVED && c->passive) {
    if (input_request(c, seg, out)) return;
  } else if (c->state == TCP_STATE_SYN_RECEIVED) {
    input_syn_received_simultaneous(c, seg, &simul);
    if (simul.flags) seg = &simul;
  }
  /* First: sequence number (the four cases), then PAWS. */
  if (!seg_acceptable(c, seg) || paws_reject(c, seg)) {
    if (!(seg->flags & TCP_FLAG_RST)) {
      /* Linux tcp_send_dupack(): data below RCV.NXT came again (a SYN
       * gets a challenge ACK instead, without D-SACK). */
      guint32 len = tcp_segment_seq_len(seg);
      if (len && !(seg->flags & TCP_FLAG_SYN) && tcp_seq_lt(seg->seq, c->rcv_nxt))
        tcp_sack_rcv_dup(c, seg->seq, tcp_seq_lt(seg->seq + len, c->rcv_nxt) ? seg->seq + len : c->rcv_nxt);
      oow_ack(c, seg);
    }
    else if (c->profile->challenge_ack && rst_after_fin(c, seg)) input_rst(c, seg);
    return;
  }
  if (seg->flags & TCP_FLAG_RST) {
    input_rst(c, seg);
    return;
  }
  if (seg->flags & TCP_FLAG_SYN) {
    input_syn(c, seg, out);
    return;
  }
  if (!(seg->flags & TCP_FLAG_ACK)) return;
  if (!input_ack(c, seg, out)) return;
  gboolean fin_now = input_text(c, seg, out);
  if (c->state == TCP_STATE_CLOSED) return;
  if (fin_now) input_fin(c, out, seg->payload.len == 0);
}

void
tcp_conn_input(TcpConn *c, const TcpSegment *seg, SimTime now, GArray *out)
{
  c->now = now;
  switch (c->state) {
  case TCP_STATE_SYN_SENT:
    input_syn_sent(c, seg, out);
    break;
  case TCP_STATE_CLOSED:
  case TCP_STATE_LISTEN:
  case TCP_STATE_TIME_WAIT:
    g_assert_not_reached();
  default:
    input_synchronized(c, seg, out);
    break;
  }
  if (c->state != TCP_STATE_CLOSED && c->state != TCP_STATE_TIME_WAIT)
    tcp_output(c, out);
}
