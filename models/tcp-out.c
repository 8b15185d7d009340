/* Segment emission: SYNs, data, FIN, ACKs and RSTs from one connection;
 * Nagle's algorithm and sender-side silly-window avoidance; retransmission
 * after a timeout (from SND.UNA) and fast retransmit (one segment).
 *
 * Data flow: the endpoint's input, timer and user calls -> tcp_output() ->
 * TcpSegments appended to the caller's queue -> tcp-stack.c wraps them in
 * Packets for the host. */
#include "tcp.h"
#include "tcp-seq.h"
#include <string.h>

GArray *
tcp_out_queue_new(void)
{
  return g_array_sized_new(FALSE, FALSE, sizeof(TcpSegment), TCP_OUT_RESERVED);
}

/* One segment of the connection.  With `fields`, the window, the
 * timestamp option and SACK blocks, as every segment carries but a RST
 * answering a segment (RFC 9293 3.10.7.1, Linux's tcp_v4_send_reset():
 * window 0, no option). */
/* The segment's ports, numbers and flags, in the last slot of the queue
 * (the caller grew it). */
static inline TcpSegment *
segment_head(TcpConn *c, GArray *out, guint32 seq, guint8 flags)
{
  /* Built in its slot of the queue: no copy of the segment (the array has
   * no clear function, so growing it writes nothing). */
  TcpSegment *seg = &g_array_index(out, TcpSegment, out->len - 1);
  *seg = (TcpSegment){ .sport = c->tuple.lport, .dport = c->tuple.rport, .seq = seq,
                       .flags = flags };
  if (flags & TCP_FLAG_ACK) seg->ack = c->rcv_nxt;
  return seg;
}

/* The timestamp option, once negotiated (RFC 7323 3). */
static inline void
segment_ts(const TcpConn *c, TcpSegment *seg)
{
  if (c->ts_ok) {
    seg->opts |= TCP_OPT_TS;
    seg->ts_val = tcp_ts_now(c);
    seg->ts_ecr = c->ts_recent;
  }
}

static TcpSegment *
emit_segment(TcpConn *c, GArray *out, guint32 seq, guint8 flags, gboolean fields)
{
  tcp_array_grow1(out, TCP_OUT_RESERVED);
  TcpSegment *seg = segment_head(c, out, seq, flags);
  if (fields) {
    seg->win = tcp_rcv_window_field(c, (flags & TCP_FLAG_SYN) != 0);
    segment_ts(c, seg);
    /* SACK blocks only when there are some to report (most ACKs). */
    if ((flags & TCP_FLAG_ACK) && !(flags & TCP_FLAG_SYN) && (c->n_rcv_sack || c->dsack_due))
      tcp_sack_fill(c, seg);
    if (flags & TCP_FLAG_ACK) tcp_rcv_ack_sent(c);
  }
  return seg;
}

static TcpSegment *
emit_header(TcpConn *c, GArray *out, guint32 seq, guint8 flags)
{
  return emit_segment(c, out, seq, flags, !(flags & TCP_FLAG_RST));
}

static void
count_sent(TcpConn *c, TcpSegment *seg, guint32 seq, guint32 len)
{
  if (len == 0) return;
  if (tcp_seq_lt(seq, c->snd_max)) {
    c->env->stats->retransmits++;
    seg->why = TCP_WHY_RETRANSMIT;
  }
  if (tcp_seq_gt(seq + len, c->snd_max)) c->snd_max = seq + len;
  if (!(seg->flags & TCP_FLAG_SYN) && tcp_rack_on(c)) tcp_rack_sent(c, seq, seq + len);
}

/* tcp_emit() past its shortcut: out of line, so that the shortcut saves
 * no registers. */
static G_GNUC_NO_INLINE void
emit_any(TcpConn *c, GArray *out, guint32 seq, guint8 flags)
{
  TcpSegment *seg = emit_header(c, out, seq, flags);
  count_sent(c, seg, seq, !!(flags & TCP_FLAG_FIN));
}

void
tcp_emit(TcpConn *c, GArray *out, guint32 seq, guint8 flags)
{
  /* A bare ACK (an owed or delayed one, the ACK of a FIN: most segments
   * tcp_emit() sends) of a linux profile, with no SACK block to report
   * and room in the queue, is built without a call: the window inline
   * (computed first, so that no store to the segment makes GCC read the
   * profile again), nothing for count_sent() (no sequence space). */
  if (flags == TCP_FLAG_ACK && c->profile->linux_rwnd && !c->n_rcv_sack &&
      !c->dsack_due && out->len < TCP_OUT_RESERVED) {
    guint16 win = tcp_rcv_window_field(c, FALSE);
    out->len++;
    TcpSegment *seg = segment_head(c, out, seq, flags);
    seg->win = win;
    segment_ts(c, seg);
    tcp_rcv_ack_sent(c);
    return;
  }
  emit_any(c, out, seq, flags);
}

void
tcp_emit_reset(TcpConn *c, GArray *out)
{
  /* Linux builds an abort's RST like any segment of the connection
   * (tcp_send_active_reset() -> tcp_transmit_skb() ->
   * tcp_established_options()): the window and, once negotiated, the
   * timestamp option (and SACK blocks). */
  gboolean fields = c->profile->reset_options;
  emit_segment(c, out, c->snd_nxt, TCP_FLAG_RST | TCP_FLAG_ACK, fields);
}

void
tcp_emit_syn(TcpConn *c, GArray *out)
{
  guint8 flags = TCP_FLAG_SYN;
  if (c->state == TCP_STATE_SYN_RECEIVED) flags |= TCP_FLAG_ACK;
  TcpSegment *seg = emit_header(c, out, c->iss, flags);
  seg->opts |= TCP_OPT_MSS;
  seg->mss = c->adv_mss;
  if (c->state == TCP_STATE_SYN_SENT && c->profile->timestamps) {
    seg->opts |= TCP_OPT_TS;
    seg->ts_val = tcp_ts_now(c);
    seg->ts_ecr = 0;
  }
  /* RFC 2018 2: offered in a SYN; in a SYN-ACK only if the SYN had it. */
  if (c->profile->sack && (c->state == TCP_STATE_SYN_SENT || c->sack_ok))
    seg->opts |= TCP_OPT_SACK_PERM;
  /* RFC 7323 2.2: offered in a SYN; in a SYN-ACK only if the SYN had it. */
  if (c->profile->window_scaling &&
      (c->state == TCP_STATE_SYN_SENT || c->ws_ok)) {
    seg->opts |= TCP_OPT_WSCALE;
    seg->wscale = (guint8)c->profile->wscale;
  }
  count_sent(c, seg, c->iss, 1);
  /* A simultaneous open's first SYN-ACK repeats the SYN's sequence number
   * but answers the peer's SYN: it is no retransmission to a reader. */
  if (c->retries == 0 && c->state == TCP_STATE_SYN_RECEIVED && !c->passive)
    seg->why = TCP_WHY_NORMAL;
  c->snd_nxt = c->iss + 1;
}

/* Points seg's payload at [seq, seq + len) of the send buffer: a shared
 * slice when one write holds it all, else a new buffer gathering the
 * pieces (Nagle's coalescing of small writes), or virtual bytes. */
static void
fill_payload(TcpConn *c, TcpSegment *seg, guint32 seq, guint32 len)
{
  guint32 off = seq - c->snd_base;
  guint i = 0;
  const NetSlice *s = &g_array_index(c->snd_buf, NetSlice, 0);
  while (off >= s->len) {
    off -= s->len;
    s = &g_array_index(c->snd_buf, NetSlice, ++i);
  }
  seg->payload.len = len;
  if (len <= s->len - off) {
    seg->payload.buf = net_buf_ref(s->buf);
    seg->payload.off = s->off + off;
    return;
  }
  gboolean real = FALSE;
  for (guint j = i, got = 0; got < len; j++) {
    const NetSlice *p = &g_array_index(c->snd_buf, NetSlice, j);
    real = real || p->buf != NULL;
    got += p->len - (j == i ? off : 0);
  }
  if (!real) return;                          /* all virtual: no buffer */
  NetBuf *b = g_malloc(sizeof(NetBuf) + len);
  b->refs = 1;
  b->len = len;
  for (guint32 got = 0; got < len; i++, off = 0) {
    const NetSlice *p = &g_array_index(c->snd_buf, NetSlice, i);
    guint32 n = MIN(p->len - off, len - got);
    if (p->buf) memcpy(b->data + got, p->buf->data + p->off + off, n);
    else memset(b->data + got, 0, n);
    got += n;
  }
  seg->payload.buf = b;
  seg->payload.off = 0;
}

/* One data segment of `len` bytes at `seq` from the send buffer, with the
 * FIN when `fin`.  PSH goes on the segment that holds the push mark's
 * byte (Linux's tcp_push() marks the last byte of a write without
 * MSG_MORE, see mark_push() in tcp.c), and with `push` (a probe's data,
 * tcp_write_wakeup()). */
static void
emit_data(TcpConn *c, GArray *out, guint32 seq, guint32 len, gboolean fin, gboolean push)
{
  gboolean marked = c->psh_marked && tcp_seq_lt(seq, c->psh_seq) &&
                    !tcp_seq_lt(seq + len, c->psh_seq);
  guint8 flags = TCP_FLAG_ACK | (len && (marked || push) ? TCP_FLAG_PSH : 0) |
                 (fin ? TCP_FLAG_FIN : 0);
  TcpSegment *seg = emit_header(c, out, seq, flags);
  if (len) fill_payload(c, seg, seq, len);
  if (!c->rtt_timing && !tcp_seq_lt(seq, c->snd_max) && len) {
    c->rtt_timing = TRUE;          /* Karn: only never-retransmitted data */
    c->rtt_seq = seq + len;
    c->rtt_start = c->now;
  }
  if (len && len < c->mss) c->snd_sml = seq + len;
  if (len) tcp_rcv_data_sent(c);
  count_sent(c, seg, seq, len + fin);
}

static gboolean
syn_acked(const TcpConn *c)
{
  return tcp_seq_gt(c->snd_una, c->iss);
}

/* Does TCP_CORK or this write's MSG_MORE hold a partial segment now
 * (Linux's TCP_NAGLE_CORK, lifted by a one-shot TCP_NAGLE_PUSH)? */
static gboolean
corked(const TcpConn *c)
{
  return (c->cork || c->more) && !c->push_once;
}

/* May a segment shorter than the MSS go now?  Nagle (RFC 9293 3.7.4) as
 * Linux applies it (tcp_nagle_check with Minshall's variant): hold it
 * while an earlier small segment is unacknowledged; corked, hold it
 * always (tcp_nagle_test()).  Cut short by the window rather than by the
 * end of the data, it also needs half the largest window the peer
 * offered (RFC 9293 3.8.6.2.1). */
static gboolean
small_ok(const TcpConn *c, guint32 len, gboolean to_end)
{
  gboolean nagle = c->profile->nagle && !c->nodelay && !c->push_once;
  gboolean held = nagle && c->snd_nxt != c->snd_una &&
                  tcp_seq_gt(c->snd_sml, c->snd_una);
  if (c->fin_queued && to_end) return TRUE;   /* a FIN is never held */
  if (held || corked(c)) return FALSE;
  return to_end || len >= c->snd_wnd_max / 2;
}

/* Whether the host's device refuses the segment about to go (Linux's
 * NET_XMIT_DROP from a qdisc): then it is not sent, and the timers retry
 * it (tcp-timer.c).  Kept in local_drop; asked only when there is
 * something to send, so a pure ACK costs nothing. */
static gboolean
tx_refused(TcpConn *c)
{
  const gboolean *refused = c->env->tx_refused;
  c->local_drop = refused && *refused;
  return c->local_drop;
}

/* Linux's tcp_write_xmit() ends rwnd-limited when the congestion window
 * would let the next segment go but the peer's window does not. */
static void
chrono_rwnd(TcpConn *c)
{
  guint32 end = c->snd_base + c->snd_len;
  if (!tcp_seq_lt(c->snd_nxt, end)) {
    /* All sent: not rwnd-limited (ack_advance() ends the busy time). */
    if (c->chrono_type == TCP_CHRONO_RWND_LIMITED) tcp_chrono_stop(c, TCP_CHRONO_RWND_LIMITED);
    return;
  }
  guint32 len = MIN((guint32)c->mss, end - c->snd_nxt);
  if (c->snd_nxt - c->snd_una < c->cwnd && tcp_seq_gt(c->snd_nxt + len, c->snd_una + c->snd_wnd))
    tcp_chrono_start(c, TCP_CHRONO_RWND_LIMITED);
  else if (c->chrono_type == TCP_CHRONO_RWND_LIMITED)
    tcp_chrono_stop(c, TCP_CHRONO_RWND_LIMITED);
}

static gboolean
send_data(TcpConn *c, GArray *out, gboolean probe)
{
  gboolean sent = FALSE;
  guint32 end = c->snd_base + c->snd_len;
  guint32 wnd = MIN(c->snd_wnd, c->cwnd);
  if (probe && c->snd_wnd == 0 && tcp_seq_lt(c->snd_nxt, end)) {
    /* Zero-window probe (RFC 9293 3.8.6.1), as Linux's
     * tcp_xmit_probe_skb(): an old sequence number, no data; the reply
     * carries the window. */
    if (tx_refused(c)) return FALSE;
    tcp_emit(c, out, c->snd_una - 1, TCP_FLAG_ACK);
    g_array_index(out, TcpSegment, out->len - 1).why = TCP_WHY_WINDOW_PROBE;
    c->env->stats->window_probes++;
    return TRUE;
  }
  guint32 edge = c->snd_una + wnd;
  /* Open (nearly always): RACK leaves the edge to the windows. */
  if (tcp_rack_on(c) && c->rack.ca_state != TCP_CA_OPEN) tcp_rack_send_edge(c, &edge);
  if (c->in_recovery && c->sack_ok) {
    /* RFC 6675 5 (C): in recovery, new data only while cwnd - pipe
     * leaves a full segment, within the peer's window. */
    guint32 pipe = tcp_sack_pipe(c);
    guint32 room = c->cwnd > pipe && c->cwnd - pipe >= c->mss ? c->cwnd - pipe : 0;
    edge = c->snd_nxt + room;
    if (tcp_seq_gt(edge, c->snd_una + c->snd_wnd)) edge = c->snd_una + c->snd_wnd;
  }
  guint burst = 0, last = 0;       /* data segments sent here; the last one */
  gboolean cork_held = FALSE;      /* the burst ended on data the cork holds */
  while (tcp_seq_lt(c->snd_nxt, end) && tcp_seq_lt(c->snd_nxt, edge)) {
    guint32 len = MIN((guint32)c->mss, end - c->snd_nxt);
    len = MIN(len, edge - c->snd_nxt);
    if (c->scoreboard && c->scoreboard->len && tcp_seq_lt(c->snd_nxt, c->snd_max)) {
      /* Resending after a timeout: what the peer SACKed is not sent
       * again (Linux's tcp_timeout_mark_lost() keeps the SACK marks). */
      guint32 next = tcp_sack_skip(c, c->snd_nxt, &len);
      if (next != c->snd_nxt) {
        c->snd_nxt = next;
        continue;
      }
    }
    gboolean to_end = c->snd_nxt + len == end;
    if (len < c->mss && !probe && !small_ok(c, len, to_end)) {
      cork_held = to_end && corked(c);
      break;
    }
    gboolean fin = c->fin_queued && to_end;
    if (tx_refused(c)) break;
    emit_data(c, out, c->snd_nxt, len, fin, probe);
    c->snd_nxt += len + fin;
    sent = TRUE;
    burst++;
    last = out->len - 1;
    if (fin) return TRUE;
    /* The probe timer sends one segment, with PSH, whatever Nagle or the
     * cork hold (Linux's tcp_write_wakeup(), which also moves pushed_seq);
     * the ACK brings the rest. */
    if (probe) {
      if (!c->psh_marked || !tcp_seq_gt(c->psh_seq, c->snd_nxt)) {
        c->psh_marked = TRUE;              /* a retransmission keeps it */
        c->psh_seq = c->snd_nxt;
      }
      if (tcp_seq_gt(c->snd_nxt, c->pushed_seq)) c->pushed_seq = c->snd_nxt;
      return TRUE;
    }
  }
  /* Linux hands a burst to the device as one TSO packet; in 6.x one of
   * two segments or more cut from a write carries PSH, a lone segment
   * does not (packetdrill against 6.18: mss-setsockopt-tcp_maxseg-*,
   * slow-start-fq-ack-per-2pkt; prr-ss-ack-below-snd_una-cubic).  Cut
   * into segments on the wire, PSH rides on the last one.  A burst that
   * empties the buffer has it already; one that stops where TCP_CORK or
   * MSG_MORE holds the rest has none (packetdrill against 6.18:
   * nagle/sendmsg_msg_more). */
  if (burst >= 2 && !cork_held && c->profile->burst_push)
    g_array_index(out, TcpSegment, last).flags |= TCP_FLAG_PSH;
  if (c->fin_queued && c->snd_nxt == end && !tx_refused(c)) {
    emit_data(c, out, end, 0, TRUE, FALSE);
    c->snd_nxt = end + 1;
    sent = TRUE;
  }
  return sent;
}

/* Whether send_data() has nothing to do but a probe: all data sent, and
 * the FIN too if queued.  Most outputs (after an ACK, a read) end here. */
static gboolean
all_sent(const TcpConn *c)
{
  guint32 end = c->snd_base + c->snd_len;
  return !tcp_seq_lt(c->snd_nxt, end) && !(c->fin_queued && c->snd_nxt == end);
}

static void
output(TcpConn *c, GArray *out, gboolean probe)
{
  gboolean sent = FALSE;
  guint32 max0 = c->snd_max;
  switch (c->state) {
  case TCP_STATE_ESTABLISHED:
  case TCP_STATE_CLOSE_WAIT:
  case TCP_STATE_FIN_WAIT_1:
  case TCP_STATE_CLOSING:
  case TCP_STATE_LAST_ACK:
    if (syn_acked(c) && (probe || !all_sent(c))) sent = send_data(c, out, probe);
    if (syn_acked(c) && !probe) chrono_rwnd(c);
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
  /* Persist (RFC 9293 3.8.6.1): data waits on the window and nothing is
   * in flight: the timer sends a probe, backed off like the RTO. */
  if (c->snd_una == c->snd_nxt && c->snd_len > 0 && syn_acked(c) &&
      tcp_seq_lt(c->snd_nxt, c->snd_base + c->snd_len) && c->rtx_at == SIM_TIME_MAX)
    tcp_timer_arm_rtx(c);
  /* New data out: Linux arms the tail loss probe (tcp_write_xmit()). */
  if (c->snd_max != max0 && tcp_rack_on(c)) tcp_rack_new_data_sent(c);
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
  c->snd_nxt = c->snd_una;
  c->rtt_timing = FALSE;
  output(c, out, probe);
}

void
tcp_retransmit_at(TcpConn *c, GArray *out, guint32 seq, guint32 max)
{
  guint32 end = c->snd_base + c->snd_len;
  guint32 len = tcp_seq_lt(seq, end) ? MIN(max, end - seq) : 0;
  gboolean fin = c->fin_queued && seq + len == end && tcp_seq_gt(c->snd_max, end);
  if (len == 0 && !fin) return;
  if (tx_refused(c)) return;
  c->rtt_timing = FALSE;                     /* Karn */
  emit_data(c, out, seq, len, fin, FALSE);
  g_array_index(out, TcpSegment, out->len - 1).why = TCP_WHY_FAST_RETRANSMIT;
}

void
tcp_retransmit_head(TcpConn *c, GArray *out)
{
  guint32 len = c->mss;
  tcp_sack_skip(c, c->snd_una, &len);       /* not into what the peer SACKed */
  tcp_retransmit_at(c, out, c->snd_una, len);
}
