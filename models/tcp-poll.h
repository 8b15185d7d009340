/* poll(2) on a host's socket: what is ready, as Linux's tcp_poll() and
 * inet_csk_listen_poll() report it.  For drivers that wait on several
 * conditions at once (the packetdrill runner's poll()); the socket calls
 * themselves (tcp-stack.h) never need it. */
#pragma once
#include "tcp-stack.h"

/* Linux's poll bits (include/uapi/asm-generic/poll.h). */
enum {
  TCP_POLLIN = 0x1,
  TCP_POLLPRI = 0x2,
  TCP_POLLOUT = 0x4,
  TCP_POLLERR = 0x8,
  TCP_POLLHUP = 0x10,
  TCP_POLLNVAL = 0x20,
  TCP_POLLRDNORM = 0x40,
  TCP_POLLWRNORM = 0x100,
  TCP_POLLRDHUP = 0x2000,
};

/* The events ready on sock now (TCP_POLL* bits). */
guint
tcp_socket_poll(const TcpSocket *sock);
