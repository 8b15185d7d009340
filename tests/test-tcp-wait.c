/* tcp_socket_would_block(): whether accept, connect, send or recv made now
 * would still have to wait, asked without making the call.  Two stacks
 * back to back (tests/tcp-harness.h, net mode); at each step the answer is
 * compared with what the call then does, and asking is shown to change
 * nothing (a pending error stays pending). */
#include "tcp-harness.h"
#include <string.h>

#define MS SIM_MS

/* Asks, then receives: the answer must say whether recv returned EAGAIN. */
static gssize
recv_as_told(TcpSocket *s)
{
  gboolean blocks = tcp_socket_would_block(s, TCP_CALL_RECV);
  GBytes *b = NULL;
  gssize n = tcp_socket_recv(s, 65536, &b);
  g_assert_cmpint(blocks, ==, n == -TCP_EAGAIN);
  if (b) g_bytes_unref(b);
  return n;
}

static TcpSocket *
listener(TestNet *net, guint16 port)
{
  TcpSocket *ls = tcp_socket_new(net->host[1].stack);
  g_assert_cmpint(tcp_socket_bind(ls, 0, port), ==, TCP_OK);
  g_assert_cmpint(tcp_socket_listen(ls, 16), ==, TCP_OK);
  return ls;
}

/* A client socket c on A connected to s, accepted on B:80, at 20 ms. */
static void
connected(TestNet *net, TcpSocket **c, TcpSocket **s)
{
  TcpSocket *ls = listener(net, 80);
  *c = tcp_socket_new(net->host[0].stack);
  g_assert_cmpint(tcp_socket_connect(*c, TEST_ADDR_B, 80), ==, TCP_EINPROGRESS);
  test_net_run_until(net, 20 * MS);
  g_assert_cmpint(tcp_socket_state(*c), ==, TCP_STATE_ESTABLISHED);
  int err = 0;
  *s = tcp_socket_accept(ls, &err);
  g_assert_nonnull(*s);
}

/* Accept and connect: waiting until the handshake ends, not after. */
static void
test_handshake(void)
{
  TestNet *net = test_net_new(FALSE, 5 * MS);
  TcpSocket *ls = listener(net, 80);
  int err = 0;
  g_assert_true(tcp_socket_would_block(ls, TCP_CALL_ACCEPT));
  g_assert_null(tcp_socket_accept(ls, &err));
  g_assert_cmpint(err, ==, TCP_EAGAIN);

  TcpSocket *c = tcp_socket_new(net->host[0].stack);
  g_assert_false(tcp_socket_would_block(c, TCP_CALL_CONNECT));   /* not connecting */
  g_assert_cmpint(tcp_socket_connect(c, TEST_ADDR_B, 80), ==, TCP_EINPROGRESS);
  g_assert_true(tcp_socket_would_block(c, TCP_CALL_CONNECT));    /* SYN_SENT */
  g_assert_true(tcp_socket_would_block(c, TCP_CALL_SEND));
  g_assert_true(tcp_socket_would_block(c, TCP_CALL_RECV));
  test_net_run_until(net, 7 * MS);                               /* SYN in, SYN-ACK out */
  g_assert_true(tcp_socket_would_block(ls, TCP_CALL_ACCEPT));    /* SYN_RECEIVED: not yet */
  test_net_run_until(net, 20 * MS);
  g_assert_false(tcp_socket_would_block(c, TCP_CALL_CONNECT));
  g_assert_cmpint(tcp_socket_state(c), ==, TCP_STATE_ESTABLISHED);
  g_assert_false(tcp_socket_would_block(ls, TCP_CALL_ACCEPT));
  TcpSocket *s = tcp_socket_accept(ls, &err);
  g_assert_nonnull(s);
  g_assert_true(tcp_socket_would_block(ls, TCP_CALL_ACCEPT));    /* the queue is empty again */
  /* A listener's own recv and send fail at once, and accept on a
   * connection fails too. */
  g_assert_false(tcp_socket_would_block(ls, TCP_CALL_RECV));
  g_assert_false(tcp_socket_would_block(ls, TCP_CALL_SEND));
  g_assert_false(tcp_socket_would_block(s, TCP_CALL_ACCEPT));
  g_assert_null(tcp_socket_accept(s, &err));
  g_assert_cmpint(err, ==, TCP_EINVAL);
  test_net_free(net);
}

/* recv: a bare ACK leaves it waiting, data and the peer's FIN end the
 * wait. */
static void
test_recv_wait(void)
{
  TestNet *net = test_net_new(FALSE, 5 * MS);
  TcpSocket *c, *s;
  connected(net, &c, &s);
  g_assert_cmpint(recv_as_told(c), ==, -TCP_EAGAIN);
  g_assert_cmpint(recv_as_told(s), ==, -TCP_EAGAIN);

  /* The request, and the server's ACK of it (delayed ACK: 40 ms at most)
   * back at the client, which still has nothing to read. */
  g_assert_cmpint(tcp_socket_send(c, (const guint8 *)"request", 7), ==, 7);
  test_net_run_until(net, 100 * MS);
  g_assert_cmpuint(tcp_stack_stats(net->host[0].stack)->segments_received, ==, 2);  /* SYN-ACK, ACK */
  g_assert_true(tcp_socket_would_block(c, TCP_CALL_RECV));
  g_assert_cmpint(recv_as_told(c), ==, -TCP_EAGAIN);
  g_assert_cmpint(recv_as_told(s), ==, 7);
  g_assert_cmpint(recv_as_told(s), ==, -TCP_EAGAIN);

  g_assert_cmpint(tcp_socket_send(s, (const guint8 *)"response", 8), ==, 8);
  tcp_socket_close(s);
  test_net_run_until(net, 200 * MS);
  g_assert_cmpint(recv_as_told(c), ==, 8);
  g_assert_cmpint(recv_as_told(c), ==, 0);                       /* EOF */
  g_assert_cmpint(recv_as_told(c), ==, 0);
  tcp_socket_close(c);
  test_net_free(net);
}

/* send: a full send buffer waits; shutdown("w") ends the wait with
 * EPIPE. */
static void
test_send_full(void)
{
  TestNet *net = test_net_new(FALSE, 5 * MS);
  TcpSocket *c, *s;
  connected(net, &c, &s);
  gssize n;
  guint sends = 0;
  do {
    gboolean blocks = tcp_socket_would_block(c, TCP_CALL_SEND);
    n = tcp_socket_send(c, NULL, 65536);
    g_assert_cmpint(blocks, ==, n == -TCP_EAGAIN);
    sends++;
  } while (n > 0 && sends < 1000);
  g_assert_cmpint(n, ==, -TCP_EAGAIN);
  g_assert_true(tcp_socket_would_block(c, TCP_CALL_SEND));
  g_assert_cmpint(tcp_socket_shutdown(c, 2), ==, TCP_OK);
  g_assert_false(tcp_socket_would_block(c, TCP_CALL_SEND));
  g_assert_cmpint(tcp_socket_send(c, NULL, 1), ==, -TCP_EPIPE);
  g_assert_false(tcp_socket_would_block(s, TCP_CALL_SEND));      /* s has room */
  test_net_free(net);
}

/* A refused connect and a reset: every call ends its wait, and asking
 * leaves the error for the call to take. */
static void
test_errors(void)
{
  TestNet *net = test_net_new(FALSE, 5 * MS);
  TcpSocket *c = tcp_socket_new(net->host[0].stack);
  g_assert_cmpint(tcp_socket_connect(c, TEST_ADDR_B, 81), ==, TCP_EINPROGRESS);
  test_net_run_until(net, 20 * MS);
  for (int i = 0; i < 2; i++) {
    g_assert_false(tcp_socket_would_block(c, TCP_CALL_CONNECT));
    g_assert_false(tcp_socket_would_block(c, TCP_CALL_RECV));
    g_assert_false(tcp_socket_would_block(c, TCP_CALL_SEND));
  }
  g_assert_cmpint(tcp_socket_take_error(c), ==, TCP_ECONNREFUSED);
  g_assert_cmpint(tcp_socket_state(c), ==, TCP_STATE_CLOSED);
  g_assert_cmpint(recv_as_told(c), ==, -TCP_ENOTCONN);
  tcp_socket_close(c);
  test_net_free(net);

  /* A reset (the server closes with linger 0) while the client waits in
   * recv. */
  net = test_net_new(FALSE, 5 * MS);
  TcpSocket *s;
  connected(net, &c, &s);
  g_assert_true(tcp_socket_would_block(c, TCP_CALL_RECV));
  g_assert_cmpint(tcp_socket_setopt(s, "linger", 0), ==, TCP_OK);
  tcp_socket_close(s);
  test_net_run_until(net, 40 * MS);
  g_assert_false(tcp_socket_would_block(c, TCP_CALL_RECV));
  g_assert_false(tcp_socket_would_block(c, TCP_CALL_RECV));
  g_assert_cmpint(recv_as_told(c), ==, -TCP_ECONNRESET);
  tcp_socket_close(c);
  test_net_free(net);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/would-block/handshake", test_handshake);
  g_test_add_func("/would-block/recv", test_recv_wait);
  g_test_add_func("/would-block/send", test_send_full);
  g_test_add_func("/would-block/errors", test_errors);
  return g_test_run();
}
