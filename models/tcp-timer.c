/* The endpoint's timers: SYN and SYN-ACK retransmission with backoff,
 * the RFC 6298 retransmission timer with Karn's rule and exponential
 * backoff, zero-window probes, the retries2 give-up, TCP_USER_TIMEOUT
 * (RFC 5482), retries after a local drop, and the orphaned FIN_WAIT_2
 * reaper.  (TIME_WAIT expiry belongs to timewait.c.)
 *
 * Data flow: tcp-stack.c keeps each connection's tcp_conn_deadline() in
 * its heap of deadlines (one engine timer per host, for the first) and
 * calls tcp_conn_timer() when it comes. */
#include "tcp.h"
#include "tcp-cc.h"
#include "tcp-seq.h"

/* The retransmission/probe deadline, DELAY from now.  It is the RTO's
 * (or the probe timer's) again, not a RACK timer that shared it. */
static void
arm_rtx_in(TcpConn *c, SimTime delay)
{
  c->rtx_at = c->now + delay;
  c->rack.timer = TCP_RACK_TIMER_RTO;
}

void
tcp_timer_arm_rtx(TcpConn *c)
{
  arm_rtx_in(c, c->rto);
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

/* Linux's TCP_RESOURCE_PROBE_INTERVAL (include/net/tcp.h, HZ / 2): the
 * retry after the device refused a segment, without backoff. */
#define RESOURCE_PROBE_INTERVAL (500 * SIM_MS)
/* TCP_TIMEOUT_MIN (2 jiffies): the soonest a clamped probe fires. */
#define TIMEOUT_MIN (2 * SIM_MS)

void
tcp_conn_set_user_timeout(TcpConn *c, guint32 ms)
{
  c->user_timeout = (SimTime)ms * SIM_MS;
}

/* The first timeout of a run: the head of the queue was sent when the
 * timer was armed, one RTO ago (Linux's retrans_stamp, the head's send
 * time, set at its first retransmission). */
static void
rtx_stamp_first(TcpConn *c)
{
  if (c->retries == 0) c->rtx_stamp = c->now - c->rto;
}

/* TCP_USER_TIMEOUT ran out in retransmission: the head has gone
 * unacknowledged that long since it was first sent (Linux's
 * retransmits_timed_out() with icsk_user_timeout, tcp_write_timeout()). */
static gboolean
user_timed_out(const TcpConn *c)
{
  return c->user_timeout > 0 && c->retries > 0 && c->now - c->rtx_stamp >= c->user_timeout;
}

/* Arms the retransmission timer at the RTO, but no later than the user
 * timeout's end (tcp_clamp_rto_to_user_timeout()). */
static void
arm_rtx_clamped(TcpConn *c)
{
  SimTime when = c->rto;
  if (c->user_timeout > 0) {
    SimTime left = c->rtx_stamp + c->user_timeout - c->now;
    when = left <= 0 ? SIM_MS : MIN(when, left);   /* passed: a jiffy */
  }
  arm_rtx_in(c, when);
}

static void
syn_timeout(TcpConn *c, GArray *out)
{
  const TcpProfile *p = c->env->profile;
  int limit = c->passive ? p->synack_retries : p->syn_retries + p->syn_linear_timeouts;
  /* A passive open's SYN_RECEIVED is Linux's request socket, whose timer
   * knows no user timeout (reqsk_timer_handler()); a connect()ing
   * socket's does (tcp_write_timeout()). */
  gboolean user = !c->passive && user_timed_out(c);
  if (c->retries >= limit || user) {
    /* Linux: ETIMEDOUT for connect(); a request socket is dropped. */
    trace_timer(c, c->passive ? "synack-give-up" : "syn-give-up");
    tcp_conn_drop(c, c->passive ? 0 : TCP_ETIMEDOUT);
    return;
  }
  rtx_stamp_first(c);
  c->retries++;
  c->rtt_timing = FALSE;
  tcp_emit_syn(c, out);
  c->rto = syn_interval(c, c->retries);
  trace_timer(c, c->passive ? "synack" : "syn");
  if (c->passive) tcp_timer_arm_rtx(c);
  else arm_rtx_clamped(c);
}

/* The probe timer's next interval, no later than the user timeout's end
 * counted from the first probe (tcp_clamp_probe0_to_user_timeout()). */
static SimTime
probe_clamp(const TcpConn *c, SimTime when)
{
  if (c->user_timeout == 0 || c->probes_stamp == 0) return when;
  SimTime left = c->probes_stamp + c->user_timeout - c->now;
  return MIN(when, MAX(left, TIMEOUT_MIN));
}

void
tcp_timer_ack_probe(TcpConn *c)
{
  guint32 end = c->snd_base + c->snd_len;
  guint32 len = MIN((guint32)c->mss, end - c->snd_nxt);
  if (!tcp_seq_gt(c->snd_nxt + len, c->snd_una + c->snd_wnd)) {
    c->probes_stamp = 0;
    c->rtx_at = SIM_TIME_MAX;
    if (c->rtt_valid) tcp_rto_update(c);   /* the probes' backoff ends */
  } else {
    arm_rtx_in(c, probe_clamp(c, c->rto));
  }
}

/* The probe timer: data waits and nothing is in flight (Linux's
 * tcp_probe_timer() and tcp_send_probe0()).  A zero window gets a probe,
 * an open one the data; unanswered probes give up after retries2, or,
 * with a user timeout, that long after the first probe even when the
 * peer answers each with a zero window (RFC 5482 4.2, RFC 9293
 * 3.8.6.1).  A probe the device refused is retried after
 * RESOURCE_PROBE_INTERVAL, without backoff. */
static void
probe_timeout(TcpConn *c, GArray *out)
{
  const TcpProfile *p = c->env->profile;
  gboolean expired = c->probes >= p->retries2;
  if (c->probes_stamp == 0) c->probes_stamp = c->now;   /* none fires at time 0 */
  else if (c->user_timeout > 0 && c->now - c->probes_stamp >= c->user_timeout) expired = TRUE;
  if (expired) {
    trace_timer(c, "persist-give-up");
    tcp_conn_drop(c, TCP_ETIMEDOUT);
    return;
  }
  c->local_drop = FALSE;
  tcp_retransmit(c, out);
  if (c->snd_una != c->snd_nxt) {        /* the window took data: in flight */
    c->probes = 0;
    c->probes_stamp = 0;
    trace_timer(c, "persist");
    return;                              /* tcp_output armed the RTO */
  }
  c->probes++;
  SimTime when = RESOURCE_PROBE_INTERVAL;
  if (!c->local_drop) {
    c->rto = MIN(c->rto * 2, p->rto_max);   /* backed off like the RTO */
    when = c->rto;
  }
  trace_timer(c, "persist");
  arm_rtx_in(c, probe_clamp(c, when));
}

static void
rtx_timeout(TcpConn *c, GArray *out)
{
  const TcpProfile *p = c->env->profile;
  if (c->snd_una == c->snd_nxt) {
    probe_timeout(c, out);
    return;
  }
  /* tcp_retries2, or the user timeout in its stead (Linux's
   * tcp_write_timeout()): give up, report ETIMEDOUT (Linux sends no RST). */
  if (c->user_timeout > 0 ? user_timed_out(c) : c->retries >= p->retries2) {
    trace_timer(c, "rto-give-up");
    tcp_conn_drop(c, TCP_ETIMEDOUT);
    return;
  }
  rtx_stamp_first(c);
  c->retries++;
  c->env->stats->timeouts++;
  tcp_cc_rto(c, c->retries == 1);         /* RFC 5681 3.1: loss window */
  guint32 nxt = c->snd_nxt;
  c->local_drop = FALSE;
  tcp_retransmit(c, out);
  if (c->local_drop) {
    /* The device refused it: nothing went out, what was in flight still
     * is; retry soon, no backoff (tcp_retransmit_timer()). */
    if (tcp_seq_lt(c->snd_nxt, nxt)) c->snd_nxt = nxt;
    arm_rtx_in(c, RESOURCE_PROBE_INTERVAL);
  } else {
    c->rto = MIN(c->rto * 2, p->rto_max);   /* RFC 6298 5.5 */
    arm_rtx_clamped(c);
  }
  trace_timer(c, "rto");
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
