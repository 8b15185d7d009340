/* The linux profile against Linux 6.x: one test per behaviour where the
 * kernel's source (net/ipv4/tcp_input.c, tcp_output.c, tcp_minisocks.c,
 * tcp_timer.c, tcp_ipv4.c) decides what goes on the wire, each written
 * from what the kernel does.  The test plays a Linux peer that offers
 * mss 1460, timestamps and window scale 7 (tests/tcp-harness.h, raw
 * mode), packetdrill style: segments in, segments out. */
#include "tcp-harness.h"
#include "tcp.h"
#include <string.h>

#define PEER_ISN  1000u
#define PEER_PORT 40000
#define PEER_TS   5000u

typedef struct {
  TestNet   *net;
  TcpStack  *stack;
  TcpSocket *listener, *sock;
  guint32    iss;               /* our ISS */
  guint32    snd, rcv;          /* our SND.NXT; the peer's next sequence number */
  gboolean   opts;              /* the peer sends timestamps and window scale */
} Pd;

static void
pd_init(Pd *pd, gboolean opts)
{
  memset(pd, 0, sizeof *pd);
  pd->net = test_net_new(TRUE, 0);
  pd->stack = pd->net->host[0].stack;
  pd->rcv = PEER_ISN;
  pd->opts = opts;
}

static void
pd_free(Pd *pd)
{
  test_net_free(pd->net);
}

/* The peer sends <flags, seq, ack> with len bytes and the peer's options
 * (in a SYN: mss 1460, wscale 7, TS; else TS). */
static void
pd_send(Pd *pd, guint8 flags, guint32 seq, guint32 ack, guint32 len)
{
  TcpSegment seg = { .sport = PEER_PORT, .dport = 80, .flags = flags, .seq = seq,
                     .ack = ack, .win = 502 };
  seg.payload.len = len;
  if (flags & TCP_FLAG_SYN) {
    seg.win = 64240;
    seg.opts = TCP_OPT_MSS;
    seg.mss = 1460;
    if (pd->opts) {
      seg.opts |= TCP_OPT_WSCALE;
      seg.wscale = 7;
    }
  }
  if (pd->opts) {
    seg.opts |= TCP_OPT_TS;
    seg.ts_val = PEER_TS + (guint32)(sim_engine_now(pd->net->engine) / SIM_MS);
  }
  test_send_seg(pd->net, &seg);
}

/* The next segment sent has `flags` (PSH aside) and seq/ack unless
 * G_MAXUINT32.  Caller frees. */
static Packet *
pd_expect(Pd *pd, guint8 flags, guint32 seq, guint32 ack)
{
  return test_expect_tx(pd->net, flags, seq, ack);
}

static void
pd_expect_free(Pd *pd, guint8 flags, guint32 seq, guint32 ack)
{
  packet_free(pd_expect(pd, flags, seq, ack));
}

static void
pd_expect_none(Pd *pd)
{
  Packet *p = test_pop_tx(pd->net);
  char got[9];
  if (p) g_error("expected nothing, got %s seq %u", tcp_flags_format(p->tcp.flags, got),
                 p->tcp.seq);
}

static guint64
pd_count(Pd *pd, TcpState state)
{
  return tcp_stack_count(pd->stack, state);
}

/* A listener on port 80 and the peer's SYN: SYN_RECEIVED.  Returns the
 * SYN-ACK (caller frees). */
static Packet *
pd_syn_received(Pd *pd)
{
  pd->listener = tcp_socket_new(pd->stack);
  g_assert_cmpint(tcp_socket_bind(pd->listener, 0, 80), ==, TCP_OK);
  g_assert_cmpint(tcp_socket_listen(pd->listener, 16), ==, TCP_OK);
  pd_send(pd, TCP_FLAG_SYN, PEER_ISN, 0, 0);
  Packet *sa = pd_expect(pd, TCP_FLAG_SYN | TCP_FLAG_ACK, G_MAXUINT32, PEER_ISN + 1);
  pd->iss = sa->tcp.seq;
  pd->snd = pd->iss + 1;
  pd->rcv = PEER_ISN + 1;
  return sa;
}

static void
pd_established(Pd *pd)
{
  packet_free(pd_syn_received(pd));
  pd_send(pd, TCP_FLAG_ACK, pd->rcv, pd->snd, 0);
  pd_expect_none(pd);
  int err;
  pd->sock = tcp_socket_accept(pd->listener, &err);
  g_assert_nonnull(pd->sock);
}

/* Our close() and the peer's ACK of our FIN: FIN_WAIT_2. */
static void
pd_fin_wait_2(Pd *pd)
{
  pd_established(pd);
  tcp_socket_close(pd->sock);
  pd->sock = NULL;
  pd_expect_free(pd, TCP_FLAG_FIN | TCP_FLAG_ACK, pd->snd, pd->rcv);
  pd->snd++;
  pd_send(pd, TCP_FLAG_ACK, pd->rcv, pd->snd, 0);
  pd_expect_none(pd);
}

/* ---- receive window ---------------------------------------------------------- */

static void
test_syn_window(void)
{
  /* tcp_connect_init() -> tcp_select_initial_window(): tcp_rmem[1]
   * (131072) at the default scaling ratio gives 65536 bytes of space,
   * rounded down to a multiple of the MSS: 44 x 1460 = 64240.  The ACK
   * that completes the handshake keeps that window, aligned up to the
   * scale unit: 64256 = 502 << 7 (what captures of Linux clients show). */
  Pd pd;
  pd_init(&pd, TRUE);
  pd.sock = tcp_socket_new(pd.stack);
  g_assert_cmpint(tcp_socket_connect(pd.sock, TEST_ADDR_B, 80), ==, TCP_EINPROGRESS);
  Packet *syn = pd_expect(&pd, TCP_FLAG_SYN, G_MAXUINT32, 0);
  g_assert_cmpuint(syn->tcp.win, ==, 64240);
  g_assert_cmpuint(syn->tcp.wscale, ==, 7);
  TcpSegment sa = { .sport = 80, .dport = syn->tcp.sport,
                    .flags = TCP_FLAG_SYN | TCP_FLAG_ACK, .seq = PEER_ISN,
                    .ack = syn->tcp.seq + 1, .win = 65160,
                    .opts = TCP_OPT_MSS | TCP_OPT_WSCALE | TCP_OPT_TS, .mss = 1460,
                    .wscale = 7, .ts_val = PEER_TS, .ts_ecr = syn->tcp.ts_val };
  guint32 snd = syn->tcp.seq + 1;
  packet_free(syn);
  test_send_seg(pd.net, &sa);
  Packet *ack = pd_expect(&pd, TCP_FLAG_ACK, snd, PEER_ISN + 1);
  g_assert_cmpuint(ack->tcp.win, ==, 502);
  packet_free(ack);
  pd_free(&pd);
}

static void
test_synack_window(void)
{
  /* tcp_openreq_init_rwin(): the MSS less the timestamp option when it is
   * on: 45 x 1448 = 65160; without timestamps 44 x 1460 = 64240. */
  Pd pd;
  pd_init(&pd, TRUE);
  Packet *sa = pd_syn_received(&pd);
  g_assert_cmpuint(sa->tcp.win, ==, 65160);
  packet_free(sa);
  pd_free(&pd);
  pd_init(&pd, FALSE);
  sa = pd_syn_received(&pd);
  g_assert_cmpuint(sa->tcp.win, ==, 64240);
  packet_free(sa);
  pd_free(&pd);
}

static void
test_window_growth(void)
{
  /* tcp_init_buffer_space() clamps rcv_ssthresh to 65536 - 1460 = 64076;
   * then each in-order segment of 128 bytes or more grows it by
   * max(2 * advmss, 2 * len) (tcp_grow_window()), and the window offered
   * follows, aligned up to the scale unit: 64076 + 2920 = 66996 -> 524,
   * then 69916 -> 547 (<< 7).  A segment under 128 bytes grows nothing. */
  Pd pd;
  pd_init(&pd, TRUE);
  pd_established(&pd);
  guint16 want[] = { 524, 547, 570 };
  for (guint i = 0; i < G_N_ELEMENTS(want); i++) {
    pd_send(&pd, TCP_FLAG_ACK, pd.rcv, pd.snd, 1448);
    pd.rcv += 1448;
    Packet *a = pd_expect(&pd, TCP_FLAG_ACK, pd.snd, pd.rcv);   /* quick ACK */
    g_assert_cmpuint(a->tcp.win, ==, want[i]);
    packet_free(a);
  }
  const TcpConn *c = tcp_socket_conn(pd.sock);
  guint32 grown = c->rcv_ssthresh;
  pd_send(&pd, TCP_FLAG_ACK, pd.rcv, pd.snd, 100);
  pd.rcv += 100;
  packet_free(pd_expect(&pd, TCP_FLAG_ACK, pd.snd, pd.rcv));
  g_assert_cmpuint(c->rcv_ssthresh, ==, grown);
  pd_free(&pd);
}

/* ESTABLISHED, 100 bytes received and quick-ACKed (the ATO now 40 ms),
 * then 10 ms of quiet. */
static void
pd_after_data(Pd *pd)
{
  pd_init(pd, TRUE);
  pd_established(pd);
  pd_send(pd, TCP_FLAG_ACK | TCP_FLAG_PSH, pd->rcv, pd->snd, 100);
  pd->rcv += 100;
  pd_expect_free(pd, TCP_FLAG_ACK, pd->snd, pd->rcv);      /* quick ACK */
  test_net_run_until(pd->net, 10 * SIM_MS);
}

/* ---- the ACK of a FIN -------------------------------------------------------- */

static void
test_fin_ack_no_data(void)
{
  /* tcp_fin() enters pingpong mode, but before any data the ATO is 0 and
   * the delayed-ACK timer fires at once: the ACK of a bare FIN goes at
   * +0, as close/close-remote-fin-then-close.pkt shows on Linux 6.18. */
  Pd pd;
  pd_init(&pd, TRUE);
  pd_established(&pd);
  test_net_run_until(pd.net, 10 * SIM_MS);
  pd_send(&pd, TCP_FLAG_FIN | TCP_FLAG_ACK, pd.rcv, pd.snd, 0);
  pd_expect_free(&pd, TCP_FLAG_ACK, pd.snd, pd.rcv + 1);
  g_assert_cmpuint(pd_count(&pd, TCP_STATE_CLOSE_WAIT), ==, 1);
  pd_free(&pd);
}

static void
test_fin_ack_delayed(void)
{
  /* After data (ATO 40 ms), the FIN's ACK waits in pingpong mode: the
   * application's close() within that time sends one FIN-ACK that
   * acknowledges the peer's FIN (a three-segment close); without a close
   * the delayed-ACK timer sends it 40 ms later. */
  Pd pd;
  pd_after_data(&pd);
  pd_send(&pd, TCP_FLAG_FIN | TCP_FLAG_ACK, pd.rcv, pd.snd, 0);
  pd.rcv++;
  pd_expect_none(&pd);
  g_assert_cmpuint(pd_count(&pd, TCP_STATE_CLOSE_WAIT), ==, 1);
  test_net_run_until(pd.net, 20 * SIM_MS);
  GBytes *b = NULL;
  g_assert_cmpint(tcp_socket_recv(pd.sock, 1000, &b), ==, 100);
  g_bytes_unref(b);
  pd_expect_none(&pd);
  tcp_socket_close(pd.sock);
  pd.sock = NULL;
  pd_expect_free(&pd, TCP_FLAG_FIN | TCP_FLAG_ACK, pd.snd, pd.rcv);
  pd_expect_none(&pd);
  test_net_run_until(pd.net, 100 * SIM_MS);
  pd_expect_none(&pd);                                    /* no ACK left owed */
  pd_free(&pd);

  pd_after_data(&pd);
  pd_send(&pd, TCP_FLAG_FIN | TCP_FLAG_ACK, pd.rcv, pd.snd, 0);
  pd.rcv++;
  test_net_run_until(pd.net, 50 * SIM_MS - 1);
  pd_expect_none(&pd);
  test_net_run_until(pd.net, 50 * SIM_MS);
  pd_expect_free(&pd, TCP_FLAG_ACK, pd.snd, pd.rcv);      /* the ATO, 40 ms */
  pd_free(&pd);
}

static void
test_fin_ack_with_data(void)
{
  /* A FIN with a small write waits the same way; with more than one full
   * segment unacknowledged (inq/server.pkt: 10000 bytes and the FIN) the
   * ACK goes at once. */
  Pd pd;
  pd_after_data(&pd);
  pd_send(&pd, TCP_FLAG_FIN | TCP_FLAG_ACK | TCP_FLAG_PSH, pd.rcv, pd.snd, 100);
  pd.rcv += 101;
  pd_expect_none(&pd);
  test_net_run_until(pd.net, 50 * SIM_MS);
  pd_expect_free(&pd, TCP_FLAG_ACK, pd.snd, pd.rcv);
  pd_free(&pd);

  pd_init(&pd, TRUE);
  pd_established(&pd);
  pd_send(&pd, TCP_FLAG_FIN | TCP_FLAG_ACK, pd.rcv, pd.snd, 10000);
  pd.rcv += 10001;
  pd_expect_free(&pd, TCP_FLAG_ACK, pd.snd, pd.rcv);
  pd_free(&pd);
}

/* ---- TIME_WAIT -------------------------------------------------------------- */

static void
test_time_wait_window(void)
{
  /* Linux tcp_time_wait() keeps tw_rcv_wnd = tcp_receive_window() and
   * tcp_v4_timewait_ack() re-ACKs a retransmitted FIN with tw_rcv_wnd >>
   * rcv_wscale: the same window field as the ACK that entered TIME_WAIT,
   * not 65535 (which the peer would scale to 8388480 bytes). */
  Pd pd;
  pd_init(&pd, TRUE);
  pd_fin_wait_2(&pd);
  pd_send(&pd, TCP_FLAG_FIN | TCP_FLAG_ACK, pd.rcv, pd.snd, 0);
  pd.rcv++;
  Packet *last = pd_expect(&pd, TCP_FLAG_ACK, pd.snd, pd.rcv);
  g_assert_cmpuint(pd_count(&pd, TCP_STATE_TIME_WAIT), ==, 1);
  guint16 win = last->tcp.win;
  packet_free(last);
  g_assert_cmpuint(win, <, 1024);                /* scaled by 128 */
  test_net_run_until(pd.net, SIM_S);
  pd_send(&pd, TCP_FLAG_FIN | TCP_FLAG_ACK, pd.rcv - 1, pd.snd, 0);
  Packet *re = pd_expect(&pd, TCP_FLAG_ACK, pd.snd, pd.rcv);
  g_assert_cmpuint(re->tcp.win, ==, win);
  packet_free(re);
  pd_free(&pd);
}

static void
test_time_wait_window_unscaled(void)
{
  /* Without window scaling the record keeps the unscaled window. */
  Pd pd;
  pd_init(&pd, FALSE);
  pd_fin_wait_2(&pd);
  pd_send(&pd, TCP_FLAG_FIN | TCP_FLAG_ACK, pd.rcv, pd.snd, 0);
  pd.rcv++;
  Packet *last = pd_expect(&pd, TCP_FLAG_ACK, pd.snd, pd.rcv);
  guint16 win = last->tcp.win;
  packet_free(last);
  g_assert_cmpuint(win, >, 1024);
  pd_send(&pd, TCP_FLAG_FIN | TCP_FLAG_ACK, pd.rcv - 1, pd.snd, 0);
  Packet *re = pd_expect(&pd, TCP_FLAG_ACK, pd.snd, pd.rcv);
  g_assert_cmpuint(re->tcp.win, ==, win);
  packet_free(re);
  pd_free(&pd);
}

static void
test_time_wait_bucket_overflow(void)
{
  /* tcp_time_wait() with tcp_max_tw_buckets records held: no bucket,
   * tcp_done(): the FIN is ACKed and the socket goes straight to CLOSED.
   * It never counts as TIME_WAIT: tw_peak stays at the limit. */
  Pd pd;
  pd_init(&pd, TRUE);
  g_assert_true(tcp_stack_set(pd.stack, "max_tw_buckets", "0", NULL));
  pd_fin_wait_2(&pd);
  pd_send(&pd, TCP_FLAG_FIN | TCP_FLAG_ACK, pd.rcv, pd.snd, 0);
  pd.rcv++;
  pd_expect_free(&pd, TCP_FLAG_ACK, pd.snd, pd.rcv);
  pd_expect_none(&pd);
  g_assert_cmpuint(pd_count(&pd, TCP_STATE_TIME_WAIT), ==, 0);
  g_assert_cmpuint(pd_count(&pd, TCP_STATE_FIN_WAIT_2), ==, 0);
  const TcpStats *st = tcp_stack_stats(pd.stack);
  g_assert_cmpuint(st->tw_peak, ==, 0);
  g_assert_cmpuint(st->tw_killed, ==, 1);
  g_assert_cmpuint(st->tw_entered, ==, 0);
  g_assert_true(strstr(pd.net->host[0].states->str, "TIME_WAIT") == NULL);
  g_assert_true(g_str_has_suffix(pd.net->host[0].states->str, "FIN_WAIT_2>CLOSED;"));
  /* Nothing left of the connection: the peer's next FIN meets a RST. */
  pd_send(&pd, TCP_FLAG_FIN | TCP_FLAG_ACK, pd.rcv - 1, pd.snd, 0);
  pd_expect_free(&pd, TCP_FLAG_RST, pd.snd, G_MAXUINT32);
  pd_free(&pd);
}

static void
test_time_wait_bucket_limit_peak(void)
{
  /* With a limit of 2, three closes: two records, the third refused; the
   * peak is the limit, never one above it. */
  Pd pd;
  pd_init(&pd, TRUE);
  g_assert_true(tcp_stack_set(pd.stack, "max_tw_buckets", "2", NULL));
  pd.listener = tcp_socket_new(pd.stack);
  g_assert_cmpint(tcp_socket_bind(pd.listener, 0, 80), ==, TCP_OK);
  g_assert_cmpint(tcp_socket_listen(pd.listener, 16), ==, TCP_OK);
  for (guint16 i = 0; i < 3; i++) {
    TcpSegment seg = { .sport = PEER_PORT + i, .dport = 80, .flags = TCP_FLAG_SYN,
                       .seq = PEER_ISN, .win = 65535, .opts = TCP_OPT_MSS, .mss = 1460 };
    test_send_seg(pd.net, &seg);
    Packet *sa = pd_expect(&pd, TCP_FLAG_SYN | TCP_FLAG_ACK, G_MAXUINT32, PEER_ISN + 1);
    guint32 snd = sa->tcp.seq + 1;
    packet_free(sa);
    seg = (TcpSegment){ .sport = PEER_PORT + i, .dport = 80, .flags = TCP_FLAG_ACK,
                        .seq = PEER_ISN + 1, .ack = snd, .win = 65535 };
    test_send_seg(pd.net, &seg);
    int err;
    TcpSocket *s = tcp_socket_accept(pd.listener, &err);
    tcp_socket_close(s);
    pd_expect_free(&pd, TCP_FLAG_FIN | TCP_FLAG_ACK, snd, PEER_ISN + 1);
    seg.flags = TCP_FLAG_FIN | TCP_FLAG_ACK;
    seg.ack = snd + 1;
    test_send_seg(pd.net, &seg);
    pd_expect_free(&pd, TCP_FLAG_ACK, snd + 1, PEER_ISN + 2);
  }
  const TcpStats *st = tcp_stack_stats(pd.stack);
  g_assert_cmpuint(pd_count(&pd, TCP_STATE_TIME_WAIT), ==, 2);
  g_assert_cmpuint(st->tw_peak, ==, 2);
  g_assert_cmpuint(st->tw_entered, ==, 2);
  g_assert_cmpuint(st->tw_killed, ==, 1);
  pd_free(&pd);
}

/* ---- out-of-order FIN ------------------------------------------------------- */

static void
test_ooo_fin_alone(void)
{
  /* tcp_data_queue_ofo() keeps a FIN that arrives alone after a gap;
   * tcp_ofo_queue() hands it to tcp_fin() as soon as the gap fills: the
   * ACK then covers the FIN and the reader sees end of file, without
   * waiting for the peer to retransmit its FIN. */
  Pd pd;
  pd_init(&pd, TRUE);
  pd_established(&pd);
  guint32 r = pd.rcv;
  pd_send(&pd, TCP_FLAG_ACK | TCP_FLAG_PSH, r + 100, pd.snd, 100);
  pd_expect_free(&pd, TCP_FLAG_ACK, pd.snd, r);          /* duplicate ACK */
  pd_send(&pd, TCP_FLAG_FIN | TCP_FLAG_ACK, r + 200, pd.snd, 0);
  pd_expect_free(&pd, TCP_FLAG_ACK, pd.snd, r);
  g_assert_cmpuint(pd_count(&pd, TCP_STATE_ESTABLISHED), ==, 1);
  pd_send(&pd, TCP_FLAG_ACK, r, pd.snd, 100);             /* fills the gap */
  pd_expect_free(&pd, TCP_FLAG_ACK, pd.snd, r + 201);
  pd_expect_none(&pd);
  g_assert_cmpuint(pd_count(&pd, TCP_STATE_CLOSE_WAIT), ==, 1);
  GBytes *b = NULL;
  g_assert_cmpint(tcp_socket_recv(pd.sock, 1000, &b), ==, 200);
  g_bytes_unref(b);
  g_assert_cmpint(tcp_socket_recv(pd.sock, 1000, &b), ==, 0);
  g_bytes_unref(b);
  pd_free(&pd);
}

static void
test_ooo_fin_after_queued(void)
{
  /* The FIN of a segment whose bytes are already queued out of order
   * (a retransmission with the FIN added) is kept too. */
  Pd pd;
  pd_init(&pd, TRUE);
  pd_established(&pd);
  guint32 r = pd.rcv;
  pd_send(&pd, TCP_FLAG_ACK, r + 100, pd.snd, 100);
  pd_expect_free(&pd, TCP_FLAG_ACK, pd.snd, r);
  pd_send(&pd, TCP_FLAG_FIN | TCP_FLAG_ACK, r + 100, pd.snd, 100);
  pd_expect_free(&pd, TCP_FLAG_ACK, pd.snd, r);
  pd_send(&pd, TCP_FLAG_ACK, r, pd.snd, 100);
  pd_expect_free(&pd, TCP_FLAG_ACK, pd.snd, r + 201);
  g_assert_cmpuint(pd_count(&pd, TCP_STATE_CLOSE_WAIT), ==, 1);
  pd_free(&pd);
}

/* ---- RST and SYN: RFC 5961 and the request socket --------------------------- */

static void
test_challenge_ack_ratelimit(void)
{
  /* tcp_validate_incoming(): an in-window RST not at RCV.NXT gets a
   * challenge ACK (tcp_send_challenge_ack()), at most one per
   * tcp_invalid_ratelimit (500 ms) per socket; the global
   * tcp_challenge_ack_limit is off by default since Linux 6.0. */
  Pd pd;
  pd_init(&pd, TRUE);
  pd_established(&pd);
  pd_send(&pd, TCP_FLAG_RST, pd.rcv + 1000, 0, 0);
  pd_expect_free(&pd, TCP_FLAG_ACK, pd.snd, pd.rcv);
  pd_send(&pd, TCP_FLAG_RST, pd.rcv + 2000, 0, 0);
  pd_expect_none(&pd);                                    /* rate-limited */
  pd_send(&pd, TCP_FLAG_SYN, pd.rcv, 0, 0);
  pd_expect_none(&pd);
  test_net_run_until(pd.net, 500 * SIM_MS);
  pd_send(&pd, TCP_FLAG_SYN, pd.rcv, 0, 0);
  pd_expect_free(&pd, TCP_FLAG_ACK, pd.snd, pd.rcv);     /* challenge ACK */
  g_assert_cmpuint(pd_count(&pd, TCP_STATE_ESTABLISHED), ==, 1);
  pd_send(&pd, TCP_FLAG_RST, pd.rcv, 0, 0);               /* exactly RCV.NXT */
  pd_expect_none(&pd);
  g_assert_cmpuint(pd_count(&pd, TCP_STATE_ESTABLISHED), ==, 0);
  g_assert_cmpint(tcp_socket_take_error(pd.sock), ==, TCP_ECONNRESET);
  pd_free(&pd);
}

static void
test_rst_after_fin(void)
{
  /* tcp_reset_check(): in CLOSE_WAIT a RST at RCV.NXT - 1 (the peer did
   * not count our ACK of its FIN) resets, no challenge ACK. */
  Pd pd;
  pd_init(&pd, TRUE);
  pd_established(&pd);
  pd_send(&pd, TCP_FLAG_FIN | TCP_FLAG_ACK, pd.rcv, pd.snd, 0);
  pd.rcv++;
  pd_expect_free(&pd, TCP_FLAG_ACK, pd.snd, pd.rcv);
  g_assert_cmpuint(pd_count(&pd, TCP_STATE_CLOSE_WAIT), ==, 1);
  pd_send(&pd, TCP_FLAG_RST, pd.rcv - 1, 0, 0);
  pd_expect_none(&pd);
  g_assert_cmpuint(pd_count(&pd, TCP_STATE_CLOSE_WAIT), ==, 0);
  pd_free(&pd);
}

static void
test_request_rst_in_window(void)
{
  /* tcp_check_req(): any RST in the request's window drops it, without
   * a challenge ACK (RFC 5961 applies to full sockets only). */
  Pd pd;
  pd_init(&pd, TRUE);
  packet_free(pd_syn_received(&pd));
  pd_send(&pd, TCP_FLAG_RST, pd.rcv + 5000, 0, 0);
  pd_expect_none(&pd);
  g_assert_cmpuint(pd_count(&pd, TCP_STATE_SYN_RECEIVED), ==, 0);
  /* Nothing left: the peer's ACK meets the listener's RST. */
  pd_send(&pd, TCP_FLAG_ACK, pd.rcv, pd.snd, 0);
  pd_expect_free(&pd, TCP_FLAG_RST, pd.snd, G_MAXUINT32);
  pd_free(&pd);
}

static void
test_request_syn(void)
{
  /* tcp_check_req(): the peer's SYN again gets the SYN-ACK again; a SYN
   * at another sequence number in the window is answered with a RST
   * (tcp_v4_send_reset(): no ACK bit in it, so <SEQ=0><ACK=SEG.SEQ+1>)
   * and the request is dropped. */
  Pd pd;
  pd_init(&pd, TRUE);
  packet_free(pd_syn_received(&pd));
  pd_send(&pd, TCP_FLAG_SYN, PEER_ISN, 0, 0);
  pd_expect_free(&pd, TCP_FLAG_SYN | TCP_FLAG_ACK, pd.iss, pd.rcv);
  pd_send(&pd, TCP_FLAG_SYN, pd.rcv + 10, 0, 0);
  pd_expect_free(&pd, TCP_FLAG_RST | TCP_FLAG_ACK, 0, pd.rcv + 11);
  pd_expect_none(&pd);
  g_assert_cmpuint(pd_count(&pd, TCP_STATE_SYN_RECEIVED), ==, 0);
  pd_free(&pd);
}

static void
test_request_bad_ack(void)
{
  /* tcp_check_req(): an ACK of anything but our SYN goes to the listener,
   * which answers <SEQ=SEG.ACK><CTL=RST>; the request stays. */
  Pd pd;
  pd_init(&pd, TRUE);
  packet_free(pd_syn_received(&pd));
  pd_send(&pd, TCP_FLAG_ACK, pd.rcv, pd.snd + 7, 0);
  pd_expect_free(&pd, TCP_FLAG_RST, pd.snd + 7, G_MAXUINT32);
  g_assert_cmpuint(pd_count(&pd, TCP_STATE_SYN_RECEIVED), ==, 1);
  pd_send(&pd, TCP_FLAG_ACK, pd.rcv, pd.snd, 0);
  pd_expect_none(&pd);
  g_assert_cmpuint(pd_count(&pd, TCP_STATE_ESTABLISHED), ==, 1);
  pd_free(&pd);
}

/* ---- the RST of an abort ------------------------------------------------------ */

/* A connection whose peer sent 100 bytes nobody read, closed by `profile`'s
 * host: the RST of the abort (caller frees). */
static Packet *
abort_rst(Pd *pd, const char *profile)
{
  pd_init(pd, TRUE);
  g_assert_true(tcp_stack_set_profile(pd->stack, profile, NULL));
  pd_established(pd);
  pd_send(pd, TCP_FLAG_ACK, pd->rcv, pd->snd, 100);
  pd->rcv += 100;
  tcp_socket_close(pd->sock);
  pd->sock = NULL;
  for (Packet *p; (p = test_pop_tx(pd->net));) {
    if (p->tcp.flags & TCP_FLAG_RST) return p;
    packet_free(p);                            /* the ACK of the data */
  }
  g_error("%s: no RST after close() with unread data", profile);
}

static void
test_abort_rst_options(void)
{
  /* tcp_close() -> tcp_send_active_reset() -> tcp_transmit_skb(): the RST
   * carries the window and tcp_established_options()' timestamp, TSecr
   * the peer's last TSval. */
  Pd pd;
  Packet *p = abort_rst(&pd, "linux");
  g_assert_cmpuint(p->tcp.flags, ==, TCP_FLAG_RST | TCP_FLAG_ACK);
  g_assert_cmpuint(p->tcp.seq, ==, pd.snd);
  g_assert_cmpuint(p->tcp.ack, ==, pd.rcv);
  g_assert_true(p->tcp.opts & TCP_OPT_TS);
  g_assert_cmpuint(p->tcp.ts_ecr, ==, PEER_TS);
  g_assert_cmpuint(p->tcp.win, >, 0);
  packet_free(p);
  pd_free(&pd);

  /* The other profiles keep the bare RST of RFC 9293. */
  p = abort_rst(&pd, "bsd");
  g_assert_cmpuint(p->tcp.flags, ==, TCP_FLAG_RST | TCP_FLAG_ACK);
  g_assert_cmpuint(p->tcp.opts, ==, 0);
  g_assert_cmpuint(p->tcp.win, ==, 0);
  packet_free(p);
  pd_free(&pd);
}

/* ---- PSH on a burst ------------------------------------------------------------ */

/* `profile`'s host writes more than its initial cwnd (10 segments) holds:
 * the flags of the burst's segments, in order, as letters. */
static char *
burst_flags(const char *profile)
{
  Pd pd;
  pd_init(&pd, TRUE);
  g_assert_true(tcp_stack_set_profile(pd.stack, profile, NULL));
  pd_established(&pd);
  static guint8 data[16000];
  g_assert_cmpint(tcp_socket_send(pd.sock, data, sizeof data), ==, sizeof data);
  GString *flags = g_string_new(NULL);
  for (Packet *p; (p = test_pop_tx(pd.net));) {
    g_string_append_c(flags, (p->tcp.flags & TCP_FLAG_PSH) ? 'P' : '.');
    packet_free(p);
  }
  pd_free(&pd);
  return g_string_free(flags, FALSE);
}

static void
test_burst_push(void)
{
  /* Linux sends the 10 segments cwnd allows as one TSO packet with PSH,
   * which the wire shows on its last segment; the other profiles set PSH
   * only where the send buffer empties. */
  char *linux = burst_flags("linux");
  g_assert_cmpstr(linux, ==, ".........P");
  char *bsd = burst_flags("bsd");
  g_assert_cmpstr(bsd, ==, "..........");
  g_free(linux);
  g_free(bsd);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/tcp-linux/window/syn", test_syn_window);
  g_test_add_func("/tcp-linux/window/syn-ack", test_synack_window);
  g_test_add_func("/tcp-linux/window/growth", test_window_growth);
  g_test_add_func("/tcp-linux/fin-ack/no-data", test_fin_ack_no_data);
  g_test_add_func("/tcp-linux/fin-ack/delayed", test_fin_ack_delayed);
  g_test_add_func("/tcp-linux/fin-ack/with-data", test_fin_ack_with_data);
  g_test_add_func("/tcp-linux/time-wait/reack-window", test_time_wait_window);
  g_test_add_func("/tcp-linux/time-wait/reack-window-unscaled",
                  test_time_wait_window_unscaled);
  g_test_add_func("/tcp-linux/time-wait/bucket-overflow", test_time_wait_bucket_overflow);
  g_test_add_func("/tcp-linux/time-wait/bucket-limit-peak",
                  test_time_wait_bucket_limit_peak);
  g_test_add_func("/tcp-linux/ooo/fin-alone", test_ooo_fin_alone);
  g_test_add_func("/tcp-linux/ooo/fin-after-queued", test_ooo_fin_after_queued);
  g_test_add_func("/tcp-linux/rst/challenge-ack-ratelimit", test_challenge_ack_ratelimit);
  g_test_add_func("/tcp-linux/rst/after-fin", test_rst_after_fin);
  g_test_add_func("/tcp-linux/request/rst-in-window", test_request_rst_in_window);
  g_test_add_func("/tcp-linux/request/syn", test_request_syn);
  g_test_add_func("/tcp-linux/request/bad-ack", test_request_bad_ack);
  g_test_add_func("/tcp-linux/rst/abort-options", test_abort_rst_options);
  g_test_add_func("/tcp-linux/psh/burst", test_burst_push);
  return g_test_run();
}
