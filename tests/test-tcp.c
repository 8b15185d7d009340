/* The TCP endpoint cell by cell: one test per (state, incoming segment),
 * each user call and each timer, driven packetdrill-style through one
 * host's stack (tests/tcp-harness.h, raw mode): the test plays the peer,
 * writes segments in with send_seg() and reads what the host sends with
 * expect_tx() / expect_no_tx().
 *
 * `test-tcp --transitions-md` prints docs/tcp-transitions.md from the
 * same table the tests run. */
#include "tcp-harness.h"
#include "tcp.h"
#include "rng.h"
#include "simerror.h"
#include <string.h>

#define PEER_ISN 5000u
#define PEER_PORT 40000
#define OOW 0x40000000u

typedef struct {
  TestNet   *net;
  TcpStack  *stack;
  TcpSocket *listener, *sock;
  guint16    lport, rport;
  guint32    iss, snd, rcv;   /* our ISS, our SND.NXT, the peer's next seq */
  gboolean   keep;            /* close the write side with shutdown(), keep the socket */
  gboolean   ts;              /* the peer sends RFC 7323 timestamps */
  guint32    ts_val;          /* the peer's next TSval */
} Fx;

/* ---- smoltcp-style helpers ---------------------------------------------- */

static void
send_seg(Fx *fx, guint8 flags, guint32 seq, guint32 ack, guint32 len)
{
  if (!fx->ts) {
    test_send(fx->net, fx->rport, fx->lport, flags, seq, ack, len);
    return;
  }
  TcpSegment seg = { .sport = fx->rport, .dport = fx->lport, .flags = flags, .seq = seq,
                     .ack = ack, .win = 65535, .opts = TCP_OPT_TS, .ts_val = fx->ts_val };
  seg.payload.len = len;
  if (flags & TCP_FLAG_SYN) {
    seg.opts |= TCP_OPT_MSS;
    seg.mss = 1460;
  }
  test_send_seg(fx->net, &seg);
}

/* The next segment sent (tcp-harness.h); returns it (caller frees). */
static Packet *
expect_tx_pkt(Fx *fx, guint8 flags, guint32 seq, guint32 ack)
{
  return test_expect_tx(fx->net, flags, seq, ack);
}

static void
expect_tx(Fx *fx, guint8 flags, guint32 seq, guint32 ack)
{
  packet_free(expect_tx_pkt(fx, flags, seq, ack));
}

static void
expect_no_tx(Fx *fx)
{
  Packet *p = test_pop_tx(fx->net);
  char got[9];
  if (p) g_error("expected nothing, got %s seq %u", tcp_flags_format(p->tcp.flags, got),
                 p->tcp.seq);
}

/* Connections other than CLOSED and LISTEN. */
static guint64
live(Fx *fx)
{
  guint64 n = 0;
  for (int s = TCP_STATE_SYN_SENT; s < TCP_STATE_N; s++)
    n += tcp_stack_count(fx->stack, (TcpState)s);
  return n;
}

static void
expect_state(Fx *fx, TcpState state)
{
  if (state == TCP_STATE_CLOSED || state == TCP_STATE_LISTEN) {
    g_assert_cmpuint(live(fx), ==, 0);
  } else {
    g_assert_cmpuint(live(fx), ==, 1);
    g_assert_cmpuint(tcp_stack_count(fx->stack, state), ==, 1);
  }
}

/* ---- fixtures: a connection in each state -------------------------------- */

static void
fx_init(Fx *fx)
{
  memset(fx, 0, sizeof *fx);
  fx->net = test_net_new(TRUE, 0);
  fx->stack = fx->net->host[0].stack;
  fx->lport = 80;
  fx->rport = PEER_PORT;
  fx->rcv = PEER_ISN;
}

static void
fx_free(Fx *fx)
{
  test_net_free(fx->net);
}

static void
fx_listen(Fx *fx)
{
  fx->listener = tcp_socket_new(fx->stack);
  g_assert_cmpint(tcp_socket_bind(fx->listener, 0, 80), ==, TCP_OK);
  g_assert_cmpint(tcp_socket_listen(fx->listener, 16), ==, TCP_OK);
}

static void
fx_syn_sent(Fx *fx)
{
  fx->sock = tcp_socket_new(fx->stack);
  g_assert_cmpint(tcp_socket_connect(fx->sock, TEST_ADDR_B, 80), ==, TCP_EINPROGRESS);
  Packet *syn = expect_tx_pkt(fx, TCP_FLAG_SYN, G_MAXUINT32, 0);
  fx->lport = syn->tcp.sport;
  fx->rport = 80;
  fx->iss = syn->tcp.seq;
  fx->snd = fx->iss + 1;
  packet_free(syn);
}

static void
fx_syn_received(Fx *fx)
{
  fx_listen(fx);
  send_seg(fx, TCP_FLAG_SYN, PEER_ISN, 0, 0);
  Packet *sa = expect_tx_pkt(fx, TCP_FLAG_SYN | TCP_FLAG_ACK, G_MAXUINT32, PEER_ISN + 1);
  fx->iss = sa->tcp.seq;
  fx->snd = fx->iss + 1;
  fx->rcv = PEER_ISN + 1;
  packet_free(sa);
}

static void
fx_established(Fx *fx)
{
  fx_syn_received(fx);
  send_seg(fx, TCP_FLAG_ACK, fx->rcv, fx->snd, 0);
  expect_no_tx(fx);
  int err;
  fx->sock = tcp_socket_accept(fx->listener, &err);
  g_assert_nonnull(fx->sock);
}

/* close(), or shutdown("w") when the fixture keeps its socket. */
static void
fx_close_write(Fx *fx)
{
  if (fx->keep) {
    g_assert_cmpint(tcp_socket_shutdown(fx->sock, 2), ==, TCP_OK);
    return;
  }
  tcp_socket_close(fx->sock);
  fx->sock = NULL;
}

static void
fx_fin_wait_1(Fx *fx)
{
  fx_established(fx);
  fx_close_write(fx);
  expect_tx(fx, TCP_FLAG_FIN | TCP_FLAG_ACK, fx->snd, fx->rcv);
  fx->snd++;
}

static void
fx_fin_wait_2(Fx *fx)
{
  fx_fin_wait_1(fx);
  send_seg(fx, TCP_FLAG_ACK, fx->rcv, fx->snd, 0);
  expect_no_tx(fx);
}

static void
fx_close_wait(Fx *fx)
{
  fx_established(fx);
  send_seg(fx, TCP_FLAG_FIN | TCP_FLAG_ACK, fx->rcv, fx->snd, 0);
  fx->rcv++;
  expect_tx(fx, TCP_FLAG_ACK, fx->snd, fx->rcv);
}

static void
fx_closing(Fx *fx)
{
  fx_fin_wait_1(fx);
  send_seg(fx, TCP_FLAG_FIN | TCP_FLAG_ACK, fx->rcv, fx->snd - 1, 0);
  fx->rcv++;
  expect_tx(fx, TCP_FLAG_ACK, fx->snd, fx->rcv);
}

static void
fx_last_ack(Fx *fx)
{
  fx_close_wait(fx);
  fx_close_write(fx);
  expect_tx(fx, TCP_FLAG_FIN | TCP_FLAG_ACK, fx->snd, fx->rcv);
  fx->snd++;
}

static void
fx_time_wait(Fx *fx)
{
  fx_fin_wait_2(fx);
  send_seg(fx, TCP_FLAG_FIN | TCP_FLAG_ACK, fx->rcv, fx->snd, 0);
  fx->rcv++;
  expect_tx(fx, TCP_FLAG_ACK, fx->snd, fx->rcv);
}

static void
fx_closed(Fx *fx)
{
  fx->sock = tcp_socket_new(fx->stack);
}

static void
fx_build_full(Fx *fx, TcpState state, gboolean keep)
{
  fx_init(fx);
  fx->keep = keep;
  switch (state) {
  case TCP_STATE_CLOSED: fx_closed(fx); break;
  case TCP_STATE_LISTEN: fx_listen(fx); break;
  case TCP_STATE_SYN_SENT: fx_syn_sent(fx); break;
  case TCP_STATE_SYN_RECEIVED: fx_syn_received(fx); break;
  case TCP_STATE_ESTABLISHED: fx_established(fx); break;
  case TCP_STATE_FIN_WAIT_1: fx_fin_wait_1(fx); break;
  case TCP_STATE_FIN_WAIT_2: fx_fin_wait_2(fx); break;
  case TCP_STATE_CLOSE_WAIT: fx_close_wait(fx); break;
  case TCP_STATE_CLOSING: fx_closing(fx); break;
  case TCP_STATE_LAST_ACK: fx_last_ack(fx); break;
  case TCP_STATE_TIME_WAIT: fx_time_wait(fx); break;
  default: g_assert_not_reached();
  }
  expect_state(fx, state);
}

static void
fx_build(Fx *fx, TcpState state)
{
  fx_build_full(fx, state, FALSE);
}

/* ---- the (state, segment) cells ------------------------------------------ */

typedef enum {
  K_SYN,          /* SYN at the peer's next sequence number */
  K_SYN_ACK,      /* SYN-ACK <SEQ=next><ACK=our SND.NXT> */
  K_ACK,          /* bare ACK of everything we sent */
  K_DATA,         /* 100 bytes with ACK, in order */
  K_FIN,          /* FIN without ACK */
  K_FIN_ACK,      /* FIN-ACK; a retransmission once the peer's FIN is in */
  K_RST,          /* RST at exactly RCV.NXT */
  K_RST_ACK,      /* RST-ACK at RCV.NXT */
  K_RST_INWIN,    /* RST in the window but not at RCV.NXT */
  K_RST_OOW,      /* RST outside the window */
  K_ACK_OOW,      /* ACK with a sequence number outside the window */
  K_DATA_OOW,     /* data outside the window */
  K_SYN_RETX,     /* the peer's first SYN again */
  K_SYN_NEWER,    /* SYN above RCV.NXT (a new incarnation) */
  K_ACK_BAD,      /* ACK of something never sent */
  K_FIN_ACK_OLD,  /* FIN-ACK that does not ack our FIN */
  K_N,
} Kind;

static const char *const kind_names[K_N] = {
  "syn", "syn-ack", "ack", "data", "fin", "fin-ack", "rst", "rst-ack",
  "rst-in-window", "rst-out-of-window", "ack-out-of-window",
  "data-out-of-window", "syn-retransmitted", "syn-newer", "ack-unsent",
  "fin-ack-old",
};

typedef enum { R_ANY, R_SND, R_SEGACK, R_ZERO, R_ISS, R_REOPEN } ReplySeq;

typedef struct {
  TcpState    state;
  Kind        kind;
  guint8      reply;      /* flags of the one reply, 0: none */
  ReplySeq    reply_seq;
  TcpState    next;       /* the connection's state after */
  const char *why;        /* for the transitions table */
} Cell;

#define ST(x) TCP_STATE_##x
#define A TCP_FLAG_ACK
#define S TCP_FLAG_SYN
#define R TCP_FLAG_RST
#define F TCP_FLAG_FIN
static const Cell cells[] = {
  { ST(CLOSED), K_SYN, R | A, R_ZERO, ST(CLOSED), "no socket: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> (3.10.7.1)" },
  { ST(CLOSED), K_SYN_ACK, R, R_SEGACK, ST(CLOSED), "no socket: <SEQ=SEG.ACK><CTL=RST> (3.10.7.1)" },
  { ST(CLOSED), K_ACK, R, R_SEGACK, ST(CLOSED), "no socket: RST at SEG.ACK" },
  { ST(CLOSED), K_DATA, R, R_SEGACK, ST(CLOSED), "no socket: RST at SEG.ACK" },
  { ST(CLOSED), K_FIN, R | A, R_ZERO, ST(CLOSED), "no socket, no ACK bit: RST,ACK" },
  { ST(CLOSED), K_FIN_ACK, R, R_SEGACK, ST(CLOSED), "no socket: RST at SEG.ACK" },
  { ST(CLOSED), K_RST, 0, R_ANY, ST(CLOSED), "a RST is never answered" },
  { ST(CLOSED), K_RST_ACK, 0, R_ANY, ST(CLOSED), "a RST is never answered" },

  { ST(LISTEN), K_SYN, S | A, R_ANY, ST(SYN_RECEIVED), "new child in SYN_RECEIVED, SYN-ACK (3.10.7.2)" },
  { ST(LISTEN), K_SYN_ACK, R, R_SEGACK, ST(LISTEN), "any ACK: <SEQ=SEG.ACK><CTL=RST> (3.10.7.2)" },
  { ST(LISTEN), K_ACK, R, R_SEGACK, ST(LISTEN), "any ACK: RST" },
  { ST(LISTEN), K_DATA, R, R_SEGACK, ST(LISTEN), "any ACK: RST" },
  { ST(LISTEN), K_FIN, 0, R_ANY, ST(LISTEN), "neither SYN nor ACK nor RST: dropped" },
  { ST(LISTEN), K_FIN_ACK, R, R_SEGACK, ST(LISTEN), "any ACK: RST" },
  { ST(LISTEN), K_RST, 0, R_ANY, ST(LISTEN), "RST ignored" },
  { ST(LISTEN), K_RST_ACK, 0, R_ANY, ST(LISTEN), "RST ignored" },

  { ST(SYN_SENT), K_SYN, S | A, R_ISS, ST(SYN_RECEIVED), "simultaneous open: SYN-ACK <SEQ=ISS> (3.10.7.3)" },
  { ST(SYN_SENT), K_SYN_ACK, A, R_SND, ST(ESTABLISHED), "handshake completes" },
  { ST(SYN_SENT), K_ACK, 0, R_ANY, ST(SYN_SENT), "acceptable ACK without SYN: dropped" },
  { ST(SYN_SENT), K_DATA, 0, R_ANY, ST(SYN_SENT), "no SYN: dropped" },
  { ST(SYN_SENT), K_FIN, 0, R_ANY, ST(SYN_SENT), "no SYN: dropped" },
  { ST(SYN_SENT), K_FIN_ACK, 0, R_ANY, ST(SYN_SENT), "no SYN: dropped" },
  { ST(SYN_SENT), K_RST, 0, R_ANY, ST(SYN_SENT), "RST without ACK: dropped" },
  { ST(SYN_SENT), K_RST_ACK, 0, R_ANY, ST(CLOSED), "RST acking our SYN: ECONNREFUSED" },
  { ST(SYN_SENT), K_ACK_BAD, R, R_SEGACK, ST(SYN_SENT), "unacceptable ACK: <SEQ=SEG.ACK><CTL=RST>" },

  { ST(SYN_RECEIVED), K_SYN, R | A, R_ZERO, ST(CLOSED), "SYN in window: RST, the request is dropped (Linux tcp_check_req)" },
  { ST(SYN_RECEIVED), K_SYN_RETX, S | A, R_ISS, ST(SYN_RECEIVED), "the peer's SYN again: SYN-ACK again (Linux)" },
  { ST(SYN_RECEIVED), K_SYN_ACK, R, R_SEGACK, ST(CLOSED), "SYN in window: RST <SEQ=SEG.ACK>, the request is dropped (Linux)" },
  { ST(SYN_RECEIVED), K_ACK, 0, R_ANY, ST(ESTABLISHED), "ACK of our SYN" },
  { ST(SYN_RECEIVED), K_ACK_BAD, R, R_SEGACK, ST(SYN_RECEIVED), "unacceptable ACK: <SEQ=SEG.ACK><CTL=RST>" },
  { ST(SYN_RECEIVED), K_DATA, A, R_SND, ST(ESTABLISHED), "ACK then data, ACKed" },
  { ST(SYN_RECEIVED), K_FIN, 0, R_ANY, ST(SYN_RECEIVED), "no ACK bit: dropped" },
  { ST(SYN_RECEIVED), K_FIN_ACK, A, R_SND, ST(CLOSE_WAIT), "ACK then FIN" },
  { ST(SYN_RECEIVED), K_RST, 0, R_ANY, ST(CLOSED), "passive open: the request is dropped" },
  { ST(SYN_RECEIVED), K_RST_ACK, 0, R_ANY, ST(CLOSED), "passive open: the request is dropped" },
  { ST(SYN_RECEIVED), K_RST_INWIN, 0, R_ANY, ST(CLOSED), "any RST in window drops the request: no challenge ACK (Linux tcp_check_req)" },
  { ST(SYN_RECEIVED), K_ACK_OOW, A, R_SND, ST(SYN_RECEIVED), "unacceptable: ACK (3.10.7.4)" },

  { ST(ESTABLISHED), K_SYN, A, R_SND, ST(ESTABLISHED), "challenge ACK (RFC 5961 4.2)" },
  { ST(ESTABLISHED), K_SYN_ACK, A, R_SND, ST(ESTABLISHED), "challenge ACK" },
  { ST(ESTABLISHED), K_ACK, 0, R_ANY, ST(ESTABLISHED), "nothing to do" },
  { ST(ESTABLISHED), K_DATA, A, R_SND, ST(ESTABLISHED), "in-order data ACKed" },
  { ST(ESTABLISHED), K_FIN, 0, R_ANY, ST(ESTABLISHED), "no ACK bit: dropped" },
  { ST(ESTABLISHED), K_FIN_ACK, A, R_SND, ST(CLOSE_WAIT), "passive close" },
  { ST(ESTABLISHED), K_RST, 0, R_ANY, ST(CLOSED), "ECONNRESET" },
  { ST(ESTABLISHED), K_RST_ACK, 0, R_ANY, ST(CLOSED), "ECONNRESET" },
  { ST(ESTABLISHED), K_RST_INWIN, A, R_SND, ST(ESTABLISHED), "challenge ACK (RFC 5961 3.2)" },
  { ST(ESTABLISHED), K_RST_OOW, 0, R_ANY, ST(ESTABLISHED), "out of window RST: dropped" },
  { ST(ESTABLISHED), K_ACK_OOW, A, R_SND, ST(ESTABLISHED), "unacceptable: ACK" },
  { ST(ESTABLISHED), K_DATA_OOW, A, R_SND, ST(ESTABLISHED), "unacceptable: ACK" },

  { ST(FIN_WAIT_1), K_SYN, A, R_SND, ST(FIN_WAIT_1), "challenge ACK" },
  { ST(FIN_WAIT_1), K_SYN_ACK, A, R_SND, ST(FIN_WAIT_1), "challenge ACK (the ACK field is not processed)" },
  { ST(FIN_WAIT_1), K_ACK, 0, R_ANY, ST(FIN_WAIT_2), "our FIN acknowledged" },
  { ST(FIN_WAIT_1), K_DATA, R, R_SEGACK, ST(CLOSED), "data after close(): <SEQ=SEG.ACK><CTL=RST> (Linux, RFC 1122 4.2.2.13)" },
  { ST(FIN_WAIT_1), K_FIN, 0, R_ANY, ST(FIN_WAIT_1), "no ACK bit: dropped" },
  { ST(FIN_WAIT_1), K_FIN_ACK, A, R_SND, ST(TIME_WAIT), "FIN acking ours: straight to TIME_WAIT" },
  { ST(FIN_WAIT_1), K_FIN_ACK_OLD, A, R_SND, ST(CLOSING), "simultaneous close" },
  { ST(FIN_WAIT_1), K_RST, 0, R_ANY, ST(CLOSED), "reset" },
  { ST(FIN_WAIT_1), K_RST_ACK, 0, R_ANY, ST(CLOSED), "reset" },
  { ST(FIN_WAIT_1), K_RST_INWIN, A, R_SND, ST(FIN_WAIT_1), "challenge ACK" },
  { ST(FIN_WAIT_1), K_ACK_OOW, A, R_SND, ST(FIN_WAIT_1), "unacceptable: ACK" },

  { ST(FIN_WAIT_2), K_SYN, A, R_SND, ST(FIN_WAIT_2), "challenge ACK" },
  { ST(FIN_WAIT_2), K_SYN_ACK, A, R_SND, ST(FIN_WAIT_2), "challenge ACK" },
  { ST(FIN_WAIT_2), K_ACK, 0, R_ANY, ST(FIN_WAIT_2), "nothing to do" },
  { ST(FIN_WAIT_2), K_DATA, R, R_SEGACK, ST(CLOSED), "data after close(): <SEQ=SEG.ACK><CTL=RST> (Linux)" },
  { ST(FIN_WAIT_2), K_FIN, 0, R_ANY, ST(FIN_WAIT_2), "no ACK bit: dropped" },
  { ST(FIN_WAIT_2), K_FIN_ACK, A, R_SND, ST(TIME_WAIT), "active close completes" },
  { ST(FIN_WAIT_2), K_RST, 0, R_ANY, ST(CLOSED), "reset" },
  { ST(FIN_WAIT_2), K_RST_ACK, 0, R_ANY, ST(CLOSED), "reset" },
  { ST(FIN_WAIT_2), K_RST_INWIN, A, R_SND, ST(FIN_WAIT_2), "challenge ACK" },
  { ST(FIN_WAIT_2), K_ACK_OOW, A, R_SND, ST(FIN_WAIT_2), "unacceptable: ACK" },

  { ST(CLOSE_WAIT), K_SYN, A, R_SND, ST(CLOSE_WAIT), "challenge ACK" },
  { ST(CLOSE_WAIT), K_SYN_ACK, A, R_SND, ST(CLOSE_WAIT), "challenge ACK" },
  { ST(CLOSE_WAIT), K_ACK, 0, R_ANY, ST(CLOSE_WAIT), "nothing to do" },
  { ST(CLOSE_WAIT), K_DATA, 0, R_ANY, ST(CLOSE_WAIT), "data after the peer's FIN: ignored (Linux)" },
  { ST(CLOSE_WAIT), K_FIN, 0, R_ANY, ST(CLOSE_WAIT), "no ACK bit: dropped" },
  { ST(CLOSE_WAIT), K_FIN_ACK, A, R_SND, ST(CLOSE_WAIT), "retransmitted FIN: ACK" },
  { ST(CLOSE_WAIT), K_RST, 0, R_ANY, ST(CLOSED), "reset (EPIPE)" },
  { ST(CLOSE_WAIT), K_RST_ACK, 0, R_ANY, ST(CLOSED), "reset" },
  { ST(CLOSE_WAIT), K_RST_INWIN, A, R_SND, ST(CLOSE_WAIT), "challenge ACK" },
  { ST(CLOSE_WAIT), K_ACK_OOW, A, R_SND, ST(CLOSE_WAIT), "unacceptable: ACK" },

  { ST(CLOSING), K_SYN, A, R_SND, ST(CLOSING), "challenge ACK" },
  { ST(CLOSING), K_SYN_ACK, A, R_SND, ST(CLOSING), "challenge ACK" },
  { ST(CLOSING), K_ACK, 0, R_ANY, ST(TIME_WAIT), "our FIN acknowledged" },
  { ST(CLOSING), K_DATA, 0, R_ANY, ST(TIME_WAIT), "ACK processed, text after FIN ignored" },
  { ST(CLOSING), K_FIN, 0, R_ANY, ST(CLOSING), "no ACK bit: dropped" },
  { ST(CLOSING), K_FIN_ACK, A, R_SND, ST(CLOSING), "retransmitted FIN: ACK" },
  { ST(CLOSING), K_RST, 0, R_ANY, ST(CLOSED), "reset" },
  { ST(CLOSING), K_RST_ACK, 0, R_ANY, ST(CLOSED), "reset" },
  { ST(CLOSING), K_RST_INWIN, A, R_SND, ST(CLOSING), "challenge ACK" },
  { ST(CLOSING), K_ACK_OOW, A, R_SND, ST(CLOSING), "unacceptable: ACK" },

  { ST(LAST_ACK), K_SYN, A, R_SND, ST(LAST_ACK), "challenge ACK" },
  { ST(LAST_ACK), K_SYN_ACK, A, R_SND, ST(LAST_ACK), "challenge ACK" },
  { ST(LAST_ACK), K_ACK, 0, R_ANY, ST(CLOSED), "our FIN acknowledged" },
  { ST(LAST_ACK), K_DATA, 0, R_ANY, ST(CLOSED), "ACK processed first: FIN acknowledged" },
  { ST(LAST_ACK), K_FIN, 0, R_ANY, ST(LAST_ACK), "no ACK bit: dropped" },
  { ST(LAST_ACK), K_FIN_ACK, A, R_SND, ST(LAST_ACK), "retransmitted FIN: ACK" },
  { ST(LAST_ACK), K_RST, 0, R_ANY, ST(CLOSED), "reset" },
  { ST(LAST_ACK), K_RST_ACK, 0, R_ANY, ST(CLOSED), "reset" },
  { ST(LAST_ACK), K_RST_INWIN, A, R_SND, ST(LAST_ACK), "challenge ACK" },
  { ST(LAST_ACK), K_ACK_OOW, A, R_SND, ST(LAST_ACK), "unacceptable: ACK" },

  { ST(TIME_WAIT), K_SYN, A, R_SND, ST(TIME_WAIT), "SYN not above RCV.NXT: ACK (Linux)" },
  { ST(TIME_WAIT), K_SYN_NEWER, S | A, R_REOPEN, ST(SYN_RECEIVED), "reopen: ISN = SND.NXT + 65537, tw_reused" },
  { ST(TIME_WAIT), K_SYN_ACK, A, R_SND, ST(TIME_WAIT), "ACK, TIME_WAIT restarts" },
  { ST(TIME_WAIT), K_ACK, 0, R_ANY, ST(TIME_WAIT), "in-window bare ACK: TIME_WAIT restarts (Linux)" },
  { ST(TIME_WAIT), K_DATA, A, R_SND, ST(TIME_WAIT), "ACK" },
  { ST(TIME_WAIT), K_FIN, A, R_SND, ST(TIME_WAIT), "ACK" },
  { ST(TIME_WAIT), K_FIN_ACK, A, R_SND, ST(TIME_WAIT), "retransmitted FIN: ACK, TIME_WAIT restarts" },
  { ST(TIME_WAIT), K_RST, 0, R_ANY, ST(CLOSED), "TIME_WAIT assassination (rfc1337 off)" },
  { ST(TIME_WAIT), K_RST_ACK, 0, R_ANY, ST(CLOSED), "TIME_WAIT assassination (rfc1337 off)" },
  { ST(TIME_WAIT), K_RST_OOW, 0, R_ANY, ST(TIME_WAIT), "RST not at RCV.NXT: dropped" },
};
#undef A
#undef S
#undef R
#undef F

static char *
cell_path(const Cell *c)
{
  g_autofree char *state = g_ascii_strdown(tcp_state_name(c->state), -1);
  for (char *p = state; *p; p++)
    if (*p == '_') *p = '-';
  return g_strdup_printf("/tcp/%s/%s", state, kind_names[c->kind]);
}

static void
cell_send(Fx *fx, const Cell *c)
{
  gboolean fin_in = c->state == TCP_STATE_CLOSE_WAIT || c->state == TCP_STATE_CLOSING ||
                    c->state == TCP_STATE_LAST_ACK || c->state == TCP_STATE_TIME_WAIT;
  guint32 r = fx->rcv, s = fx->snd;
  switch (c->kind) {
  case K_SYN: send_seg(fx, TCP_FLAG_SYN, r, 0, 0); break;
  case K_SYN_ACK: send_seg(fx, TCP_FLAG_SYN | TCP_FLAG_ACK, r, s, 0); break;
  case K_ACK: send_seg(fx, TCP_FLAG_ACK, r, s, 0); break;
  case K_DATA: send_seg(fx, TCP_FLAG_ACK | TCP_FLAG_PSH, r, s, 100); break;
  case K_FIN: send_seg(fx, TCP_FLAG_FIN, r, 0, 0); break;
  case K_FIN_ACK: send_seg(fx, TCP_FLAG_FIN | TCP_FLAG_ACK, fin_in ? r - 1 : r, s, 0); break;
  case K_RST: send_seg(fx, TCP_FLAG_RST, r, 0, 0); break;
  case K_RST_ACK: send_seg(fx, TCP_FLAG_RST | TCP_FLAG_ACK, r, s, 0); break;
  case K_RST_INWIN: send_seg(fx, TCP_FLAG_RST, r + 1000, 0, 0); break;
  case K_RST_OOW: send_seg(fx, TCP_FLAG_RST, r + OOW, 0, 0); break;
  case K_ACK_OOW: send_seg(fx, TCP_FLAG_ACK, r + OOW, s, 0); break;
  case K_DATA_OOW: send_seg(fx, TCP_FLAG_ACK | TCP_FLAG_PSH, r + OOW, s, 100); break;
  case K_SYN_RETX: send_seg(fx, TCP_FLAG_SYN, r - 1, 0, 0); break;
  case K_SYN_NEWER: send_seg(fx, TCP_FLAG_SYN, r + 100000, 0, 0); break;
  case K_ACK_BAD: send_seg(fx, TCP_FLAG_ACK, r, s + 1000, 0); break;
  case K_FIN_ACK_OLD: send_seg(fx, TCP_FLAG_FIN | TCP_FLAG_ACK, r, s - 1, 0); break;
  default: g_assert_not_reached();
  }
}

static guint32
cell_expected_seq(const Fx *fx, const Cell *c, guint32 seg_ack)
{
  switch (c->reply_seq) {
  case R_SND: return fx->snd;
  case R_SEGACK: return seg_ack;
  case R_ZERO: return 0;
  case R_ISS: return fx->iss;
  case R_REOPEN: return fx->snd + 65537;
  default: return G_MAXUINT32;
  }
}

static guint32
cell_seg_ack(const Fx *fx, const Cell *c)
{
  return c->kind == K_ACK_BAD ? fx->snd + 1000 : fx->snd;
}

static void
test_cell(gconstpointer data)
{
  const Cell *c = data;
  Fx fx;
  fx_build(&fx, c->state);
  guint64 tw_reused = tcp_stack_stats(fx.stack)->tw_reused;
  cell_send(&fx, c);
  if (c->reply) {
    expect_tx(&fx, c->reply, cell_expected_seq(&fx, c, cell_seg_ack(&fx, c)), G_MAXUINT32);
  }
  expect_no_tx(&fx);
  if (c->state == TCP_STATE_LISTEN && c->next == TCP_STATE_SYN_RECEIVED) {
    g_assert_cmpuint(tcp_stack_count(fx.stack, TCP_STATE_LISTEN), ==, 1);
    g_assert_cmpuint(tcp_stack_count(fx.stack, TCP_STATE_SYN_RECEIVED), ==, 1);
  } else {
    expect_state(&fx, c->next);
  }
  if (c->kind == K_SYN_NEWER)
    g_assert_cmpuint(tcp_stack_stats(fx.stack)->tw_reused, ==, tw_reused + 1);
  fx_free(&fx);
}


/* ---- user calls in every state ------------------------------------------ */

typedef enum { U_SEND, U_RECV, U_SHUTDOWN_W, U_CLOSE, U_N } UserCall;
static const char *const call_names[U_N] = { "send", "recv", "shutdown-write", "close" };

typedef struct {
  TcpState    state;
  UserCall    call;
  int         result;    /* send/recv: return value; shutdown: errno; close: 0 */
  guint8      reply;     /* flags of the segment sent, 0: none */
  TcpState    next;
  const char *why;
} CallCell;

#define FA (TCP_FLAG_FIN | TCP_FLAG_ACK)
#define PA (TCP_FLAG_PSH | TCP_FLAG_ACK)
static const CallCell call_cells[] = {
  { ST(CLOSED), U_SEND, -TCP_ENOTCONN, 0, ST(CLOSED), "not connected" },
  { ST(CLOSED), U_RECV, -TCP_ENOTCONN, 0, ST(CLOSED), "not connected" },
  { ST(CLOSED), U_SHUTDOWN_W, TCP_ENOTCONN, 0, ST(CLOSED), "not connected" },
  { ST(CLOSED), U_CLOSE, 0, 0, ST(CLOSED), "freed" },
  { ST(LISTEN), U_SEND, -TCP_ENOTCONN, 0, ST(LISTEN), "a listener sends nothing" },
  { ST(LISTEN), U_RECV, -TCP_ENOTCONN, 0, ST(LISTEN), "a listener receives nothing" },
  { ST(LISTEN), U_SHUTDOWN_W, TCP_ENOTCONN, 0, ST(LISTEN), "not connected" },
  { ST(LISTEN), U_CLOSE, 0, 0, ST(CLOSED), "listener gone" },
  { ST(SYN_SENT), U_SEND, -TCP_EAGAIN, 0, ST(SYN_SENT), "wait for the handshake" },
  { ST(SYN_SENT), U_RECV, -TCP_EAGAIN, 0, ST(SYN_SENT), "wait" },
  { ST(SYN_SENT), U_SHUTDOWN_W, TCP_OK, 0, ST(CLOSED), "Linux: shutdown in SYN_SENT closes" },
  { ST(SYN_SENT), U_CLOSE, 0, 0, ST(CLOSED), "no FIN, no RST" },
  { ST(ESTABLISHED), U_SEND, 10, PA, ST(ESTABLISHED), "data sent at once" },
  { ST(ESTABLISHED), U_RECV, -TCP_EAGAIN, 0, ST(ESTABLISHED), "nothing buffered" },
  { ST(ESTABLISHED), U_SHUTDOWN_W, TCP_OK, FA, ST(FIN_WAIT_1), "half-close: FIN" },
  { ST(ESTABLISHED), U_CLOSE, 0, FA, ST(FIN_WAIT_1), "active close: FIN" },
  { ST(FIN_WAIT_1), U_SEND, -TCP_EPIPE, 0, ST(FIN_WAIT_1), "write side shut" },
  { ST(FIN_WAIT_1), U_RECV, -TCP_EAGAIN, 0, ST(FIN_WAIT_1), "read side still open" },
  { ST(FIN_WAIT_1), U_SHUTDOWN_W, TCP_OK, 0, ST(FIN_WAIT_1), "already shut" },
  { ST(FIN_WAIT_1), U_CLOSE, 0, 0, ST(FIN_WAIT_1), "orphaned, FIN already out" },
  { ST(FIN_WAIT_2), U_SEND, -TCP_EPIPE, 0, ST(FIN_WAIT_2), "write side shut" },
  { ST(FIN_WAIT_2), U_RECV, -TCP_EAGAIN, 0, ST(FIN_WAIT_2), "read side still open" },
  { ST(FIN_WAIT_2), U_SHUTDOWN_W, TCP_OK, 0, ST(FIN_WAIT_2), "already shut" },
  { ST(FIN_WAIT_2), U_CLOSE, 0, 0, ST(FIN_WAIT_2), "orphaned: fin_timeout starts" },
  { ST(CLOSE_WAIT), U_SEND, 10, PA, ST(CLOSE_WAIT), "the peer still reads" },
  { ST(CLOSE_WAIT), U_RECV, 0, 0, ST(CLOSE_WAIT), "EOF" },
  { ST(CLOSE_WAIT), U_SHUTDOWN_W, TCP_OK, FA, ST(LAST_ACK), "FIN" },
  { ST(CLOSE_WAIT), U_CLOSE, 0, FA, ST(LAST_ACK), "passive close: FIN" },
  { ST(CLOSING), U_SEND, -TCP_EPIPE, 0, ST(CLOSING), "write side shut" },
  { ST(CLOSING), U_RECV, 0, 0, ST(CLOSING), "EOF" },
  { ST(CLOSING), U_SHUTDOWN_W, TCP_OK, 0, ST(CLOSING), "already shut" },
  { ST(CLOSING), U_CLOSE, 0, 0, ST(CLOSING), "orphaned" },
  { ST(LAST_ACK), U_SEND, -TCP_EPIPE, 0, ST(LAST_ACK), "write side shut" },
  { ST(LAST_ACK), U_RECV, 0, 0, ST(LAST_ACK), "EOF" },
  { ST(LAST_ACK), U_SHUTDOWN_W, TCP_OK, 0, ST(LAST_ACK), "already shut" },
  { ST(LAST_ACK), U_CLOSE, 0, 0, ST(LAST_ACK), "orphaned" },
  { ST(TIME_WAIT), U_SEND, -TCP_EPIPE, 0, ST(TIME_WAIT), "the connection is a TIME_WAIT record" },
  { ST(TIME_WAIT), U_RECV, 0, 0, ST(TIME_WAIT), "EOF" },
  { ST(TIME_WAIT), U_SHUTDOWN_W, TCP_ENOTCONN, 0, ST(TIME_WAIT), "the socket is CLOSED" },
  { ST(TIME_WAIT), U_CLOSE, 0, 0, ST(TIME_WAIT), "the record stays" },
};
#undef FA
#undef PA

static char *
call_path(const CallCell *c)
{
  g_autofree char *state = g_ascii_strdown(tcp_state_name(c->state), -1);
  for (char *p = state; *p; p++)
    if (*p == '_') *p = '-';
  return g_strdup_printf("/tcp/%s/call-%s", state, call_names[c->call]);
}

static void
test_call(gconstpointer data)
{
  const CallCell *c = data;
  Fx fx;
  fx_build_full(&fx, c->state, TRUE);
  TcpSocket *s = c->state == TCP_STATE_LISTEN ? fx.listener : fx.sock;
  g_assert_nonnull(s);
  GBytes *b = NULL;
  gssize r = 0;
  switch (c->call) {
  case U_SEND: r = tcp_socket_send(s, NULL, 10); break;
  case U_RECV: r = tcp_socket_recv(s, 10, &b); break;
  case U_SHUTDOWN_W: r = tcp_socket_shutdown(s, 2); break;
  case U_CLOSE: tcp_socket_close(s); break;
  default: g_assert_not_reached();
  }
  if (b) g_bytes_unref(b);
  g_assert_cmpint(r, ==, c->result);
  if (c->reply) expect_tx(&fx, c->reply, fx.snd, fx.rcv);
  expect_no_tx(&fx);
  expect_state(&fx, c->next);
  if (c->state == TCP_STATE_FIN_WAIT_2 && c->call == U_CLOSE) {
    test_net_run_until(fx.net, 60 * SIM_S);
    expect_state(&fx, TCP_STATE_CLOSED);
  }
  fx_free(&fx);
}

/* ---- variants of cells under other settings ------------------------------ */

static void
test_time_wait_rst_rfc1337(void)
{
  Fx fx;
  fx_build(&fx, TCP_STATE_TIME_WAIT);
  g_assert_true(tcp_stack_set(fx.stack, "rfc1337", "true", NULL));
  send_seg(&fx, TCP_FLAG_RST, fx.rcv, 0, 0);
  expect_no_tx(&fx);
  expect_state(&fx, TCP_STATE_TIME_WAIT);
  fx_free(&fx);
}

static void
test_established_rst_in_window_rfc9293(void)
{
  /* Without RFC 5961 an in-window RST resets (RFC 9293 3.10.7.4). */
  Fx fx;
  fx_build(&fx, TCP_STATE_ESTABLISHED);
  g_assert_true(tcp_stack_set(fx.stack, "challenge_ack", "false", NULL));
  send_seg(&fx, TCP_FLAG_RST, fx.rcv + 1000, 0, 0);
  expect_no_tx(&fx);
  expect_state(&fx, TCP_STATE_CLOSED);
  g_assert_cmpint(tcp_socket_take_error(fx.sock), ==, TCP_ECONNRESET);
  fx_free(&fx);
}

static void
test_established_syn_rfc793(void)
{
  /* Without RFC 5961 an in-window SYN resets the connection. */
  Fx fx;
  fx_build(&fx, TCP_STATE_ESTABLISHED);
  g_assert_true(tcp_stack_set(fx.stack, "challenge_ack", "false", NULL));
  send_seg(&fx, TCP_FLAG_SYN, fx.rcv, 0, 0);
  expect_tx(&fx, TCP_FLAG_RST, fx.snd, G_MAXUINT32);
  expect_state(&fx, TCP_STATE_CLOSED);
  fx_free(&fx);
}

static void
test_time_wait_syn_newer_timestamp(void)
{
  /* With timestamps, a SYN whose sequence number is NOT above RCV.NXT
   * still reopens TIME_WAIT when its TSval is newer (Linux, RFC 6191). */
  Fx fx;
  fx_init(&fx);
  fx.ts = TRUE;
  fx.ts_val = 100;
  fx_time_wait(&fx);
  expect_state(&fx, TCP_STATE_TIME_WAIT);
  fx.ts_val = 99;                               /* older: ACK only */
  send_seg(&fx, TCP_FLAG_SYN, fx.rcv - 5000, 0, 0);
  expect_tx(&fx, TCP_FLAG_ACK, fx.snd, fx.rcv);
  expect_state(&fx, TCP_STATE_TIME_WAIT);
  fx.ts_val = 2000;                             /* newer: reopens */
  send_seg(&fx, TCP_FLAG_SYN, fx.rcv - 5000, 0, 0);
  Packet *sa = expect_tx_pkt(&fx, TCP_FLAG_SYN | TCP_FLAG_ACK, fx.snd + 65537, fx.rcv - 4999);
  g_assert_true(sa->tcp.opts & TCP_OPT_TS);
  g_assert_cmpuint(sa->tcp.ts_ecr, ==, 2000);
  packet_free(sa);
  expect_state(&fx, TCP_STATE_SYN_RECEIVED);
  g_assert_cmpuint(tcp_stack_stats(fx.stack)->tw_reused, ==, 1);
  fx_free(&fx);
}

static void
test_time_wait_syn_no_listener(void)
{
  /* A reopening SYN with no listener left gets the TIME_WAIT's ACK. */
  Fx fx;
  fx_build(&fx, TCP_STATE_TIME_WAIT);
  tcp_socket_close(fx.listener);
  send_seg(&fx, TCP_FLAG_SYN, fx.rcv + 100000, 0, 0);
  expect_tx(&fx, TCP_FLAG_ACK, fx.snd, fx.rcv);
  expect_state(&fx, TCP_STATE_TIME_WAIT);
  fx_free(&fx);
}

static void
test_established_oow_ratelimit(void)
{
  /* Linux tcp_oow_rate_limited(): out-of-window segments without data get
   * one duplicate ACK per tcp_invalid_ratelimit (500 ms); data segments are
   * always answered.  This is what ends an ACK loop between two ends that
   * disagree about the sequence space. */
  Fx fx;
  fx_build(&fx, TCP_STATE_ESTABLISHED);
  send_seg(&fx, TCP_FLAG_ACK, fx.rcv + OOW, fx.snd, 0);
  expect_tx(&fx, TCP_FLAG_ACK, fx.snd, fx.rcv);
  test_net_run_until(fx.net, sim_engine_now(fx.net->engine) + 100 * SIM_MS);
  send_seg(&fx, TCP_FLAG_ACK, fx.rcv + OOW, fx.snd, 0);
  expect_no_tx(&fx);                       /* within 500 ms: limited */
  send_seg(&fx, TCP_FLAG_ACK, fx.rcv + OOW, fx.snd, 10);
  expect_tx(&fx, TCP_FLAG_ACK, fx.snd, fx.rcv);   /* data: answered */
  test_net_run_until(fx.net, sim_engine_now(fx.net->engine) + 500 * SIM_MS);
  send_seg(&fx, TCP_FLAG_ACK, fx.rcv + OOW, fx.snd, 0);
  expect_tx(&fx, TCP_FLAG_ACK, fx.snd, fx.rcv);   /* 500 ms later: again */
  /* With no limit (the rfc9293 profile's 0), every one is answered. */
  GError *error = NULL;
  g_assert_true(tcp_stack_set(fx.stack, "invalid_ratelimit", "0", &error));
  for (int i = 0; i < 3; i++) {
    send_seg(&fx, TCP_FLAG_ACK, fx.rcv + OOW, fx.snd, 0);
    expect_tx(&fx, TCP_FLAG_ACK, fx.snd, fx.rcv);
  }
  expect_state(&fx, TCP_STATE_ESTABLISHED);
  fx_free(&fx);
}

/* ---- user calls ---------------------------------------------------------- */

static void
test_user_connect_refused(void)
{
  Fx fx;
  fx_build(&fx, TCP_STATE_SYN_SENT);
  send_seg(&fx, TCP_FLAG_RST | TCP_FLAG_ACK, 0, fx.snd, 0);
  expect_state(&fx, TCP_STATE_CLOSED);
  g_assert_cmpint(tcp_socket_take_error(fx.sock), ==, TCP_ECONNREFUSED);
  g_assert_cmpint(tcp_socket_take_error(fx.sock), ==, 0);
  g_assert_cmpuint(tcp_stack_stats(fx.stack)->connect_refused, ==, 1);
  fx_free(&fx);
}

static void
test_user_connect_errors(void)
{
  Fx fx;
  fx_init(&fx);
  TcpSocket *s = tcp_socket_new(fx.stack);
  g_assert_cmpint(tcp_socket_connect(s, 0x0b000000u, 80), ==, TCP_ENETUNREACH);
  g_assert_cmpint(tcp_socket_connect(s, TEST_ADDR_B, 80), ==, TCP_EINPROGRESS);
  g_assert_cmpint(tcp_socket_connect(s, TEST_ADDR_B, 80), ==, TCP_EALREADY);
  Packet *syn = expect_tx_pkt(&fx, TCP_FLAG_SYN, G_MAXUINT32, 0);
  fx.lport = syn->tcp.sport;
  fx.rport = 80;
  send_seg(&fx, TCP_FLAG_SYN | TCP_FLAG_ACK, PEER_ISN, syn->tcp.seq + 1, 0);
  packet_free(syn);
  g_assert_cmpint(tcp_socket_state(s), ==, TCP_STATE_ESTABLISHED);
  g_assert_cmpint(tcp_socket_connect(s, TEST_ADDR_B, 80), ==, TCP_EISCONN);
  g_assert_cmpint(tcp_socket_setopt(s, "bogus", 1), ==, TCP_EINVAL);
  TcpTuple t = tcp_socket_tuple(s);
  g_assert_cmphex(t.raddr, ==, TEST_ADDR_B);
  g_assert_cmpuint(t.rport, ==, 80);
  g_assert_cmpuint(t.lport, >=, 32768);
  g_assert_cmpuint(t.lport, <=, 60999);
  fx_free(&fx);
}

static void
test_user_connect_again(void)
{
  /* connect() again on a socket whose connect timed out starts afresh. */
  Fx fx;
  fx_build(&fx, TCP_STATE_SYN_SENT);
  test_net_run_until(fx.net, 131 * SIM_S);
  g_assert_cmpint(tcp_socket_take_error(fx.sock), ==, TCP_ETIMEDOUT);
  for (Packet *p; (p = test_pop_tx(fx.net));) packet_free(p);
  g_assert_cmpint(tcp_socket_connect(fx.sock, TEST_ADDR_B, 80), ==, TCP_EINPROGRESS);
  expect_tx(&fx, TCP_FLAG_SYN, G_MAXUINT32, 0);
  test_net_run_until(fx.net, 132 * SIM_S);
  expect_tx(&fx, TCP_FLAG_SYN, G_MAXUINT32, 0);
  expect_state(&fx, TCP_STATE_SYN_SENT);
  fx_free(&fx);
}

static void
test_user_send_recv_states(void)
{
  Fx fx;
  fx_build(&fx, TCP_STATE_SYN_SENT);
  g_assert_cmpint(tcp_socket_send(fx.sock, NULL, 10), ==, -TCP_EAGAIN);
  GBytes *b = NULL;
  g_assert_cmpint(tcp_socket_recv(fx.sock, 10, &b), ==, -TCP_EAGAIN);
  TcpSocket *fresh = tcp_socket_new(fx.stack);
  g_assert_cmpint(tcp_socket_send(fresh, NULL, 10), ==, -TCP_ENOTCONN);
  g_assert_cmpint(tcp_socket_recv(fresh, 10, &b), ==, -TCP_ENOTCONN);
  g_assert_cmpint(tcp_socket_shutdown(fresh, 2), ==, TCP_ENOTCONN);
  fx_free(&fx);
}

static void
test_user_send_and_recv(void)
{
  Fx fx;
  fx_build(&fx, TCP_STATE_ESTABLISHED);
  g_assert_cmpint(tcp_socket_send(fx.sock, (const guint8 *)"hello", 5), ==, 5);
  Packet *p = expect_tx_pkt(&fx, TCP_FLAG_ACK | TCP_FLAG_PSH, fx.snd, fx.rcv);
  g_assert_cmpuint(p->tcp.payload.len, ==, 5);
  g_assert_cmpmem(p->tcp.payload.buf->data + p->tcp.payload.off, 5, "hello", 5);
  packet_free(p);
  TcpSegment seg = { .sport = fx.rport, .dport = fx.lport, .seq = fx.rcv, .ack = fx.snd + 5,
                     .flags = TCP_FLAG_ACK | TCP_FLAG_PSH, .win = 65535 };
  seg.payload.buf = net_buf_new("world!", 6);
  seg.payload.len = 6;
  test_send_seg(fx.net, &seg);
  tcp_segment_clear(&seg);
  expect_tx(&fx, TCP_FLAG_ACK, fx.snd + 5, fx.rcv + 6);
  GBytes *b = NULL;
  g_assert_cmpint(tcp_socket_recv(fx.sock, 4, &b), ==, 4);
  g_assert_cmpmem(g_bytes_get_data(b, NULL), 4, "worl", 4);
  g_bytes_unref(b);
  g_assert_cmpint(tcp_socket_recv(fx.sock, 100, &b), ==, 2);
  g_bytes_unref(b);
  g_assert_cmpint(tcp_socket_recv(fx.sock, 100, &b), ==, -TCP_EAGAIN);
  fx_free(&fx);
}

static void
test_user_close_unread_data(void)
{
  /* RFC 2525 2.17, Linux tcp_close(): unread data -> RST, no FIN. */
  Fx fx;
  fx_build(&fx, TCP_STATE_ESTABLISHED);
  send_seg(&fx, TCP_FLAG_ACK | TCP_FLAG_PSH, fx.rcv, fx.snd, 10);
  expect_tx(&fx, TCP_FLAG_ACK, fx.snd, fx.rcv + 10);
  tcp_socket_close(fx.sock);
  expect_tx(&fx, TCP_FLAG_RST | TCP_FLAG_ACK, fx.snd, fx.rcv + 10);
  expect_no_tx(&fx);
  expect_state(&fx, TCP_STATE_CLOSED);
  fx_free(&fx);
}

static void
test_user_close_linger0(void)
{
  Fx fx;
  fx_build(&fx, TCP_STATE_ESTABLISHED);
  g_assert_cmpint(tcp_socket_setopt(fx.sock, "linger", 0), ==, TCP_OK);
  tcp_socket_close(fx.sock);
  expect_tx(&fx, TCP_FLAG_RST | TCP_FLAG_ACK, fx.snd, fx.rcv);
  expect_no_tx(&fx);
  expect_state(&fx, TCP_STATE_CLOSED);
  g_assert_cmpuint(tcp_stack_stats(fx.stack)->tw_entered, ==, 0);
  fx_free(&fx);
}

static void
test_user_close_syn_sent(void)
{
  Fx fx;
  fx_build(&fx, TCP_STATE_SYN_SENT);
  tcp_socket_close(fx.sock);
  expect_no_tx(&fx);
  expect_state(&fx, TCP_STATE_CLOSED);
  test_net_run_until(fx.net, 10 * SIM_S);     /* no SYN retransmission */
  expect_no_tx(&fx);
  fx_free(&fx);
}

static void
test_user_close_close_wait(void)
{
  Fx fx;
  fx_build(&fx, TCP_STATE_CLOSE_WAIT);
  GBytes *b = NULL;
  g_assert_cmpint(tcp_socket_recv(fx.sock, 10, &b), ==, 0);   /* EOF */
  g_bytes_unref(b);
  tcp_socket_close(fx.sock);
  expect_tx(&fx, TCP_FLAG_FIN | TCP_FLAG_ACK, fx.snd, fx.rcv);
  expect_state(&fx, TCP_STATE_LAST_ACK);
  fx_free(&fx);
}

static void
test_user_close_listen(void)
{
  /* Closing a listener resets the children nobody accepted. */
  Fx fx;
  fx_build(&fx, TCP_STATE_SYN_RECEIVED);
  send_seg(&fx, TCP_FLAG_ACK, fx.rcv, fx.snd, 0);
  expect_state(&fx, TCP_STATE_ESTABLISHED);
  tcp_socket_close(fx.listener);
  expect_tx(&fx, TCP_FLAG_RST | TCP_FLAG_ACK, fx.snd, fx.rcv);
  expect_no_tx(&fx);
  expect_state(&fx, TCP_STATE_CLOSED);
  g_assert_cmpuint(tcp_stack_count(fx.stack, TCP_STATE_LISTEN), ==, 0);
  fx_free(&fx);
}

static void
test_user_shutdown_write(void)
{
  /* Half-close: FIN out, data still comes in. */
  Fx fx;
  fx_build(&fx, TCP_STATE_ESTABLISHED);
  g_assert_cmpint(tcp_socket_shutdown(fx.sock, 2), ==, TCP_OK);
  expect_tx(&fx, TCP_FLAG_FIN | TCP_FLAG_ACK, fx.snd, fx.rcv);
  fx.snd++;
  expect_state(&fx, TCP_STATE_FIN_WAIT_1);
  g_assert_cmpint(tcp_socket_send(fx.sock, NULL, 1), ==, -TCP_EPIPE);
  send_seg(&fx, TCP_FLAG_ACK | TCP_FLAG_PSH, fx.rcv, fx.snd, 50);
  expect_tx(&fx, TCP_FLAG_ACK, fx.snd, fx.rcv + 50);
  expect_state(&fx, TCP_STATE_FIN_WAIT_2);
  GBytes *b = NULL;
  g_assert_cmpint(tcp_socket_recv(fx.sock, 100, &b), ==, 50);
  g_bytes_unref(b);
  send_seg(&fx, TCP_FLAG_FIN | TCP_FLAG_ACK, fx.rcv + 50, fx.snd, 0);
  expect_tx(&fx, TCP_FLAG_ACK, fx.snd, fx.rcv + 51);
  expect_state(&fx, TCP_STATE_TIME_WAIT);
  g_assert_cmpint(tcp_socket_recv(fx.sock, 100, &b), ==, 0);
  g_bytes_unref(b);
  g_assert_cmpint(tcp_socket_state(fx.sock), ==, TCP_STATE_CLOSED);
  tcp_socket_close(fx.sock);
  expect_state(&fx, TCP_STATE_TIME_WAIT);
  fx_free(&fx);
}

static void
test_user_recv_reset(void)
{
  Fx fx;
  fx_build(&fx, TCP_STATE_ESTABLISHED);
  send_seg(&fx, TCP_FLAG_RST, fx.rcv, 0, 0);
  GBytes *b = NULL;
  g_assert_cmpint(tcp_socket_recv(fx.sock, 10, &b), ==, -TCP_ECONNRESET);
  g_assert_cmpint(tcp_socket_send(fx.sock, NULL, 10), ==, -TCP_EPIPE);
  fx_free(&fx);
}

static void
test_user_bind(void)
{
  Fx fx;
  fx_build(&fx, TCP_STATE_TIME_WAIT);          /* a TIME_WAIT record on port 80 */
  TcpSocket *a = tcp_socket_new(fx.stack);
  g_assert_cmpint(tcp_socket_bind(a, 0, 80), ==, TCP_EADDRINUSE);  /* listener */
  tcp_socket_close(fx.listener);
  g_assert_cmpint(tcp_socket_bind(a, 0, 80), ==, TCP_EADDRINUSE);  /* TIME_WAIT */
  g_assert_cmpint(tcp_socket_setopt(a, "reuseaddr", 1), ==, TCP_OK);
  g_assert_cmpint(tcp_socket_bind(a, 0, 80), ==, TCP_OK);
  g_assert_cmpint(tcp_socket_listen(a, 10), ==, TCP_OK);
  TcpSocket *b = tcp_socket_new(fx.stack);
  tcp_socket_setopt(b, "reuseaddr", 1);
  g_assert_cmpint(tcp_socket_bind(b, 0, 80), ==, TCP_EADDRINUSE);  /* listener */
  g_assert_cmpint(tcp_socket_bind(b, 0x0c000001u, 81), ==, TCP_EADDRNOTAVAIL);
  g_assert_cmpint(tcp_socket_bind(b, TEST_ADDR_A, 81), ==, TCP_OK);
  g_assert_cmpint(tcp_socket_bind(b, TEST_ADDR_A, 82), ==, TCP_EINVAL);  /* twice */
  fx_free(&fx);
}

/* ---- timers --------------------------------------------------------------- */

/* Times (ms) at which host[0] sent segments with all of `flags`. */
static GString *
tx_times(Fx *fx, guint8 flags)
{
  GString *s = g_string_new(NULL);
  for (guint i = 0; i < fx->net->wire->len; i++) {
    TestWire *w = &g_array_index(fx->net->wire, TestWire, i);
    if (w->from == 0 && (w->flags & flags) == flags)
      g_string_append_printf(s, "%" G_GINT64_FORMAT ",", w->time / SIM_MS);
  }
  return s;
}

static void
test_timer_syn_backoff(void)
{
  /* linux-5 (kernels before 6.5, no tcp_syn_linear_timeouts): SYN at 0, 1,
   * 3, 7, 15, 31, 63 s; ETIMEDOUT at 127 s. */
  Fx fx;
  fx_init(&fx);
  g_assert_true(tcp_stack_set_profile(fx.stack, "linux-5", NULL));
  fx_syn_sent(&fx);
  test_net_run_until(fx.net, 126 * SIM_S);
  expect_state(&fx, TCP_STATE_SYN_SENT);
  test_net_run_until(fx.net, 127 * SIM_S);
  expect_state(&fx, TCP_STATE_CLOSED);
  g_autoptr(GString) t = tx_times(&fx, TCP_FLAG_SYN);
  g_assert_cmpstr(t->str, ==, "0,1000,3000,7000,15000,31000,63000,");
  g_assert_cmpint(tcp_socket_take_error(fx.sock), ==, TCP_ETIMEDOUT);
  g_assert_cmpuint(tcp_stack_stats(fx.stack)->connect_timeout, ==, 1);
  g_assert_cmpuint(tcp_stack_stats(fx.stack)->retransmits, ==, 6);
  fx_free(&fx);
}

static void
test_timer_syn_linear(void)
{
  /* linux (6.5 and later: tcp_syn_linear_timeouts 4 in tcp_sk_init()):
   * tcp_retransmit_timer() keeps the RTO while icsk_backoff <= 4, so five
   * retries 1 s apart, then doubling; tcp_write_timeout() allows
   * syn_retries + 4 retries: ETIMEDOUT at 131 s. */
  Fx fx;
  fx_build(&fx, TCP_STATE_SYN_SENT);
  test_net_run_until(fx.net, 130 * SIM_S);
  expect_state(&fx, TCP_STATE_SYN_SENT);
  test_net_run_until(fx.net, 131 * SIM_S);
  expect_state(&fx, TCP_STATE_CLOSED);
  g_autoptr(GString) t = tx_times(&fx, TCP_FLAG_SYN);
  g_assert_cmpstr(t->str, ==, "0,1000,2000,3000,4000,5000,7000,11000,19000,35000,67000,");
  g_assert_cmpint(tcp_socket_take_error(fx.sock), ==, TCP_ETIMEDOUT);
  g_assert_cmpuint(tcp_stack_stats(fx.stack)->retransmits, ==, 10);
  fx_free(&fx);
}

static void
test_timer_syn_windows(void)
{
  /* Windows: InitialRto 3 s, TcpMaxConnectRetransmissions 2: 0, 3, 9; 21 s. */
  Fx fx;
  fx_init(&fx);
  g_assert_true(tcp_stack_set_profile(fx.stack, "windows", NULL));
  fx_syn_sent(&fx);
  test_net_run_until(fx.net, 20 * SIM_S);
  expect_state(&fx, TCP_STATE_SYN_SENT);
  test_net_run_until(fx.net, 21 * SIM_S);
  expect_state(&fx, TCP_STATE_CLOSED);
  g_autoptr(GString) t = tx_times(&fx, TCP_FLAG_SYN);
  g_assert_cmpstr(t->str, ==, "0,3000,9000,");
  fx_free(&fx);
}

static void
test_timer_synack_backoff(void)
{
  /* synack_retries 5: SYN-ACK at 0, 1, 3, 7, 15, 31 s; dropped at 63 s. */
  Fx fx;
  fx_build(&fx, TCP_STATE_SYN_RECEIVED);
  test_net_run_until(fx.net, 62 * SIM_S);
  expect_state(&fx, TCP_STATE_SYN_RECEIVED);
  test_net_run_until(fx.net, 63 * SIM_S);
  expect_state(&fx, TCP_STATE_LISTEN);
  g_autoptr(GString) t = tx_times(&fx, TCP_FLAG_SYN | TCP_FLAG_ACK);
  g_assert_cmpstr(t->str, ==, "0,1000,3000,7000,15000,31000,");
  fx_free(&fx);
}

static void
test_timer_data_rto(void)
{
  /* Data unacknowledged: RTO from rto_min (200 ms, the handshake's RTT
   * being 0 here), doubling; after retries2 (15) timeouts, ETIMEDOUT. */
  Fx fx;
  fx_build(&fx, TCP_STATE_ESTABLISHED);
  g_assert_cmpint(tcp_socket_send(fx.sock, NULL, 100), ==, 100);
  test_net_run_until(fx.net, 2 * SIM_S);
  g_autoptr(GString) t = tx_times(&fx, TCP_FLAG_PSH);
  g_assert_cmpstr(t->str, ==, "0,200,600,1400,");
  test_net_run_until(fx.net, 2000 * SIM_S);
  expect_state(&fx, TCP_STATE_CLOSED);
  g_assert_cmpint(tcp_socket_take_error(fx.sock), ==, TCP_ETIMEDOUT);
  g_assert_cmpuint(tcp_stack_stats(fx.stack)->retransmits, ==, 15);
  fx_free(&fx);
}

static void
test_timer_fin_wait_1_rto(void)
{
  Fx fx;
  fx_build(&fx, TCP_STATE_FIN_WAIT_1);
  test_net_run_until(fx.net, SIM_S);
  g_autoptr(GString) t = tx_times(&fx, TCP_FLAG_FIN);
  g_assert_cmpstr(t->str, ==, "0,200,600,");
  fx_free(&fx);
}

static void
test_timer_fin_wait_2_timeout(void)
{
  /* Orphaned FIN_WAIT_2: reaped after fin_timeout (60 s), silently. */
  Fx fx;
  fx_build(&fx, TCP_STATE_FIN_WAIT_2);
  test_net_run_until(fx.net, 59 * SIM_S);
  expect_state(&fx, TCP_STATE_FIN_WAIT_2);
  test_net_run_until(fx.net, 61 * SIM_S);
  expect_state(&fx, TCP_STATE_CLOSED);
  for (Packet *p; (p = test_pop_tx(fx.net));) packet_free(p);
  fx_free(&fx);
}

static void
test_timer_time_wait_expiry(void)
{
  Fx fx;
  fx_build(&fx, TCP_STATE_TIME_WAIT);
  test_net_run_until(fx.net, 60 * SIM_S - 1);
  expect_state(&fx, TCP_STATE_TIME_WAIT);
  test_net_run_until(fx.net, 60 * SIM_S);
  expect_state(&fx, TCP_STATE_CLOSED);
  g_assert_cmpuint(tcp_stack_stats(fx.stack)->tw_entered, ==, 1);
  g_assert_cmpuint(tcp_stack_stats(fx.stack)->tw_peak, ==, 1);
  g_assert_cmpint(tcp_stack_stats(fx.stack)->tw_peak_time, ==, 0);
  fx_free(&fx);
}

static void
test_timer_time_wait_restart(void)
{
  /* A retransmitted FIN at 30 s is ACKed and restarts the 60 s. */
  Fx fx;
  fx_build(&fx, TCP_STATE_TIME_WAIT);
  test_net_run_until(fx.net, 30 * SIM_S);
  send_seg(&fx, TCP_FLAG_FIN | TCP_FLAG_ACK, fx.rcv - 1, fx.snd, 0);
  expect_tx(&fx, TCP_FLAG_ACK, fx.snd, fx.rcv);
  test_net_run_until(fx.net, 89 * SIM_S);
  expect_state(&fx, TCP_STATE_TIME_WAIT);
  test_net_run_until(fx.net, 90 * SIM_S);
  expect_state(&fx, TCP_STATE_CLOSED);
  fx_free(&fx);
}

static void
test_timer_time_wait_length(void)
{
  Fx fx;
  fx_init(&fx);
  g_assert_true(tcp_stack_set(fx.stack, "time_wait", "5s", NULL));
  fx_time_wait(&fx);
  test_net_run_until(fx.net, 5 * SIM_S);
  expect_state(&fx, TCP_STATE_CLOSED);
  fx_free(&fx);
}

static void
test_timer_last_ack_rto(void)
{
  Fx fx;
  fx_build(&fx, TCP_STATE_LAST_ACK);
  test_net_run_until(fx.net, 3 * SIM_S);
  g_autoptr(GString) t = tx_times(&fx, TCP_FLAG_FIN);
  g_assert_cmpstr(t->str, ==, "0,200,600,1400,3000,");
  expect_state(&fx, TCP_STATE_LAST_ACK);
  for (Packet *p; (p = test_pop_tx(fx.net));) packet_free(p);
  fx_free(&fx);
}

static void
test_timer_closing_rto(void)
{
  Fx fx;
  fx_build(&fx, TCP_STATE_CLOSING);
  test_net_run_until(fx.net, SIM_S);
  g_autoptr(GString) t = tx_times(&fx, TCP_FLAG_FIN);
  g_assert_cmpstr(t->str, ==, "0,200,600,");
  expect_state(&fx, TCP_STATE_CLOSING);
  /* The ACK of the FIN at last: TIME_WAIT. */
  for (Packet *p; (p = test_pop_tx(fx.net));) packet_free(p);
  send_seg(&fx, TCP_FLAG_ACK, fx.rcv, fx.snd, 0);
  expect_state(&fx, TCP_STATE_TIME_WAIT);
  fx_free(&fx);
}

static void
test_timer_close_wait_rto(void)
{
  /* Data sent in CLOSE_WAIT is retransmitted like any other. */
  Fx fx;
  fx_build(&fx, TCP_STATE_CLOSE_WAIT);
  g_assert_cmpint(tcp_socket_send(fx.sock, NULL, 10), ==, 10);
  test_net_run_until(fx.net, SIM_S);
  g_autoptr(GString) t = tx_times(&fx, TCP_FLAG_PSH);
  g_assert_cmpstr(t->str, ==, "0,200,600,");
  for (Packet *p; (p = test_pop_tx(fx.net));) packet_free(p);
  fx_free(&fx);
}

static void
test_max_tw_buckets(void)
{
  /* Past max_tw_buckets a closing socket skips TIME_WAIT (tw_killed). */
  Fx fx;
  fx_init(&fx);
  g_assert_true(tcp_stack_set(fx.stack, "max_tw_buckets", "0", NULL));
  fx_time_wait(&fx);
  expect_state(&fx, TCP_STATE_CLOSED);
  g_assert_cmpuint(tcp_stack_stats(fx.stack)->tw_killed, ==, 1);
  g_assert_cmpuint(tcp_stack_stats(fx.stack)->tw_entered, ==, 0);
  fx_free(&fx);
}

static void
test_isn_clock(void)
{
  /* RFC 6528: the same 4-tuple's ISN advances with a 64 ns clock
   * (Linux); different tuples get unrelated offsets. */
  Fx fx;
  fx_init(&fx);
  TcpConnEnv env = { .isn_key = tcp_hash_key(1, "isn") };
  TcpTuple t = { TEST_ADDR_A, TEST_ADDR_B, 40000, 80 };
  TcpTuple u = { TEST_ADDR_A, TEST_ADDR_B, 40001, 80 };
  guint32 a = tcp_isn(&env, &t, 0), b = tcp_isn(&env, &t, SIM_S);
  g_assert_cmpuint(b - a, ==, 15625000);
  g_assert_cmpuint(tcp_isn(&env, &u, 0), !=, a);
  g_assert_cmpuint(tcp_isn(&env, &t, 0), ==, a);
  fx_free(&fx);
}

static void
test_random_segments(void)
{
  /* 200,000 random segments (flags, sequence and ack numbers near the
   * live ones, a few ports) at a host with a listener and clients: no
   * assertion fires (every transition legal), counts stay consistent,
   * and the host answers sanely to the end. */
  Fx fx;
  fx_init(&fx);
  fx_listen(&fx);
  SimRng rng;
  sim_rng_init_stream(&rng, 42, "random-segments");
  TcpSocket *clients[4];
  for (int i = 0; i < 4; i++) {
    clients[i] = tcp_socket_new(fx.stack);
    tcp_socket_bind(clients[i], 0, (guint16)(50000 + i));
    tcp_socket_connect(clients[i], TEST_ADDR_B, 80);
  }
  guint32 seqs[8] = { PEER_ISN, PEER_ISN + 1 };
  int n_seqs = 2;
  for (int i = 0; i < 200000; i++) {
    static const guint8 flag_sets[] = {
      TCP_FLAG_SYN, TCP_FLAG_SYN | TCP_FLAG_ACK, TCP_FLAG_ACK, TCP_FLAG_ACK | TCP_FLAG_PSH,
      TCP_FLAG_FIN, TCP_FLAG_FIN | TCP_FLAG_ACK, TCP_FLAG_RST, TCP_FLAG_RST | TCP_FLAG_ACK,
    };
    Packet *p;
    while ((p = test_pop_tx(fx.net))) {          /* learn what the host says */
      seqs[n_seqs < 8 ? (guint64)n_seqs++ : sim_rng_below(&rng, 8)] = p->tcp.seq + p->tcp.payload.len;
      seqs[sim_rng_below(&rng, n_seqs)] = p->tcp.ack;
      packet_free(p);
    }
    guint16 sport = (guint16)(sim_rng_chance(&rng, 0.5) ? 80 : 40000 + sim_rng_below(&rng, 3));
    guint16 dport = (guint16)(sim_rng_chance(&rng, 0.5) ? 80 : 50000 + sim_rng_below(&rng, 4));
    guint32 seq = seqs[sim_rng_below(&rng, n_seqs)] + (guint32)sim_rng_below(&rng, 3) - 1;
    guint32 ack = seqs[sim_rng_below(&rng, n_seqs)] + (guint32)sim_rng_below(&rng, 3) - 1;
    test_send(fx.net, sport, dport, flag_sets[sim_rng_below(&rng, 8)], seq, ack,
              sim_rng_chance(&rng, 0.3) ? (guint32)sim_rng_below(&rng, 200) : 0);
    if (i % 1000 == 999)
      test_net_run_until(fx.net, sim_engine_now(fx.net->engine) + 100 * SIM_MS);
    if (i % 20000 == 19999) {
      int err;
      TcpSocket *a;
      while ((a = tcp_socket_accept(fx.listener, &err))) tcp_socket_close(a);
    }
  }
  guint64 total = 0;
  for (int st_ = 0; st_ < TCP_STATE_N; st_++) total += tcp_stack_count(fx.stack, (TcpState)st_);
  g_assert_cmpuint(total, <, 100000);
  const TcpStats *stt = tcp_stack_stats(fx.stack);
  g_test_message("random segments: %" G_GUINT64_FORMAT " received, %" G_GUINT64_FORMAT
                 " sent, %" G_GUINT64_FORMAT " accepts, %" G_GUINT64_FORMAT " RSTs sent",
                 stt->segments_received, stt->segments_sent, stt->accepts, stt->resets_sent);
  g_assert_cmpuint(stt->segments_received, ==, 200000);
  g_assert_cmpuint(tcp_stack_count(fx.stack, TCP_STATE_LISTEN), ==, 1);
  for (Packet *p; (p = test_pop_tx(fx.net));) packet_free(p);
  /* Still answers: a SYN to a closed port gets its RST. */
  test_send(fx.net, 1234, 9, TCP_FLAG_SYN, 1, 0, 0);
  expect_tx(&fx, TCP_FLAG_RST | TCP_FLAG_ACK, 0, 2);
  fx_free(&fx);
}

/* ---- settings ------------------------------------------------------------- */

static void
test_settings(void)
{
  Fx fx;
  fx_init(&fx);
  GError *error = NULL;
  g_assert_false(tcp_stack_set(fx.stack, "nonsense", "1", &error));
  g_assert_error(error, SIM_ERROR, SIM_ERROR_INVALID);
  g_assert_nonnull(strstr(error->message, "nonsense"));
  g_clear_error(&error);
  g_assert_false(tcp_stack_set(fx.stack, "port_range", "60000-50000", &error));
  g_assert_nonnull(strstr(error->message, "port_range"));
  g_clear_error(&error);
  g_assert_false(tcp_stack_set(fx.stack, "time_wait", "-1s", &error));
  g_clear_error(&error);
  g_assert_false(tcp_stack_set(fx.stack, "timestamps", "maybe", &error));
  g_clear_error(&error);
  g_assert_false(tcp_stack_set(fx.stack, "tw_reuse", "3", &error));
  g_clear_error(&error);
  g_assert_true(tcp_stack_set(fx.stack, "time_wait", "30", NULL));
  g_assert_true(tcp_stack_set(fx.stack, "port_range", "1000-2000", NULL));
  g_assert_true(tcp_stack_set(fx.stack, "rto_min", "1ms", NULL));
  g_assert_false(tcp_stack_set_profile(fx.stack, "plan9", &error));
  g_clear_error(&error);
  const char *profiles[] = { "linux", "linux-5", "bsd", "windows", "rfc9293" };
  for (gsize i = 0; i < G_N_ELEMENTS(profiles); i++)
    g_assert_true(tcp_stack_set_profile(fx.stack, profiles[i], NULL));
  fx_free(&fx);
}


/* Tests beyond the cell table: user calls, timers, settings. */
static const struct {
  const char *path;
  GTestFunc   fn;
  const char *what;
} extra_tests[] = {
  { "/tcp/time-wait/rst-rfc1337", test_time_wait_rst_rfc1337,
    "TIME_WAIT, RST with rfc1337: ignored, stays" },
  { "/tcp/time-wait/syn-newer-timestamp", test_time_wait_syn_newer_timestamp,
    "TIME_WAIT, SYN below RCV.NXT with a newer TSval: reopens (older TSval: ACK)" },
  { "/tcp/time-wait/syn-no-listener", test_time_wait_syn_no_listener,
    "TIME_WAIT, reopening SYN but no listener: ACK" },
  { "/tcp/established/out-of-window-ratelimit", test_established_oow_ratelimit,
    "ESTABLISHED, out-of-window ACKs: one reply per invalid_ratelimit (500 ms); data always answered" },
  { "/tcp/established/rst-in-window-no-rfc5961", test_established_rst_in_window_rfc9293,
    "ESTABLISHED, in-window RST without RFC 5961: reset, ECONNRESET" },
  { "/tcp/established/syn-no-rfc5961", test_established_syn_rfc793,
    "ESTABLISHED, SYN without RFC 5961: RST, CLOSED" },
  { "/tcp/user/connect-refused", test_user_connect_refused,
    "SYN_SENT, RST-ACK: CLOSED, ECONNREFUSED, connect_refused" },
  { "/tcp/user/connect-errors", test_user_connect_errors,
    "connect: ENETUNREACH, EALREADY, EISCONN; setopt EINVAL; ephemeral port in range" },
  { "/tcp/user/connect-again", test_user_connect_again,
    "CLOSED after ETIMEDOUT, connect again: a fresh SYN schedule" },
  { "/tcp/user/send-recv-before-established", test_user_send_recv_states,
    "send/recv in SYN_SENT: EAGAIN; unconnected: ENOTCONN" },
  { "/tcp/user/send-and-recv", test_user_send_and_recv,
    "ESTABLISHED: bytes out and in, byte-exact, partial reads" },
  { "/tcp/user/close-unread-data", test_user_close_unread_data,
    "ESTABLISHED, close with unread data: RST-ACK, CLOSED (RFC 2525)" },
  { "/tcp/user/close-linger0", test_user_close_linger0,
    "ESTABLISHED, linger 0 close: RST-ACK, CLOSED, no TIME_WAIT" },
  { "/tcp/user/close-syn-sent", test_user_close_syn_sent,
    "SYN_SENT, close: CLOSED, nothing sent, no retransmission" },
  { "/tcp/user/close-close-wait", test_user_close_close_wait,
    "CLOSE_WAIT, recv EOF then close: FIN, LAST_ACK" },
  { "/tcp/user/close-listen", test_user_close_listen,
    "LISTEN, close: unaccepted child reset" },
  { "/tcp/user/shutdown-write", test_user_shutdown_write,
    "ESTABLISHED, shutdown(w): FIN_WAIT_1, data still received, TIME_WAIT, leftover readable" },
  { "/tcp/user/recv-reset", test_user_recv_reset,
    "ESTABLISHED, RST: recv ECONNRESET, send EPIPE" },
  { "/tcp/user/bind", test_user_bind,
    "bind: EADDRINUSE (listener, TIME_WAIT), reuseaddr over TIME_WAIT, EADDRNOTAVAIL, EINVAL" },
  { "/tcp/timer/syn-backoff", test_timer_syn_backoff,
    "SYN_SENT, linux-5: SYN at 0,1,3,7,15,31,63 s; ETIMEDOUT at 127 s" },
  { "/tcp/timer/syn-linear-timeouts", test_timer_syn_linear,
    "SYN_SENT, linux (syn_linear_timeouts 4): 0,1,2,3,4,5,7,11,19,35,67 s; ETIMEDOUT at 131 s" },
  { "/tcp/timer/syn-windows", test_timer_syn_windows,
    "SYN_SENT, windows profile: 0,3,9 s; ETIMEDOUT at 21 s" },
  { "/tcp/timer/synack-backoff", test_timer_synack_backoff,
    "SYN_RECEIVED: SYN-ACK at 0,1,3,7,15,31 s; dropped at 63 s" },
  { "/tcp/timer/data-rto", test_timer_data_rto,
    "ESTABLISHED: data RTO 0.2 s doubling; ETIMEDOUT after retries2 (15)" },
  { "/tcp/timer/fin-wait-1-rto", test_timer_fin_wait_1_rto,
    "FIN_WAIT_1: FIN retransmitted on the RTO" },
  { "/tcp/timer/fin-wait-2-timeout", test_timer_fin_wait_2_timeout,
    "FIN_WAIT_2 orphaned: CLOSED after fin_timeout (60 s)" },
  { "/tcp/timer/time-wait-expiry", test_timer_time_wait_expiry,
    "TIME_WAIT: CLOSED at exactly 60 s" },
  { "/tcp/timer/time-wait-restart", test_timer_time_wait_restart,
    "TIME_WAIT: retransmitted FIN at 30 s ACKed, expiry moves to 90 s" },
  { "/tcp/timer/time-wait-length", test_timer_time_wait_length,
    "TIME_WAIT with time_wait 5s" },
  { "/tcp/timer/last-ack-rto", test_timer_last_ack_rto,
    "LAST_ACK: FIN retransmitted at 0.2, 0.6, 1.4, 3.0 s" },
  { "/tcp/timer/closing-rto", test_timer_closing_rto,
    "CLOSING: FIN retransmitted on the RTO, then its ACK: TIME_WAIT" },
  { "/tcp/timer/close-wait-rto", test_timer_close_wait_rto,
    "CLOSE_WAIT: data retransmitted on the RTO" },
  { "/tcp/time-wait/max-tw-buckets", test_max_tw_buckets,
    "entering TIME_WAIT past max_tw_buckets: CLOSED, tw_killed" },
  { "/tcp/isn-clock", test_isn_clock,
    "ISN: keyed hash of the 4-tuple plus 64 ns ticks (RFC 6528, Linux)" },
  { "/tcp/random-segments", test_random_segments,
    "200,000 random segments: every transition legal, counts consistent" },
  { "/tcp/settings", test_settings,
    "tcp_stack_set / set_profile validation" },
};

static GString *
transitions_md(void)
{
  GString *md = g_string_new(NULL);
  g_string_append_printf(md, "# TCP transitions: every (state, segment) cell\n\n"
          "Generated by `build/tests/test-tcp --transitions-md` from the table the\n"
          "tests run (tests/test-tcp.c); each row is checked by the test it names.\n"
          "Profile linux (RFC 5961 challenge ACKs on, rfc1337 off).  Segments:\n"
          "`syn` at the peer's next sequence number, `ack` acknowledging all we\n"
          "sent, `data` 100 bytes in order, `fin-ack` a retransmission once the\n"
          "peer's FIN is in, `*-out-of-window` 2^30 beyond RCV.NXT.\n\n"
          "| state | segment | reply | next state | why | test |\n"
          "| --- | --- | --- | --- | --- | --- |\n");
  for (gsize i = 0; i < G_N_ELEMENTS(cells); i++) {
    const Cell *c = &cells[i];
    char flags[9];
    g_autofree char *path = cell_path(c);
    g_string_append_printf(md, "| %s | %s | %s | %s | %s | `%s` |\n", tcp_state_name(c->state),
            kind_names[c->kind], c->reply ? tcp_flags_format(c->reply, flags) : "none",
            tcp_state_name(c->next), c->why, path);
  }
  g_string_append_printf(md, "\nUser calls in every state (the socket kept open with shutdown(\"w\") where\n"
          "a state needs our FIN):\n\n| state | call | result | sends | next state | why | test |\n"
          "| --- | --- | --- | --- | --- | --- | --- |\n");
  for (gsize i = 0; i < G_N_ELEMENTS(call_cells); i++) {
    const CallCell *c = &call_cells[i];
    char flags[9];
    g_autofree char *path = call_path(c);
    const char *res = c->result < 0 ? tcp_errno_name(-c->result) :
                      c->call >= U_SHUTDOWN_W ? tcp_errno_name(c->result) : NULL;
    g_autofree char *num = g_strdup_printf("%d", c->result);
    g_string_append_printf(md, "| %s | %s | %s | %s | %s | %s | `%s` |\n",
                           tcp_state_name(c->state), call_names[c->call], res ? res : num,
                           c->reply ? tcp_flags_format(c->reply, flags) : "none",
                           tcp_state_name(c->next), c->why, path);
  }
  g_string_append_printf(md, "\nUser calls, timers and settings in each state where they apply:\n\n"
          "| what | test |\n| --- | --- |\n");
  for (gsize i = 0; i < G_N_ELEMENTS(extra_tests); i++)
    g_string_append_printf(md, "| %s | `%s` |\n", extra_tests[i].what, extra_tests[i].path);
  g_string_append_printf(md, "\nWhole connections between two stacks are in tests/test-tcp-stack.c\n"
          "(`/stack/...`): both close orders, simultaneous open and close, the\n"
          "lost last ACK, the SYN black hole, backlog overflow, port exhaustion,\n"
          "tw_reuse, reopen by SYN, linger 0, unread data, a lossy transfer, a\n"
          "zero window, and a million TIME_WAIT records.\n");
  return md;
}

static void
test_transitions_doc(void)
{
  /* docs/tcp-transitions.md is this table: regenerate it with
   * `build/tests/test-tcp --transitions-md > docs/tcp-transitions.md`. */
  const char *scen = g_getenv("TWSIM_SCENARIOS");
  if (scen == NULL) {
    g_test_skip("TWSIM_SCENARIOS not set");
    return;
  }
  g_autofree char *path = g_build_filename(scen, "..", "docs", "tcp-transitions.md", NULL);
  g_autofree char *text = NULL;
  g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
  g_autoptr(GString) md = transitions_md();
  g_assert_cmpstr(text, ==, md->str);
}

int
main(int argc, char **argv)
{
  if (argc > 1 && strcmp(argv[1], "--transitions-md") == 0) {
    g_autoptr(GString) md = transitions_md();
    fputs(md->str, stdout);
    return 0;
  }
  g_test_init(&argc, &argv, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS(cells); i++) {
    g_autofree char *path = cell_path(&cells[i]);
    g_test_add_data_func(path, &cells[i], test_cell);
  }
  for (gsize i = 0; i < G_N_ELEMENTS(call_cells); i++) {
    g_autofree char *path = call_path(&call_cells[i]);
    g_test_add_data_func(path, &call_cells[i], test_call);
  }
  for (gsize i = 0; i < G_N_ELEMENTS(extra_tests); i++)
    g_test_add_func(extra_tests[i].path, extra_tests[i].fn);
  g_test_add_func("/tcp/transitions-doc", test_transitions_doc);
  return g_test_run();
}
