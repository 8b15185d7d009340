/* Segment emission: SYNs, data, FIN, ACKs and RSTs from one connection,
 * and go-back-N retransmission.
 *
 * Data flow: the endpoint's input, timer and user calls -> tcp_output() ->
 * TcpSegments appended to the caller's queue -> tcp-stack.c wraps them in
 * Packets for the host. */
#include "tcp.h"
#include "tcp-seq.h"

guint32
tcp_ts_now(const TcpConn *c)
{
  /* Linux's TS clock ticks every millisecond (tcp_clock_ms()). */
  return (guint32)(c->now / SIM_MS) + c->ts_offset;
}

static guint16
conn_window(TcpConn *c)
{
  guint32 used = c->rcv_buf ? c->rcv_buf->len : 0;
  guint32 space = c->env->profile->rcvbuf > used ? c->env->profile->rcvbuf - used : 0;
  return (guint16)MIN(space, 65535u);
}

static TcpSegment *
emit_header(TcpConn *c, GArray *out, guint32 seq, guint8 flags)
{
  TcpSegment seg = { 0 };
  seg.sport = c->tuple.lport;
  seg.dport = c->tuple.rport;
  seg.seq = seq;
  seg.flags = flags;
  if (flags & TCP_FLAG_ACK) seg.ack = c->rcv_nxt;
  if (!(flags & TCP_FLAG_RST)) {
    seg.win = conn_window(c);
    c->rcv_wnd_sent = seg.win;
    if (c->ts_ok) {
      seg.opts |= TCP_OPT_TS;
      seg.ts_val = tcp_ts_now(c);
      seg.ts_ecr = c->ts_recent;
    }
  }
  g_array_append_val(out, seg);
  return &g_array_index(out, TcpSegment, out->len - 1);
}

static void
count_sent(TcpConn *c, guint32 seq, guint32 len)
{
  if (len == 0) return;
  if (tcp_seq_lt(seq, c->snd_max)) c->env->stats->retransmits++;
  if (tcp_seq_gt(seq + len, c->snd_max)) c->snd_max = seq + len;
}

void
tcp_emit(TcpConn *c, GArray *out, guint32 seq, guint8 flags)
{
  emit_header(c, out, seq, flags);
  count_sent(c, seq, !!(flags & TCP_FLAG_FIN));
}

void
tcp_emit_syn(TcpConn *c, GArray *out)
{
  guint8 flags = TCP_FLAG_SYN;
  if (c->state == TCP_STATE_SYN_RECEIVED) flags |= TCP_FLAG_ACK;
  TcpSegment *seg = emit_header(c, out, c->iss, flags);
  seg->opts |= TCP_OPT_MSS;
  seg->mss = c->env->profile->mss;
  if (c->state == TCP_STATE_SYN_SENT && c->env->profile->timestamps) {
    seg->opts |= TCP_OPT_TS;
    seg->ts_val = tcp_ts_now(c);
    seg->ts_ecr = 0;
  }
  count_sent(c, c->iss, 1);
  c->snd_nxt = c->iss + 1;
}

/* One data segment of `len` bytes at `seq` from the send buffer, with the
 * FIN when `fin`. */
static void
emit_data(TcpConn *c, GArray *out, guint32 seq, guint32 len, gboolean fin)
{
  guint8 flags = TCP_FLAG_ACK | (len ? TCP_FLAG_PSH : 0) | (fin ? TCP_FLAG_FIN : 0);
  TcpSegment *seg = emit_header(c, out, seq, flags);
  guint32 off = seq - c->snd_base;
  for (guint i = 0; len && i < c->snd_buf->len; i++) {
    NetSlice *s = &g_array_index(c->snd_buf, NetSlice, i);
    if (off >= s->len) {
      off -= s->len;
      continue;
    }
    g_assert(len <= s->len - off);
    seg->payload.buf = net_buf_ref(s->buf);
    seg->payload.off = s->off + off;
    seg->payload.len = len;
    break;
  }
  g_assert(seg->payload.len == len);
  if (!c->rtt_timing && !tcp_seq_lt(seq, c->snd_max) && len) {
    c->rtt_timing = TRUE;          /* Karn: only never-retransmitted data */
    c->rtt_seq = seq + len;
    c->rtt_start = c->now;
  }
  count_sent(c, seq, len + fin);
}

/* Bytes from `off` to the end of the chunk holding it. */
static guint32
chunk_room(const TcpConn *c, guint32 off)
{
  for (guint i = 0; i < c->snd_buf->len; i++) {
    const NetSlice *s = &g_array_index(c->snd_buf, NetSlice, i);
    if (off < s->len) return s->len - off;
    off -= s->len;
  }
  return 0;
}

static gboolean
syn_acked(const TcpConn *c)
{
  return tcp_seq_gt(c->snd_una, c->iss);
}

static gboolean
send_data(TcpConn *c, GArray *out, gboolean probe)
{
  gboolean sent = FALSE;
  guint32 end = c->snd_base + c->snd_len;
  guint32 wnd = MIN(c->snd_wnd, c->cwnd);
  if (probe && wnd == 0) wnd = 1;          /* zero-window probe: one byte */
  guint32 edge = c->snd_una + wnd;
  while (tcp_seq_lt(c->snd_nxt, end) && tcp_seq_lt(c->snd_nxt, edge)) {
    guint32 len = MIN((guint32)c->mss, end - c->snd_nxt);
    len = MIN(len, edge - c->snd_nxt);
    len = MIN(len, chunk_room(c, c->snd_nxt - c->snd_base));
    gboolean fin = c->fin_queued && c->snd_nxt + len == end;
    emit_data(c, out, c->snd_nxt, len, fin);
    c->snd_nxt += len + fin;
    sent = TRUE;
    if (fin) return TRUE;
  }
  if (c->fin_queued && c->snd_nxt == end) {
    emit_data(c, out, end, 0, TRUE);
    c->snd_nxt = end + 1;
    sent = TRUE;
  }
  return sent;
}

static void
output(TcpConn *c, GArray *out, gboolean probe)
{
  gboolean sent = FALSE;
  switch (c->state) {
  case TCP_STATE_ESTABLISHED:
  case TCP_STATE_CLOSE_WAIT:
  case TCP_STATE_FIN_WAIT_1:
  case TCP_STATE_CLOSING:
  case TCP_STATE_LAST_ACK:
    if (syn_acked(c)) sent = send_data(c, out, probe);
    break;
  case TCP_STATE_CLOSED:
  case TCP_STATE_LISTEN:
  case TCP_STATE_SYN_SENT:
    c->ack_now = FALSE;
    return;
  default:
    break;
  }
  if (!sent && c->ack_now) tcp_emit(c, out, c->snd_nxt, TCP_FLAG_ACK);
  c->ack_now = FALSE;
  if (tcp_seq_lt(c->snd_una, c->snd_nxt) && c->rtx_at == SIM_TIME_MAX)
    tcp_timer_arm_rtx(c);
  /* Persist: data waits on a zero window and nothing is in flight. */
  if (c->snd_una == c->snd_nxt && c->snd_len > 0 && syn_acked(c) &&
      tcp_seq_lt(c->snd_nxt, c->snd_base + c->snd_len) && c->rtx_at == SIM_TIME_MAX)
    tcp_timer_arm_rtx(c);
}

void
tcp_output(TcpConn *c, GArray *out)
{
  output(c, out, FALSE);
}

void
tcp_retransmit(TcpConn *c, GArray *out)
{
  if (!syn_acked(c)) {
    tcp_emit_syn(c, out);
    return;
  }
  gboolean probe = c->snd_una == c->snd_nxt;
  c->snd_nxt = c->snd_una;            /* go back N: the receiver keeps no holes */
  c->cwnd = c->mss;
  c->rtt_timing = FALSE;
  output(c, out, probe);
}
