/* libFuzzer target: TCP stacks (tests/tcp-harness.h) driven by a sequence
 * of operations decoded from the input.  The first byte picks the mode:
 * one stack and a raw peer whose segments the input writes, or two stacks
 * back to back whose packets the input drops, delays and duplicates (each
 * with four of the sockets).  Operations: user calls on up to eight
 * sockets (socket, bind, listen, accept, connect, send,
 * recv, shutdown, close, setopt, a profile setting) and segments from the
 * raw peer whose fields come from the input (sequence and acknowledgement
 * numbers either near what the stack last sent or arbitrary), and time
 * advancing.  The harness checks every invariant of the stack
 * (tcp-check.h) after each event and each segment; this target checks
 * them after each user call too.  Any broken invariant, assertion,
 * sanitizer report, leak, or endless exchange of segments is a finding.
 *
 * Input: a mode byte (bit 0: two stacks; then jitter and duplication),
 * then a stream of operations, each one byte of opcode then the bytes it
 * needs; a short read gives zeros. */
#include "tcp-harness.h"
#include "tcp-check.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define N_SOCKS 8

typedef struct {
  const uint8_t *p, *end;
  TestNet       *net;
  TcpSocket     *socks[N_SOCKS];
  guint32        peer_seq, peer_ack;   /* from the last segment the stack sent */
  guint16        peer_port, local_port;
  gboolean       two;                  /* two stacks: sockets 4-7 on host b */
  guint8         drop_mask;            /* two stacks: packet k dropped if bit k % 8 */
  guint          packets;
  SimRng         chaos;
} Fuzz;

static guint
take(Fuzz *f, guint n)
{
  guint v = 0;
  for (guint i = 0; i < n; i++) v = (v << 8) | (f->p < f->end ? *f->p++ : 0);
  return v;
}

static TcpStack *
stack(Fuzz *f)
{
  return f->net->host[0].stack;
}

static gboolean
fuzz_drop(TestNet *net, int from, const Packet *pkt, gpointer ud)
{
  Fuzz *f = ud;
  return (f->drop_mask >> (f->packets++ % 8)) & 1;
}

static void
check_all(Fuzz *f)
{
  for (int i = 0; i < 2; i++)
    if (f->net->host[i].stack) tcp_stack_check_invariants(f->net->host[i].stack);
}

static const guint16 ports[] = { 80, 81, 1000, 32768, 60999, 0 };

/* Reads what the stack sent, remembering where the peer stands. */
static void
drain(Fuzz *f)
{
  Packet *pkt;
  while ((pkt = test_pop_tx(f->net))) {
    f->peer_seq = pkt->tcp.ack;
    f->peer_ack = pkt->tcp.seq + tcp_segment_seq_len(&pkt->tcp);
    f->peer_port = pkt->tcp.dport;
    f->local_port = pkt->tcp.sport;
    packet_free(pkt);
  }
}

static void
op_segment(Fuzz *f)
{
  guint mode = take(f, 1);
  if (f->two && (mode & 16)) {         /* two stacks: change what the wire drops */
    f->drop_mask = (guint8)take(f, 1);
    return;
  }
  TcpSegment seg = { 0 };
  seg.flags = (guint8)take(f, 1);
  seg.sport = mode & 1 ? f->peer_port : ports[take(f, 1) % G_N_ELEMENTS(ports)];
  seg.dport = mode & 2 ? f->local_port : ports[take(f, 1) % G_N_ELEMENTS(ports)];
  if (mode & 4) {                       /* near what the stack expects */
    seg.seq = f->peer_seq + (guint32)(gint8)take(f, 1);
    seg.ack = f->peer_ack + (guint32)(gint8)take(f, 1);
  } else {
    seg.seq = take(f, 4);
    seg.ack = take(f, 4);
  }
  seg.win = (guint16)take(f, 2);
  seg.opts = (guint8)(take(f, 1) & 0x0f);
  seg.mss = (guint16)take(f, 2);
  seg.wscale = (guint8)take(f, 1);
  seg.ts_val = take(f, 4);
  seg.ts_ecr = take(f, 4);
  guint len = take(f, 2) % 3000;
  if (mode & 8) {
    guint8 bytes[64];
    guint n = MIN(len, sizeof bytes);
    for (guint i = 0; i < n; i++) bytes[i] = (guint8)take(f, 1);
    seg.payload.buf = net_buf_new(bytes, n);
    seg.payload.len = n;
  } else {
    seg.payload.len = len;              /* virtual zero bytes */
  }
  test_send_seg(f->net, &seg);
  tcp_segment_clear(&seg);
}

static void
op_user(Fuzz *f, guint op)
{
  guint slot = take(f, 1) % N_SOCKS;
  TcpSocket *s = f->socks[slot];
  if (op == 0) {
    if (s == NULL) f->socks[slot] = tcp_socket_new(f->net->host[f->two && slot >= 4].stack);
    return;
  }
  if (s == NULL) return;
  guint arg = take(f, 2);
  switch (op) {
  case 1: tcp_socket_bind(s, arg & 0x100 ? TEST_ADDR_A : 0, ports[arg % G_N_ELEMENTS(ports)]); break;
  case 2: tcp_socket_listen(s, (int)(arg % 5) - 1); break;
  case 3: {
    int err;
    TcpSocket *c = tcp_socket_accept(s, &err);
    if (c) {
      guint to = (slot + 1 + arg) % N_SOCKS;
      if (f->socks[to]) tcp_socket_close(f->socks[to]);
      f->socks[to] = c;
    }
    break;
  }
  case 4: {
    static const NetAddr addrs[] = { TEST_ADDR_B, TEST_ADDR_A, 0x0b000000u, 0 };
    guint pick = arg % G_N_ELEMENTS(addrs);
    if (f->two && slot >= 4 && pick < 2) pick = 1 - pick;   /* b connects to a */
    tcp_socket_connect(s, addrs[pick], ports[(arg >> 2) % G_N_ELEMENTS(ports)]);
    break;
  }
  case 5: tcp_socket_send(s, arg & 1 ? (const guint8 *)"hello, world" : NULL,
                          arg & 1 ? 12 : arg % 20000); break;
  case 6: {
    GBytes *b = NULL;
    tcp_socket_recv(s, arg % 5000, &b);
    if (b) g_bytes_unref(b);
    break;
  }
  case 7: tcp_socket_shutdown(s, (int)(arg % 4)); break;
  case 8: tcp_socket_close(s); f->socks[slot] = NULL; break;
  case 9: {
    static const char *const names[] = { "linger", "reuseaddr", "nodelay", "bogus" };
    tcp_socket_setopt(s, names[arg % 4], (gint64)(arg >> 2) - 2);
    break;
  }
  case 10: tcp_socket_take_error(s); break;
  }
}

/* A profile setting, as h:set{} would make it mid-run. */
static void
op_set(Fuzz *f)
{
  static const char *const sets[][2] = {
    { "time_wait", "1s" }, { "time_wait", "0" }, { "max_tw_buckets", "1" },
    { "tw_reuse", "1" }, { "rfc1337", "true" }, { "syn_retries", "1" },
    { "timestamps", "false" }, { "rto_min", "1ms" }, { "backlog", "1" },
    { "mss", "100" }, { "fin_timeout", "1s" }, { "delayed_ack", "0" },
  };
  guint i = take(f, 1) % G_N_ELEMENTS(sets);
  GError *error = NULL;
  if (!tcp_stack_set(stack(f), sets[i][0], sets[i][1], &error)) g_clear_error(&error);
}

/* Eight sockets' buffers make some 60,000 segments at most in one step:
 * more is two stacks answering each other for ever (an ACK storm). */
static void
storm_check(Fuzz *f, guint before)
{
  if (f->net->wire->len - before > 200000) {
    fprintf(stderr, "segment storm: %u segments in one step\n", f->net->wire->len - before);
    abort();
  }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  Fuzz f = { .p = data, .end = data + size, .peer_port = 1000, .local_port = 80 };
  guint mode = take(&f, 1);
  f.two = mode & 1;
  f.net = test_net_new(!f.two, SIM_MS);
  if (f.two) {
    f.net->drop = fuzz_drop;
    f.net->drop_ud = &f;
    sim_rng_init_stream(&f.chaos, mode, "fuzz-chaos");
    f.net->chaos = &f.chaos;
    f.net->jitter = (SimTime)((mode >> 1) & 7) * SIM_MS;
    f.net->dup = ((mode >> 4) & 3) / 8.0;
  }
  for (guint ops = 0; f.p < f.end && ops < 2000; ops++) {
    guint wire = f.net->wire->len;
    guint op = take(&f, 1);
    if (op < 64) op_segment(&f);
    else if (op < 200) op_user(&f, (op - 64) % 11);
    else if (op < 208) op_set(&f);
    else {
      SimTime now = sim_engine_now(f.net->engine);
      test_net_run_until(f.net, now + (SimTime)take(&f, 2) * (op & 1 ? SIM_S : SIM_MS));
    }
    drain(&f);
    check_all(&f);
    storm_check(&f, wire);
  }
  guint wire = f.net->wire->len;
  test_net_run_until(f.net, sim_engine_now(f.net->engine) + 200 * SIM_S);
  storm_check(&f, wire);
  drain(&f);
  check_all(&f);
  for (guint i = 0; i < N_SOCKS; i++)
    if (f.socks[i]) tcp_socket_close(f.socks[i]);
  drain(&f);
  test_net_free(f.net);
  return 0;
}
