/* The socket listing of `ss` (see tcp-ss.h). */
#include "tcp-ss.h"
#include "tcp-stack-internal.h"
#include <stdio.h>

const char *
tcp_ss_state_name(TcpState state)
{
  /* iproute2's sstate_name[], by RFC 9293 state. */
  static const char *const names[TCP_STATE_N] = {
    [TCP_STATE_CLOSED] = "UNCONN", [TCP_STATE_LISTEN] = "LISTEN",
    [TCP_STATE_SYN_SENT] = "SYN-SENT", [TCP_STATE_SYN_RECEIVED] = "SYN-RECV",
    [TCP_STATE_ESTABLISHED] = "ESTAB", [TCP_STATE_FIN_WAIT_1] = "FIN-WAIT-1",
    [TCP_STATE_FIN_WAIT_2] = "FIN-WAIT-2", [TCP_STATE_CLOSE_WAIT] = "CLOSE-WAIT",
    [TCP_STATE_CLOSING] = "CLOSING", [TCP_STATE_LAST_ACK] = "LAST-ACK",
    [TCP_STATE_TIME_WAIT] = "TIME-WAIT",
  };
  return names[state];
}

const char *
tcp_ss_timer_name(TcpSsTimer timer)
{
  static const char *const names[] = { NULL, "on", "persist", "timewait" };
  return names[timer];
}

char *
tcp_ss_format_time(SimTime left, char *buf)
{
  /* Whole milliseconds, then iproute2's rules: minutes drop the ms, ten
   * minutes or more drop the seconds, ten seconds or more drop the ms. */
  gint64 ms = left / SIM_MS;
  int minutes = (int)(ms / 60000), secs = (int)(ms / 1000 % 60), msecs = (int)(ms % 1000);
  int n = 0;
  buf[0] = '\0';
  if (minutes) {
    msecs = 0;
    n += snprintf(buf + n, 32 - (gsize)n, "%dmin", minutes);
    if (minutes > 9) secs = 0;
  }
  if (secs) {
    if (secs > 9) msecs = 0;
    n += snprintf(buf + n, 32 - (gsize)n, "%d%s", secs, msecs ? "." : "sec");
  }
  if (msecs) snprintf(buf + n, 32 - (gsize)n, "%03d%s", msecs, secs ? "sec" : "ms");
  return buf;
}

static void
conn_info(const TcpConn *c, SimTime now, TcpSockInfo *info)
{
  *info = (TcpSockInfo){ .state = c->state, .tuple = c->tuple };
  info->recv_q = c->rcv_buf ? c->rcv_buf->len : 0;
  info->send_q = c->snd_len;
  info->retransmits = (guint)MAX(c->retries, 0);
  info->orphan = c->orphan;
  if (c->state == TCP_STATE_FIN_WAIT_2 && c->state_at != SIM_TIME_MAX) {
    info->timer = TCP_SS_TIMER_TIMEWAIT;
    info->timer_left = c->state_at - now;
    info->retransmits = 0;
  } else if (c->rtx_at != SIM_TIME_MAX) {
    /* The timer sends a zero-window probe when nothing is in flight. */
    info->timer = c->snd_una == c->snd_nxt ? TCP_SS_TIMER_PERSIST : TCP_SS_TIMER_ON;
    info->timer_left = c->rtx_at - now;
  }
  info->timer_left = MAX(info->timer_left, 0);
}

static gint
compare_info(gconstpointer pa, gconstpointer pb)
{
  const TcpSockInfo *a = pa, *b = pb;
  guint64 ka[] = { a->tuple.laddr, a->tuple.lport, a->tuple.raddr, a->tuple.rport, a->state };
  guint64 kb[] = { b->tuple.laddr, b->tuple.lport, b->tuple.raddr, b->tuple.rport, b->state };
  for (gsize i = 0; i < G_N_ELEMENTS(ka); i++)
    if (ka[i] != kb[i]) return ka[i] < kb[i] ? -1 : 1;
  return 0;
}

void
tcp_stack_sockets(TcpStack *s, SimTime now, GArray *out)
{
  g_array_set_size(out, 0);
  for (GList *l = s->sockets.head; l; l = l->next) {
    const TcpSocket *sock = l->data;
    TcpSockInfo info = { .state = TCP_STATE_LISTEN };
    if (sock->listening) {
      info.recv_q = sock->accept_q.length;
      info.send_q = (guint32)MAX(sock->backlog, 0);
    } else if (sock->bound && sock->conn && sock->conn->state == TCP_STATE_CLOSED) {
      info.state = TCP_STATE_CLOSED;
    } else {
      continue;              /* connected: listed below, from its 4-tuple */
    }
    info.tuple.laddr = sock->bind_addr;
    info.tuple.lport = sock->bind_port;
    g_array_append_val(out, info);
  }
  guint32 pos = 0;
  const TcpConn *c;
  while ((c = tcp_tuple_table_next(&s->conns, &pos, NULL))) {
    TcpSockInfo info;
    conn_info(c, now, &info);
    g_array_append_val(out, info);
  }
  guint32 cursor = 0;
  for (const TcpTwRecord *rec; (rec = tcp_tw_next(&s->tw, &cursor));) {
    TcpSockInfo info = { .state = TCP_STATE_TIME_WAIT, .tuple = tcp_tw_tuple(&s->tw, rec),
                         .timer = TCP_SS_TIMER_TIMEWAIT,
                         .timer_left = MAX(tcp_tw_expiry(rec) - now, 0) };
    g_array_append_val(out, info);
  }
  g_array_sort(out, compare_info);    /* the hash table's order is no order */
}
