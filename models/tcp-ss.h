/* A host's TCP sockets listed as Linux's `ss -tan` lists them (through
 * inet_diag): every listener, every connection that holds a 4-tuple
 * (SYN_SENT to LAST_ACK, orphans included), every TIME_WAIT record, and
 * bound sockets that are not connected (ss's UNCONN).  For h:sockets()
 * and --ss-at: O(sockets) per call, never on the path of a segment. */
#pragma once
#include "tcp-stack.h"

/* The timer ss shows in `timer:(NAME,LEFT,RETRANSMITS)`. */
typedef enum {
  TCP_SS_TIMER_OFF,        /* none pending (ss prints no timer) */
  TCP_SS_TIMER_ON,         /* retransmission (Linux ICSK_TIME_RETRANS) */
  TCP_SS_TIMER_PERSIST,    /* zero-window probe (ICSK_TIME_PROBE0) */
  TCP_SS_TIMER_TIMEWAIT,   /* TIME_WAIT, or an orphan's FIN_WAIT_2 (Linux
                              keeps it as a timewait socket) */
} TcpSsTimer;

typedef struct {
  TcpState   state;        /* CLOSED: a bound, unconnected socket */
  TcpTuple   tuple;        /* raddr and rport 0 for LISTEN and CLOSED */
  guint32    recv_q;       /* LISTEN: the accept queue; else bytes unread */
  guint32    send_q;       /* LISTEN: the backlog; else bytes not yet acked */
  TcpSsTimer timer;
  SimTime    timer_left;   /* >= 0 when timer is not OFF */
  guint      retransmits;  /* consecutive timeouts (ss's third figure) */
  gboolean   orphan;       /* closed by its user, still held by TCP */
} TcpSockInfo;

/* Fills `out` (an array of TcpSockInfo, emptied first) with every socket
 * of s as of `now`, sorted by local address and port, then remote address and
 * port, then state: the same order on every run. */
void
tcp_stack_sockets(TcpStack *s, SimTime now, GArray *out);

/* ss's name of a state: ESTAB, SYN-SENT, ..., TIME-WAIT, UNCONN. */
const char *
tcp_ss_state_name(TcpState state);

/* ss's name of a timer: on, persist, timewait (NULL for OFF). */
const char *
tcp_ss_timer_name(TcpSsTimer timer);

/* A duration as ss prints a timer (print_ms_timer in iproute2's ss.c):
 * "52sec", "1min2sec", "9.501sec", "476ms"; rounded down to the ms.
 * Writes into buf (at least 32 bytes) and returns it. */
char *
tcp_ss_format_time(SimTime left, char *buf);
