/* The endpoint's timers: SYN and SYN-ACK retransmission with backoff,
 * the RFC 6298 retransmission timer with Karn's rule and exponential
 * backoff, zero-window probes, the retries2 give-up, and the orphaned
 * FIN_WAIT_2 reaper.  (TIME_WAIT expiry belongs to timewait.c.)
 *
 * Data flow: tcp-stack.c keeps each connection's tcp_conn_deadline() in
 * its heap of deadlines (one engine timer per host, for the first) and
 * calls tcp_conn_timer() when it comes. */
#include "tcp.h"
#include "tcp-cc.h"
#include "tcp-seq.h"

SimTime
tcp_conn_deadline(const TcpConn *c)
{
  return MIN(MIN(c->rtx_at, c->state_at), c->ack_at);
}

void
tcp_timer_arm_rtx(TcpConn *c)
{
  c->rtx_at = c->now + c->rto;
  c->rack.timer = TCP_RACK_TIMER_RTO;
}

void
tcp_rtt_sample(TcpConn *c, SimTime rtt)
{
  if (!c->rtt_valid) {                   /* RFC 6298 2.2 */
    c->srtt = rtt;
    c->rttvar = rtt / 2;
    c->rtt_valid = TRUE;
  } else {                               /* RFC 6298 2.3, alpha 1/8, beta 1/4 */
    SimTime err = c->srtt > rtt ? c->srtt - rtt : rtt - c->srtt;
    c->rttvar = (3 * c->rttvar + err) / 4;
    c->srtt = (7 * c->srtt + rtt) / 8;
  }
  tcp_rack_rtt_sample(c, rtt);
  tcp_rto_update(c);
}

void
tcp_rto_update(TcpConn *c)
{
  const TcpProfile *p = c->env->profile;
  /* Linux (tcp_set_rto): the variance term is floored at rto_min, so
   * RTO = SRTT + max(4 * RTTVAR, rto_min): about 200 ms + RTT on a LAN. */
  c->rto = c->srtt + MAX(4 * c->rttvar, p->rto_min);
  c->rto = CLAMP(c->rto, p->rto_min, p->rto_max);
}

/* A "timer" trace record: which of the connection's timers fired, the
 * retry count it reached and the RTO now armed (docs/trace-format.md). */
static void
trace_timer(const TcpConn *c, const char *timer)
{
  const TcpConnEnv *env = c->env;
  if (env->trace == NULL || !sim_trace_wants(env->trace, c->now)) return;
  char la[NET_ADDR_BUF], ra[NET_ADDR_BUF];
  sim_trace_begin(env->trace, c->now, "timer", env->host_name);
  sim_trace_str(env->trace, "timer", timer);
  sim_trace_int(env->trace, "retries", c->retries);
  sim_trace_time(env->trace, "rto", c->rto);
  sim_trace_str(env->trace, "laddr", net_addr_format(c->tuple.laddr, la));
  sim_trace_int(env->trace, "lport", c->tuple.lport);
  sim_trace_str(env->trace, "raddr", net_addr_format(c->tuple.raddr, ra));
  sim_trace_int(env->trace, "rport", c->tuple.rport);
  sim_trace_end(env->trace);
}

/* Interval after the n-th SYN or SYN-ACK retransmission: classic Linux
 * doubles from rto_init (1, 2, 4... s: give up at 127 s with 6 retries);
 * with syn_linear_timeouts = L (tcp_syn_linear_timeouts, Linux 6.5 and
 * later, default 4), a SYN's first L retries keep rto_init and the limit
 * grows by L (tcp_retransmit_timer(), tcp_write_timeout()).  A SYN-ACK
 * always doubles. */
static SimTime
syn_interval(const TcpConn *c, int n)
{
  const TcpProfile *p = c->env->profile;
  int linear = c->passive ? 0 : p->syn_linear_timeouts;
  int shift = n <= linear ? 0 : n - linear;
  SimTime rto = p->rto_init;
  for (int i = 0; i < shift && rto < p->rto_max; i++) rto *= 2;
  return MIN(rto, p->rto_max);
}

static void
syn_timeout(TcpConn *c, GArray *out)
{
  const TcpProfile *p = c->env->profile;
  int limit = c->passive ? p->synack_retries : p->syn_retries + p->syn_linear_timeouts;
  if (c->retries >= limit) {
    /* Linux: ETIMEDOUT for connect(); a request socket is dropped. */
    trace_timer(c, c->passive ? "synack-give-up" : "syn-give-up");
    tcp_conn_drop(c, c->passive ? 0 : TCP_ETIMEDOUT);
    return;
  }
  c->retries++;
  c->rtt_timing = FALSE;
  tcp_emit_syn(c, out);
  c->rto = syn_interval(c, c->retries);
  trace_timer(c, c->passive ? "synack" : "syn");
  tcp_timer_arm_rtx(c);
}

static void
rtx_timeout(TcpConn *c, GArray *out)
{
  const TcpProfile *p = c->env->profile;
  gboolean probe = c->snd_una == c->snd_nxt;
  if (!probe && c->retries >= p->retries2) {
    /* tcp_retries2: give up, report ETIMEDOUT (Linux sends no RST). */
    trace_timer(c, "rto-give-up");
    tcp_conn_drop(c, TCP_ETIMEDOUT);
    return;
  }
  if (!probe) {
    c->retries++;
    c->env->stats->timeouts++;
    tcp_cc_rto(c, c->retries == 1);       /* RFC 5681 3.1: loss window */
  }
  tcp_retransmit(c, out);
  c->rto = MIN(c->rto * 2, p->rto_max);   /* RFC 6298 5.5 */
  trace_timer(c, probe ? "persist" : "rto");
  c->rtx_at = SIM_TIME_MAX;
  tcp_timer_arm_rtx(c);
}

void
tcp_conn_timer(TcpConn *c, SimTime now, GArray *out)
{
  c->now = now;
  if (c->ack_at <= now) {
    trace_timer(c, "delack");
    tcp_rcv_delack_timer(c);
    if (c->rtx_at > now && c->state_at > now) {
      tcp_output(c, out);
      return;
    }
  }
  if (c->state_at <= now) {
    /* Orphaned FIN_WAIT_2 reaped after fin_timeout (Linux
     * tcp_fin_timeout): silently, as its TIME_WAIT-like sub-state does. */
    c->state_at = SIM_TIME_MAX;
    if (c->state == TCP_STATE_FIN_WAIT_2) {
      trace_timer(c, "fin_wait_2");
      tcp_conn_drop(c, 0);
    }
    return;
  }
  if (c->rtx_at > now) return;
  c->rtx_at = SIM_TIME_MAX;
  switch (c->state) {
  case TCP_STATE_SYN_SENT:
    syn_timeout(c, out);
    break;
  case TCP_STATE_SYN_RECEIVED:
    if (!tcp_seq_gt(c->snd_una, c->iss)) syn_timeout(c, out);
    else rtx_timeout(c, out);
    break;
  case TCP_STATE_ESTABLISHED:
  case TCP_STATE_CLOSE_WAIT:
  case TCP_STATE_FIN_WAIT_1:
  case TCP_STATE_CLOSING:
  case TCP_STATE_LAST_ACK:
    if (tcp_rack_timer(c, out)) break;     /* a probe or reordering timer */
    rtx_timeout(c, out);
    break;
  default:
    break;
  }
}

void
tcp_conn_drop(TcpConn *c, int err)
{
  if (c->state == TCP_STATE_SYN_SENT ||
      (c->state == TCP_STATE_SYN_RECEIVED && !c->passive)) {
    TcpStats *st = c->env->stats;
    if (err == TCP_ECONNREFUSED) st->connect_refused++;
    else if (err == TCP_ETIMEDOUT) st->connect_timeout++;
    else if (err == TCP_ECONNRESET) st->connect_reset++;
  }
  if (err) c->error = err;
  c->rtx_at = SIM_TIME_MAX;
  c->state_at = SIM_TIME_MAX;
  c->ack_at = SIM_TIME_MAX;
  if (c->state != TCP_STATE_CLOSED) tcp_set_state(c, TCP_STATE_CLOSED);
}
