/* The ladder (sim/outputs/ladder.c) fed by hand: every line fits its
 * width from 72 columns up, the time convention (arrows at their send
 * time, whatever their fate), the labels of why a segment was sent, every
 * drop reason in words and where its X goes, a socket call ahead of the
 * state change it causes, and --ladder-conn / --ladder-from / -until. */
#include "ladder.h"
#include <stdio.h>
#include <string.h>

#define CLIENT 0x0a000001u   /* 10.0.0.1 */
#define SERVER 0x0a000002u   /* 10.0.0.2 */

typedef struct {
  SimEngine  *engine;
  SimRunView  view;
  NetNode    *client, *server;
  char       *text;         /* what the ladder wrote */
  gsize       size;
  FILE       *out;
  SimLadder  *ladder;
  SimConnIndex *conns;
} Fixture;

static void
fixture_open(Fixture *f, const SimLadderOptions *opts)
{
  memset(f, 0, sizeof *f);
  f->engine = sim_engine_new();
  f->view.engine = f->engine;
  f->view.net = net_world_new(f->engine, 1);
  NetAddr c = CLIENT, s = SERVER;
  f->client = net_world_host_new(f->view.net, "client", &c, 1, NULL);
  f->server = net_world_host_new(f->view.net, "server", &s, 1, NULL);
  f->out = open_memstream(&f->text, &f->size);
  f->conns = sim_conn_index_new(&f->view);
  f->ladder = sim_ladder_new(f->out, opts, &f->view, f->conns);
}

/* Frees the ladder (writing what it held) and returns its text. */
static const char *
fixture_close(Fixture *f)
{
  sim_ladder_free(f->ladder);
  f->ladder = NULL;
  sim_conn_index_unref(f->conns);
  fclose(f->out);
  net_world_free(f->view.net);
  sim_engine_free(f->engine);
  return f->text;
}

static SimLadderOptions
options(guint width)
{
  return (SimLadderOptions){ .width = width, .limit = 20, .until = SIM_TIME_MAX };
}

/* A packet from the client (from_client) or the server, ports 40000/80. */
static Packet
packet(gboolean from_client, guint8 flags, guint32 seq, guint32 ack, guint32 len)
{
  Packet p = { 0 };
  p.src = from_client ? CLIENT : SERVER;
  p.dst = from_client ? SERVER : CLIENT;
  p.tcp.sport = from_client ? 40000 : 80;
  p.tcp.dport = from_client ? 80 : 40000;
  p.tcp.flags = flags;
  p.tcp.seq = seq;
  p.tcp.ack = ack;
  p.tcp.win = 65535;
  p.tcp.payload.len = len;
  return p;
}

static void
net_event(Fixture *f, NetEventKind kind, const Packet *p, SimTime t, NetDropReason reason)
{
  NetEvent ev = { .kind = kind, .reason = reason, .pkt = p, .time = t,
                  .node = p->src == CLIENT ? f->client : f->server };
  sim_ladder_segment(f->ladder, &ev);
}

static void
state(Fixture *f, gboolean client, TcpState from, TcpState to, SimTime t)
{
  TcpStateEvent ev = { .host = client ? "client" : "server", .from = from, .to = to };
  ev.tuple = client ? (TcpTuple){ CLIENT, SERVER, 40000, 80 }
                    : (TcpTuple){ SERVER, CLIENT, 80, 40000 };
  sim_ladder_state(f->ladder, t, &ev);
}

/* A connection's life: calls, handshake, data with large sequence numbers,
 * a loss and its retransmission, teardown with a TIME_WAIT re-ACK. */
static void
feed_connection(Fixture *f)
{
  TcpTuple listener = { .laddr = 0, .lport = 80 };
  TcpTuple ct = { CLIENT, SERVER, 40000, 80 };
  sim_ladder_call_begin(f->ladder);
  sim_ladder_call(f->ladder, 0, "server", "listen(128)", &listener);
  sim_ladder_call_end(f->ladder);
  sim_ladder_call_begin(f->ladder);
  state(f, TRUE, TCP_STATE_CLOSED, TCP_STATE_SYN_SENT, 0);
  sim_ladder_call(f->ladder, 0, "client", "connect()", &ct);
  sim_ladder_call_end(f->ladder);
  Packet syn = packet(TRUE, TCP_FLAG_SYN, 1000, 0, 0);
  net_event(f, NET_EVENT_SEND, &syn, 0, 0);
  net_event(f, NET_EVENT_RECV, &syn, 5 * SIM_MS, 0);
  state(f, FALSE, TCP_STATE_LISTEN, TCP_STATE_SYN_RECEIVED, 5 * SIM_MS);
  Packet synack = packet(FALSE, TCP_FLAG_SYN | TCP_FLAG_ACK, 7000, 1001, 0);
  net_event(f, NET_EVENT_SEND, &synack, 5 * SIM_MS, 0);
  net_event(f, NET_EVENT_RECV, &synack, 10 * SIM_MS, 0);
  state(f, TRUE, TCP_STATE_SYN_SENT, TCP_STATE_ESTABLISHED, 10 * SIM_MS);
  Packet data = packet(TRUE, TCP_FLAG_ACK | TCP_FLAG_PSH, 1001 + 4000000000u, 7001 + 3000000, 1448);
  net_event(f, NET_EVENT_SEND, &data, 10 * SIM_MS, 0);
  net_event(f, NET_EVENT_DROP, &data, 10 * SIM_MS, NET_DROP_LOSS);
  Packet again = data;
  again.tcp.why = TCP_WHY_RETRANSMIT;
  net_event(f, NET_EVENT_SEND, &again, 210 * SIM_MS, 0);
  net_event(f, NET_EVENT_RECV, &again, 215 * SIM_MS, 0);
  state(f, FALSE, TCP_STATE_SYN_RECEIVED, TCP_STATE_ESTABLISHED, 215 * SIM_MS);
  Packet twack = packet(TRUE, TCP_FLAG_ACK, 1002, 7002, 0);
  twack.tcp.why = TCP_WHY_TW_ACK;
  net_event(f, NET_EVENT_SEND, &twack, 61 * SIM_S, 0);
  net_event(f, NET_EVENT_RECV, &twack, 61 * SIM_S + 5 * SIM_MS, 0);
  state(f, TRUE, TCP_STATE_TIME_WAIT, TCP_STATE_CLOSED, 120 * SIM_S);
}

/* Every line fits the width, the header says the time unit, and state
 * changes are whole from 120 columns up. */
static void
test_widths(void)
{
  static const guint widths[] = { 72, 80, 99, 100, 119, 120, 160 };
  for (gsize i = 0; i < G_N_ELEMENTS(widths); i++) {
    Fixture f;
    SimLadderOptions o = options(widths[i]);
    fixture_open(&f, &o);
    feed_connection(&f);
    const char *text = fixture_close(&f);
    char **lines = g_strsplit(text, "\n", -1);
    guint rows = 0;
    for (char **l = lines; *l; l++) {
      if (strlen(*l) > widths[i]) g_test_message("%u: %s", widths[i], *l);
      g_assert_cmpuint(strlen(*l), <=, widths[i]);
      if (strstr(*l, "#1 ")) rows++;
    }
    g_assert_cmpuint(rows, >=, 12);
    g_assert_nonnull(strstr(text, widths[i] < 100 ? "Time in milliseconds" : "Time in seconds"));
    /* the whole label while it fits; the window goes first, then the keys */
    if (widths[i] == 100 || widths[i] >= 160)
      g_assert_nonnull(strstr(text, "PA seq=4000000001 ack=3000001 len=1448 win=65535--"));
    if (widths[i] == 80)
      g_assert_nonnull(strstr(text, "PA s=4000000001 a=3000001 l=1448->|"));
    if (widths[i] == 72) {
      g_assert_nonnull(strstr(text, "PA s=4000000001 l=1448--"));
      g_assert_nonnull(strstr(text, "S seq=0 len=0 win=65535--"));   /* short ones stay whole */
    }
    g_assert_null(strstr(text, "X|"));          /* lost on the link: short of the bar */
    g_assert_nonnull(strstr(text, "X  "));
    gboolean full = strstr(text, "SYN_SENT -> ESTABLISHED") != NULL;
    g_assert_true(full == (widths[i] >= 120));
    g_assert_nonnull(strstr(text, "ESTABLISHED"));
    g_strfreev(lines);
    g_free(f.text);
  }
}

/* Why a segment was sent, in words. */
static void
test_labels(void)
{
  static const struct { guint8 why; const char *words; } cases[] = {
    { TCP_WHY_RETRANSMIT, "retransmission" },
    { TCP_WHY_FAST_RETRANSMIT, "fast retransmission" },
    { TCP_WHY_TW_ACK, "TIME_WAIT re-ACK" },
    { TCP_WHY_WINDOW_PROBE, "window probe" },
    { TCP_WHY_KEEPALIVE, "keepalive" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    for (guint width = 80; width <= 120; width += 40) {
      Fixture f;
      SimLadderOptions o = options(width);
      fixture_open(&f, &o);
      Packet p = packet(TRUE, TCP_FLAG_ACK, 1, 1, 0);
      p.tcp.why = cases[i].why;
      net_event(&f, NET_EVENT_SEND, &p, SIM_MS, 0);
      net_event(&f, NET_EVENT_RECV, &p, 2 * SIM_MS, 0);
      const char *text = fixture_close(&f);
      g_assert_nonnull(strstr(text, cases[i].words));
      g_assert_nonnull(strstr(text, "->|"));         /* it arrived */
      g_free(f.text);
    }
  }
}

/* Every drop in words, its X at the receiver for a host's drop and part
 * of the way for a drop on the path. */
static void
test_drops(void)
{
  static const struct { NetDropReason reason; const char *words; gboolean at_host; } cases[] = {
    { NET_DROP_LOSS, "lost on the link", FALSE },
    { NET_DROP_QUEUE, "queue full", FALSE },
    { NET_DROP_MTU, "larger than the MTU", FALSE },
    { NET_DROP_TTL, "TTL expired", FALSE },
    { NET_DROP_PRED, "dropped by the scenario", FALSE },
    { NET_DROP_NOROUTE, "no route", FALSE },
    { NET_DROP_BACKLOG, "accept queue full", TRUE },
    { NET_DROP_NO_LISTENER, "no listener: RST", TRUE },
    { NET_DROP_CT_FULL, "conntrack table full", FALSE },
    { NET_DROP_CT_INVALID, "invalid for conntrack", FALSE },
    { NET_DROP_NAT_PORT, "no NAT port free", FALSE },
    { NET_DROP_QDISC, "refused by the host's qdisc", FALSE },
  };
  G_STATIC_ASSERT(G_N_ELEMENTS(cases) == NET_DROP_N);
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    Fixture f;
    SimLadderOptions o = options(120);
    fixture_open(&f, &o);
    Packet p = packet(TRUE, TCP_FLAG_SYN, 1, 0, 0);
    net_event(&f, NET_EVENT_SEND, &p, SIM_MS, 0);
    if (cases[i].at_host) net_event(&f, NET_EVENT_RECV, &p, 6 * SIM_MS, 0);
    net_event(&f, NET_EVENT_DROP, &p, 6 * SIM_MS, cases[i].reason);
    const char *text = fixture_close(&f);
    g_assert_cmpstr(net_drop_reason_words(cases[i].reason), ==, cases[i].words);
    g_assert_nonnull(strstr(text, cases[i].words));
    g_assert_true((strstr(text, "-X|") != NULL) == cases[i].at_host);
    g_assert_true((strstr(text, "-X ") != NULL) == !cases[i].at_host);
    g_assert_null(strstr(text, ">|"));
    g_free(f.text);
  }
}

/* Rows are in send order whatever the fates: a segment dropped at its
 * receiver after one sent before it arrived is drawn under it, and the
 * receiver's state change at the arrival comes after both sends. */
static void
test_send_time_order(void)
{
  Fixture f;
  SimLadderOptions o = options(120);
  fixture_open(&f, &o);
  Packet a = packet(TRUE, TCP_FLAG_ACK, 1, 1, 100);
  Packet b = packet(TRUE, TCP_FLAG_ACK, 101, 1, 200);
  net_event(&f, NET_EVENT_SEND, &a, 1 * SIM_MS, 0);
  net_event(&f, NET_EVENT_SEND, &b, 2 * SIM_MS, 0);
  net_event(&f, NET_EVENT_RECV, &b, 3 * SIM_MS, 0);    /* b overtakes a, */
  net_event(&f, NET_EVENT_DROP, &b, 3 * SIM_MS, NET_DROP_BACKLOG);   /* and is dropped */
  net_event(&f, NET_EVENT_RECV, &a, 6 * SIM_MS, 0);
  state(&f, FALSE, TCP_STATE_SYN_RECEIVED, TCP_STATE_ESTABLISHED, 6 * SIM_MS);
  const char *text = fixture_close(&f);
  const char *ra = strstr(text, "len=100"), *rb = strstr(text, "len=200");
  const char *st = strstr(text, "SYN_RECEIVED -> ESTABLISHED");
  g_assert_nonnull(ra);
  g_assert_nonnull(rb);
  g_assert_nonnull(st);
  g_assert_true(ra < rb && rb < st);
  g_assert_nonnull(strstr(text, "0.001000000 #1"));
  g_assert_nonnull(strstr(text, "0.002000000 #1"));
  g_assert_nonnull(strstr(text, "accept queue full"));
  g_free(f.text);
}

/* A call is drawn ahead of the state change it caused, on its side. */
static void
test_call_first(void)
{
  Fixture f;
  SimLadderOptions o = options(120);
  fixture_open(&f, &o);
  feed_connection(&f);
  const char *text = fixture_close(&f);
  const char *call = strstr(text, "connect()"), *change = strstr(text, "CLOSED -> SYN_SENT");
  g_assert_nonnull(call);
  g_assert_nonnull(change);
  g_assert_true(call < change);
  g_assert_nonnull(strstr(text, "server: listen(128) on 0.0.0.0:80"));
  g_free(f.text);
}

/* --ladder-conn and --ladder-from/--ladder-until. */
static void
test_filters(void)
{
  Fixture f;
  SimLadderOptions o = options(100);
  o.only_conn = 2;
  fixture_open(&f, &o);
  Packet one = packet(TRUE, TCP_FLAG_SYN, 1, 0, 0);
  Packet two = one;
  two.tcp.sport = 40001;
  net_event(&f, NET_EVENT_SEND, &one, SIM_MS, 0);
  net_event(&f, NET_EVENT_SEND, &two, 2 * SIM_MS, 0);
  const char *text = fixture_close(&f);
  g_assert_null(strstr(text, "#1"));
  g_assert_nonnull(strstr(text, "#2  client 10.0.0.1:40001"));
  g_free(f.text);

  o.only_conn = 3;                      /* a number the run never gave */
  fixture_open(&f, &o);
  net_event(&f, NET_EVENT_SEND, &one, SIM_MS, 0);
  net_event(&f, NET_EVENT_SEND, &two, 2 * SIM_MS, 0);
  text = fixture_close(&f);
  g_assert_cmpstr(text, ==, "ladder: no connection #3 in this run (2 connections, --ladder-conn)\n");
  g_free(f.text);

  o = options(100);
  o.from = 100 * SIM_MS;
  o.until = 70 * SIM_S;
  fixture_open(&f, &o);
  feed_connection(&f);
  text = fixture_close(&f);
  g_assert_null(strstr(text, " 0.000000000 "));
  g_assert_nonnull(strstr(text, " 0.210000000 #1"));
  g_assert_nonnull(strstr(text, "61.000000000 #1"));
  g_assert_null(strstr(text, "120.000000000"));
  g_free(f.text);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/ladder/widths", test_widths);
  g_test_add_func("/ladder/labels", test_labels);
  g_test_add_func("/ladder/drops", test_drops);
  g_test_add_func("/ladder/send-time-order", test_send_time_order);
  g_test_add_func("/ladder/call-first", test_call_first);
  g_test_add_func("/ladder/filters", test_filters);
  return g_test_run();
}
