/* TCP data transfer: byte-exact delivery over lossy, duplicating and
 * reordering paths; the congestion window in slow start, after a fast
 * retransmit and after a timeout; NewReno's partial ACKs; zero-window
 * probes; the delayed-ACK timings; Nagle; window scaling; PAWS; the RTT
 * estimate from timestamps.
 *
 * Two stacks back to back (tests/tcp-harness.h, net mode) for whole
 * transfers, whose segments the wire log records with their times; or one
 * stack whose peer the test plays (raw mode) for exact ACK timings. */
#include "tcp-harness.h"
#include "tcp.h"
#include <string.h>

#define MS SIM_MS
#define A_ 0
#define B_ 1

/* ---- a bulk transfer from A to B ------------------------------------------ */

typedef struct {
  TestNet    *net;
  TcpSocket  *ls, *rx, *tx;
  guint8     *data;             /* what A sends: real, pseudo-random bytes */
  gsize       total, sent, got;
  GChecksum  *sum_rx;           /* SHA-256 of what B read */
  gboolean    reading;          /* B reads when woken */
  gboolean    eof;              /* B read EOF */
  gboolean    shut;             /* A shut down its write side */
} Xfer;

static void
rx_wake(gpointer ud)
{
  Xfer *x = ud;
  while (x->reading && !x->eof) {
    GBytes *b = NULL;
    gssize n = tcp_socket_recv(x->rx, 1 << 20, &b);
    if (n > 0) {
      gsize len;
      const guint8 *d = g_bytes_get_data(b, &len);
      g_checksum_update(x->sum_rx, d, (gssize)len);
      x->got += len;
    }
    if (b) g_bytes_unref(b);
    if (n == 0) x->eof = TRUE;
    if (n <= 0) return;
  }
}

static void
tx_wake(gpointer ud)
{
  Xfer *x = ud;
  if (tcp_socket_state(x->tx) != TCP_STATE_ESTABLISHED) return;
  while (x->sent < x->total) {
    gssize n = tcp_socket_send(x->tx, x->data + x->sent, x->total - x->sent);
    if (n <= 0) return;
    x->sent += (gsize)n;
  }
  if (!x->shut) {
    x->shut = TRUE;
    tcp_socket_shutdown(x->tx, 2);
  }
}

static void
ls_wake(gpointer ud)
{
  Xfer *x = ud;
  int err;
  TcpSocket *s = tcp_socket_accept(x->ls, &err);
  if (s == NULL) return;
  x->rx = s;
  tcp_socket_set_waiter(s, rx_wake, x);
  rx_wake(x);
}

/* A connects to B:80 and sends `total` bytes; B reads them all. */
static void
xfer_start(Xfer *x, TestNet *net, gsize total)
{
  memset(x, 0, sizeof *x);
  x->net = net;
  x->total = total;
  x->data = g_malloc(total);
  SimRng rng;
  sim_rng_init_stream(&rng, 42, "payload");
  for (gsize i = 0; i < total; i++) x->data[i] = (guint8)sim_rng_next(&rng);
  x->sum_rx = g_checksum_new(G_CHECKSUM_SHA256);
  x->reading = TRUE;
  x->ls = tcp_socket_new(net->host[B_].stack);
  g_assert_cmpint(tcp_socket_bind(x->ls, 0, 80), ==, TCP_OK);
  g_assert_cmpint(tcp_socket_listen(x->ls, 4), ==, TCP_OK);
  tcp_socket_set_waiter(x->ls, ls_wake, x);
  x->tx = tcp_socket_new(net->host[A_].stack);
  tcp_socket_set_waiter(x->tx, tx_wake, x);
  g_assert_cmpint(tcp_socket_connect(x->tx, TEST_ADDR_B, 80), ==, TCP_EINPROGRESS);
}

/* B received exactly what A sent: same length, same SHA-256. */
static void
xfer_check(Xfer *x)
{
  g_assert_cmpuint(x->got, ==, x->total);
  g_assert_true(x->eof);
  g_autofree char *want = g_compute_checksum_for_data(G_CHECKSUM_SHA256, x->data, x->total);
  g_assert_cmpstr(g_checksum_get_string(x->sum_rx), ==, want);
}

static void
xfer_free(Xfer *x)
{
  g_checksum_free(x->sum_rx);
  g_free(x->data);
}

static const TcpConn *
conn_of(TcpSocket *s)
{
  const TcpConn *c = tcp_socket_conn(s);
  g_assert_nonnull(c);
  return c;
}

static const TcpStats *
stats(TestNet *net, int i)
{
  return tcp_stack_stats(net->host[i].stack);
}

/* Data segments A sent in [from, to). */
static guint
data_segs_between(TestNet *net, SimTime from, SimTime to)
{
  guint n = 0;
  for (guint i = 0; i < net->wire->len; i++) {
    TestWire *w = &g_array_index(net->wire, TestWire, i);
    if (w->from == A_ && w->len > 0 && w->time >= from && w->time < to) n++;
  }
  return n;
}

static SimTime
first_data_time(TestNet *net)
{
  for (guint i = 0; i < net->wire->len; i++) {
    TestWire *w = &g_array_index(net->wire, TestWire, i);
    if (w->from == A_ && w->len > 0) return w->time;
  }
  g_assert_not_reached();
}

/* ---- byte-exact delivery ---------------------------------------------------- */

typedef struct {
  SimRng rng;
  double p;
} RandomLoss;

static gboolean
drop_random(TestNet *net, int from, const Packet *pkt, gpointer ud)
{
  RandomLoss *l = ud;
  return sim_rng_chance(&l->rng, l->p);
}

static void
test_bulk_chaos(void)
{
  /* 4 MiB of real bytes over 10 ms each way that loses 1% of the segments
   * both ways, duplicates 2% and adds 0-4 ms of jitter (so it reorders):
   * what B reads has the SHA-256 of what A wrote.  Most losses are
   * repaired by fast retransmit, not by the timer. */
  TestNet *net = test_net_new(FALSE, 10 * MS);
  RandomLoss loss = { .p = 0.01 };
  SimRng chaos;
  sim_rng_init_stream(&loss.rng, 5, "loss");
  sim_rng_init_stream(&chaos, 5, "chaos");
  net->drop = drop_random;
  net->drop_ud = &loss;
  net->chaos = &chaos;
  net->jitter = 4 * MS;
  net->dup = 0.02;
  Xfer x;
  xfer_start(&x, net, 4 << 20);
  test_net_run_until(net, 600 * SIM_S);
  xfer_check(&x);
  const TcpStats *st = stats(net, A_);
  g_test_message("4 MiB: %" G_GUINT64_FORMAT " retransmits, %" G_GUINT64_FORMAT
                 " fast retransmits, %" G_GUINT64_FORMAT " timeouts",
                 st->retransmits, st->fast_retransmits, st->timeouts);
  g_assert_cmpuint(st->fast_retransmits, >, 10);
  g_assert_cmpuint(st->fast_retransmits, >, st->timeouts);
  xfer_free(&x);
  test_net_free(net);
}

static void
test_bulk_heavy_loss(void)
{
  /* 10% loss both ways, 1 MiB: still byte-exact (timeouts do most of the
   * work here). */
  TestNet *net = test_net_new(FALSE, 5 * MS);
  RandomLoss loss = { .p = 0.10 };
  sim_rng_init_stream(&loss.rng, 11, "loss");
  net->drop = drop_random;
  net->drop_ud = &loss;
  Xfer x;
  xfer_start(&x, net, 1 << 20);
  test_net_run_until(net, 3000 * SIM_S);
  xfer_check(&x);
  g_assert_cmpuint(stats(net, A_)->timeouts, >, 0);
  xfer_free(&x);
  test_net_free(net);
}

/* ---- congestion window -------------------------------------------------------- */

static void
test_slow_start(void)
{
  /* RTT 50 ms, no loss: 10, 20, 40, 80 segments in the first four round
   * trips (IW 10, RFC 6928; +1 segment per segment acked), cwnd doubling. */
  TestNet *net = test_net_new(FALSE, 25 * MS);
  Xfer x;
  xfer_start(&x, net, 2 << 20);
  test_net_run_until(net, 51 * MS);
  const TcpConn *c = conn_of(x.tx);
  g_assert_cmpuint(c->cwnd, ==, 10u * c->mss);
  g_assert_cmpuint(c->mss, ==, 1448);              /* 1460 less the timestamps */
  SimTime t0 = first_data_time(net);
  guint want = 10;
  for (int k = 0; k < 4; k++, want *= 2) {
    SimTime at = t0 + k * 50 * MS;
    g_assert_cmpuint(data_segs_between(net, at, at + 50 * MS), ==, want);
    test_net_run_until(net, at + 50 * MS + 1);
    g_assert_cmpuint(conn_of(x.tx)->cwnd, ==, 2 * want * c->mss);
  }
  test_net_run_until(net, 60 * SIM_S);
  xfer_check(&x);
  g_assert_cmpuint(stats(net, A_)->retransmits, ==, 0);
  xfer_free(&x);
  test_net_free(net);
}

typedef struct {
  Xfer    *x;
  guint32  drop_off[2];         /* data offsets whose first copy is lost */
  int      n_drop;
  guint32  isn;
  gboolean dropped[2];
  SimTime  lost_at;
  guint32  flight_seen;         /* highest byte sent when the loss is repaired */
  SimTime  rtx_at;
} Dropper;

static gboolean
drop_chosen(TestNet *net, int from, const Packet *pkt, gpointer ud)
{
  Dropper *d = ud;
  if (from != A_) return FALSE;
  if (pkt->tcp.flags & TCP_FLAG_SYN) {
    d->isn = pkt->tcp.seq;
    return FALSE;
  }
  guint32 off = pkt->tcp.seq - d->isn - 1;
  for (int i = 0; i < d->n_drop; i++) {
    if (off != d->drop_off[i] || pkt->tcp.payload.len == 0) continue;
    if (!d->dropped[i]) {
      d->dropped[i] = TRUE;
      if (i == 0) d->lost_at = sim_engine_now(net->engine);
      return TRUE;
    }
    if (i == 0 && d->rtx_at == 0) {
      d->rtx_at = sim_engine_now(net->engine);
      d->flight_seen = conn_of(d->x->tx)->snd_max - pkt->tcp.seq;
    }
  }
  return FALSE;
}

static void
test_fast_retransmit(void)
{
  /* One segment lost in slow start (RTT 50 ms): three duplicate ACKs
   * bring its retransmission about one RTT after it was first sent -- no
   * timeout; ssthresh = FlightSize / 2 (RFC 5681 eq. 4), cwnd = ssthresh
   * after recovery, then one segment more per RTT. */
  TestNet *net = test_net_new(FALSE, 25 * MS);
  Xfer x;
  Dropper d = { .x = &x, .n_drop = 1, .drop_off = { 50 * 1448 } };
  net->drop = drop_chosen;
  net->drop_ud = &d;
  xfer_start(&x, net, 4 << 20);
  for (SimTime t = 0; d.rtx_at == 0 && t < SIM_S; t += MS) test_net_run_until(net, t);
  g_assert_cmpint(d.rtx_at, >, 0);
  g_assert_cmpint(conn_of(x.tx)->rack.ca_state, ==, TCP_CA_RECOVERY);   /* linux: tcp-rack.c */
  /* One RTT later the retransmission's ACK covers `recover`: recovery
   * ends with cwnd = ssthresh = FlightSize / 2. */
  test_net_run_until(net, d.rtx_at + 50 * MS + 1);
  g_assert_cmpint(conn_of(x.tx)->rack.ca_state, ==, TCP_CA_OPEN);
  g_assert_cmpuint(conn_of(x.tx)->ssthresh, ==, d.flight_seen / 2);
  g_assert_cmpuint(conn_of(x.tx)->cwnd, >=, conn_of(x.tx)->ssthresh);
  g_assert_cmpuint(conn_of(x.tx)->cwnd, <=, conn_of(x.tx)->ssthresh + 1448);
  test_net_run_until(net, 2 * SIM_S);
  g_assert_true(d.dropped[0]);
  g_assert_cmpint(d.rtx_at, >, 0);
  /* RACK (linux): resent once the segments after it are SACKed and it
   * has waited RACK.rtt + min_rtt / 4 + 2 ms (the reordering timer,
   * RFC 8985 6.3) -- still no timeout. */
  g_assert_cmpint(d.rtx_at - d.lost_at, <=, 50 * MS + 50 * MS / 4 + 2 * MS);
  const TcpStats *st = stats(net, A_);
  g_assert_cmpuint(st->fast_retransmits, ==, 1);
  g_assert_cmpuint(st->timeouts, ==, 0);
  g_assert_cmpuint(st->retransmits, ==, 1);
  const TcpConn *c = conn_of(x.tx);
  g_assert_cmpint(c->rack.ca_state, ==, TCP_CA_OPEN);
  g_assert_cmpuint(c->ssthresh, ==, d.flight_seen / 2);
  /* Congestion avoidance: about one MSS per RTT from here. */
  guint32 w0 = c->cwnd;
  SimTime t = sim_engine_now(net->engine);
  test_net_run_until(net, t + 8 * 50 * MS);
  guint32 grown = conn_of(x.tx)->cwnd - w0;
  g_test_message("ssthresh %u, cwnd %u -> %u over 8 RTTs", c->ssthresh, w0, c->cwnd);
  g_assert_cmpuint(grown, >=, 7u * c->mss);
  g_assert_cmpuint(grown, <=, 9u * c->mss);
  test_net_run_until(net, 120 * SIM_S);
  xfer_check(&x);
  xfer_free(&x);
  test_net_free(net);
}

static void
test_partial_ack(void)
{
  /* Two segments of one window lost: NewReno (RFC 6582) repairs the
   * first by fast retransmit and the second on the partial ACK, with no
   * timeout and no second halving. */
  TestNet *net = test_net_new(FALSE, 25 * MS);
  Xfer x;
  Dropper d = { .x = &x, .n_drop = 2, .drop_off = { 50 * 1448, 60 * 1448 } };
  net->drop = drop_chosen;
  net->drop_ud = &d;
  xfer_start(&x, net, 2 << 20);
  test_net_run_until(net, 60 * SIM_S);
  g_assert_true(d.dropped[0] && d.dropped[1]);
  const TcpStats *st = stats(net, A_);
  g_assert_cmpuint(st->fast_retransmits, ==, 1);
  g_assert_cmpuint(st->timeouts, ==, 0);
  g_assert_cmpuint(st->retransmits, ==, 2);
  xfer_check(&x);
  xfer_free(&x);
  test_net_free(net);
}

typedef struct {
  Xfer    *x;
  SimTime  from, to;            /* A's segments are lost in [from, to) */
  guint32  max_seq;
  gboolean seen_rtx;
  guint32  cwnd_at_rtx, ssthresh_at_rtx, flight;
} Blackout;

static gboolean
drop_blackout(TestNet *net, int from, const Packet *pkt, gpointer ud)
{
  Blackout *b = ud;
  SimTime now = sim_engine_now(net->engine);
  if (from != A_ || pkt->tcp.payload.len == 0) return FALSE;
  guint32 end = pkt->tcp.seq + pkt->tcp.payload.len;
  const TcpConn *c = conn_of(b->x->tx);
  /* The RTO's resend starts at SND.UNA (a tail loss probe before it
   * resends the last segment). */
  if (!b->seen_rtx && now >= b->from && b->max_seq &&
      (gint32)(pkt->tcp.seq - b->max_seq) < 0 && pkt->tcp.seq == c->snd_una) {
    b->seen_rtx = TRUE;
    b->cwnd_at_rtx = c->cwnd;
    b->ssthresh_at_rtx = c->ssthresh;
    b->flight = c->snd_max - c->snd_una;
  }
  if (b->max_seq == 0 || (gint32)(end - b->max_seq) > 0) b->max_seq = end;
  return now >= b->from && now < b->to;
}

static void
test_rto_collapse(void)
{
  /* Every segment from A lost for 2 s: the RTO fires, cwnd collapses to
   * one segment (the loss window, RFC 5681 3.1), ssthresh to half the
   * flight; the transfer then completes. */
  TestNet *net = test_net_new(FALSE, 25 * MS);
  Xfer x;
  Blackout b = { .x = &x, .from = 400 * MS, .to = 2400 * MS };
  net->drop = drop_blackout;
  net->drop_ud = &b;
  xfer_start(&x, net, 2 << 20);
  test_net_run_until(net, 120 * SIM_S);
  g_assert_true(b.seen_rtx);
  const TcpConn *c = NULL;
  g_assert_cmpuint(stats(net, A_)->timeouts, >=, 1);
  g_assert_cmpuint(b.cwnd_at_rtx, ==, 1448);
  g_assert_cmpuint(b.ssthresh_at_rtx, ==, MAX(b.flight / 2, 2 * 1448u));
  (void)c;
  xfer_check(&x);
  xfer_free(&x);
  test_net_free(net);
}

static void
test_retries2(void)
{
  /* The path dies for good at 400 ms: the same first unacknowledged
   * segment goes again at RTO intervals that double (RFC 6298 5.5); after
   * retries2 (5 here) expiries the connection is dropped and the next
   * send and recv report ETIMEDOUT. */
  TestNet *net = test_net_new(FALSE, 25 * MS);
  g_assert_true(tcp_stack_set(net->host[A_].stack, "retries2", "5", NULL));
  Xfer x;
  Blackout b = { .x = &x, .from = 400 * MS, .to = SIM_TIME_MAX };
  net->drop = drop_blackout;
  net->drop_ud = &b;
  xfer_start(&x, net, 1 << 20);
  test_net_run_until(net, 460 * MS);      /* what was sent before is ACKed */
  guint32 una = conn_of(x.tx)->snd_una;
  test_net_run_until(net, 120 * SIM_S);
  SimTime rtx[8];
  guint n = 0;
  for (guint i = 0; i < net->wire->len && n < 8; i++) {
    TestWire *w = &g_array_index(net->wire, TestWire, i);
    if (w->from == A_ && w->seq == una && w->len > 0 && w->time > 400 * MS) rtx[n++] = w->time;
  }
  g_assert_cmpuint(n, ==, 5);
  for (guint i = 2; i < n; i++)
    g_assert_cmpint(rtx[i] - rtx[i - 1], ==, 2 * (rtx[i - 1] - rtx[i - 2]));
  g_assert_cmpuint(stats(net, A_)->timeouts, ==, 5);   /* the sixth expiry gives up */
  g_assert_cmpint(tcp_socket_state(x.tx), ==, TCP_STATE_CLOSED);
  GBytes *bytes = NULL;
  g_assert_cmpint(tcp_socket_recv(x.tx, 10, &bytes), ==, -TCP_ETIMEDOUT);
  xfer_free(&x);
  test_net_free(net);
}

/* ---- zero window ------------------------------------------------------------- */

static void
test_zero_window_probes(void)
{
  /* B stops reading: A's probes (no data, SEQ = SND.UNA - 1, as Linux)
   * follow the backed-off RTO, run again from B's answer (Linux's
   * tcp_ack_probe()): each interval the RTT plus twice the last RTO; when
   * B reads again, the window update restarts the transfer. */
  TestNet *net = test_net_new(FALSE, 5 * MS);
  Xfer x;
  xfer_start(&x, net, 1 << 20);
  x.reading = FALSE;
  test_net_run_until(net, 60 * SIM_S);
  g_assert_cmpuint(x.got, ==, 0);
  g_assert_cmpuint(stats(net, A_)->window_probes, >=, 6);
  SimTime probes[16];
  guint n = 0;
  for (guint i = 0; i < net->wire->len && n < 16; i++) {
    TestWire *w = &g_array_index(net->wire, TestWire, i);
    if (w->from == A_ && w->len == 0 && w->flags == TCP_FLAG_ACK && w->time > 100 * MS)
      probes[n++] = w->time;
  }
  g_assert_cmpuint(n, >=, 6);
  /* B answers a probe's old sequence number at most every 500 ms
   * (tcp_invalid_ratelimit): the second probe, 430 ms after the first,
   * goes unanswered, so only its timer runs from the probe itself. */
  const SimTime rtt = 10 * MS;
  SimTime rto = probes[2] - probes[1];
  g_assert_cmpint(rto, ==, 2 * (probes[1] - probes[0] - rtt));
  for (guint i = 3; i < n; i++) {
    g_assert_cmpint(probes[i] - probes[i - 1] - rtt, ==, 2 * rto);
    rto = probes[i] - probes[i - 1] - rtt;
  }
  g_assert_cmpint(tcp_socket_state(x.tx), ==, TCP_STATE_ESTABLISHED);
  x.reading = TRUE;
  rx_wake(&x);
  test_net_run_until(net, 120 * SIM_S);
  xfer_check(&x);
  xfer_free(&x);
  test_net_free(net);
}

/* ---- raw mode: the test plays the peer ------------------------------------ */

#define PEER_ISN 7000u
#define PEER_PORT 41000

typedef struct {
  TestNet   *net;
  TcpSocket *ls, *sock;
  guint32    snd;               /* our SND.NXT */
  guint32    rcv;               /* the peer's next sequence number */
} Raw;

static Packet *
pop(Raw *r)
{
  return test_pop_tx(r->net);
}

static void
raw_send(Raw *r, const TcpSegment *tmpl, guint32 len, const guint8 *bytes)
{
  TcpSegment seg = *tmpl;
  seg.sport = PEER_PORT;
  seg.dport = 80;
  if (bytes) {
    seg.payload.buf = net_buf_new(bytes, len);
    seg.payload.len = len;
    test_send_seg(r->net, &seg);
    net_buf_unref(seg.payload.buf);
  } else {
    seg.payload.len = len;
    test_send_seg(r->net, &seg);
  }
}

/* A connection accepted on port 80; the peer's SYN carries `syn_opts`. */
static void
raw_open(Raw *r, guint8 syn_opts, guint8 wscale)
{
  memset(r, 0, sizeof *r);
  r->net = test_net_new(TRUE, 0);
  TcpStack *st = r->net->host[0].stack;
  r->ls = tcp_socket_new(st);
  g_assert_cmpint(tcp_socket_bind(r->ls, 0, 80), ==, TCP_OK);
  g_assert_cmpint(tcp_socket_listen(r->ls, 4), ==, TCP_OK);
  TcpSegment syn = { .flags = TCP_FLAG_SYN, .seq = PEER_ISN, .win = 65535,
                     .opts = TCP_OPT_MSS | syn_opts, .mss = 1460, .wscale = wscale,
                     .ts_val = 1000 };
  raw_send(r, &syn, 0, NULL);
  Packet *sa = pop(r);
  g_assert_nonnull(sa);
  g_assert_cmpuint(sa->tcp.flags, ==, TCP_FLAG_SYN | TCP_FLAG_ACK);
  r->snd = sa->tcp.seq + 1;
  r->rcv = PEER_ISN + 1;
  packet_free(sa);
  TcpSegment ack = { .flags = TCP_FLAG_ACK, .seq = r->rcv, .ack = r->snd, .win = 65535,
                     .opts = syn_opts & TCP_OPT_TS, .ts_val = 1001, .ts_ecr = 0 };
  raw_send(r, &ack, 0, NULL);
  int err;
  r->sock = tcp_socket_accept(r->ls, &err);
  g_assert_nonnull(r->sock);
}

/* The peer sends `len` bytes at r->rcv (advancing it) at time t. */
static void
raw_data(Raw *r, SimTime t, guint32 len)
{
  test_net_run_until(r->net, t);
  TcpSegment seg = { .flags = TCP_FLAG_ACK | TCP_FLAG_PSH, .seq = r->rcv, .ack = r->snd,
                     .win = 65535 };
  raw_send(r, &seg, len, NULL);
  r->rcv += len;
}

static void
test_delayed_ack(void)
{
  /* Linux's ACK policy, data 100 ms apart: the first 16 segments are
   * ACKed at once (quick-ACK mode, TCP_MAX_QUICKACKS); then a lone
   * full-sized segment is ACKed by the delayed-ACK timer 40 ms later
   * (TCP_ATO_MIN); a second full segment before it fires is ACKed at once
   * (more than one full segment unacknowledged). */
  Raw r;
  raw_open(&r, 0, 0);
  SimTime t = SIM_S;
  for (int i = 0; i < 16; i++, t += 100 * MS) {
    raw_data(&r, t, 1460);
    Packet *a = pop(&r);
    g_assert_nonnull(a);
    g_assert_cmphex(a->tcp.ack, ==, r.rcv);
    packet_free(a);
  }
  raw_data(&r, t, 1460);
  g_assert_null(pop(&r));
  test_net_run_until(r.net, t + 40 * MS - 1);
  g_assert_null(pop(&r));
  test_net_run_until(r.net, t + 40 * MS);
  Packet *a = pop(&r);
  g_assert_nonnull(a);
  g_assert_cmphex(a->tcp.ack, ==, r.rcv);
  packet_free(a);
  t += 100 * MS;
  raw_data(&r, t, 1460);
  g_assert_null(pop(&r));
  raw_data(&r, t + 5 * MS, 1460);
  a = pop(&r);
  g_assert_nonnull(a);
  g_assert_cmphex(a->tcp.ack, ==, r.rcv);
  packet_free(a);
  /* A small segment: delayed too. */
  raw_data(&r, t + 100 * MS, 100);
  g_assert_null(pop(&r));
  test_net_run_until(r.net, t + 140 * MS);
  a = pop(&r);
  g_assert_nonnull(a);
  packet_free(a);
  test_net_free(r.net);
}

static void
test_delayed_ack_off(void)
{
  /* Profile delayed_ack=false: every segment ACKed at once. */
  Raw r;
  raw_open(&r, 0, 0);
  g_assert_true(tcp_stack_set(r.net->host[0].stack, "delayed_ack", "false", NULL));
  for (int i = 0; i < 30; i++) {
    raw_data(&r, SIM_S + i * 100 * MS, 1460);
    Packet *a = pop(&r);
    g_assert_nonnull(a);
    g_assert_cmphex(a->tcp.ack, ==, r.rcv);
    packet_free(a);
  }
  test_net_free(r.net);
}

static void
test_out_of_order(void)
{
  /* The second segment before the first: kept, a duplicate ACK at once;
   * the first fills the hole: one ACK for both, bytes in order. */
  Raw r;
  raw_open(&r, 0, 0);
  guint8 one[100], two[100];
  memset(one, 'a', sizeof one);
  memset(two, 'b', sizeof two);
  TcpSegment seg = { .flags = TCP_FLAG_ACK, .seq = r.rcv + 100, .ack = r.snd, .win = 65535 };
  raw_send(&r, &seg, 100, two);
  Packet *a = pop(&r);
  g_assert_nonnull(a);
  g_assert_cmphex(a->tcp.ack, ==, r.rcv);
  packet_free(a);
  GBytes *b = NULL;
  g_assert_cmpint(tcp_socket_recv(r.sock, 1000, &b), ==, -TCP_EAGAIN);
  seg.seq = r.rcv;
  raw_send(&r, &seg, 100, one);
  a = pop(&r);
  g_assert_nonnull(a);
  g_assert_cmphex(a->tcp.ack, ==, r.rcv + 200);
  packet_free(a);
  g_assert_cmpint(tcp_socket_recv(r.sock, 1000, &b), ==, 200);
  gsize len;
  const guint8 *d = g_bytes_get_data(b, &len);
  g_assert_cmpmem(d, 100, one, 100);
  g_assert_cmpmem(d + 100, 100, two, 100);
  g_bytes_unref(b);
  /* A FIN out of order waits for the data before it. */
  r.rcv += 200;
  seg.seq = r.rcv + 50;
  seg.flags = TCP_FLAG_ACK | TCP_FLAG_FIN;
  raw_send(&r, &seg, 0, NULL);
  packet_free(pop(&r));
  g_assert_cmpint(tcp_socket_state(r.sock), ==, TCP_STATE_ESTABLISHED);
  seg.seq = r.rcv;
  seg.flags = TCP_FLAG_ACK;
  raw_send(&r, &seg, 50, NULL);
  a = pop(&r);
  g_assert_cmphex(a->tcp.ack, ==, r.rcv + 51);
  packet_free(a);
  g_assert_cmpint(tcp_socket_state(r.sock), ==, TCP_STATE_CLOSE_WAIT);
  test_net_free(r.net);
}

static void
test_out_of_order_overlap(void)
{
  /* Overlapping and duplicated segments out of order, then the first:
   * the bytes come out once each, in order (the queue trims overlaps). */
  Raw r;
  raw_open(&r, 0, 0);
  guint8 data[1000];
  for (guint i = 0; i < sizeof data; i++) data[i] = (guint8)(i * 37 + i / 7);
  static const guint32 pieces[][2] = {   /* offset, length */
    { 300, 100 }, { 100, 150 }, { 200, 150 }, { 300, 100 }, { 600, 400 },
    { 450, 100 }, { 400, 300 }, { 120, 20 }, { 50, 900 },
  };
  TcpSegment seg = { .flags = TCP_FLAG_ACK, .ack = r.snd, .win = 65535 };
  for (guint i = 0; i < G_N_ELEMENTS(pieces); i++) {
    seg.seq = r.rcv + pieces[i][0];
    raw_send(&r, &seg, pieces[i][1], data + pieces[i][0]);
    Packet *a = pop(&r);                     /* a duplicate ACK each time */
    g_assert_nonnull(a);
    g_assert_cmphex(a->tcp.ack, ==, r.rcv);
    packet_free(a);
  }
  seg.seq = r.rcv;
  raw_send(&r, &seg, 50, data);
  Packet *a = pop(&r);
  g_assert_cmphex(a->tcp.ack, ==, r.rcv + 1000);
  packet_free(a);
  g_assert_cmpuint(conn_of(r.sock)->ooo_bytes, ==, 0);
  GBytes *b = NULL;
  g_assert_cmpint(tcp_socket_recv(r.sock, 5000, &b), ==, 1000);
  gsize len;
  const guint8 *d = g_bytes_get_data(b, &len);
  g_assert_cmpmem(d, len, data, sizeof data);
  g_bytes_unref(b);
  test_net_free(r.net);
}

static void
test_window_scale(void)
{
  /* Both SYNs carry the option (RFC 7323 2): our SYN-ACK offers shift 7
   * (linux) with an unscaled window; later windows are >> 7;
   * the peer's window of 1095 with shift 2 lets exactly 3 full segments
   * (4380 bytes) go. */
  Raw r;
  memset(&r, 0, sizeof r);
  r.net = test_net_new(TRUE, 0);
  TcpSocket *ls = tcp_socket_new(r.net->host[0].stack);
  tcp_socket_bind(ls, 0, 80);
  tcp_socket_listen(ls, 4);
  TcpSegment syn = { .sport = PEER_PORT, .dport = 80, .flags = TCP_FLAG_SYN, .seq = PEER_ISN,
                     .win = 65535, .opts = TCP_OPT_MSS | TCP_OPT_WSCALE, .mss = 1460,
                     .wscale = 2 };
  test_send_seg(r.net, &syn);
  Packet *sa = pop(&r);
  g_assert_true(sa->tcp.opts & TCP_OPT_WSCALE);
  g_assert_cmpuint(sa->tcp.wscale, ==, 7);
  g_assert_cmpuint(sa->tcp.win, ==, 44 * 1460);   /* never scaled; Linux's 64240 */
  r.snd = sa->tcp.seq + 1;
  r.rcv = PEER_ISN + 1;
  packet_free(sa);
  TcpSegment ack = { .sport = PEER_PORT, .dport = 80, .flags = TCP_FLAG_ACK, .seq = r.rcv,
                     .ack = r.snd, .win = 1095 };
  test_send_seg(r.net, &ack);
  int err;
  r.sock = tcp_socket_accept(ls, &err);
  g_assert_cmpint(tcp_socket_setopt(r.sock, "nodelay", 1), ==, TCP_OK);
  g_assert_cmpint(tcp_socket_send(r.sock, NULL, 10000), ==, 10000);
  guint32 bytes = 0;
  Packet *p;
  while ((p = pop(&r))) {
    bytes += p->tcp.payload.len;
    g_assert_cmpuint(p->tcp.win, ==, 64256 >> 7);  /* 64240 aligned up to 128 */
    packet_free(p);
  }
  g_assert_cmpuint(bytes, ==, 3 * 1460);
  /* Without the option in the peer's SYN: no scaling either way. */
  TcpSegment syn2 = syn;
  syn2.sport = PEER_PORT + 1;
  syn2.opts = TCP_OPT_MSS;
  test_send_seg(r.net, &syn2);
  sa = pop(&r);
  g_assert_false(sa->tcp.opts & TCP_OPT_WSCALE);
  packet_free(sa);
  test_net_free(r.net);
}

static void
test_paws(void)
{
  /* RFC 7323 5: a segment whose TSval is older than TS.Recent is dropped
   * (and ACKed); its bytes are not delivered. */
  Raw r;
  raw_open(&r, TCP_OPT_TS, 0);
  TcpSegment seg = { .flags = TCP_FLAG_ACK, .seq = r.rcv, .ack = r.snd, .win = 65535,
                     .opts = TCP_OPT_TS, .ts_val = 5000 };
  raw_send(&r, &seg, 100, NULL);
  packet_free(pop(&r));
  seg.seq = r.rcv + 100;
  seg.ts_val = 4000;                         /* older: rejected */
  raw_send(&r, &seg, 100, NULL);
  Packet *a = pop(&r);
  g_assert_nonnull(a);
  g_assert_cmphex(a->tcp.ack, ==, r.rcv + 100);
  g_assert_cmpuint(a->tcp.ts_ecr, ==, 5000);
  packet_free(a);
  GBytes *b = NULL;
  g_assert_cmpint(tcp_socket_recv(r.sock, 1000, &b), ==, 100);
  g_bytes_unref(b);
  seg.ts_val = 5001;                         /* newer: accepted */
  raw_send(&r, &seg, 100, NULL);
  packet_free(pop(&r));
  g_assert_cmpint(tcp_socket_recv(r.sock, 1000, &b), ==, 100);
  g_bytes_unref(b);
  test_net_free(r.net);
}

/* ---- MSG_MORE ----------------------------------------------------------------- */

/* ACKs all A sent, again and again, until it sends no more data; returns
 * the flags of the last data segment and its end in *end. */
static guint8
ack_until_idle(Raw *r, guint32 *end)
{
  guint8 flags = 0;
  for (gboolean more = TRUE; more;) {
    more = FALSE;
    Packet *p;
    while ((p = pop(r))) {
      if (p->tcp.payload.len) {
        flags = p->tcp.flags;
        *end = p->tcp.seq + p->tcp.payload.len;
        r->snd = *end;
        more = TRUE;
      }
      packet_free(p);
    }
    TcpSegment ack = { .flags = TCP_FLAG_ACK, .seq = r->rcv, .ack = r->snd, .win = 65535 };
    if (more) raw_send(r, &ack, 0, NULL);
  }
  return flags;
}

static void
test_msg_more_full_buffer(void)
{
  /* A MSG_MORE write the send buffer cuts short pushes as a write
   * without it (Linux's tcp_sendmsg_locked() at wait_for_space:
   * tcp_push(flags & ~MSG_MORE)): its last byte carries PSH.  One that
   * fits does not mark it. */
  Raw r;
  raw_open(&r, 0, 0);
  guint32 base = r.snd, room = conn_of(r.sock)->sndbuf_cur, end = 0;
  g_assert_cmpint(tcp_socket_send_more(r.sock, NULL, room + 5000, TRUE), ==, room);
  guint8 flags = ack_until_idle(&r, &end);
  g_assert_cmpuint(end - base, ==, room);
  g_assert_cmphex(flags & TCP_FLAG_PSH, ==, TCP_FLAG_PSH);
  g_assert_cmpint(tcp_socket_send_more(r.sock, NULL, 3000, TRUE), ==, 3000);
  flags = ack_until_idle(&r, &end);
  g_assert_cmpuint(end - base, ==, room + 3000);
  g_assert_cmphex(flags & TCP_FLAG_PSH, ==, 0);
  test_net_free(r.net);
}

/* ---- Nagle ------------------------------------------------------------------ */

/* nodelay: 0 Nagle on, 1 s:setopt("nodelay", true), 2 profile nagle=false */
static guint
nagle_run(int nodelay)
{
  /* 10 writes of 100 bytes at once, RTT 50 ms: how many data segments
   * leave A in the first 40 ms. */
  TestNet *net = test_net_new(FALSE, 25 * MS);
  TcpSocket *ls = tcp_socket_new(net->host[B_].stack);
  tcp_socket_bind(ls, 0, 80);
  tcp_socket_listen(ls, 4);
  TcpSocket *c = tcp_socket_new(net->host[A_].stack);
  tcp_socket_connect(c, TEST_ADDR_B, 80);
  test_net_run_until(net, 100 * MS);
  if (nodelay == 1) g_assert_cmpint(tcp_socket_setopt(c, "nodelay", 1), ==, TCP_OK);
  if (nodelay == 2) g_assert_true(tcp_stack_set(net->host[A_].stack, "nagle", "false", NULL));
  for (int i = 0; i < 10; i++) g_assert_cmpint(tcp_socket_send(c, NULL, 100), ==, 100);
  guint n = data_segs_between(net, 0, 140 * MS);
  test_net_run_until(net, 300 * MS);
  g_assert_cmpuint(conn_of(c)->snd_una, ==, conn_of(c)->snd_base);
  g_assert_cmpuint(conn_of(c)->snd_len, ==, 0);
  if (!nodelay) {
    /* The nine held back go together once the first is ACKed. */
    g_assert_cmpuint(data_segs_between(net, 0, 300 * MS), ==, 2);
    g_assert_cmpuint(data_segs_between(net, 150 * MS, 151 * MS), ==, 1);
  }
  test_net_free(net);
  return n;
}

static void
test_nagle(void)
{
  g_assert_cmpuint(nagle_run(0), ==, 1);
  g_assert_cmpuint(nagle_run(1), ==, 10);
  g_assert_cmpuint(nagle_run(2), ==, 10);
}

/* ---- RTT ---------------------------------------------------------------------- */

static void
test_rtt_timestamps(void)
{
  /* RTT 50 ms: the estimator, fed one sample per ACK from TSecr, settles
   * at 50-51 ms (1 ms timestamp clock); the RTO is SRTT + 200 ms. */
  TestNet *net = test_net_new(FALSE, 25 * MS);
  Xfer x;
  xfer_start(&x, net, 1 << 20);
  test_net_run_until(net, 3 * SIM_S);
  const TcpConn *c = conn_of(x.tx);
  g_assert_true(c->ts_ok);
  g_assert_cmpint(c->srtt, >=, 50 * MS);
  g_assert_cmpint(c->srtt, <=, 51 * MS);
  g_assert_cmpint(c->rto, >=, 250 * MS);
  g_assert_cmpint(c->rto, <=, 260 * MS);
  test_net_run_until(net, 60 * SIM_S);
  xfer_check(&x);
  xfer_free(&x);
  test_net_free(net);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/data/bulk-chaos", test_bulk_chaos);
  g_test_add_func("/data/bulk-heavy-loss", test_bulk_heavy_loss);
  g_test_add_func("/data/slow-start", test_slow_start);
  g_test_add_func("/data/fast-retransmit", test_fast_retransmit);
  g_test_add_func("/data/partial-ack", test_partial_ack);
  g_test_add_func("/data/rto-collapse", test_rto_collapse);
  g_test_add_func("/data/retries2", test_retries2);
  g_test_add_func("/data/zero-window-probes", test_zero_window_probes);
  g_test_add_func("/data/delayed-ack", test_delayed_ack);
  g_test_add_func("/data/delayed-ack-off", test_delayed_ack_off);
  g_test_add_func("/data/out-of-order", test_out_of_order);
  g_test_add_func("/data/out-of-order-overlap", test_out_of_order_overlap);
  g_test_add_func("/data/window-scale", test_window_scale);
  g_test_add_func("/data/paws", test_paws);
  g_test_add_func("/data/nagle", test_nagle);
  g_test_add_func("/data/msg-more-full-buffer", test_msg_more_full_buffer);
  g_test_add_func("/data/rtt-timestamps", test_rtt_timestamps);
  return g_test_run();
}
