/* Two TCP stacks back to back (tests/tcp-harness.h, net mode): whole
 * connections, who holds TIME_WAIT, loss and recovery, port exhaustion,
 * TIME_WAIT reopen and reuse, and the TIME_WAIT table's memory. */
#include "tcp-harness.h"
#include "timewait.h"
#include "tuple-table.h"
#include "ports.h"
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#define MS SIM_MS
#define A_ 0
#define B_ 1

static TcpStack *
st(TestNet *net, int i)
{
  return net->host[i].stack;
}

static const TcpStats *
stats(TestNet *net, int i)
{
  return tcp_stack_stats(st(net, i));
}

static guint64
count(TestNet *net, int i, TcpState s)
{
  return tcp_stack_count(st(net, i), s);
}

/* A server on B:80 that accepts everything; with `close_first` it closes
 * each connection as soon as it is accepted (after reading what is there),
 * else when it reads EOF. */
typedef struct {
  TestNet   *net;
  TcpSocket *ls;
  gboolean   close_first;
  guint      accepted;
  GByteArray *got;           /* every byte received, in order */
} Server;

static void server_conn_wake(gpointer ud);

typedef struct {
  Server    *srv;
  TcpSocket *sock;
} ServerConn;

static void
server_conn_wake(gpointer ud)
{
  ServerConn *sc = ud;
  for (;;) {
    GBytes *b = NULL;
    gssize n = tcp_socket_recv(sc->sock, 65536, &b);
    if (n > 0) {
      gsize len;
      const guint8 *d = g_bytes_get_data(b, &len);
      g_byte_array_append(sc->srv->got, d, (guint)len);
      g_bytes_unref(b);
      continue;
    }
    if (b) g_bytes_unref(b);
    if (n == -TCP_EAGAIN) return;
    tcp_socket_close(sc->sock);         /* EOF or error */
    g_free(sc);
    return;
  }
}

static void
server_wake(gpointer ud)
{
  Server *srv = ud;
  int err;
  TcpSocket *s;
  while ((s = tcp_socket_accept(srv->ls, &err))) {
    srv->accepted++;
    if (srv->close_first) {
      tcp_socket_close(s);
      continue;
    }
    ServerConn *sc = g_new0(ServerConn, 1);
    sc->srv = srv;
    sc->sock = s;
    tcp_socket_set_waiter(s, server_conn_wake, sc);
    server_conn_wake(sc);
  }
}

static void
server_start(Server *srv, TestNet *net, int backlog)
{
  memset(srv, 0, sizeof *srv);
  srv->net = net;
  srv->got = g_byte_array_new();
  srv->ls = tcp_socket_new(st(net, B_));
  g_assert_cmpint(tcp_socket_bind(srv->ls, 0, 80), ==, TCP_OK);
  g_assert_cmpint(tcp_socket_listen(srv->ls, backlog), ==, TCP_OK);
  tcp_socket_set_waiter(srv->ls, server_wake, srv);
}

static void
server_stop(Server *srv)
{
  g_byte_array_free(srv->got, TRUE);
}

static TcpSocket *
client_connect(TestNet *net, guint16 port)
{
  TcpSocket *c = tcp_socket_new(st(net, A_));
  g_assert_cmpint(tcp_socket_connect(c, TEST_ADDR_B, port), ==, TCP_EINPROGRESS);
  return c;
}

/* ---- whole connections ---------------------------------------------------- */

static void
test_client_closes_first(void)
{
  TestNet *net = test_net_new(FALSE, 5 * MS);
  Server srv;
  server_start(&srv, net, 16);
  TcpSocket *c = client_connect(net, 80);
  test_net_run_until(net, 20 * MS);
  g_assert_cmpint(tcp_socket_state(c), ==, TCP_STATE_ESTABLISHED);
  g_assert_cmpint(tcp_socket_send(c, (const guint8 *)"GET /\r\n", 7), ==, 7);
  test_net_run_until(net, 40 * MS);
  g_assert_cmpuint(srv.got->len, ==, 7);
  g_assert_cmpmem(srv.got->data, 7, "GET /\r\n", 7);
  tcp_socket_close(c);
  test_net_run_until(net, 100 * MS);
  /* The active closer holds TIME_WAIT; the server went through LAST_ACK. */
  g_assert_cmpuint(count(net, A_, TCP_STATE_TIME_WAIT), ==, 1);
  g_assert_cmpuint(count(net, B_, TCP_STATE_TIME_WAIT), ==, 0);
  g_assert_nonnull(strstr(net->host[B_].states->str, "CLOSE_WAIT>LAST_ACK;LAST_ACK>CLOSED;"));
  g_assert_nonnull(strstr(net->host[A_].states->str,
                          "ESTABLISHED>FIN_WAIT_1;FIN_WAIT_1>FIN_WAIT_2;FIN_WAIT_2>TIME_WAIT;"));
  test_net_run_until(net, 60 * SIM_S + 100 * MS);
  g_assert_cmpuint(count(net, A_, TCP_STATE_TIME_WAIT), ==, 0);
  g_assert_cmpuint(stats(net, A_)->connect_ok, ==, 1);
  g_assert_cmpuint(stats(net, A_)->tw_entered, ==, 1);
  g_assert_cmpuint(stats(net, B_)->accepts, ==, 1);
  server_stop(&srv);
  test_net_free(net);
}

static void
test_server_closes_first(void)
{
  TestNet *net = test_net_new(FALSE, 5 * MS);
  Server srv;
  server_start(&srv, net, 16);
  srv.close_first = TRUE;
  TcpSocket *c = client_connect(net, 80);
  test_net_run_until(net, 20 * MS);
  GBytes *b = NULL;
  g_assert_cmpint(tcp_socket_recv(c, 100, &b), ==, 0);     /* EOF */
  g_bytes_unref(b);
  g_assert_cmpint(tcp_socket_state(c), ==, TCP_STATE_CLOSE_WAIT);
  tcp_socket_close(c);
  test_net_run_until(net, 50 * MS);
  g_assert_cmpuint(count(net, B_, TCP_STATE_TIME_WAIT), ==, 1);
  g_assert_cmpuint(count(net, A_, TCP_STATE_TIME_WAIT), ==, 0);
  g_assert_cmpuint(count(net, A_, TCP_STATE_CLOSED), ==, 0);
  /* The two stacks share one pool of freed connections, as a run's do:
   * the client's connection and the server's, whose TIME_WAIT is a
   * record, wait there, and two connects on the client's stack take both,
   * one the server freed. */
  g_assert_cmpuint(net->pool->len, ==, 2);
  client_connect(net, 81);
  client_connect(net, 82);
  g_assert_cmpuint(net->pool->len, ==, 0);
  server_stop(&srv);
  test_net_free(net);
}

static void
test_simultaneous_open(void)
{
  TestNet *net = test_net_new(FALSE, 5 * MS);
  TcpSocket *a = tcp_socket_new(st(net, A_)), *b = tcp_socket_new(st(net, B_));
  g_assert_cmpint(tcp_socket_bind(a, 0, 5000), ==, TCP_OK);
  g_assert_cmpint(tcp_socket_bind(b, 0, 6000), ==, TCP_OK);
  g_assert_cmpint(tcp_socket_connect(a, TEST_ADDR_B, 6000), ==, TCP_EINPROGRESS);
  g_assert_cmpint(tcp_socket_connect(b, TEST_ADDR_A, 5000), ==, TCP_EINPROGRESS);
  test_net_run_until(net, 50 * MS);
  g_assert_cmpint(tcp_socket_state(a), ==, TCP_STATE_ESTABLISHED);
  g_assert_cmpint(tcp_socket_state(b), ==, TCP_STATE_ESTABLISHED);
  for (int i = 0; i < 2; i++)
    g_assert_cmpstr(net->host[i].states->str, ==,
                    "CLOSED>SYN_SENT;SYN_SENT>SYN_RECEIVED;SYN_RECEIVED>ESTABLISHED;");
  /* Data flows both ways. */
  g_assert_cmpint(tcp_socket_send(a, (const guint8 *)"ab", 2), ==, 2);
  g_assert_cmpint(tcp_socket_send(b, (const guint8 *)"cde", 3), ==, 3);
  test_net_run_until(net, 100 * MS);
  GBytes *x = NULL;
  g_assert_cmpint(tcp_socket_recv(b, 10, &x), ==, 2);
  g_bytes_unref(x);
  g_assert_cmpint(tcp_socket_recv(a, 10, &x), ==, 3);
  g_bytes_unref(x);
  test_net_free(net);
}

static void
test_simultaneous_close(void)
{
  TestNet *net = test_net_new(FALSE, 5 * MS);
  TcpSocket *ls = tcp_socket_new(st(net, B_));
  tcp_socket_bind(ls, 0, 80);
  tcp_socket_listen(ls, 4);
  TcpSocket *c = client_connect(net, 80);
  test_net_run_until(net, 20 * MS);
  int err;
  TcpSocket *s = tcp_socket_accept(ls, &err);
  g_assert_nonnull(s);
  tcp_socket_close(c);
  tcp_socket_close(s);
  test_net_run_until(net, 100 * MS);
  g_assert_cmpuint(count(net, A_, TCP_STATE_TIME_WAIT), ==, 1);
  g_assert_cmpuint(count(net, B_, TCP_STATE_TIME_WAIT), ==, 1);
  for (int i = 0; i < 2; i++)
    g_assert_nonnull(strstr(net->host[i].states->str,
                            "ESTABLISHED>FIN_WAIT_1;FIN_WAIT_1>CLOSING;CLOSING>TIME_WAIT;"));
  test_net_free(net);
}

static void
test_state_trace(void)
{
  /* Every state change is a "state" trace record with the 4-tuple. */
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  SimTrace *trace = sim_trace_new(f, SIM_TRACE_TEXT);
  TestNet *net = test_net_new_traced(FALSE, 5 * MS, trace);
  TcpSocket *ls = tcp_socket_new(st(net, B_));
  tcp_socket_bind(ls, 0, 80);
  tcp_socket_listen(ls, 4);
  TcpSocket *c = tcp_socket_new(st(net, A_));
  tcp_socket_bind(c, 0, 40000);
  tcp_socket_connect(c, TEST_ADDR_B, 80);
  test_net_run_until(net, 20 * MS);
  g_assert_true(sim_trace_flush(trace, NULL));
  fclose(f);
  g_assert_cmpstr(text, ==,
    "0.000000000 state b from=CLOSED to=LISTEN laddr=0.0.0.0 lport=80 raddr=0.0.0.0 rport=0\n"
    "0.000000000 state a from=CLOSED to=SYN_SENT laddr=10.0.0.1 lport=40000 raddr=10.0.0.2 rport=80\n"
    "0.005000000 state b from=LISTEN to=SYN_RECEIVED laddr=10.0.0.2 lport=80 raddr=10.0.0.1 rport=40000\n"
    "0.010000000 state a from=SYN_SENT to=ESTABLISHED laddr=10.0.0.1 lport=40000 raddr=10.0.0.2 rport=80\n"
    "0.015000000 state b from=SYN_RECEIVED to=ESTABLISHED laddr=10.0.0.2 lport=80 raddr=10.0.0.1 rport=40000\n");
  test_net_free(net);
  sim_trace_free(trace);
  free(text);
}

static void
test_profiles_time_wait(void)
{
  /* Each profile end to end: the active closer's TIME_WAIT lasts its
   * profile's time_wait (2 * MSL). */
  static const struct { const char *name; int seconds; } p[] = {
    { "linux", 60 }, { "bsd", 60 }, { "windows", 120 }, { "rfc9293", 240 },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(p); i++) {
    TestNet *net = test_net_new(FALSE, 5 * MS);
    g_assert_true(tcp_stack_set_profile(st(net, A_), p[i].name, NULL));
    g_assert_true(tcp_stack_set_profile(st(net, B_), p[i].name, NULL));
    Server srv;
    server_start(&srv, net, 16);
    TcpSocket *c = client_connect(net, 80);
    test_net_run_until(net, 100 * MS);
    g_assert_cmpint(tcp_socket_state(c), ==, TCP_STATE_ESTABLISHED);
    g_assert_cmpint(tcp_socket_send(c, (const guint8 *)"x", 1), ==, 1);
    tcp_socket_close(c);
    SimTime closed = sim_engine_now(net->engine);
    test_net_run_until(net, closed + 100 * MS);
    g_assert_cmpuint(count(net, A_, TCP_STATE_TIME_WAIT), ==, 1);
    test_net_run_until(net, closed + p[i].seconds * SIM_S);
    g_assert_cmpuint(count(net, A_, TCP_STATE_TIME_WAIT), ==, 1);
    test_net_run_until(net, closed + p[i].seconds * SIM_S + 100 * MS);
    g_assert_cmpuint(count(net, A_, TCP_STATE_TIME_WAIT), ==, 0);
    g_assert_cmpuint(srv.got->len, ==, 1);
    server_stop(&srv);
    test_net_free(net);
  }
}

/* ---- loss ------------------------------------------------------------------ */

typedef struct {
  int      drop_acks;       /* pure ACKs from A still to drop */
  gboolean armed;
} LastAckDrop;

static gboolean
drop_last_acks(TestNet *net, int from, const Packet *pkt, gpointer ud)
{
  LastAckDrop *d = ud;
  if (d->armed && from == A_ && pkt->tcp.flags == TCP_FLAG_ACK && d->drop_acks > 0) {
    d->drop_acks--;
    return TRUE;
  }
  return FALSE;
}

static void
test_lost_last_ack(void)
{
  /* The client's last ACK is lost five times: the server (LAST_ACK)
   * resends its FIN on its RTO, the client (TIME_WAIT) re-ACKs each and
   * restarts its 60 s from the last one. */
  TestNet *net = test_net_new(FALSE, 5 * MS);
  LastAckDrop d = { 5, FALSE };
  net->drop = drop_last_acks;
  net->drop_ud = &d;
  TcpSocket *ls = tcp_socket_new(st(net, B_));
  tcp_socket_bind(ls, 0, 80);
  tcp_socket_listen(ls, 4);
  TcpSocket *c = client_connect(net, 80);
  test_net_run_until(net, 20 * MS);
  int err;
  TcpSocket *s = tcp_socket_accept(ls, &err);
  tcp_socket_close(c);
  test_net_run_until(net, 40 * MS);
  d.armed = TRUE;
  SimTime t0 = sim_engine_now(net->engine);
  tcp_socket_close(s);
  test_net_run_until(net, 20 * SIM_S);
  /* Server FINs: the first and five retransmissions. */
  GString *fins = g_string_new(NULL);
  SimTime first = -1, last = -1, prev = -1;
  guint n = 0;
  for (guint i = 0; i < net->wire->len; i++) {
    TestWire *w = &g_array_index(net->wire, TestWire, i);
    if (w->from != B_ || !(w->flags & TCP_FLAG_FIN)) continue;
    if (first < 0) first = w->time;
    if (prev >= 0) g_string_append_printf(fins, "%.3f ", (double)(w->time - prev) / SIM_S);
    prev = last = w->time;
    n++;
  }
  g_test_message("FIN retransmission intervals (s): %s", fins->str);
  g_assert_cmpuint(n, ==, 6);
  g_assert_cmpint(first, ==, t0);
  /* RTO = SRTT + max(4 RTTVAR, 200 ms) = 210 ms.  The first resend is
   * Linux's tail loss probe, due at min(2 SRTT + rto_min, RTO) = 210 ms;
   * the RTO restarts from it, then doubles (RFC 8985 7.3). */
  g_assert_cmpstr(fins->str, ==, "0.210 0.210 0.420 0.840 1.680 ");
  g_string_free(fins, TRUE);
  g_assert_cmpuint(test_wire_count(net, A_, TCP_FLAG_ACK) >= 6, ==, TRUE);
  g_assert_cmpuint(count(net, B_, TCP_STATE_LAST_ACK), ==, 0);
  g_assert_cmpuint(count(net, A_, TCP_STATE_TIME_WAIT), ==, 1);
  /* TIME_WAIT restarted at the last FIN's arrival (last + 5 ms). */
  SimTime expiry = last + 5 * MS + 60 * SIM_S;
  test_net_run_until(net, expiry - 1);
  g_assert_cmpuint(count(net, A_, TCP_STATE_TIME_WAIT), ==, 1);
  test_net_run_until(net, expiry);
  g_assert_cmpuint(count(net, A_, TCP_STATE_TIME_WAIT), ==, 0);
  g_assert_cmpuint(stats(net, B_)->retransmits, ==, 5);
  test_net_free(net);
}

static gboolean
drop_all_from_a(TestNet *net, int from, const Packet *pkt, gpointer ud)
{
  return from == A_;
}

static void
test_syn_black_hole(void)
{
  TestNet *net = test_net_new(FALSE, 5 * MS);
  net->drop = drop_all_from_a;
  TcpSocket *c = client_connect(net, 80);
  test_net_run_until(net, 200 * SIM_S);
  g_assert_cmpint(tcp_socket_take_error(c), ==, TCP_ETIMEDOUT);
  GString *t = g_string_new(NULL);
  for (guint i = 0; i < net->wire->len; i++) {
    TestWire *w = &g_array_index(net->wire, TestWire, i);
    g_string_append_printf(t, "%" G_GINT64_FORMAT " ", w->time / SIM_S);
  }
  /* Linux 6.5+: tcp_syn_linear_timeouts 4, then doubling. */
  g_assert_cmpstr(t->str, ==, "0 1 2 3 4 5 7 11 19 35 67 ");
  g_string_free(t, TRUE);
  g_assert_cmpuint(stats(net, A_)->connect_timeout, ==, 1);
  test_net_free(net);
}

static void
test_closed_port(void)
{
  TestNet *net = test_net_new(FALSE, 5 * MS);
  TcpSocket *c = client_connect(net, 81);
  test_net_run_until(net, 20 * MS);
  g_assert_cmpint(tcp_socket_state(c), ==, TCP_STATE_CLOSED);
  g_assert_cmpint(tcp_socket_take_error(c), ==, TCP_ECONNREFUSED);
  g_assert_cmpuint(stats(net, A_)->connect_refused, ==, 1);
  g_assert_cmpuint(stats(net, B_)->resets_sent, ==, 1);
  g_assert_cmpuint(stats(net, A_)->resets_received, ==, 1);
  g_assert_cmpuint(stats(net, A_)->segments_sent, ==, 1);
  g_assert_cmpuint(stats(net, B_)->segments_received, ==, 1);
  g_assert_cmpuint(stats(net, B_)->segments_sent, ==, 1);
  g_assert_cmpuint(stats(net, A_)->segments_received, ==, 1);
  test_net_free(net);
}

static void
test_backlog_overflow(void)
{
  /* Backlog 2, nobody accepts: SYNs beyond the queues are dropped
   * (syn_dropped); backlog + 1 connections complete on the server (Linux's
   * sk_acceptq_is_full is "more than backlog").  One more client saw the
   * SYN-ACK and believes it is connected while the server drops its ACKs
   * (as Linux with tcp_abort_on_overflow 0); the rest time out. */
  TestNet *net = test_net_new(FALSE, 5 * MS);
  TcpSocket *ls = tcp_socket_new(st(net, B_));
  tcp_socket_bind(ls, 0, 80);
  tcp_socket_listen(ls, 2);
  TcpSocket *c[6];
  for (int i = 0; i < 6; i++) c[i] = client_connect(net, 80);
  test_net_run_until(net, 200 * SIM_S);
  int ok = 0, timedout = 0;
  for (int i = 0; i < 6; i++) {
    if (tcp_socket_state(c[i]) == TCP_STATE_ESTABLISHED) ok++;
    else if (tcp_socket_take_error(c[i]) == TCP_ETIMEDOUT) timedout++;
  }
  g_assert_cmpint(ok, ==, 4);
  g_assert_cmpint(timedout, ==, 2);
  g_assert_cmpuint(stats(net, B_)->syn_dropped, >=, 3);
  g_assert_cmpuint(count(net, B_, TCP_STATE_ESTABLISHED), ==, 3);
  test_net_free(net);
}

/* ---- ports and TIME_WAIT pressure ------------------------------------------ */

/* A client that tries a connect every `every`, closes each connection as
 * soon as it is established (so the client holds TIME_WAIT) and counts. */
typedef struct {
  TestNet *net;
  SimTime  every, until;
  guint    attempts, notavail;
  GArray  *ok_times;         /* SimTime of each established connection */
} Churn;

typedef struct {
  Churn     *ch;
  TcpSocket *sock;
} ChurnConn;

static void
churn_conn_wake(gpointer ud)
{
  ChurnConn *cc = ud;
  TcpState s = tcp_socket_state(cc->sock);
  if (s == TCP_STATE_SYN_SENT) return;
  if (s == TCP_STATE_ESTABLISHED) {
    SimTime now = sim_engine_now(cc->ch->net->engine);
    g_array_append_val(cc->ch->ok_times, now);
  }
  tcp_socket_close(cc->sock);
  g_free(cc);
}

static void
churn_tick(SimEngine *engine, gpointer data)
{
  Churn *ch = data;
  ch->attempts++;
  TcpSocket *s = tcp_socket_new(st(ch->net, A_));
  int err = tcp_socket_connect(s, TEST_ADDR_B, 80);
  if (err == TCP_EINPROGRESS) {
    ChurnConn *cc = g_new0(ChurnConn, 1);
    cc->ch = ch;
    cc->sock = s;
    tcp_socket_set_waiter(s, churn_conn_wake, cc);
  } else {
    g_assert_cmpint(err, ==, TCP_EADDRNOTAVAIL);
    ch->notavail++;
    tcp_socket_close(s);
  }
  if (sim_engine_now(engine) + ch->every < ch->until)
    sim_engine_schedule_in(engine, ch->every, churn_tick, ch, NULL);
}

static guint
churn_ok_between(Churn *ch, SimTime from, SimTime to)
{
  guint n = 0;
  for (guint i = 0; i < ch->ok_times->len; i++) {
    SimTime t = g_array_index(ch->ok_times, SimTime, i);
    if (t >= from && t < to) n++;
  }
  return n;
}

static void
test_port_exhaustion(void)
{
  /* 10 ephemeral ports and a 60 s TIME_WAIT on the client: connects fail
   * with EADDRNOTAVAIL and the sustained rate is ports / time_wait. */
  TestNet *net = test_net_new(FALSE, 1 * MS);
  g_assert_true(tcp_stack_set(st(net, A_), "port_range", "40000-40009", NULL));
  Server srv;
  server_start(&srv, net, 128);
  Churn ch = { net, 100 * MS, 600 * SIM_S, 0, 0, g_array_new(FALSE, FALSE, sizeof(SimTime)) };
  sim_engine_schedule_in(net->engine, 0, churn_tick, &ch, NULL);
  test_net_run_until(net, 600 * SIM_S);
  guint first = churn_ok_between(&ch, 0, 60 * SIM_S);
  guint steady = churn_ok_between(&ch, 60 * SIM_S, 600 * SIM_S);
  g_test_message("port exhaustion: %u connects in the first 60 s, %u in the next 540 s "
                 "(%.3f/s; ports/time_wait = %.3f/s), %u EADDRNOTAVAIL",
                 first, steady, steady / 540.0, 10 / 60.0, ch.notavail);
  g_assert_cmpuint(first, ==, 10);
  g_assert_cmpuint(steady, >=, 88);
  g_assert_cmpuint(steady, <=, 90);
  g_assert_cmpuint(ch.notavail, >, 5000);
  g_assert_cmpuint(stats(net, A_)->connect_addrnotavail, ==, ch.notavail);
  g_assert_cmpuint(count(net, A_, TCP_STATE_TIME_WAIT), <=, 10);
  g_array_free(ch.ok_times, TRUE);
  server_stop(&srv);
  test_net_free(net);
}

static void
run_tw_reuse(gboolean timestamps, guint *per_second)
{
  TestNet *net = test_net_new(FALSE, 1 * MS);
  g_assert_true(tcp_stack_set(st(net, A_), "port_range", "40000-40049", NULL));
  g_assert_true(tcp_stack_set(st(net, A_), "tw_reuse", "1", NULL));
  g_assert_true(tcp_stack_set(st(net, A_), "timestamps", timestamps ? "true" : "false", NULL));
  Server srv;
  server_start(&srv, net, 1024);
  Churn ch = { net, 2 * MS, 11 * SIM_S, 0, 0, g_array_new(FALSE, FALSE, sizeof(SimTime)) };
  sim_engine_schedule_in(net->engine, 0, churn_tick, &ch, NULL);
  test_net_run_until(net, 11 * SIM_S);
  for (int s = 0; s < 10; s++)
    per_second[s] = churn_ok_between(&ch, (s + 1) * SIM_S, (s + 2) * SIM_S);
  if (timestamps) g_assert_cmpuint(stats(net, A_)->tw_reused, >, 0);
  else g_assert_cmpuint(stats(net, A_)->tw_reused, ==, 0);
  g_array_free(ch.ok_times, TRUE);
  server_stop(&srv);
  test_net_free(net);
}

static void
test_tw_reuse(void)
{
  /* tw_reuse 1 with 50 ports: a TIME_WAIT 4-tuple is taken over 1 s after
   * its last timestamp, so exactly 50 connections per second; without
   * timestamps, none after the first 50. */
  guint with[10], without[10];
  run_tw_reuse(TRUE, with);
  run_tw_reuse(FALSE, without);
  GString *msg = g_string_new("tw_reuse connects per second, timestamps on:");
  for (int s = 0; s < 10; s++) g_string_append_printf(msg, " %u", with[s]);
  g_test_message("%s", msg->str);
  g_string_free(msg, TRUE);
  for (int s = 0; s < 10; s++) {
    g_assert_cmpuint(with[s], ==, 50);
    g_assert_cmpuint(without[s], ==, 0);
  }
}

static void
test_tw_reopen_by_syn(void)
{
  /* The server closed first and holds TIME_WAIT; the client reconnects
   * from the same port: the SYN reopens the 4-tuple and the SYN-ACK's ISN
   * is the old SND.NXT + 65537 (Linux tcp_timewait_state_process()). */
  TestNet *net = test_net_new(FALSE, 5 * MS);
  Server srv;
  server_start(&srv, net, 16);
  srv.close_first = TRUE;
  TcpSocket *c = tcp_socket_new(st(net, A_));
  g_assert_cmpint(tcp_socket_bind(c, 0, 45000), ==, TCP_OK);
  g_assert_cmpint(tcp_socket_connect(c, TEST_ADDR_B, 80), ==, TCP_EINPROGRESS);
  test_net_run_until(net, 20 * MS);
  tcp_socket_close(c);
  test_net_run_until(net, 2 * SIM_S);
  g_assert_cmpuint(count(net, B_, TCP_STATE_TIME_WAIT), ==, 1);
  guint32 server_fin = 0;
  for (guint i = 0; i < net->wire->len; i++) {
    TestWire *w = &g_array_index(net->wire, TestWire, i);
    if (w->from == B_ && (w->flags & TCP_FLAG_FIN)) server_fin = w->seq;
  }
  guint before = net->wire->len;
  c = tcp_socket_new(st(net, A_));
  g_assert_cmpint(tcp_socket_bind(c, 0, 45000), ==, TCP_OK);
  g_assert_cmpint(tcp_socket_connect(c, TEST_ADDR_B, 80), ==, TCP_EINPROGRESS);
  test_net_run_until(net, 2 * SIM_S + 20 * MS);
  g_assert_cmpuint(stats(net, B_)->tw_reused, ==, 1);
  gboolean seen = FALSE;
  for (guint i = before; i < net->wire->len; i++) {
    TestWire *w = &g_array_index(net->wire, TestWire, i);
    if (w->from == B_ && w->flags == (TCP_FLAG_SYN | TCP_FLAG_ACK)) {
      g_assert_cmphex(w->seq, ==, server_fin + 1 + 65537);
      seen = TRUE;
    }
  }
  g_assert_true(seen);
  g_assert_cmpint(tcp_socket_state(c), ==, TCP_STATE_CLOSE_WAIT);  /* server closed again */
  g_assert_cmpuint(stats(net, A_)->connect_ok, ==, 2);
  server_stop(&srv);
  test_net_free(net);
}

static void
test_linger0_rst(void)
{
  TestNet *net = test_net_new(FALSE, 5 * MS);
  TcpSocket *ls = tcp_socket_new(st(net, B_));
  tcp_socket_bind(ls, 0, 80);
  tcp_socket_listen(ls, 4);
  TcpSocket *c = client_connect(net, 80);
  test_net_run_until(net, 20 * MS);
  int err;
  TcpSocket *s = tcp_socket_accept(ls, &err);
  tcp_socket_setopt(c, "linger", 0);
  tcp_socket_close(c);
  test_net_run_until(net, 40 * MS);
  GBytes *b = NULL;
  g_assert_cmpint(tcp_socket_recv(s, 10, &b), ==, -TCP_ECONNRESET);
  g_assert_cmpuint(stats(net, A_)->tw_entered + stats(net, B_)->tw_entered, ==, 0);
  g_assert_cmpuint(stats(net, A_)->resets_sent, ==, 1);
  g_assert_cmpuint(count(net, A_, TCP_STATE_TIME_WAIT) + count(net, B_, TCP_STATE_TIME_WAIT), ==, 0);
  test_net_free(net);
}

static void
test_close_unread_rst(void)
{
  TestNet *net = test_net_new(FALSE, 5 * MS);
  TcpSocket *ls = tcp_socket_new(st(net, B_));
  tcp_socket_bind(ls, 0, 80);
  tcp_socket_listen(ls, 4);
  TcpSocket *c = client_connect(net, 80);
  test_net_run_until(net, 20 * MS);
  int err;
  TcpSocket *s = tcp_socket_accept(ls, &err);
  tcp_socket_send(c, (const guint8 *)"unread", 6);
  test_net_run_until(net, 40 * MS);
  tcp_socket_close(s);                 /* 6 bytes unread */
  test_net_run_until(net, 60 * MS);
  GBytes *b = NULL;
  g_assert_cmpint(tcp_socket_recv(c, 10, &b), ==, -TCP_ECONNRESET);
  g_assert_cmpuint(stats(net, B_)->tw_entered, ==, 0);
  g_assert_cmpuint(stats(net, B_)->resets_sent, ==, 1);
  test_net_free(net);
}

static void
test_ports_even_first(void)
{
  /* Linux 6.x __inet_hash_connect(): ports of the range's low parity
   * first; a port busy towards one destination serves another. */
  TestNet *net = test_net_new(FALSE, 1 * MS);
  g_assert_true(tcp_stack_set(st(net, A_), "port_range", "40000-40003", NULL));
  guint16 ports[4];
  for (int i = 0; i < 2; i++) {
    TcpSocket *c = client_connect(net, 80);
    ports[i] = tcp_socket_tuple(c).lport;
    g_assert_cmpuint(ports[i] % 2, ==, 0);
  }
  g_assert_cmpuint(ports[0], !=, ports[1]);
  for (int i = 2; i < 4; i++) {
    TcpSocket *c = client_connect(net, 80);
    ports[i] = tcp_socket_tuple(c).lport;
    g_assert_cmpuint(ports[i] % 2, ==, 1);   /* evens exhausted */
  }
  TcpSocket *c = tcp_socket_new(st(net, A_));
  g_assert_cmpint(tcp_socket_connect(c, TEST_ADDR_B, 80), ==, TCP_EADDRNOTAVAIL);
  /* Another destination port: the same local ports are free again. */
  g_assert_cmpint(tcp_socket_connect(c, TEST_ADDR_B, 81), ==, TCP_EINPROGRESS);
  guint16 p = tcp_socket_tuple(c).lport;
  g_assert_cmpuint(p, >=, 40000);
  g_assert_cmpuint(p, <=, 40003);
  g_assert_cmpuint(stats(net, A_)->connect_addrnotavail, ==, 1);
  test_net_free(net);
}

/* ---- a lossy transfer -------------------------------------------------------- */

static gboolean
drop_random(TestNet *net, int from, const Packet *pkt, gpointer ud)
{
  return sim_rng_chance(ud, 0.1);
}

static void
test_lossy_transfer(void)
{
  /* 10% loss both ways: 300,000 bytes arrive byte-exact, in order. */
  TestNet *net = test_net_new(FALSE, 5 * MS);
  SimRng rng;
  sim_rng_init_stream(&rng, 7, "loss");
  net->drop = drop_random;
  net->drop_ud = &rng;
  Server srv;
  server_start(&srv, net, 16);
  TcpSocket *c = client_connect(net, 80);
  enum { TOTAL = 300000 };
  guint8 *data = g_malloc(TOTAL);
  for (guint i = 0; i < TOTAL; i++) data[i] = (guint8)(i * 7 + i / 251);
  gsize sent = 0;
  SimTime t = 0;
  while (sent < TOTAL && t < 600 * SIM_S) {
    t += 10 * MS;
    test_net_run_until(net, t);
    gssize n = tcp_socket_send(c, data + sent, TOTAL - sent);
    if (n > 0) sent += (gsize)n;
  }
  g_assert_cmpuint(sent, ==, TOTAL);
  tcp_socket_close(c);
  test_net_run_until(net, t + 600 * SIM_S);
  g_assert_cmpuint(srv.got->len, ==, TOTAL);
  g_assert_cmpmem(srv.got->data, TOTAL, data, TOTAL);
  g_test_message("lossy transfer: %" G_GUINT64_FORMAT " retransmissions by the sender",
                 stats(net, A_)->retransmits);
  g_assert_cmpuint(stats(net, A_)->retransmits, >, 0);
  g_assert_cmpuint(count(net, B_, TCP_STATE_ESTABLISHED) + count(net, B_, TCP_STATE_CLOSE_WAIT) +
                   count(net, B_, TCP_STATE_LAST_ACK), ==, 0);
  g_free(data);
  server_stop(&srv);
  test_net_free(net);
}

static void
test_zero_window(void)
{
  /* The reader stops reading: the window closes, the sender's buffer
   * fills (EAGAIN), zero-window probes keep the connection alive; once
   * the reader drains, the window update restarts the transfer. */
  TestNet *net = test_net_new(FALSE, 5 * MS);
  g_assert_true(tcp_stack_set(st(net, A_), "sndbuf_max", "65536", NULL));
  TcpSocket *ls = tcp_socket_new(st(net, B_));
  tcp_socket_bind(ls, 0, 80);
  tcp_socket_listen(ls, 4);
  TcpSocket *c = client_connect(net, 80);
  test_net_run_until(net, 20 * MS);
  int err;
  TcpSocket *s = tcp_socket_accept(ls, &err);
  gsize got = 0;
  gssize n = tcp_socket_send(c, NULL, 400000);
  g_assert_cmpint(n, ==, 2 * 10 * 1448);  /* send buffer: twice the initial cwnd */
  gsize sent = (gsize)n;
  /* Keep writing: 128 KiB fill the receive buffer, 64 KiB the send
   * buffer, then the writer blocks. */
  for (SimTime t = 10 * SIM_S; t <= 40 * SIM_S; t += 10 * SIM_S) {
    test_net_run_until(net, t);
    n = tcp_socket_send(c, NULL, 400000 - sent);
    if (n > 0) sent += (gsize)n;
  }
  /* (less what the window's 128-byte unit, shift 7, cannot express) */
  g_assert_cmpuint(sent, <=, 131072 + 65536);
  g_assert_cmpuint(sent, >, 131072 + 65536 - 128);
  g_assert_cmpint(tcp_socket_send(c, NULL, 1), ==, -TCP_EAGAIN);
  g_assert_cmpint(tcp_socket_state(c), ==, TCP_STATE_ESTABLISHED);
  g_assert_cmpuint(stats(net, A_)->window_probes, >, 0);
  SimTime t = 40 * SIM_S;
  while (got < 400000 && t < 200 * SIM_S) {
    GBytes *b = NULL;
    gssize r = tcp_socket_recv(s, 1 << 20, &b);
    if (r > 0) got += (gsize)r;
    if (b) g_bytes_unref(b);
    if (sent < 400000) {
      gssize w = tcp_socket_send(c, NULL, 400000 - sent);
      if (w > 0) sent += (gsize)w;
    }
    t += 50 * MS;
    test_net_run_until(net, t);
  }
  g_assert_cmpuint(got, ==, 400000);
  test_net_free(net);
}

static GArray *
lossy_run(guint64 loss_seed)
{
  TestNet *net = test_net_new(FALSE, 5 * MS);
  SimRng rng;
  sim_rng_init_stream(&rng, loss_seed, "loss");
  net->drop = drop_random;
  net->drop_ud = &rng;
  Server srv;
  server_start(&srv, net, 16);
  for (int i = 0; i < 20; i++) {
    TcpSocket *c = client_connect(net, 80);
    test_net_run_until(net, (i + 1) * 500 * MS);
    if (tcp_socket_state(c) == TCP_STATE_ESTABLISHED) tcp_socket_send(c, NULL, 5000);
    tcp_socket_close(c);
  }
  test_net_run_until(net, 300 * SIM_S);
  GArray *wire = g_array_copy(net->wire);
  server_stop(&srv);
  test_net_free(net);
  return wire;
}

static gboolean
wire_equal(GArray *a, GArray *b)
{
  if (a->len != b->len) return FALSE;
  for (guint i = 0; i < a->len; i++) {
    TestWire *x = &g_array_index(a, TestWire, i), *y = &g_array_index(b, TestWire, i);
    if (x->time != y->time || x->from != y->from || x->flags != y->flags ||
        x->seq != y->seq || x->ack != y->ack || x->len != y->len)
      return FALSE;
  }
  return TRUE;
}

static void
test_deterministic(void)
{
  /* Same seed, same segments at the same times; another loss seed, not. */
  GArray *a = lossy_run(3), *b = lossy_run(3), *c = lossy_run(4);
  g_assert_true(wire_equal(a, b));
  g_assert_false(wire_equal(a, c));
  g_array_free(a, TRUE);
  g_array_free(b, TRUE);
  g_array_free(c, TRUE);
}

typedef struct {
  Churn     *unused;
  TcpSocket *sock;
  gsize      to_send;
  gboolean   closed;
} Pusher;

static void
pusher_wake(gpointer ud)
{
  Pusher *p = ud;
  if (p->closed) return;
  TcpState st_ = tcp_socket_state(p->sock);
  if (st_ != TCP_STATE_ESTABLISHED) {
    if (st_ == TCP_STATE_CLOSED) {
      tcp_socket_close(p->sock);
      p->closed = TRUE;
    }
    return;
  }
  while (p->to_send > 0) {
    gssize n = tcp_socket_send(p->sock, NULL, p->to_send);
    if (n <= 0) return;
    p->to_send -= (gsize)n;
  }
  tcp_socket_close(p->sock);
  p->closed = TRUE;
}

static void
test_chaos(void)
{
  /* 30 clients each send 20,000 bytes over a path that loses 5%,
   * duplicates 5% and delays by 5-25 ms (so it reorders): every byte
   * arrives, every connection ends (no state but TIME_WAIT left), and
   * TIME_WAIT empties a minute later. */
  TestNet *net = test_net_new(FALSE, 5 * MS);
  SimRng loss, chaos;
  sim_rng_init_stream(&loss, 9, "loss");
  sim_rng_init_stream(&chaos, 9, "chaos");
  net->drop = drop_random;
  net->drop_ud = &loss;
  net->chaos = &chaos;
  net->jitter = 20 * MS;
  net->dup = 0.05;
  Server srv;
  server_start(&srv, net, 64);
  Pusher p[30];
  for (int i = 0; i < 30; i++) {
    p[i] = (Pusher){ NULL, client_connect(net, 80), 20000, FALSE };
    tcp_socket_set_waiter(p[i].sock, pusher_wake, &p[i]);
  }
  test_net_run_until(net, 600 * SIM_S);
  for (int i = 0; i < 30; i++) g_assert_true(p[i].closed);
  g_assert_cmpuint(srv.got->len, ==, 30 * 20000);
  for (int h = 0; h < 2; h++)
    for (int s = TCP_STATE_SYN_SENT; s < TCP_STATE_TIME_WAIT; s++)
      g_assert_cmpuint(count(net, h, (TcpState)s), ==, 0);
  test_net_run_until(net, 1200 * SIM_S);
  g_assert_cmpuint(count(net, A_, TCP_STATE_TIME_WAIT) + count(net, B_, TCP_STATE_TIME_WAIT), ==, 0);
  g_assert_cmpuint(stats(net, A_)->tw_entered, ==, 30);
  server_stop(&srv);
  test_net_free(net);
}

/* ---- the TIME_WAIT table ------------------------------------------------------ */

/* A TIME_WAIT table, and a connection whose tuple and fields a test sets
 * before each tcp_tw_insert(). */
typedef struct {
  TcpProfile profile;
  TcpStats   stats;
  TcpConnEnv env;
  TcpConn   *c;
  TcpTwTable tw;
} TwFixture;

static void
tw_fixture_init(TwFixture *f)
{
  *f = (TwFixture){ .profile = *tcp_profile_lookup("linux") };
  f->env = (TcpConnEnv){ .profile = &f->profile, .stats = &f->stats };
  f->c = tcp_conn_new(&f->env, 0);
  tcp_tw_table_init(&f->tw);
}

static void
tw_fixture_clear(TwFixture *f)
{
  tcp_tw_table_clear(&f->tw);
  tcp_conn_free(f->c);
}

static void
test_million_time_wait(void)
{
  /* One million TIME_WAIT records: bytes per record from the allocator. */
  TwFixture f;
  tw_fixture_init(&f);
  TcpTwTable *tw = &f.tw;
  TcpConn *c = f.c;
  struct mallinfo2 before = mallinfo2();
  enum { N = 1000000 };
  for (guint i = 0; i < N; i++) {
    c->tuple = (TcpTuple){ TEST_ADDR_A, 0x0a000000u + (i >> 14), 80, (guint16)(1024 + (i & 16383)) };
    c->snd_nxt = i;
    tcp_tw_insert(tw, c, 60 * SIM_S);
  }
  struct mallinfo2 after = mallinfo2();
  gsize used = (after.uordblks + after.hblkhd) - (before.uordblks + before.hblkhd);
  double per = (double)used / N;
  g_test_message("1,000,000 TIME_WAIT records: %zu bytes, %.1f bytes per record "
                 "(record %zu bytes + hash table)", used, per, sizeof(TcpTwRecord));
  g_assert_cmpuint(tcp_tw_count(tw), ==, N);
  g_assert_cmpfloat(per, <=, 48.0);       /* scripts/bench/guard keeps the exact figure */
  TcpTuple probe = { TEST_ADDR_A, 0x0a000000u + (777777 >> 14), 80,
                     (guint16)(1024 + (777777 & 16383)) };
  TcpTwRecord *rec = tcp_tw_lookup(tw, &probe);
  g_assert_nonnull(rec);
  g_assert_cmpuint(rec->snd_nxt, ==, 777777);
  /* FIFO: removing from the head in order empties the table. */
  guint n = 0;
  while ((rec = tcp_tw_head(tw))) {
    g_assert_cmpuint(rec->snd_nxt, ==, n);
    tcp_tw_remove(tw, rec);
    n++;
  }
  g_assert_cmpuint(n, ==, N);
  tw_fixture_clear(&f);
}

static void
test_tw_index_random(void)
{
  /* The record index against a reference set: random inserts, removals
   * (anywhere, not only the head) and lookups over a small tuple space,
   * so clusters form, wrap around and shift back. */
  TwFixture f;
  tw_fixture_init(&f);
  TcpTwTable *tw = &f.tw;
  TcpConn *c = f.c;
  SimRng rng;
  sim_rng_init_stream(&rng, 5, "tw-index");
  gboolean present[3000] = { FALSE };
  guint n = 0;
  for (int op = 0; op < 300000; op++) {
    guint k = (guint)sim_rng_below(&rng, 3000);
    TcpTuple t = { TEST_ADDR_A, TEST_ADDR_B + k / 1000, 80, (guint16)(k % 1000) };
    TcpTwRecord *rec = tcp_tw_lookup(tw, &t);
    g_assert_cmpint(rec != NULL, ==, present[k]);
    if (rec) {
      g_assert_cmpuint(rec->snd_nxt, ==, k);
      if (sim_rng_chance(&rng, 0.3)) {
        /* An in-window ACK restarts the record: it moves to the tail. */
        TcpSegment ack = { .seq = rec->rcv_nxt, .flags = TCP_FLAG_ACK };
        TcpSegment reply;
        guint32 isn = 0;
        g_assert_cmpint(tcp_tw_input(tw, rec, &ack, &f.profile, op, &reply, &isn), ==, TCP_TW_DROP);
        rec = tcp_tw_lookup(tw, &t);
        g_assert_nonnull(rec);
        g_assert_cmpint(tcp_tw_expiry(rec), >=, op + f.profile.time_wait);
      } else if (sim_rng_chance(&rng, 0.5)) {
        tcp_tw_remove(tw, rec);
        present[k] = FALSE;
        n--;
      }
    } else if (sim_rng_chance(&rng, 0.6)) {
      c->tuple = t;
      c->snd_nxt = k;
      tcp_tw_insert(tw, c, op);
      present[k] = TRUE;
      n++;
    }
    g_assert_cmpuint(tcp_tw_count(tw), ==, n);
  }
  /* Keys like these never make a run of 256 slots: every deletion above
   * found its entries' homes from their tags. */
  g_assert_false(tw->index.far);
  /* The FIFO holds exactly the live records, in expiry order. */
  SimTime last = -1;
  guint m = 0;
  for (TcpTwRecord *r; (r = tcp_tw_head(tw)); m++) {
    g_assert_cmpint(tcp_tw_expiry(r), >=, last);
    last = tcp_tw_expiry(r);
    tcp_tw_remove(tw, r);
  }
  g_assert_cmpuint(m, ==, n);
  tw_fixture_clear(&f);
}

static void
test_tw_index_far(void)
{
  /* Keys chosen so that 400 of them share 8 homes of the index's 1,024
   * slots: one run of 400 slots, entries 256 slots and more past their
   * homes, whose tags then no longer tell the homes (`far`).  Removing
   * them in a scattered order must still leave every other one found. */
  TwFixture f;
  tw_fixture_init(&f);
  enum { N = 400 };
  TcpTuple keys[N];
  guint n = 0;
  for (guint32 port = 1; n < N; port++) {
    TcpTuple t = { TEST_ADDR_A, TEST_ADDR_B + (port >> 16), 80, (guint16)port };
    if ((tcp_tuple_mix(&t) & 1023) >= 8) continue;
    keys[n] = t;
    f.c->tuple = t;
    f.c->snd_nxt = n++;
    tcp_tw_insert(&f.tw, f.c, 0);
  }
  g_assert_cmpuint(f.tw.index.mask, ==, 1023);
  g_assert_true(f.tw.index.far);
  gboolean gone[N] = { FALSE };
  for (guint i = 0; i < N; i++) {
    guint k = (i * 7919) % N;      /* 7919 is prime to 400: each key once */
    TcpTwRecord *rec = tcp_tw_lookup(&f.tw, &keys[k]);
    g_assert_nonnull(rec);
    tcp_tw_remove(&f.tw, rec);
    gone[k] = TRUE;
    for (guint j = 0; j < N; j++) {
      rec = tcp_tw_lookup(&f.tw, &keys[j]);
      g_assert_cmpint(rec == NULL, ==, gone[j]);
      if (rec) g_assert_cmpuint(rec->snd_nxt, ==, j);
    }
  }
  g_assert_cmpuint(tcp_tw_count(&f.tw), ==, 0);
  g_assert_false(f.tw.index.far);      /* cleared with the last record */
  tw_fixture_clear(&f);
}

static void
test_tuple_table_random(void)
{
  /* The demultiplexer's table against a reference array: random inserts,
   * removals and lookups over a small key space, so that runs of used
   * slots form, wrap around the end and shift back on removal; a few keys
   * differ only in the address or port that a weak mix would confuse. */
  TcpTupleTable t;
  tcp_tuple_table_init(&t);
  SimRng rng;
  sim_rng_init_stream(&rng, 9, "tuple-table");
  enum { K = 2000 };
  static gpointer present[K];
  memset(present, 0, sizeof present);
  guint n = 0;
  for (int op = 0; op < 200000; op++) {
    guint k = (guint)sim_rng_below(&rng, K);
    TcpTuple key = { TEST_ADDR_A + (k & 1), TEST_ADDR_B + k / 500, (guint16)(k % 7),
                     (guint16)(k % 500) };
    gpointer v = tcp_tuple_table_lookup(&t, &key);
    g_assert_true(v == present[k]);
    if (v && sim_rng_chance(&rng, 0.5)) {
      g_assert_true(tcp_tuple_table_remove(&t, &key));
      g_assert_false(tcp_tuple_table_remove(&t, &key));
      present[k] = NULL;
      n--;
    } else if (v == NULL && sim_rng_chance(&rng, 0.6)) {
      present[k] = GUINT_TO_POINTER(k + 1);
      tcp_tuple_table_insert(&t, &key, present[k]);
      n++;
    }
    g_assert_cmpuint(t.count, ==, n);
  }
  /* Iteration visits every entry once, each under its own key. */
  guint32 pos = 0, seen = 0;
  const TcpTuple *key;
  for (gpointer v; (v = tcp_tuple_table_next(&t, &pos, &key)); seen++) {
    guint k = GPOINTER_TO_UINT(v) - 1;
    g_assert_true(present[k] == v);
    g_assert_cmpuint(key->rport, ==, k % 500);
  }
  g_assert_cmpuint(seen, ==, n);
  tcp_tuple_table_clear(&t);
}

static void
test_ports_random(void)
{
  /* The flat port table against reference counts: ports come and go
   * (tidy drops an entry whose counts are all zero), lookups agree, and
   * iteration sees exactly the ports in use. */
  TcpPorts ports;
  tcp_ports_init(&ports, 3, "ports-test");
  SimRng rng;
  sim_rng_init_stream(&rng, 11, "ports");
  static guint32 users[65536];
  memset(users, 0, sizeof users);
  guint in_use = 0;
  for (int op = 0; op < 200000; op++) {
    /* Ports 1-3000 and a few near 65535, so that homes spread and wrap. */
    guint16 port = (guint16)(sim_rng_chance(&rng, 0.9) ? 1 + sim_rng_below(&rng, 3000)
                                                        : 65535 - sim_rng_below(&rng, 50));
    TcpPortUse *u = tcp_ports_use(&ports, port, FALSE);
    g_assert_cmpint(u != NULL, ==, users[port] > 0);
    if (u) g_assert_cmpuint(u->users, ==, users[port]);
    if (users[port] && sim_rng_chance(&rng, 0.5)) {
      tcp_ports_release(&ports, 0, port, TEST_ADDR_B, 80);
      if (--users[port] == 0) in_use--;
    } else {
      tcp_ports_hold(&ports, 0, port, TEST_ADDR_B, 80);
      if (users[port]++ == 0) in_use++;
    }
    g_assert_cmpuint(ports.n_uses, ==, in_use);
  }
  guint32 pos = 0, seen = 0;
  for (const TcpPortEntry *e; (e = tcp_ports_next(&ports, &pos)); seen++)
    g_assert_cmpuint(e->use.users, ==, users[e->key - 1]);
  g_assert_cmpuint(seen, ==, in_use);
  tcp_ports_clear(&ports);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/stack/client-closes-first", test_client_closes_first);
  g_test_add_func("/stack/server-closes-first", test_server_closes_first);
  g_test_add_func("/stack/simultaneous-open", test_simultaneous_open);
  g_test_add_func("/stack/simultaneous-close", test_simultaneous_close);
  g_test_add_func("/stack/profiles-time-wait", test_profiles_time_wait);
  g_test_add_func("/stack/state-trace", test_state_trace);
  g_test_add_func("/stack/lost-last-ack", test_lost_last_ack);
  g_test_add_func("/stack/syn-black-hole", test_syn_black_hole);
  g_test_add_func("/stack/closed-port", test_closed_port);
  g_test_add_func("/stack/backlog-overflow", test_backlog_overflow);
  g_test_add_func("/stack/port-exhaustion", test_port_exhaustion);
  g_test_add_func("/stack/ports-even-first", test_ports_even_first);
  g_test_add_func("/stack/tw-reuse", test_tw_reuse);
  g_test_add_func("/stack/tw-reopen-by-syn", test_tw_reopen_by_syn);
  g_test_add_func("/stack/linger0-rst", test_linger0_rst);
  g_test_add_func("/stack/close-unread-rst", test_close_unread_rst);
  g_test_add_func("/stack/lossy-transfer", test_lossy_transfer);
  g_test_add_func("/stack/chaos", test_chaos);
  g_test_add_func("/stack/deterministic", test_deterministic);
  g_test_add_func("/stack/zero-window", test_zero_window);
  g_test_add_func("/timewait/index-random", test_tw_index_random);
  g_test_add_func("/timewait/index-far", test_tw_index_far);
  g_test_add_func("/stack/tuple-table-random", test_tuple_table_random);
  g_test_add_func("/stack/ports-random", test_ports_random);
  g_test_add_func("/timewait/million-records", test_million_time_wait);
  return g_test_run();
}
