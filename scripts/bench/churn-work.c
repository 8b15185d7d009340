/* The churn workload's client and server (see churn-work.h). */
#include "churn-work.h"

static void
server_conn_wake(gpointer ud)
{
  TcpSocket *s = ud;
  GBytes *b = NULL;
  gssize n = tcp_socket_recv(s, 65536, &b);
  if (b) g_bytes_unref(b);
  if (n == -TCP_EAGAIN) return;
  if (n > 0) tcp_socket_send(s, NULL, 100);     /* the response */
  tcp_socket_close(s);                          /* the server closes first */
}

static void
server_wake(gpointer ud)
{
  ChurnWork *w = ud;
  int err;
  TcpSocket *s;
  while ((s = tcp_socket_accept(w->ls, &err))) {
    tcp_socket_set_waiter(s, server_conn_wake, s);
    server_conn_wake(s);
  }
}

typedef struct {
  ChurnWork *w;
  TcpSocket *s;
  gboolean   sent;
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
  c->w->done++;
  tcp_socket_close(c->s);
  g_free(c);
}

static void
tick(SimEngine *engine, gpointer data)
{
  ChurnWork *w = data;
  Client *c = g_new0(Client, 1);
  c->w = w;
  c->s = tcp_socket_new(w->client);
  tcp_socket_set_waiter(c->s, client_wake, c);
  if (tcp_socket_connect(c->s, w->server_addr, 80) != TCP_EINPROGRESS) {
    tcp_socket_close(c->s);
    g_free(c);
  }
  if (sim_engine_now(engine) + w->every < w->until)
    sim_engine_schedule_in(engine, w->every, tick, w, NULL);
}

void
churn_work_start(ChurnWork *w)
{
  w->ls = tcp_socket_new(w->server);
  tcp_socket_bind(w->ls, 0, 80);
  tcp_socket_listen(w->ls, 4096);
  tcp_socket_set_waiter(w->ls, server_wake, w);
  sim_engine_schedule(w->engine, sim_engine_now(w->engine), tick, w, NULL);
}
