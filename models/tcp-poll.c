/* poll(2) on a host's socket (see tcp-poll.h), after Linux's tcp_poll():
 *  - HUP when both directions are shut or the socket is CLOSED;
 *  - IN, RDNORM and RDHUP once the receive side is shut (the peer's FIN,
 *    shutdown(SHUT_RD), or the connection's end);
 *  - past the handshake, IN with data to read, OUT while the send buffer
 *    has room (sk_stream_is_writeable: free space at least half of what is
 *    queued) or once the send side is shut;
 *  - ERR with a pending error;
 *  - a listener: IN when a connection waits in its accept queue. */
#include "tcp-poll.h"
#include "tcp-stack-internal.h"

guint
tcp_socket_poll(const TcpSocket *sock)
{
  if (sock->listening) return sock->accept_q.length == 0 ? 0 : TCP_POLLIN | TCP_POLLRDNORM;
  const TcpConn *c = sock->conn;
  TcpState st = c ? c->state : TCP_STATE_CLOSED;
  /* A connection that ended (reset, timed out, or handed to TIME_WAIT)
   * is shut both ways (Linux tcp_done: sk_shutdown = SHUTDOWN_MASK). */
  gboolean ended = c == NULL || (st == TCP_STATE_CLOSED && c->established_once) || (c && c->error);
  gboolean rd_shut = ended || c->shut_rd || c->rcv_fin;
  gboolean wr_shut = ended || c->shut_wr;
  guint mask = 0;
  if ((rd_shut && wr_shut) || st == TCP_STATE_CLOSED) mask |= TCP_POLLHUP;
  if (rd_shut) mask |= TCP_POLLIN | TCP_POLLRDNORM | TCP_POLLRDHUP;
  if (st != TCP_STATE_SYN_SENT && st != TCP_STATE_SYN_RECEIVED) {
    gboolean data = c ? c->rcv_buf->len > 0 : sock->leftover && sock->leftover->len > 0;
    if (data) mask |= TCP_POLLIN | TCP_POLLRDNORM;
    guint32 queued = c ? c->snd_len : 0, size = c ? c->sndbuf_cur : 0;
    if (wr_shut || size - MIN(queued, size) >= queued / 2) mask |= TCP_POLLOUT | TCP_POLLWRNORM;
  }
  if (c && c->error) mask |= TCP_POLLERR;
  return mask;
}
