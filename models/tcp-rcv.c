/* The receive side of a connection: the window we advertise (with RFC
 * 7323 scaling and RFC 9293 3.8.6.2.2 silly-window avoidance), the queue
 * of out-of-order segments, and when to acknowledge (Linux's delayed-ACK
 * policy: quick ACKs, every second full segment, the ATO timer).
 *
 * Data flow: tcp-in.c hands in-window text here; tcp-out.c asks for the
 * window field and reports every ACK it sends; tcp-timer.c fires the
 * delayed ACK. */
#include "tcp.h"
#include "tcp-seq.h"
#include <string.h>

#define ATO_MIN    (40 * SIM_MS)   /* Linux TCP_ATO_MIN, TCP_DELACK_MIN */
#define DELACK_MAX (200 * SIM_MS)  /* Linux TCP_DELACK_MAX */
#define MAX_QUICKACKS 16           /* Linux TCP_MAX_QUICKACKS */

/* Linux's space for the window out of a buffer (tcp_win_from_space() at
 * the default scaling ratio, TCP_DEFAULT_SCALING_RATIO: half of the memory
 * is payload): 65536 bytes of 131072. */
static guint32
linux_full_space(const TcpConn *c)
{
  return c->profile->rcvbuf / 2;
}

/* The window of a SYN or SYN-ACK with linux_rwnd, Linux's
 * tcp_select_initial_window(): the space rounded down to a multiple of the
 * MSS (the MSS we announce, less the timestamp option in a SYN-ACK when it
 * is on: tcp_openreq_init_rwin()), at most 65535: 44 x 1460 = 64240 in a
 * SYN, 45 x 1448 = 65160 in a SYN-ACK with timestamps. */
static guint32
linux_initial_window(const TcpConn *c)
{
  guint32 space = linux_full_space(c);
  guint32 mss = c->adv_mss;
  if (c->state == TCP_STATE_SYN_RECEIVED && c->ts_ok) mss -= 12;
  if (space > mss) space -= space % mss;
  return MIN(space, 65535u);
}

void
tcp_rcv_established(TcpConn *c)
{
  /* tcp_info's clocks start with the connection (Linux's
   * tcp_finish_connect(), tcp_create_openreq_child()). */
  c->lrcvtime = c->lsndtime = c->rcv_tstamp = c->now;
  if (!c->profile->linux_rwnd) return;
  /* tcp_init_buffer_space(): window_clamp = the full space less one
   * segment (tcp_app_win's reservation), rcv_ssthresh no higher:
   * 65536 - 1460 = 64076, offered as 64128 with scale 7 (field 501). */
  guint32 full = linux_full_space(c);
  guint32 clamp = MAX(2u * c->adv_mss, full > c->adv_mss ? full - c->adv_mss : 0);
  c->rcv_ssthresh = MIN(c->rcv_ssthresh, clamp);
}

/* linux_rwnd: Linux's tcp_grow_window() for an in-order segment of len
 * bytes: rcv_ssthresh grows by max(2 * advmss, 2 * len) while there is
 * room.  Linux's room ends at window_clamp, which follows the measured
 * payload share of the buffer and receive-buffer autotuning
 * (tcp_rcv_space_adjust()); twsim has neither, and lets it grow to the
 * free buffer space. */
static void
linux_grow_window(TcpConn *c, guint32 len, guint32 free_)
{
  if (len < 128 || c->rcv_ssthresh >= free_) return;
  guint32 incr = MAX(2u * c->adv_mss, 2 * len);
  c->rcv_ssthresh += MIN(incr, free_ - c->rcv_ssthresh);
}

/* The window to offer now (tcp_rcv_window_in()) with the free space. */
static guint32
rcv_window(const TcpConn *c)
{
  return tcp_rcv_window_in(c, tcp_rcv_free(c));
}

guint16
tcp_rcv_window_field_other(TcpConn *c, gboolean syn)
{
  const TcpProfile *p = c->profile;
  guint32 field;
  if (syn && p->linux_rwnd) {
    field = linux_initial_window(c);
    c->rcv_ssthresh = field;
  } else if (syn) {
    field = MIN(rcv_window(c), 65535u);        /* RFC 7323 2.2: never scaled */
  } else {
    g_assert(!p->linux_rwnd);                  /* tcp_rcv_window_field()'s own case */
    /* Rounded down to the scale unit: the edge already promised stays
     * (rcv_adv never moves back), a new one never exceeds the buffer. */
    field = MIN(rcv_window(c) >> c->rcv_wscale, 65535u);
  }
  return tcp_rcv_window_record(c, field, syn ? field : field << c->rcv_wscale);
}

gboolean
tcp_rcv_window_update_due(const TcpConn *c)
{
  /* Linux tcp_cleanup_rbuf(): after a read, advertise at once when the
   * window now offered is at most half the buffer and reading would at
   * least double it. */
  guint32 cur = tcp_seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
  if (2 * cur > c->profile->rcvbuf) return FALSE;
  guint32 next = rcv_window(c);
  return next > cur && next >= 2 * cur;
}

/* ---- out-of-order queue ---------------------------------------------------- */

static void
slice_trim_head(NetSlice *s, guint32 n)
{
  s->off += n;
  s->len -= n;
}

void
tcp_rcv_ooo_clear(TcpConn *c)
{
  if (c->ooo == NULL) return;
  for (guint i = 0; i < c->ooo->len; i++)
    net_buf_unref(g_array_index(c->ooo, TcpOooSeg, i).data.buf);
  g_array_set_size(c->ooo, 0);
  c->ooo_bytes = 0;
}

/* Keeps `len` bytes of `seg` from `skip` on (all above RCV.NXT), and its
 * FIN when `fin`, trimming what the queue already holds. */
void
tcp_rcv_ooo_insert(TcpConn *c, const TcpSegment *seg, guint32 skip, guint32 len,
                   gboolean fin)
{
  if (c->ooo == NULL) c->ooo = g_array_new(FALSE, FALSE, sizeof(TcpOooSeg));
  TcpOooSeg n = { .seq = seg->seq + skip, .data = seg->payload, .fin = fin };
  slice_trim_head(&n.data, skip);
  n.data.len = len;
  /* Position: usually the tail (the next segment beyond the hole). */
  guint i = c->ooo->len;
  if (i > 0 && !tcp_seq_lt(g_array_index(c->ooo, TcpOooSeg, i - 1).seq, n.seq)) {
    i = 0;
    while (tcp_seq_lt(g_array_index(c->ooo, TcpOooSeg, i).seq, n.seq)) i++;
  }
  if (i > 0) {                                 /* overlap with the one before */
    TcpOooSeg *p = &g_array_index(c->ooo, TcpOooSeg, i - 1);
    guint32 pend = p->seq + p->data.len;
    /* A FIN right after the queued bytes (alone, or with bytes already
     * held) joins them: Linux's tcp_data_queue_ofo() keeps it, and
     * tcp_ofo_queue() hands it on once the hole fills. */
    if (n.fin && !p->fin && pend == n.seq + n.data.len) {
      p->fin = TRUE;
      return;
    }
    if (p->fin || tcp_seq_ge(pend, n.seq + n.data.len)) {
      tcp_sack_rcv_dup(c, n.seq, n.seq + n.data.len);   /* nothing new: RFC 2883 */
      return;
    }
    if (tcp_seq_gt(pend, n.seq)) {
      tcp_sack_rcv_dup(c, n.seq, pend);

      slice_trim_head(&n.data, pend - n.seq);
      n.seq = pend;
    }
  }
  /* Drop queued segments the new one covers; trim its tail on the next. */
  while (i < c->ooo->len) {
    TcpOooSeg *q = &g_array_index(c->ooo, TcpOooSeg, i);
    guint32 nend = n.seq + n.data.len, qend = q->seq + q->data.len;
    if (!tcp_seq_lt(q->seq, nend)) break;
    if (tcp_seq_le(qend, nend) && !(q->fin && qend == nend && !n.fin)) {
      tcp_sack_rcv_dup(c, q->seq, qend);       /* held already: RFC 2883 */
      c->ooo_bytes -= q->data.len;
      net_buf_unref(q->data.buf);
      g_array_remove_index(c->ooo, i);
      continue;
    }
    tcp_sack_rcv_dup(c, q->seq, nend);
    n.data.len = q->seq - n.seq;
    n.fin = FALSE;
    break;
  }
  if (n.data.len == 0 && !n.fin) return;
  net_buf_ref(n.data.buf);
  c->ooo_bytes += n.data.len;
  g_array_insert_val(c->ooo, i, n);
}

/* Appends `n` bytes of `s` from `skip` to the in-order buffer (within its
 * reserved length, without a library call: TCP_RCV_BUF_RESERVED). */
void
tcp_rcv_append(TcpConn *c, const NetSlice *s, guint32 skip, guint32 n)
{
  GByteArray *b = c->rcv_buf;
  guint old = b->len;
  if (G_LIKELY(n <= TCP_RCV_BUF_RESERVED && old <= TCP_RCV_BUF_RESERVED - n)) b->len = old + n;
  else g_byte_array_set_size(b, old + n);
  if (s->buf) memcpy(b->data + old, s->buf->data + s->off + skip, n);
  else memset(b->data + old, 0, n);
  c->rcv_nxt += n;
}

/* Moves what the queue holds at RCV.NXT into the buffer.  TRUE when the
 * peer's FIN is now in sequence. */
gboolean
tcp_rcv_ooo_deliver(TcpConn *c)
{
  gboolean fin = FALSE;
  guint done = 0;
  while (c->ooo && done < c->ooo->len && !fin) {
    TcpOooSeg *q = &g_array_index(c->ooo, TcpOooSeg, done);
    if (tcp_seq_gt(q->seq, c->rcv_nxt)) break;
    guint32 end = q->seq + q->data.len;
    if (tcp_seq_gt(end, c->rcv_nxt))
      tcp_rcv_append(c, &q->data, c->rcv_nxt - q->seq, end - c->rcv_nxt);
    fin = q->fin && end == c->rcv_nxt;
    c->ooo_bytes -= q->data.len;
    net_buf_unref(q->data.buf);
    done++;
  }
  if (done) g_array_remove_range(c->ooo, 0, done);
  return fin;
}

/* ---- ACK policy ------------------------------------------------------------- */

static void
enter_quickack(TcpConn *c)
{
  /* Linux tcp_incr_quickack(): rcv_wnd / (2 * rcv_mss) quick ACKs, at
   * least 2, at most 16. */
  guint32 q = rcv_window(c) / (2 * MAX(c->rcv_mss, 1u));
  q = CLAMP(q, 2u, (guint32)MAX_QUICKACKS);
  c->quick = MAX(c->quick, (int)q);
}

/* Linux tcp_event_data_recv(): the first data starts quick ACKs and the
 * ATO at 40 ms; later arrivals track the inter-arrival time. */
static void
ato_update(TcpConn *c)
{
  if (c->ato == 0) {
    enter_quickack(c);
    c->ato = ATO_MIN;
  } else {
    SimTime m = c->now - c->lrcvtime;
    if (m <= ATO_MIN / 2) {
      c->ato = c->ato / 2 + ATO_MIN / 2;
    } else if (m < c->ato) {
      c->ato = MIN(c->ato / 2 + m, c->rto);
    } else if (m > c->rto) {
      enter_quickack(c);                       /* the sender stalled */
    }
  }
  c->lrcvtime = c->now;
}

/* Linux tcp_send_delayed_ack(): the timer runs for the ATO, capped at
 * 200 ms and at the smoothed RTT (never below 40 ms); an earlier deadline
 * already set stands. */
static void
delack_schedule(TcpConn *c)
{
  SimTime ato = c->ato;
  if (ato > ATO_MIN) {
    SimTime max_ato = DELACK_MAX;
    if (c->rtt_valid) max_ato = MIN(max_ato, MAX(c->srtt, ATO_MIN));
    ato = MIN(ato, max_ato);
  }
  SimTime at = c->now + ato;
  if (c->ack_at != SIM_TIME_MAX && c->ack_at <= c->now + ato / 4) {
    c->ack_now = TRUE;
    return;
  }
  c->ack_at = MIN(c->ack_at, at);
}

void
tcp_rcv_data_arrived(TcpConn *c, guint32 len, gboolean hole, gboolean fin)
{
  c->rcv_mss = MAX(c->rcv_mss, MIN(len, (guint32)c->mss + 12));
  ato_update(c);
  if (c->profile->linux_rwnd) linux_grow_window(c, len, tcp_rcv_free(c));
  if (!c->profile->delayed_ack || hole) {
    c->ack_now = TRUE;                         /* RFC 5681 4.2: a gap filled */
    return;
  }
  /* A FIN with the data, in ESTABLISHED: tcp_fin() enters pingpong mode
   * before the ACK is decided, so quick ACKs no longer apply. */
  if (fin) c->pingpong = TRUE;
  /* Linux __tcp_ack_snd_check(): at once after more than one full
   * segment, in quick-ACK mode, or while segments wait out of order. */
  if (c->rcv_nxt - c->rcv_wup > c->rcv_mss || (c->quick > 0 && !c->pingpong) ||
      (c->ooo && c->ooo->len > 0)) {
    c->ack_now = TRUE;
    return;
  }
  delack_schedule(c);
}

void
tcp_rcv_fin_arrived(TcpConn *c)
{
  /* Linux tcp_fin() in ESTABLISHED schedules the ACK and enters pingpong
   * mode (the application usually closes at once, and its FIN carries
   * the ACK); __tcp_ack_snd_check() then sends it at once only after
   * more than one full segment unacknowledged; otherwise the delayed-ACK
   * timer runs for the ATO, which is still 0 before any data came: the
   * timer fires at once (close-remote-fin-then-close.pkt sees the ACK at
   * +0 on Linux 6.18). */
  if (!c->profile->delayed_ack || c->ato == 0 ||
      c->rcv_nxt - c->rcv_wup > c->rcv_mss) {
    c->ack_now = TRUE;
    return;
  }
  c->pingpong = TRUE;
  delack_schedule(c);
}

void
tcp_rcv_out_of_order(TcpConn *c)
{
  /* Linux tcp_data_queue(): out of order -> quick-ACK mode, a duplicate
   * ACK at once (RFC 5681 4.2). */
  enter_quickack(c);
  c->pingpong = FALSE;
  c->ack_now = TRUE;
}

void
tcp_rcv_delack_timer(TcpConn *c)
{
  /* Linux tcp_delack_timer_handler(): a missed delayed ACK inflates the
   * ATO, or ends pingpong mode. */
  c->ack_at = SIM_TIME_MAX;
  if (!c->pingpong) {
    c->ato = MIN(c->ato * 2, c->rto);
  } else {
    c->pingpong = FALSE;
    c->ato = ATO_MIN;
  }
  c->ack_now = TRUE;
}
