/* load.server's plain server, run in C (see plain-server.h).
 *
 * Each piece stands for a piece of the Lua form it replaces (load.lua had
 * an accept loop in one process and spawned a process per connection):
 *
 * - a wait is the socket method's wait (lsocket.c): the socket's waiter
 *   set while a call waits and cleared when it returns, and the step
 *   woken as a process is (wakeup.h), a wake-up that finds a read or a
 *   write still blocked left as it is;
 * - the spawn of a connection's process is its first step scheduled at
 *   the current instant, after the accept's records;
 * - every call writes the trace record and ladder row the method wrote
 *   (socket-record.h), and an accepted socket is charged to --max-memory
 *   until it is closed, as a socket object is.
 *
 * Connection states are kept for reuse, so a server in steady state
 * allocates nothing per connection. */
#include "plain-server.h"
#include "socket-record.h"
#include "wakeup.h"

typedef struct PlainServer PlainServer;

/* What a connection does next, in the order of the Lua body. */
typedef enum {
  PLAIN_READ_REQUEST,
  PLAIN_SEND_RESPONSE,
  PLAIN_READ_FIN,        /* the client closes first: its FIN before the close */
} PlainStep;

typedef struct {
  PlainServer *server;
  TcpSocket   *sock;
  SimWakeup    wake;          /* the next step's */
  PlainStep    step;
  gboolean     waiting;       /* the waiter is set: a call waits in `call` */
  TcpCall      call;
  gsize        sent;          /* of the response, while its send waits */
  gboolean     request_eof;   /* the request's read met EOF (Lua's req == "") */
  GList        link;          /* in the server's `open`, or its `idle` once closed */
} PlainConn;

struct PlainServer {
  SimWorld    *world;
  TcpSocket   *listener;
  const char  *host;
  gsize        response;
  gboolean     client_closes;
  SimWakeup    wake;          /* the accept loop's */
  gboolean     waiting;       /* the listener's waiter is set */
  GQueue       open;          /* PlainConn being served */
  GQueue       idle;          /* PlainConn kept for the next connection */
  GList        link;          /* in world->plain_servers */
};

/* The value the call returns that means it waits. */
#define PLAIN_WAITS G_MINSSIZE

/* The call that waited on sock returned: its waiter is cleared. */
static void
done_waiting(TcpSocket *sock, gboolean *waiting)
{
  if (!*waiting) return;
  *waiting = FALSE;
  tcp_socket_set_waiter(sock, NULL, NULL);
}

/* ---- a connection -------------------------------------------------------- */

static void run_conn(PlainConn *c);

static void
on_conn_wake(SimEngine *engine, gpointer data)
{
  PlainConn *c = data;
  if (sim_wakeup_fired(&c->wake)) run_conn(c);
}

static void
on_conn_ready(gpointer ud)
{
  PlainConn *c = ud;
  sim_wakeup_now(&c->wake, c->server->world->run.engine, on_conn_wake, c);
}

/* The test of a waiting read or write: the Lua process was left suspended
 * when its retry would only wait again. */
static gboolean
conn_still_blocked(gpointer ud)
{
  PlainConn *c = ud;
  return tcp_socket_would_block(c->sock, c->call);
}

static void
conn_wait(PlainConn *c, TcpCall call)
{
  c->waiting = TRUE;
  c->call = call;
  tcp_socket_set_waiter(c->sock, on_conn_ready, c);
  sim_wakeup_wait_in(&c->wake, conn_still_blocked, c);
}

static void
discard(gpointer ud, const guint8 *data, gsize len)
{
}

/* s:recv(): the byte count (0 at EOF), -errno, or PLAIN_WAITS. */
static gssize
conn_recv(PlainConn *c)
{
  PlainServer *server = c->server;
  gssize n = tcp_socket_recv_into(c->sock, G_MAXINT32, discard, NULL);
  if (n == -TCP_EAGAIN) {
    conn_wait(c, TCP_CALL_RECV);
    return PLAIN_WAITS;
  }
  done_waiting(c->sock, &c->waiting);
  if (n < 0)
    sim_socket_record(server->world, c->sock, server->host, "recv", tcp_errno_name((int)-n));
  else
    sim_socket_record_count(server->world, c->sock, server->host, "recv", (gsize)n);
  return n;
}

/* s:send(response), from c->sent on: FALSE while it waits. */
static gboolean
conn_send(PlainConn *c)
{
  PlainServer *server = c->server;
  while (c->sent < server->response) {
    gssize n = tcp_socket_send(c->sock, NULL, server->response - c->sent);
    if (n == -TCP_EAGAIN) {
      conn_wait(c, TCP_CALL_SEND);
      return FALSE;
    }
    if (n < 0) {
      done_waiting(c->sock, &c->waiting);
      sim_socket_record(server->world, c->sock, server->host, "send", tcp_errno_name((int)-n));
      return TRUE;
    }
    c->sent += (gsize)n;
  }
  done_waiting(c->sock, &c->waiting);
  sim_socket_record_count(server->world, c->sock, server->host, "send", server->response);
  return TRUE;
}

/* s:close(), and the state kept for the next connection. */
static void
conn_close(PlainConn *c)
{
  PlainServer *server = c->server;
  TcpSocket *sock = c->sock;
  tcp_socket_set_waiter(sock, NULL, NULL);
  sim_socket_draw(server->world, sock, server->host, "close()");
  sim_socket_record(server->world, sock, server->host, "close", "ok");
  c->sock = NULL;
  tcp_socket_close(sock);
  sim_world_charge(server->world, -(gssize)tcp_socket_footprint());
  g_queue_unlink(&server->open, &c->link);
  g_queue_push_head_link(&server->idle, &c->link);
}

/* The Lua body, from c->step on, until it waits or ends:
 *   local req = recv(c)
 *   if response > 0 then send(c, response) end
 *   if client_closes and req ~= "" then recv(c) end
 *   close(c)
 * (req is nil after an error, which is not "".) */
static void
run_conn(PlainConn *c)
{
  PlainServer *server = c->server;
  switch (c->step) {
  case PLAIN_READ_REQUEST: {
    gssize n = conn_recv(c);
    if (n == PLAIN_WAITS) return;
    c->request_eof = n == 0;
    c->step = PLAIN_SEND_RESPONSE;
    c->sent = 0;
  }
    /* fall through */
  case PLAIN_SEND_RESPONSE:
    if (server->response > 0 && !conn_send(c)) return;
    if (!server->client_closes || c->request_eof) break;
    c->step = PLAIN_READ_FIN;
    /* fall through */
  case PLAIN_READ_FIN:
    if (conn_recv(c) == PLAIN_WAITS) return;
    break;
  }
  conn_close(c);
}

/* A connection's state for sock, served from its first step. */
static PlainConn *
conn_new(PlainServer *server, TcpSocket *sock)
{
  GList *l = g_queue_pop_head_link(&server->idle);
  PlainConn *c = l ? l->data : g_new0(PlainConn, 1);
  *c = (PlainConn){ .server = server, .sock = sock, .step = PLAIN_READ_REQUEST };
  c->link.data = c;
  g_queue_push_tail_link(&server->open, &c->link);
  return c;
}

/* ---- the accept loop ----------------------------------------------------- */

static void serve_accept(PlainServer *server);

static void
on_server_wake(SimEngine *engine, gpointer data)
{
  PlainServer *server = data;
  if (sim_wakeup_fired(&server->wake)) serve_accept(server);
}

static void
on_listener_ready(gpointer ud)
{
  PlainServer *server = ud;
  sim_wakeup_now(&server->wake, server->world->run.engine, on_server_wake, server);
}

/* Accepts every connection ready, each started as its own step, then
 * waits for the next; an accept that fails ends the loop, as it did in
 * Lua. */
static void
serve_accept(PlainServer *server)
{
  SimWorld *world = server->world;
  for (;;) {
    int err = 0;
    TcpSocket *sock = tcp_socket_accept(server->listener, &err);
    if (sock == NULL && err == TCP_EAGAIN) {
      server->waiting = TRUE;
      tcp_socket_set_waiter(server->listener, on_listener_ready, server);
      return;
    }
    done_waiting(server->listener, &server->waiting);
    if (sock == NULL) {
      sim_socket_record(world, server->listener, server->host, "accept", tcp_errno_name(err));
      return;
    }
    /* Over --max-memory the limit stops the run, as the error the socket
     * object's charge raised in the Lua loop did. */
    if (!sim_world_charge(world, (gssize)tcp_socket_footprint())) return;
    PlainConn *c = conn_new(server, sock);
    sim_socket_draw(world, sock, server->host, "accept()");
    sim_socket_record(world, sock, server->host, "accept", "ok");
    sim_wakeup_now(&c->wake, world->run.engine, on_conn_wake, c);
  }
}

void
sim_plain_serve(SimWorld *world, TcpSocket *listener, const char *host, gsize response,
                gboolean client_closes)
{
  PlainServer *server = g_new0(PlainServer, 1);
  server->world = world;
  server->listener = listener;
  server->host = host;
  server->response = response;
  server->client_closes = client_closes;
  server->link.data = server;
  g_queue_push_tail_link(&world->plain_servers, &server->link);
  serve_accept(server);
}

static void
free_conns(SimWorld *world, GQueue *q)
{
  GList *l;
  while ((l = g_queue_pop_head_link(q)) != NULL) {
    PlainConn *c = l->data;
    sim_wakeup_cancel(&c->wake, world->run.engine);
    g_free(c);
  }
}

void
sim_plain_servers_free_all(SimWorld *world)
{
  GList *l;
  while ((l = g_queue_pop_head_link(&world->plain_servers)) != NULL) {
    PlainServer *server = l->data;
    sim_wakeup_cancel(&server->wake, world->run.engine);
    free_conns(world, &server->open);
    free_conns(world, &server->idle);
    g_free(server);
  }
}
