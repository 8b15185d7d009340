/* The TCP endpoint's lifecycle and user calls: creation, the state writer,
 * initial sequence numbers, connect, send, recv, shutdown and close.
 *
 * Data flow: tcp-stack.c calls these on behalf of a socket; what they emit
 * goes to the caller's segment queue (see tcp.h). */
#include "tcp.h"
#include "tcp-cc.h"
#include "tcp-seq.h"
#include <string.h>

static const char *const state_names[TCP_STATE_N] = {
  "CLOSED", "LISTEN", "SYN_SENT", "SYN_RECEIVED", "ESTABLISHED", "FIN_WAIT_1",
  "FIN_WAIT_2", "CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT",
};

const char *
tcp_state_name(TcpState state)
{
  g_assert((guint)state < TCP_STATE_N);
  return state_names[state];
}

gboolean
tcp_state_parse(const char *name, TcpState *out)
{
  for (guint i = 0; i < TCP_STATE_N; i++) {
    if (strcmp(state_names[i], name) == 0) {
      *out = (TcpState)i;
      return TRUE;
    }
  }
  return FALSE;
}

const char *
tcp_errno_name(int err)
{
  switch (err) {
  case TCP_OK: return "OK";
  case TCP_EAGAIN: return "EAGAIN";
  case TCP_EINVAL: return "EINVAL";
  case TCP_EPIPE: return "EPIPE";
  case TCP_EADDRINUSE: return "EADDRINUSE";
  case TCP_EADDRNOTAVAIL: return "EADDRNOTAVAIL";
  case TCP_ENETUNREACH: return "ENETUNREACH";
  case TCP_ECONNRESET: return "ECONNRESET";
  case TCP_EISCONN: return "EISCONN";
  case TCP_ENOTCONN: return "ENOTCONN";
  case TCP_ETIMEDOUT: return "ETIMEDOUT";
  case TCP_ECONNREFUSED: return "ECONNREFUSED";
  case TCP_EALREADY: return "EALREADY";
  case TCP_EINPROGRESS: return "EINPROGRESS";
  default: return "EUNKNOWN";
  }
}

#define S(x) (1u << TCP_STATE_##x)
/* legal[from] is the set of states `from` may move to (RFC 9293 3.3.2,
 * figure 5, plus the RST and timeout arrows to CLOSED). */
static const guint legal[TCP_STATE_N] = {
  [TCP_STATE_CLOSED] = S(LISTEN) | S(SYN_SENT) | S(SYN_RECEIVED),
  [TCP_STATE_LISTEN] = S(CLOSED),
  [TCP_STATE_SYN_SENT] = S(SYN_RECEIVED) | S(ESTABLISHED) | S(CLOSED),
  [TCP_STATE_SYN_RECEIVED] = S(ESTABLISHED) | S(FIN_WAIT_1) | S(CLOSE_WAIT) | S(CLOSED),
  [TCP_STATE_ESTABLISHED] = S(FIN_WAIT_1) | S(CLOSE_WAIT) | S(CLOSED),
  [TCP_STATE_FIN_WAIT_1] = S(FIN_WAIT_2) | S(CLOSING) | S(TIME_WAIT) | S(CLOSED),
  [TCP_STATE_FIN_WAIT_2] = S(TIME_WAIT) | S(CLOSED),
  [TCP_STATE_CLOSE_WAIT] = S(LAST_ACK) | S(CLOSED),
  [TCP_STATE_CLOSING] = S(TIME_WAIT) | S(CLOSED),
  [TCP_STATE_LAST_ACK] = S(CLOSED),
  [TCP_STATE_TIME_WAIT] = S(CLOSED),
};
#undef S

/* tcp_count_move(), inlined in tcp_set_state(): every state change
 * passes here. */
static inline void
count_move(const TcpConnEnv *env, SimTime now, TcpState from, TcpState to)
{
  guint64 *counts = env->counts;      /* read once: the stores below may alias it */
  if (counts == NULL) return;
  g_assert(counts[from] > 0);
  counts[from]--;
  counts[to]++;
  if (to == TCP_STATE_TIME_WAIT && counts[to] > env->stats->tw_peak) {
    env->stats->tw_peak = counts[to];
    env->stats->tw_peak_time = now;
  }
}

void
tcp_count_move(const TcpConnEnv *env, SimTime now, TcpState from, TcpState to)
{
  count_move(env, now, from, to);
}

/* The trace record of a state change: out of line, as most runs trace
 * nothing and the formatting would weigh on every change. */
static G_GNUC_NO_INLINE void
trace_state(const TcpConnEnv *env, SimTime now, const TcpTuple *tuple,
            TcpState from, TcpState to)
{
  if (!sim_trace_wants(env->trace, now)) return;
  char la[NET_ADDR_BUF], ra[NET_ADDR_BUF];
  sim_trace_begin(env->trace, now, "state", env->host_name);
  sim_trace_str(env->trace, "from", tcp_state_name(from));
  sim_trace_str(env->trace, "to", tcp_state_name(to));
  sim_trace_str(env->trace, "laddr", net_addr_format(tuple->laddr, la));
  sim_trace_int(env->trace, "lport", tuple->lport);
  sim_trace_str(env->trace, "raddr", net_addr_format(tuple->raddr, ra));
  sim_trace_int(env->trace, "rport", tuple->rport);
  sim_trace_end(env->trace);
}

/* Whether the settled callback is to hear of a change now. */
static inline gboolean
settle_wanted(const TcpStateQueue *q)
{
  return q != NULL && q->settled != NULL && (q->wanted == NULL || *q->wanted != 0);
}

/* The event of a state change, to the host's hooks: out of line, as a run
 * without observers (most of them) has neither hook to call. */
static G_GNUC_NO_INLINE void
notify_state(const TcpConnEnv *env, const TcpTuple *tuple, TcpState from, TcpState to)
{
  TcpStateEvent ev = { .host = env->host_name, .from = from, .to = to, .tuple = *tuple };
  if (env->state_changed) env->state_changed(env->host, &ev);
  TcpStateQueue *q = env->settled;
  if (!settle_wanted(q)) return;
  if (q->depth) g_array_append_val(q->events, ev);
  else q->settled(env->host, &ev);
}

/* tcp_state_event(), inlined in tcp_set_state(): every state change
 * passes here. */
static inline void
state_event(const TcpConnEnv *env, SimTime now, const TcpTuple *tuple,
            TcpState from, TcpState to)
{
  if (G_UNLIKELY(env->trace != NULL)) trace_state(env, now, tuple, from, to);
  if (env->state_changed || settle_wanted(env->settled)) notify_state(env, tuple, from, to);
}

void
tcp_state_event(const TcpConnEnv *env, SimTime now, const TcpTuple *tuple,
                TcpState from, TcpState to)
{
  state_event(env, now, tuple, from, to);
}

void
tcp_state_queue_deliver(TcpStateQueue *q, gpointer host)
{
  g_assert(q->depth == 1);
  /* Still held while the callbacks run: a change one of them makes joins
   * the end of the queue, after the changes already waiting. */
  for (guint i = 0; i < q->events->len; i++) {
    TcpStateEvent ev = g_array_index(q->events, TcpStateEvent, i);   /* the array may move */
    q->settled(host, &ev);
  }
  g_array_set_size(q->events, 0);
  q->depth = 0;
}

/* The report of a change that someone draws or hears of (the trace, the
 * host's hooks): out of line and called last, so that the usual change,
 * which nobody observes, saves no registers and makes no call. */
static G_GNUC_NO_INLINE void
report_state(const TcpConn *c, TcpState from, TcpState to)
{
  /* A listener's child is born from the listener: observers see
   * LISTEN -> SYN_RECEIVED, as in the RFC's diagram. */
  TcpState shown = (c->passive && from == TCP_STATE_CLOSED) ? TCP_STATE_LISTEN : from;
  state_event(c->env, c->now, &c->tuple, shown, to);
}

void
tcp_set_state(TcpConn *c, TcpState to)
{
  TcpState from = c->state;
  g_assert((guint)to < TCP_STATE_N);
  g_assert(legal[from] & (1u << to));
  c->state = to;
  if (to == TCP_STATE_ESTABLISHED) c->established_once = TRUE;
  const TcpConnEnv *env = c->env;
  count_move(env, c->now, from, to);
  if (G_UNLIKELY(env->trace != NULL) || env->state_changed || settle_wanted(env->settled))
    report_state(c, from, to);
}

void
tcp_conn_time_wait(TcpConn *c)
{
  const TcpConnEnv *env = c->env;
  if (env->counts && env->counts[TCP_STATE_TIME_WAIT] >= env->profile->max_tw_buckets) {
    env->stats->tw_killed++;
    tcp_conn_drop(c, 0);
    return;
  }
  tcp_set_state(c, TCP_STATE_TIME_WAIT);
}

void
tcp_conn_pool_init(TcpConnPool *pool, guint max)
{
  /* A list through the pooled connections themselves: an empty pool holds
   * no storage. */
  pool->head = NULL;
  pool->len = 0;
  pool->max = max;
}

TcpConnPool *
tcp_conn_pool_new(guint max)
{
  TcpConnPool *pool = g_new(TcpConnPool, 1);
  tcp_conn_pool_init(pool, max);
  return pool;
}

void
tcp_conn_pool_free(TcpConnPool *pool)
{
  if (pool == NULL) return;
  tcp_conn_pool_clear(pool);
  g_free(pool);
}

static void
conn_storage_free(TcpConn *c)
{
  g_array_free(c->snd_buf, TRUE);
  if (c->rcv_buf) g_byte_array_free(c->rcv_buf, TRUE);
  if (c->ooo) g_array_free(c->ooo, TRUE);
  tcp_sack_free(c);
  tcp_rack_free(c);
  g_free(c);
}

void
tcp_conn_pool_clear(TcpConnPool *pool)
{
  while (pool->head) {
    TcpConn *c = pool->head;
    TCP_POOL_UNPOISON(c, sizeof *c);
    pool->head = c->pool_next;
    conn_storage_free(c);
  }
  pool->len = 0;
}

/* A zeroed connection: from the pool, its empty buffers kept, or new. */
static TcpConn *
conn_alloc(const TcpConnEnv *env)
{
  TcpConnPool *pool = env->pool;
  if (pool == NULL || pool->head == NULL) {
    TcpConn *c = g_new0(TcpConn, 1);
    c->snd_buf = g_array_sized_new(FALSE, FALSE, sizeof(NetSlice), TCP_SND_BUF_RESERVED);
    c->rcv_buf = g_byte_array_sized_new(TCP_RCV_BUF_RESERVED);
    return c;
  }
  TcpConn *c = pool->head;
  TCP_POOL_UNPOISON(c, sizeof *c);
  pool->head = c->pool_next;
  pool->len--;
  GArray *snd_buf = c->snd_buf, *ooo = c->ooo, *scoreboard = c->scoreboard;
  GArray *txq = c->rack.txq;
  GByteArray *rcv_buf = c->rcv_buf;
  memset(c, 0, sizeof *c);
  c->snd_buf = snd_buf;
  c->scoreboard = scoreboard;
  c->rack.txq = txq;
  c->rcv_buf = rcv_buf ? rcv_buf : g_byte_array_sized_new(TCP_RCV_BUF_RESERVED);   /* NULL: its socket took it */
  c->ooo = ooo;
  return c;
}

TcpConn *
tcp_conn_new(const TcpConnEnv *env, SimTime now)
{
  TcpConn *c = conn_alloc(env);
  c->env = env;
  c->profile = env->profile;
  c->now = now;
  c->state = TCP_STATE_CLOSED;
  if (env->counts) env->counts[TCP_STATE_CLOSED]++;
  c->rto = env->profile->rto_init;
  c->adv_mss = (guint16)MIN(env->profile->mss, G_MAXUINT16);
  c->rtx_at = SIM_TIME_MAX;
  c->state_at = SIM_TIME_MAX;
  c->timer_at = SIM_TIME_MAX;
  c->mss = env->profile->mss;
  c->rcv_mss = c->mss;
  c->ack_at = SIM_TIME_MAX;
  c->last_oow_ack = G_MININT64 / 2;
  c->sndbuf_cur = env->profile->sndbuf;
  c->queue_link.data = c;
  tcp_rack_init(c);
  return c;
}

void
tcp_conn_free(TcpConn *c)
{
  if (c == NULL) return;
  /* A connection in TIME_WAIT has handed its count to its record (or to
   * the TIME_WAIT -> CLOSED event when no record was kept). */
  if (c->env->counts && c->state != TCP_STATE_TIME_WAIT) {
    g_assert(c->env->counts[c->state] > 0);
    c->env->counts[c->state]--;
  }
  for (guint i = 0; i < c->snd_buf->len; i++)
    net_buf_unref(g_array_index(c->snd_buf, NetSlice, i).buf);
  if (c->ooo && c->ooo->len > 0) tcp_rcv_ooo_clear(c);   /* no call for an empty queue */
  TcpConnPool *pool = c->env->pool;
  if (pool == NULL || pool->len >= pool->max) {
    conn_storage_free(c);
    return;
  }
  /* Emptied by their lengths: the slices were unreferenced above, and
   * none of the three has a clear function or a terminating zero. */
  c->snd_buf->len = 0;
  if (c->rcv_buf) c->rcv_buf->len = 0;
  if (c->scoreboard) c->scoreboard->len = 0;
  tcp_rack_reset(c);
  c->pool_next = pool->head;
  pool->head = c;
  pool->len++;
  TCP_POOL_POISON(c, sizeof *c);
}

guint32
tcp_isn(const TcpConnEnv *env, const TcpTuple *t, SimTime now)
{
  /* RFC 6528 3: ISN = M + F(localip, localport, remoteip, remoteport,
   * secretkey).  M ticks every 64 ns as Linux's secure_tcp_seq() does
   * (ktime_get_real_ns() >> 6), here on virtual time. */
  TcpIsnMemo local = { 0 }, *m = env->isn_memo ? env->isn_memo : &local;
  if (!m->known || m->laddr != t->laddr || m->raddr != t->raddr)
    *m = (TcpIsnMemo){ t->laddr, t->raddr,
                       tcp_siphash_begin(&env->isn_key, t->laddr, t->raddr), TRUE };
  guint32 f = (guint32)tcp_siphash_end(&m->state, t->lport, t->rport);
  return f + (guint32)((guint64)now >> 6);
}

static void
conn_init_ts(TcpConn *c)
{
  /* Linux's secure_tcp_ts_off(): one offset per address pair, so that a
   * new connection's timestamps continue the old one's (PAWS, reopen). */
  TcpTsMemo *m = c->env->ts_memo;
  if (m && m->known && m->laddr == c->tuple.laddr && m->raddr == c->tuple.raddr) {
    c->ts_offset = m->offset;
    return;
  }
  c->ts_offset = (guint32)tcp_siphash_4u32(&c->env->ts_key, c->tuple.laddr,
                                           c->tuple.raddr, 0, 0);
  if (m) *m = (TcpTsMemo){ c->tuple.laddr, c->tuple.raddr, c->ts_offset, TRUE };
}

void
tcp_conn_connect(TcpConn *c, guint32 iss, SimTime now, GArray *out)
{
  c->now = now;
  g_assert(c->state == TCP_STATE_CLOSED);
  c->retries = 0;                        /* a connect() after a failed one */
  c->error = 0;
  c->rtt_timing = FALSE;
  c->iss = iss;
  c->snd_una = c->snd_nxt = c->snd_max = c->snd_sml = iss;
  c->snd_base = c->pushed_seq = iss + 1;
  c->ts_ok = c->profile->timestamps;
  conn_init_ts(c);
  c->rto = c->profile->rto_init;
  c->rtt_start = now;                    /* the SYN's RTT, if not retransmitted */
  tcp_set_state(c, TCP_STATE_SYN_SENT);
  tcp_emit_syn(c, out);
  tcp_timer_arm_rtx(c);
}

void
tcp_conn_accept_syn(TcpConn *c, const TcpSegment *syn, guint32 iss,
                    SimTime now, GArray *out)
{
  c->now = now;
  c->passive = TRUE;
  c->irs = syn->seq;
  c->rcv_nxt = syn->seq + 1;
  c->iss = iss;
  c->snd_una = c->snd_nxt = c->snd_max = c->snd_sml = iss;
  c->snd_base = c->pushed_seq = iss + 1;
  c->snd_wnd = c->snd_wnd_max = syn->win;
  c->snd_wl1 = syn->seq;
  c->snd_wl2 = iss;
  c->rcv_wup = c->rcv_adv = c->rcv_nxt;
  conn_init_ts(c);
  c->ts_ok = c->profile->timestamps && (syn->opts & TCP_OPT_TS);
  if (c->ts_ok) {
    c->ts_recent = syn->ts_val;
    c->ts_recent_stamp = now;
  }
  tcp_conn_set_mss(c, syn);
  c->rto = c->profile->rto_init;
  c->rtt_start = now;
  tcp_set_state(c, TCP_STATE_SYN_RECEIVED);
  tcp_emit_syn(c, out);
  tcp_timer_arm_rtx(c);
}

void
tcp_conn_set_mss(TcpConn *c, const TcpSegment *syn)
{
  /* RFC 7323 2.2-2.3: scaling only when both SYNs carry the option; the
   * peer's shift is capped at 14. */
  c->ws_ok = c->profile->window_scaling && (syn->opts & TCP_OPT_WSCALE);
  c->snd_wscale = c->ws_ok ? (guint8)MIN(syn->wscale, 14) : 0;
  c->rcv_wscale = c->ws_ok ? (guint8)c->profile->wscale : 0;
  /* RFC 2018 2: SACK only when both SYNs carry SACK-permitted. */
  c->sack_ok = c->profile->sack && (syn->opts & TCP_OPT_SACK_PERM);
  guint32 mss = c->adv_mss;
  if ((syn->opts & TCP_OPT_MSS) && syn->mss) mss = MIN(mss, syn->mss);  /* Linux ignores 0 */
  else mss = MIN(mss, 536);                /* RFC 9293 3.7.1 default */
  mss = MAX(mss, 48);                      /* Linux's tcp_min_snd_mss */
  /* Linux sizes data segments by the MSS less the options every segment
   * carries (tcp_current_mss): 1460 - 12 = 1448 bytes with timestamps, so
   * that a full segment still fits a 1500-byte MTU. */
  if (c->ts_ok) mss -= 12;
  c->mss = mss;
  c->rcv_mss = mss;
  tcp_cc_init(c);
  tcp_conn_grow_sndbuf(c);
}

static gboolean
state_can_send(TcpState s)
{
  return s == TCP_STATE_ESTABLISHED || s == TCP_STATE_CLOSE_WAIT;
}

static void
snd_buf_append(TcpConn *c, const guint8 *data, guint32 len)
{
  if (data == NULL && c->snd_buf->len > 0) {
    NetSlice *last = &g_array_index(c->snd_buf, NetSlice, c->snd_buf->len - 1);
    if (last->buf == NULL) {            /* merge virtual bytes */
      last->len += len;
      c->snd_len += len;
      return;
    }
  }
  tcp_array_grow1(c->snd_buf, TCP_SND_BUF_RESERVED);   /* no copy through the stack */
  g_array_index(c->snd_buf, NetSlice, c->snd_buf->len - 1) =
    (NetSlice){ .buf = data ? net_buf_new(data, len) : NULL, .off = 0, .len = len };
  c->snd_len += len;
}

/* Linux's PSH marks (tcp_sendmsg_locked(), tcp_push()): a write that
 * appends to a tail segment not yet sent takes that segment's PSH away,
 * and one that starts a new segment ends a one-shot push
 * (tcp_skb_entail()); a write without MSG_MORE marks its last byte, as
 * does one that brings more than half the peer's largest window since
 * the last mark (forced_push()). */
static void
mark_push(TcpConn *c, guint32 end, guint32 n, gboolean more)
{
  if (tcp_seq_lt(c->snd_nxt, end)) {
    if (c->psh_marked && c->psh_seq == end) c->psh_marked = FALSE;
  } else {
    c->push_once = FALSE;
  }
  guint32 write_end = end + n;
  if (more && !tcp_seq_gt(write_end, c->pushed_seq + c->snd_wnd_max / 2)) return;
  c->psh_marked = TRUE;
  c->psh_seq = c->pushed_seq = write_end;
}

gssize
tcp_conn_send(TcpConn *c, const guint8 *data, gsize len, gboolean more, SimTime now,
              GArray *out)
{
  c->now = now;
  if (c->error) {
    int err = c->error;
    c->error = 0;
    return -err;
  }
  if (c->shut_wr || c->fin_queued) return -TCP_EPIPE;
  switch (c->state) {
  case TCP_STATE_SYN_SENT:
  case TCP_STATE_SYN_RECEIVED:
    return -TCP_EAGAIN;
  case TCP_STATE_ESTABLISHED:
  case TCP_STATE_CLOSE_WAIT:
    break;
  case TCP_STATE_CLOSED:
    return c->established_once ? -TCP_EPIPE : -TCP_ENOTCONN;
  default:
    return -TCP_EPIPE;
  }
  guint32 room = c->sndbuf_cur - MIN(c->snd_len, c->sndbuf_cur);
  if (room == 0) return -TCP_EAGAIN;
  if (len == 0) return 0;
  guint32 n = (guint32)MIN((gsize)room, len);
  /* A write cut short by a full buffer pushes without MSG_MORE (Linux's
   * wait_for_space: tcp_push(flags & ~MSG_MORE)). */
  more = more && n == len;
  mark_push(c, c->snd_base + c->snd_len, n, more);
  snd_buf_append(c, data, n);
  tcp_chrono_start(c, TCP_CHRONO_BUSY);   /* tcp_add_write_queue_tail() */
  c->more = more;
  tcp_output(c, out);
  c->more = FALSE;
  return n;
}

/* The cases above that return -TCP_EAGAIN, read in the same order. */
gboolean
tcp_conn_send_would_block(const TcpConn *c)
{
  if (c->error || c->shut_wr || c->fin_queued) return FALSE;
  switch (c->state) {
  case TCP_STATE_SYN_SENT:
  case TCP_STATE_SYN_RECEIVED:
    return TRUE;
  case TCP_STATE_ESTABLISHED:
  case TCP_STATE_CLOSE_WAIT:
    return c->snd_len >= c->sndbuf_cur;                 /* no room */
  default:
    return FALSE;
  }
}

/* tcp_conn_recv() with bytes buffered: out of line, so that the calls
 * that find none (most: EAGAIN before the data, then end of file) save no
 * registers for the sink's call. */
static G_GNUC_NO_INLINE gssize
recv_buffered(TcpConn *c, gsize max, TcpRecvSink sink, gpointer ud, GArray *out)
{
  guint n = (guint)MIN(max, (gsize)c->rcv_buf->len);
  sink(ud, c->rcv_buf->data, n);
  if (n == c->rcv_buf->len) c->rcv_buf->len = 0;      /* all of it: nothing to move */
  else g_byte_array_remove_range(c->rcv_buf, 0, n);
  /* Window update (RFC 9293 3.8.6.2.2, Linux tcp_cleanup_rbuf()) when
   * reading has opened the window enough: the peer may wait on it. */
  if (c->state != TCP_STATE_CLOSED && tcp_rcv_window_update_due(c)) {
    c->ack_now = TRUE;
    tcp_output(c, out);
  }
  return n;
}

gssize
tcp_conn_recv(TcpConn *c, gsize max, TcpRecvSink sink, gpointer ud, SimTime now, GArray *out)
{
  c->now = now;
  /* After shutdown(SHUT_RD) too: Linux still queues what arrives
   * (tcp_rcv_established() does not look at RCV_SHUTDOWN) and reads it. */
  if (c->rcv_buf->len > 0) return recv_buffered(c, max, sink, ud, out);
  if (c->error) {
    int err = c->error;
    c->error = 0;
    return -err;
  }
  if (c->rcv_fin || c->shut_rd) return 0;
  if (c->state == TCP_STATE_CLOSED) return c->established_once ? 0 : -TCP_ENOTCONN;
  if (c->state == TCP_STATE_LISTEN) return -TCP_ENOTCONN;
  return -TCP_EAGAIN;
}

/* The case above that returns -TCP_EAGAIN: nothing buffered, and no
 * error, end of file or state that answers at once. */
gboolean
tcp_conn_recv_would_block(const TcpConn *c)
{
  return c->rcv_buf->len == 0 && !c->error && !c->rcv_fin && !c->shut_rd &&
         c->state != TCP_STATE_CLOSED && c->state != TCP_STATE_LISTEN;
}

void
tcp_conn_set_nodelay(TcpConn *c, gboolean on, SimTime now, GArray *out)
{
  c->now = now;
  c->nodelay = on;
  /* Linux (__tcp_sock_set_nodelay()): TCP_NAGLE_OFF | TCP_NAGLE_PUSH and
   * a push, which sends even what TCP_CORK holds. */
  c->push_once = c->push_once || on;
  if (on && state_can_send(c->state)) tcp_output(c, out);
}

void
tcp_conn_set_cork(TcpConn *c, gboolean on, SimTime now, GArray *out)
{
  c->now = now;
  c->cork = on;
  if (on) return;
  /* Linux (__tcp_sock_set_cork()): uncorking pushes what waits, past
   * Nagle too when TCP_NODELAY is on. */
  if (c->nodelay) c->push_once = TRUE;
  if (state_can_send(c->state)) tcp_output(c, out);
}

/* Queues the FIN: ESTABLISHED -> FIN_WAIT_1, CLOSE_WAIT -> LAST_ACK,
 * SYN_RECEIVED -> FIN_WAIT_1 (RFC 9293 3.10.4). */
static void
conn_send_fin(TcpConn *c, GArray *out)
{
  c->fin_queued = TRUE;
  if (c->state == TCP_STATE_CLOSE_WAIT) tcp_set_state(c, TCP_STATE_LAST_ACK);
  else tcp_set_state(c, TCP_STATE_FIN_WAIT_1);
  tcp_output(c, out);                    /* after the SYN is acked, if not yet */
}

int
tcp_conn_shutdown(TcpConn *c, int how, SimTime now, GArray *out)
{
  c->now = now;
  if (how < 1 || how > 3) return TCP_EINVAL;
  switch (c->state) {
  case TCP_STATE_CLOSED:
  case TCP_STATE_LISTEN:
    return TCP_ENOTCONN;
  case TCP_STATE_SYN_SENT:
    if (how & 2) tcp_conn_drop(c, 0);      /* Linux: tcp_shutdown closes */
    return TCP_OK;
  default:
    break;
  }
  if (how & 1) c->shut_rd = TRUE;
  if ((how & 2) && !c->shut_wr) {
    c->shut_wr = TRUE;
    if (c->state == TCP_STATE_ESTABLISHED || c->state == TCP_STATE_CLOSE_WAIT ||
        c->state == TCP_STATE_SYN_RECEIVED)
      conn_send_fin(c, out);
  }
  return TCP_OK;
}

static void
conn_send_rst(TcpConn *c, GArray *out)
{
  /* Linux's tcp_send_active_reset(): RST|ACK at SND.NXT. */
  tcp_emit_reset(c, out);
}

void
tcp_conn_close(TcpConn *c, gboolean abort, SimTime now, GArray *out)
{
  c->now = now;
  c->orphan = TRUE;
  c->shut_rd = TRUE;
  switch (c->state) {
  case TCP_STATE_CLOSED:
    return;
  case TCP_STATE_LISTEN:
  case TCP_STATE_SYN_SENT:
    tcp_conn_drop(c, 0);
    return;
  case TCP_STATE_SYN_RECEIVED:
  case TCP_STATE_ESTABLISHED:
  case TCP_STATE_CLOSE_WAIT:
  case TCP_STATE_FIN_WAIT_1:
  case TCP_STATE_FIN_WAIT_2:
    /* RFC 2525 2.17 and Linux's tcp_close(): unread data, or SO_LINGER
     * with a zero timeout, abort the connection with a RST. */
    if (abort || c->rcv_buf->len > 0) {
      conn_send_rst(c, out);
      tcp_conn_drop(c, 0);
      return;
    }
    if (c->state == TCP_STATE_FIN_WAIT_2 && c->profile->fin_timeout > 0)
      c->state_at = now + c->profile->fin_timeout;
    if (!c->fin_queued) {
      c->shut_wr = TRUE;
      conn_send_fin(c, out);
    }
    return;
  default:                     /* CLOSING, LAST_ACK, TIME_WAIT: already closing */
    return;
  }
}
