/* The TIME_WAIT churn workload of DESIGN.md: two hosts 1 ms apart, 1,000
 * new connections per second for 100 simulated seconds, a 100-byte
 * request and a 100-byte response, the server closes first (so the server
 * holds the TIME_WAIT).  Prints wall time, events and the TIME_WAIT peak.
 *
 *   bench-tcp-churn [RATE [SECONDS]]   (defaults 1000 100) */
#include "tcp-harness.h"
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef struct {
  TestNet *net;
  TcpSocket *ls;
  SimTime every, until;
  guint64 done;
} Bench;

static void
server_conn_wake(gpointer ud)
{
  TcpSocket *s = ud;
  GBytes *b = NULL;
  gssize n = tcp_socket_recv(s, 65536, &b);
  if (b) g_bytes_unref(b);
  if (n == -TCP_EAGAIN) return;
  if (n > 0) tcp_socket_send(s, NULL, 100);     /* the response */
  tcp_socket_close(s);                          /* server closes first */
}

static void
server_wake(gpointer ud)
{
  Bench *b = ud;
  int err;
  TcpSocket *s;
  while ((s = tcp_socket_accept(b->ls, &err))) {
    tcp_socket_set_waiter(s, server_conn_wake, s);
    server_conn_wake(s);
  }
}

typedef struct {
  Bench *b;
  TcpSocket *s;
  gboolean sent;
} Client;

static void
client_wake(gpointer ud)
{
  Client *c = ud;
  TcpState st = tcp_socket_state(c->s);
  if (st == TCP_STATE_SYN_SENT) return;
  if (!c->sent && st == TCP_STATE_ESTABLISHED) {
    tcp_socket_send(c->s, NULL, 100);           /* the request */
    c->sent = TRUE;
  }
  GBytes *data = NULL;
  gssize n;
  while ((n = tcp_socket_recv(c->s, 65536, &data)) > 0) g_bytes_unref(data);
  if (data) g_bytes_unref(data);
  if (n == -TCP_EAGAIN) return;
  c->b->done++;
  tcp_socket_close(c->s);
  g_free(c);
}

static void
tick(SimEngine *engine, gpointer data)
{
  Bench *b = data;
  Client *c = g_new0(Client, 1);
  c->b = b;
  c->s = tcp_socket_new(b->net->host[0].stack);
  tcp_socket_set_waiter(c->s, client_wake, c);
  if (tcp_socket_connect(c->s, TEST_ADDR_B, 80) != TCP_EINPROGRESS) {
    tcp_socket_close(c->s);
    g_free(c);
  }
  if (sim_engine_now(engine) + b->every < b->until)
    sim_engine_schedule_in(engine, b->every, tick, b, NULL);
}

int
main(int argc, char **argv)
{
  long rate = argc > 1 ? atol(argv[1]) : 1000;
  long seconds = argc > 2 ? atol(argv[2]) : 100;
  Bench b = { 0 };
  b.net = test_net_new(FALSE, SIM_MS);
  b.every = SIM_S / rate;
  b.until = seconds * SIM_S;
  b.ls = tcp_socket_new(b.net->host[1].stack);
  tcp_socket_bind(b.ls, 0, 80);
  tcp_socket_listen(b.ls, 4096);
  tcp_socket_set_waiter(b.ls, server_wake, &b);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  sim_engine_schedule(b.net->engine, 0, tick, &b, NULL);
  sim_engine_run(b.net->engine, b.until);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double wall = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  const TcpStats *ss = tcp_stack_stats(b.net->host[1].stack);
  const TcpStats *cs = tcp_stack_stats(b.net->host[0].stack);
  printf("%ld conn/s for %ld s: %.3f s wall, %" G_GUINT64_FORMAT " events, "
         "%" G_GUINT64_FORMAT " completed, connect_ok %" G_GUINT64_FORMAT
         ", server TIME_WAIT now %" G_GUINT64_FORMAT " peak %" G_GUINT64_FORMAT
         " reused %" G_GUINT64_FORMAT "\n",
         rate, seconds, wall, (guint64)sim_engine_events(b.net->engine), b.done,
         cs->connect_ok, tcp_stack_count(b.net->host[1].stack, TCP_STATE_TIME_WAIT),
         ss->tw_peak, ss->tw_reused);
  test_net_free(b.net);
  return 0;
}
