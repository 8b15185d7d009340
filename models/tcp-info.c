/* A connection's variables as a debugger shows them (see
 * tcp_stack_conn_info in tcp-stack.h): read-only, for `twsim step`. */
#include "tcp-stack-internal.h"

gboolean
tcp_stack_conn_info(TcpStack *s, const TcpTuple *tuple, TcpConnInfo *info)
{
  *info = (TcpConnInfo){ .rtx_at = SIM_TIME_MAX, .ack_at = SIM_TIME_MAX,
                         .state_at = SIM_TIME_MAX };
  const TcpConn *c = tcp_tuple_table_lookup(&s->conns, tuple);
  if (c) {
    info->state = c->state;
    info->iss = c->iss;
    info->irs = c->irs;
    info->snd_una = c->snd_una;
    info->snd_nxt = c->snd_nxt;
    info->rcv_nxt = c->rcv_nxt;
    info->snd_wnd = c->snd_wnd;
    info->rcv_wnd = c->rcv_wnd_sent;
    info->cwnd = c->cwnd;
    info->ssthresh = c->ssthresh;
    info->rto = c->rto;
    info->rtx_at = c->rtx_at;
    info->ack_at = c->ack_at;
    info->state_at = c->state_at;
    return TRUE;
  }
  TcpTwRecord *rec = tcp_tw_lookup(&s->tw, tuple);
  if (rec == NULL) return FALSE;
  info->state = TCP_STATE_TIME_WAIT;
  info->record = TRUE;
  info->snd_nxt = rec->snd_nxt;
  info->rcv_nxt = rec->rcv_nxt;
  info->state_at = tcp_tw_expiry(rec);
  return TRUE;
}
