/* The insides of a host's TCP (tcp-stack.c), shared only with the
 * invariant checker (tcp-check.c), poll (tcp-poll.c), the socket listing
 * (tcp-ss.c) and the debugger's view (tcp-info.c).  Nothing else includes
 * this file.
 *
 * Axioms (checked by tcp_stack_check_invariants(), tcp-check.h):
 *  - every TcpConn alive is either in `conns` (synchronizing or
 *    synchronized, holding its port) or owned by an open socket and out of
 *    every table (CLOSED or LISTEN); never both kinds, never in `tw` too;
 *  - counts[st] is the number of live TcpConn in st, plus for TIME_WAIT
 *    the records of `tw`;
 *  - a TcpConn is in `timers` exactly when it is in `conns` and timer_at
 *    is not SIM_TIME_MAX; `timer` is set in the engine exactly when
 *    `timers` is not empty, at the (time, ticket) of its first;
 *  - tw_event, if not 0, is pending, and it is when `tw` holds a record,
 *    at tw_event_at, no later than the first record's expiry;
 *  - the ports' counts equal what holds them: `users` the connections of
 *    `conns` and the records of `tw`, `binders` the bound sockets,
 *    `listeners` the listening ones. */
#pragma once
#include "tcp-stack.h"
#include "ports.h"
#include "tcp.h"
#include "timewait.h"
#include "tuple-table.h"

struct TcpSocket {
  TcpStack   *stack;
  TcpConn    *conn;            /* NULL once TIME_WAIT took the connection */
  NetAddr     bind_addr;
  guint16     bind_port;
  gboolean    bound;           /* bind() or listen()'s autobind: a binder */
  gboolean    reuseaddr;
  gint64      linger;          /* seconds, < 0 off */
  gboolean    listening;
  int         backlog;
  TcpTuple    listen_key;      /* (bind_addr, 0, bind_port, 0) */
  GQueue      syn_q, accept_q; /* TcpConn via queue_link */
  GByteArray *leftover;        /* unread bytes when conn went away */
  void      (*wake)(gpointer ud);
  gpointer    wake_ud;
  GList       link;            /* in stack->sockets */
};

/* Fields in the order a segment meets them, so that the few cache lines
 * it touches of a stack are next to each other: with many hosts each
 * segment finds its host's stack out of cache.  What a client's segments
 * never touch (the TIME_WAIT table, which the side that closes first
 * holds; the ports, addresses and free records, touched once a
 * connection) comes last. */
struct TcpStack {
  TcpStackEnv env;
  TcpTupleTable conns;        /* 4-tuple -> TcpConn (synchronizing or synchronized) */
  GArray     *out;             /* scratch segment queue, reused */
  TcpStateQueue settled;       /* changes held until an input or timer is done */
  SimDeadlineHeap timers;     /* of TcpConn.timer: the connections' deadlines */
  SimEngineTimer timer;       /* the engine's, at the first of `timers` */
  TcpConnEnv  cenv;
  guint64     counts[TCP_STATE_N];
  TcpStats    stats;
  TcpProfile  profile;
  TcpConnPool pool;            /* freed connections for reuse (cenv.pool),
                                  when the stack shares no pool */
  TcpTsMemo   ts_memo;         /* cenv.ts_memo */
  TcpIsnMemo  isn_memo;        /* cenv.isn_memo */
  GPtrArray  *free_socks;      /* closed TcpSocket records for reuse, at most
                                  TCP_CONN_POOL_MAX, poisoned under ASan */
  GQueue      sockets;         /* every open TcpSocket */
  TcpPorts    ports;
  NetAddr    *addrs;
  guint       n_addrs;
  TcpTupleTable listeners;    /* listen_key -> TcpSocket */
  TcpTwTable  tw;
  SimEventId  tw_event;
  SimTime     tw_event_at;     /* when tw_event fires */
};
