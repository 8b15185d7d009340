/* How long a connection's sender was busy, and what held it back: Linux's
 * chronographs (net/ipv4/tcp_output.c tcp_chrono_start/stop, read by
 * tcp_get_info() as tcpi_busy_time, tcpi_rwnd_limited and
 * tcpi_sndbuf_limited).  One runs at a time; a more interesting condition
 * (a higher TcpChrono) takes over from a lesser one.
 *
 * Data flow: the send path (tcp.c, tcp-out.c) and the ACK path (tcp-in.c)
 * start and stop them with a couple of stores; tcp_info readers add the
 * running one's time (tcp_chrono_read). */
#include "tcp.h"

/* The running chronograph's time goes to its total; `to` runs from now. */
static void
chrono_set(TcpConn *c, TcpChrono to)
{
  if (c->chrono_type > TCP_CHRONO_UNSPEC)
    c->chrono_stat[c->chrono_type - 1] += c->now - c->chrono_start;
  c->chrono_start = c->now;
  c->chrono_type = (guint8)to;
}

void
tcp_chrono_start(TcpConn *c, TcpChrono type)
{
  if (type > c->chrono_type) chrono_set(c, type);
}

void
tcp_chrono_stop(TcpConn *c, TcpChrono type)
{
  /* Nothing left to send or to be acknowledged: idle.  Else a stopped
   * condition that was the one running leaves the sender busy. */
  if (c->snd_len == 0 && c->snd_una == c->snd_nxt) {
    if (c->chrono_type != TCP_CHRONO_UNSPEC) chrono_set(c, TCP_CHRONO_UNSPEC);
  } else if (type == c->chrono_type) {
    chrono_set(c, TCP_CHRONO_BUSY);
  }
}

void
tcp_chrono_read(const TcpConn *c, SimTime now, SimTime out[3])
{
  for (int i = 0; i < 3; i++) {
    out[i] = c->chrono_stat[i];
    if (c->chrono_type == i + 1) out[i] += now - c->chrono_start;
  }
}
