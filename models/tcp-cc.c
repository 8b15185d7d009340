/* Congestion control (see tcp-cc.h): NewReno's loss recovery and its
 * window growth.
 *
 * Data flow: tcp-in.c (ACKs) and tcp-timer.c (RTO) -> here -> cwnd,
 * ssthresh, and the segments fast retransmit sends through tcp-out.c. */
#include "tcp-cc.h"
#include "tcp-seq.h"

#define SSTHRESH_INFINITE 0x7fffffffu   /* Linux TCP_INFINITE_SSTHRESH */
#define DUP_THRESH 3                    /* RFC 5681 3.2, RFC 6675 2 */

guint32
tcp_cc_flight(const TcpConn *c)
{
  return c->snd_max - c->snd_una;
}

static void
newreno_init(TcpConn *c)
{
  /* RFC 6928 / RFC 5681 3.1: IW = init_cwnd segments (linux 10). */
  c->cwnd = (guint32)c->profile->init_cwnd * c->mss;
  c->ssthresh = SSTHRESH_INFINITE;
  c->cwnd_acked = 0;
}

static void
newreno_on_ack(TcpConn *c, guint32 acked)
{
  if (c->cwnd < c->ssthresh) {
    /* Slow start: +1 segment per segment acked (Linux counts every
     * acked segment, so a delayed ACK of two grows cwnd by two; RFC
     * 3465 allows L = 2). */
    guint32 room = c->ssthresh - c->cwnd;
    guint32 inc = MIN(acked, room);
    c->cwnd += inc;
    acked -= inc;
    if (acked == 0) return;
  }
  /* Congestion avoidance, byte counting (RFC 3465 2.1): +1 MSS per
   * cwnd's worth of bytes acked, i.e. one segment per RTT. */
  c->cwnd_acked += acked;
  if (c->cwnd_acked >= c->cwnd) {
    c->cwnd_acked -= c->cwnd;
    c->cwnd = MIN(c->cwnd + c->mss, 1u << 30);
  }
}

static guint32
newreno_ssthresh(const TcpConn *c)
{
  /* RFC 5681 equation (4): max(FlightSize / 2, 2 * SMSS). */
  return MAX(tcp_cc_flight(c) / 2, 2u * c->mss);
}

static void
newreno_on_rto(TcpConn *c)
{
  /* RFC 5681 3.1: the loss window is one segment. */
  c->cwnd = c->mss;
  c->cwnd_acked = 0;
}

const TcpCcOps tcp_cc_newreno = {
  .name = "newreno",
  .init = newreno_init,
  .on_ack = newreno_on_ack,
  .ssthresh = newreno_ssthresh,
  .on_rto = newreno_on_rto,
};

void
tcp_cc_init(TcpConn *c)
{
  c->cc = &tcp_cc_newreno;
  c->cc->init(c);
  c->recover = c->iss;
  c->dupacks = 0;
  c->in_recovery = FALSE;
}

/* RFC 6582 3.2 step 2: the third duplicate ACK, when it covers more than
 * `recover` (else it echoes an earlier loss or an RTO's retransmissions). */
static void
enter_recovery(TcpConn *c, GArray *out)
{
  if (tcp_seq_lt(c->snd_una, c->recover)) return;
  c->ssthresh = c->cc->ssthresh(c);
  c->recover = c->snd_max;
  c->in_recovery = TRUE;
  c->env->stats->fast_retransmits++;
  tcp_retransmit_head(c, out);               /* step 3: fast retransmit */
  c->cwnd = c->ssthresh + 3u * c->mss;       /* step 3: inflate by 3 */
}

/* RFC 6582 3.2 steps 5-6: an ACK of new data during fast recovery. */
static void
recovery_ack(TcpConn *c, guint32 acked, GArray *out)
{
  if (tcp_seq_ge(c->snd_una, c->recover)) {
    /* Full acknowledgment: deflate to ssthresh, leave recovery. */
    c->cwnd = c->ssthresh;
    c->cwnd_acked = 0;
    c->in_recovery = FALSE;
    c->dupacks = 0;
    return;
  }
  /* Partial acknowledgment: the next hole is lost too; retransmit it,
   * deflate by what was acked, add back one MSS if at least that much. */
  tcp_retransmit_head(c, out);
  c->cwnd = c->cwnd > acked ? c->cwnd - acked : c->mss;
  if (acked >= c->mss) c->cwnd += c->mss;
  c->cwnd = MAX(c->cwnd, (guint32)c->mss);
}

/* RFC 6675 5 (C): while cwnd - pipe leaves a full segment, resend what
 * NextSeg() rule 1 finds lost (new data, rule 2, is tcp_output()'s). */
static void
sack_resend_lost(TcpConn *c, GArray *out)
{
  guint32 seq, len;
  while (c->cwnd >= tcp_sack_pipe(c) + c->mss && tcp_sack_next_lost(c, &seq, &len)) {
    tcp_retransmit_at(c, out, seq, len);
    c->high_rxt = seq + len;
  }
}

/* RFC 6675 5 step 4: a loss with SACK.  RecoveryPoint = HighData; cwnd
 * and ssthresh fall to half the flight (RFC 5681 (4)); the segment at
 * HighACK goes at once, then what the window allows. */
static void
sack_enter_recovery(TcpConn *c, GArray *out)
{
  if (tcp_seq_lt(c->snd_una, c->recover)) return;   /* the same loss (RFC 6675 5) */
  c->ssthresh = c->cc->ssthresh(c);
  c->cwnd = c->ssthresh;
  c->cwnd_acked = 0;
  c->recover = c->snd_max;
  c->in_recovery = TRUE;
  c->env->stats->fast_retransmits++;
  guint32 len = c->mss;
  tcp_sack_skip(c, c->snd_una, &len);
  tcp_retransmit_at(c, out, c->snd_una, len);
  c->high_rxt = c->snd_una + len;
  sack_resend_lost(c, out);
}

/* Loss recovery with a SACK scoreboard (RFC 6675) in place of NewReno's:
 * an ACK is a duplicate only when it SACKs new data (the caller decides),
 * and recovery starts at the third, or as soon as IsLost(HighACK + 1). */
static void
sack_ack(TcpConn *c, guint32 acked, gboolean dup, GArray *out)
{
  if (c->in_recovery) {
    if (tcp_seq_ge(c->snd_una, c->recover)) {
      /* RFC 6675 5: the ACK of RecoveryPoint ends recovery; cwnd is
       * ssthresh already. */
      c->in_recovery = FALSE;
      c->dupacks = 0;
      return;
    }
    sack_resend_lost(c, out);
    return;
  }
  if (acked > 0) {
    c->dupacks = 0;
    c->cc->on_ack(c, acked);
    return;
  }
  if (!dup) return;
  if (c->dupacks < 255) c->dupacks++;
  if (c->dupacks >= DUP_THRESH || tcp_sack_is_lost(c, c->snd_una))
    sack_enter_recovery(c, out);
}

/* tcp_cc_ack() without RACK (RFC 6675 with SACK, else RFC 6582): out of
 * line, so that the linux profiles' ACK passes through without saving
 * registers. */
static G_GNUC_NO_INLINE void
cc_ack_dupthresh(TcpConn *c, guint32 acked, gboolean dup, GArray *out)
{
  if (c->sack_ok) {
    sack_ack(c, acked, dup, out);
    return;
  }
  if (acked > 0) {
    if (c->in_recovery) {
      recovery_ack(c, acked, out);
    } else {
      c->dupacks = 0;
      c->cc->on_ack(c, acked);
    }
    return;
  }
  if (!dup) return;
  if (c->dupacks < 255) c->dupacks++;
  if (c->in_recovery) {
    c->cwnd += c->mss;                       /* step 4: inflate */
  } else if (c->dupacks == DUP_THRESH) {
    enter_recovery(c, out);
  }
}

void
tcp_cc_ack(TcpConn *c, guint32 acked, gboolean dup, GArray *out)
{
  if (tcp_rack_on(c)) tcp_rack_ack(c, acked, out);   /* the linux profiles: tcp-rack.c */
  else cc_ack_dupthresh(c, acked, dup, out);
}

void
tcp_cc_rto(TcpConn *c, gboolean first)
{
  /* RFC 5681 3.1 and RFC 6582 4: ssthresh falls only on the first
   * timeout of a series; recovery ends; recover marks SND.MAX so that the
   * duplicate ACKs the go-back-N retransmissions cause do not start a
   * fast retransmit. */
  if (first) c->ssthresh = c->cc->ssthresh(c);
  c->cc->on_rto(c);
  c->in_recovery = FALSE;
  c->dupacks = 0;
  c->recover = c->snd_max;
  if (tcp_rack_on(c)) tcp_rack_rto(c);
}
