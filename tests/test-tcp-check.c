/* The invariant checker (models/tcp-check.h) and the engine's after-event
 * hook that runs it: a healthy stack passes, and each kind of corruption
 * (a per-state count, a port count, a sequence variable, a timer handle, a
 * TIME_WAIT record's index, a link's counters, a node's indexes) is caught
 * and named. */
#include "tcp-harness.h"
#include "tcp-check.h"
#include "tcp-stack-internal.h"
#include "net-check.h"
#include <string.h>

#define MS SIM_MS

static void
count_event(SimEngine *engine, gpointer data)
{
  (void)engine;
  (*(guint *)data)++;
}

static void
after_count(gpointer user)
{
  (*(guint *)user) += 100;
}

/* The hook runs once after each event, and not at all once cleared. */
static void
test_engine_after(void)
{
  SimEngine *e = sim_engine_new();
  guint fired = 0, after = 0;
  sim_engine_set_after(e, after_count, &after);
  for (int i = 0; i < 5; i++) sim_engine_schedule(e, i * MS, count_event, &fired, NULL);
  sim_engine_run(e, SIM_TIME_MAX);
  g_assert_cmpuint(fired, ==, 5);
  g_assert_cmpuint(after, ==, 500);
  sim_engine_set_after(e, NULL, NULL);
  sim_engine_schedule(e, 10 * MS, count_event, &fired, NULL);
  sim_engine_run(e, SIM_TIME_MAX);
  g_assert_cmpuint(after, ==, 500);
  /* A pending event is found by its handle, a fired one is not. */
  SimEventId id = sim_engine_schedule(e, 20 * MS, count_event, &fired, NULL);
  gpointer data = NULL;
  g_assert_true(sim_engine_event_pending(e, id, &data));
  g_assert_true(data == &fired);
  sim_engine_run(e, SIM_TIME_MAX);
  g_assert_false(sim_engine_event_pending(e, id, NULL));
  g_assert_false(sim_engine_event_pending(e, 0, NULL));
  sim_engine_free(e);
}

/* The server closes its first connection at once (it ends in TIME_WAIT
 * there) and keeps the others open. */
static void
accept_all(gpointer ud)
{
  TcpSocket *ls = ud;
  int err;
  TcpSocket *s;
  while ((s = tcp_socket_accept(ls, &err)))
    if (tcp_stack_stats(ls->stack)->accepts == 1) tcp_socket_close(s);
}

/* Two stacks with a listener, a connection sending data, and one TIME_WAIT
 * record on the server: something of every kind to check. */
static TestNet *
busy_net(TcpSocket **client)
{
  TestNet *net = test_net_new(FALSE, 5 * MS);
  TcpSocket *ls = tcp_socket_new(net->host[1].stack);
  g_assert_cmpint(tcp_socket_bind(ls, 0, 80), ==, TCP_OK);
  g_assert_cmpint(tcp_socket_listen(ls, 8), ==, TCP_OK);
  tcp_socket_set_waiter(ls, accept_all, ls);
  TcpSocket *first = tcp_socket_new(net->host[0].stack);
  g_assert_cmpint(tcp_socket_connect(first, TEST_ADDR_B, 80), ==, TCP_EINPROGRESS);
  test_net_run_until(net, 100 * MS);
  tcp_socket_close(first);
  *client = tcp_socket_new(net->host[0].stack);
  g_assert_cmpint(tcp_socket_connect(*client, TEST_ADDR_B, 80), ==, TCP_EINPROGRESS);
  test_net_run_until(net, 120 * MS);
  g_assert_cmpuint(tcp_stack_count(net->host[1].stack, TCP_STATE_TIME_WAIT), ==, 1);
  return net;
}

static void
expect_broken(TcpStack *stack, const char *what)
{
  g_autoptr(GString) why = g_string_new(NULL);
  g_assert_false(tcp_stack_check(stack, why));
  if (strstr(why->str, what) == NULL)
    g_error("expected a message with '%s', got '%s'", what, why->str);
}

static void
test_healthy(void)
{
  TcpSocket *c;
  TestNet *net = busy_net(&c);
  g_autoptr(GString) why = g_string_new(NULL);
  for (int i = 0; i < 2; i++) {
    g_assert_true(tcp_stack_check(net->host[i].stack, why));
    g_assert_cmpstr(why->str, ==, "");
    g_assert_cmpuint(tcp_stack_check_size(net->host[i].stack), >, 2);
  }
  test_net_free(net);
}

static void
test_count(void)
{
  TcpSocket *c;
  TestNet *net = busy_net(&c);
  TcpStack *a = net->host[0].stack;
  guint64 *slot = tcp_stack_count_slot(a, TCP_STATE_CLOSE_WAIT);
  (*slot)++;
  expect_broken(a, "count of CLOSE_WAIT is 1 but the tables hold 0");
  (*slot)--;
  g_assert_true(tcp_stack_check(a, NULL));
  test_net_free(net);
}

static void
test_port(void)
{
  TcpSocket *c;
  TestNet *net = busy_net(&c);
  TcpStack *b = net->host[1].stack;
  TcpPortUse *u = tcp_ports_use(&b->ports, 80, FALSE);
  g_assert_nonnull(u);
  u->users++;
  expect_broken(b, "port 80: counts users");
  u->users--;
  u->listeners = 0;
  expect_broken(b, "port 80");
  u->listeners = 1;
  g_assert_true(tcp_stack_check(b, NULL));
  test_net_free(net);
}

static void
test_sequence(void)
{
  TcpSocket *c;
  TestNet *net = busy_net(&c);
  TcpStack *a = net->host[0].stack;
  TcpConn *conn = c->conn;
  g_assert_cmpint(conn->state, ==, TCP_STATE_ESTABLISHED);
  guint32 una = conn->snd_una;
  conn->snd_una = conn->snd_nxt + 10;
  expect_broken(a, "SND.UNA");
  conn->snd_una = una;
  conn->snd_len += 5;                     /* more than the buffer holds */
  expect_broken(a, "send buffer holds");
  conn->snd_len -= 5;
  g_assert_true(tcp_stack_check(a, NULL));
  test_net_free(net);
}

static void
test_timer(void)
{
  TcpSocket *c;
  TestNet *net = busy_net(&c);
  TcpStack *a = net->host[0].stack;
  TcpConn *conn = c->conn;
  /* A connection with a deadline out of the stack's timer heap: a timer
   * that would never fire; the engine's timer left at a deadline gone (one
   * that fires on a freed object). */
  g_assert_cmpuint(tcp_socket_send(c, NULL, 3000), ==, 3000);
  g_assert_true(sim_deadline_armed(&conn->timer));
  g_assert_true(sim_engine_timer_is_set(&a->timer));
  SimDeadline saved = conn->timer;
  sim_deadline_heap_remove(&a->timers, &conn->timer);
  expect_broken(a, "but no timer");
  sim_deadline_heap_set(&a->timers, &conn->timer, saved.at + 1, saved.seq);
  expect_broken(a, "for the deadline");
  sim_deadline_heap_set(&a->timers, &conn->timer, saved.at, saved.seq);
  g_assert_true(tcp_stack_check(a, NULL));
  sim_engine_timer_stop(net->engine, &a->timer);
  expect_broken(a, "the engine's timer is not set");
  sim_engine_timer_set(net->engine, &a->timer, saved.at, saved.seq + 1);
  expect_broken(a, "is not at the first deadline");
  sim_engine_timer_set(net->engine, &a->timer, saved.at, saved.seq);
  g_assert_true(tcp_stack_check(a, NULL));
  conn->timer_at = SIM_TIME_MAX;
  expect_broken(a, "a timer but no deadline");
  test_net_free(net);
}

static void
test_time_wait(void)
{
  TcpSocket *c;
  TestNet *net = busy_net(&c);
  TcpStack *b = net->host[1].stack;
  TcpTwRecord *rec = tcp_tw_head(&b->tw);
  g_assert_nonnull(rec);
  guint32 expiry_lo = rec->expiry_lo, expiry_hi = rec->expiry_hi;
  rec->expiry_lo = rec->expiry_hi = 0;    /* expired, yet still held */
  expect_broken(b, "expired");
  rec->expiry_lo = expiry_lo;
  rec->expiry_hi = expiry_hi;
  guint16 rport = rec->rport;
  rec->rport ^= 1;                        /* no longer where its index says */
  expect_broken(b, "missing from its index");
  rec->rport = rport;
  g_assert_true(tcp_stack_check(b, NULL));
  test_net_free(net);
}

/* The network's checks: indexes, interfaces and link counters. */
static void
test_net(void)
{
  SimEngine *e = sim_engine_new();
  NetWorld *net = net_world_new(e, 1);
  NetAddr a_addr = TEST_ADDR_A, b_addr = TEST_ADDR_B;
  NetNode *a = net_world_host_new(net, "a", &a_addr, 1, NULL);
  NetNode *b = net_world_host_new(net, "b", &b_addr, 1, NULL);
  NetNode *r = net_world_router_new(net, "r", NULL);
  NetLinkParams p;
  net_link_params_init(&p);
  NetLink *ar = net_world_link_new(net, a, r, &p, &p);
  net_world_link_new(net, r, b, &p, &p);
  g_autoptr(GString) why = g_string_new(NULL);
  g_assert_true(net_world_check(net, why));
  ar->d[0].c.delivered += 3;              /* delivered more than was sent */
  g_assert_false(net_world_check(net, why));
  g_assert_nonnull(strstr(why->str, "link a-r: 0 packets offered but 3 accounted for"));
  ar->d[0].c.delivered -= 3;
  g_assert_true(net_world_check(net, NULL));
  b->index = 7;
  g_string_truncate(why, 0);
  g_assert_false(net_world_check(net, why));
  g_assert_nonnull(strstr(why->str, "node b: index 7 at position 1"));
  b->index = 1;
  g_hash_table_remove(net->by_addr, GUINT_TO_POINTER(b_addr));
  g_assert_false(net_world_check(net, NULL));
  g_hash_table_insert(net->by_addr, GUINT_TO_POINTER(b_addr), b);
  g_assert_true(net_world_check(net, NULL));
  net_world_free(net);
  sim_engine_free(e);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/check/engine-after", test_engine_after);
  g_test_add_func("/check/healthy", test_healthy);
  g_test_add_func("/check/count", test_count);
  g_test_add_func("/check/port", test_port);
  g_test_add_func("/check/sequence", test_sequence);
  g_test_add_func("/check/timer", test_timer);
  g_test_add_func("/check/time-wait", test_time_wait);
  g_test_add_func("/check/net", test_net);
  return g_test_run();
}
