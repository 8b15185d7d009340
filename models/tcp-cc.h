/* Congestion control: the window a sender may have in flight, and how
 * losses shrink it.
 *
 * Data flow: tcp-in.c calls tcp_cc_ack() for every acceptable ACK of a
 * synchronized connection (it counts duplicate ACKs and runs NewReno's
 * fast retransmit and fast recovery, RFC 5681 3.2 and RFC 6582, or with
 * SACK RFC 6675's recovery on the scoreboard of tcp-sack.c);
 * tcp-timer.c calls tcp_cc_rto() when the retransmission timer expires.
 * The algorithm proper -- how cwnd grows and what ssthresh becomes on a
 * loss -- sits behind TcpCcOps, so that another (CUBIC) can be added
 * beside NewReno without touching the loss recovery. */
#pragma once
#include "tcp.h"

struct TcpCcOps {
  const char *name;
  /* The connection is established: cwnd and ssthresh start. */
  void    (*init)(TcpConn *c);
  /* `acked` new bytes acknowledged outside recovery: grow cwnd. */
  void    (*on_ack)(TcpConn *c, guint32 acked);
  /* A loss (third duplicate ACK or RTO): the new ssthresh. */
  guint32 (*ssthresh)(const TcpConn *c);
  /* The retransmission timer expired: cwnd to the loss window. */
  void    (*on_rto)(TcpConn *c);
};

/* RFC 5681 slow start and congestion avoidance (byte counting, as
 * Linux's tcp_slow_start() and tcp_cong_avoid_ai()). */
extern const TcpCcOps tcp_cc_newreno;

/* Sets c->cc to the profile's algorithm and calls its init. */
void
tcp_cc_init(TcpConn *c);

/* Bytes sent and not yet acknowledged (RFC 5681 FlightSize). */
guint32
tcp_cc_flight(const TcpConn *c);

/* An ACK arrived in a synchronized state, before the window update.
 * `acked` is the new data it acknowledges (0: none), `dup` whether it is
 * a duplicate ACK in RFC 5681's sense (with SACK, one that also SACKs new
 * data: RFC 6675 2).  May retransmit into `out`. */
void
tcp_cc_ack(TcpConn *c, guint32 acked, gboolean dup, GArray *out);

/* The retransmission timer expired (first expiry of a series: `first`). */
void
tcp_cc_rto(TcpConn *c, gboolean first);
