/* A host's TCP: its sockets, the demultiplexer, ephemeral ports, listen
 * queues, the TIME_WAIT table, and the BSD-style calls the Lua layer maps
 * onto (socket, bind, listen, accept, connect, send, recv, shutdown, close,
 * setopt).
 *
 * Data flow: a Lua call -> tcp_socket_*() -> the endpoint (tcp.h) ->
 * env.output() (the host hands the packet to the network) ... ->
 * tcp_stack_input() -> demux -> endpoint -> a socket's waiter is told that
 * something it may wait for changed.
 *
 * Calls never block: a call that would block returns TCP_EAGAIN (or, for
 * connect, TCP_EINPROGRESS) and the caller sets a waiter on the socket; the
 * stack calls the waiter when the socket's readiness or state may have
 * changed, and the caller retries.  The Lua layer builds the blocking
 * semantics of DESIGN.md on this.
 *
 * Errors are errno values (TCP_E*), 0 for success: a refused, reset or
 * timed-out connection is a result, not a twsim error (STYLE.md). */
#pragma once
#include "engine.h"
#include "segment.h"
#include "trace.h"

typedef struct TcpStack TcpStack;
typedef struct TcpSocket TcpSocket;
typedef struct TcpConnPool TcpConnPool;
typedef struct TcpProfile TcpProfile;

/* errno values, with Linux's numbers so they print the same anywhere. */
typedef enum {
  TCP_OK = 0,
  TCP_EAGAIN = 11,
  TCP_EINVAL = 22,
  TCP_EPIPE = 32,
  TCP_EADDRINUSE = 98,
  TCP_EADDRNOTAVAIL = 99,
  TCP_ENETUNREACH = 101,
  TCP_ECONNRESET = 104,
  TCP_EISCONN = 106,
  TCP_ENOTCONN = 107,
  TCP_ETIMEDOUT = 110,
  TCP_ECONNREFUSED = 111,
  TCP_EALREADY = 114,
  TCP_EINPROGRESS = 115,
} TcpErrno;

/* "ECONNREFUSED" etc.; "OK" for 0. */
const char *
tcp_errno_name(int err);

/* The eleven RFC 9293 states. */
typedef enum {
  TCP_STATE_CLOSED,
  TCP_STATE_LISTEN,
  TCP_STATE_SYN_SENT,
  TCP_STATE_SYN_RECEIVED,
  TCP_STATE_ESTABLISHED,
  TCP_STATE_FIN_WAIT_1,
  TCP_STATE_FIN_WAIT_2,
  TCP_STATE_CLOSE_WAIT,
  TCP_STATE_CLOSING,
  TCP_STATE_LAST_ACK,
  TCP_STATE_TIME_WAIT,
  TCP_STATE_N,
} TcpState;

/* "CLOSED", "LISTEN", "SYN_SENT", "SYN_RECEIVED", "ESTABLISHED",
 * "FIN_WAIT_1", "FIN_WAIT_2", "CLOSE_WAIT", "CLOSING", "LAST_ACK",
 * "TIME_WAIT": the RFC's names with underscores, as `ss` and DESIGN.md
 * spell them. */
const char *
tcp_state_name(TcpState state);

/* Parses a state name as above; FALSE if unknown. */
gboolean
tcp_state_parse(const char *name, TcpState *out);

/* A connection's addresses from one host's point of view. */
typedef struct {
  NetAddr laddr, raddr;
  guint16 lport, rport;
} TcpTuple;

/* What a state change looks like to observers (sim.on("state"), traces). */
typedef struct {
  const char *host;
  TcpState    from, to;
  TcpTuple    tuple;
} TcpStateEvent;

/* Why the stack discarded a segment that reached it (TcpStackEnv.dropped). */
typedef enum {
  TCP_DROP_ACCEPT_QUEUE,    /* a listener's accept or SYN queue is full */
  TCP_DROP_NO_LISTENER,     /* no socket for it: answered with a RST */
} TcpDropReason;

/* What the stack needs from its host.  Everything here is borrowed. */
typedef struct {
  SimEngine  *engine;
  const char *host_name;            /* for traces and observers */
  guint64     run_seed;             /* keys ISNs (RFC 6528), port offsets */
  SimTrace   *trace;                /* may be NULL */
  /* Sends a packet (ownership passes).  src/dst/ports/TCP fields are set;
   * the host fills TTL and IP ID. */
  void      (*output)(gpointer host, Packet *pkt);
  /* Whether dst can be reached at all (FALSE: connect gives ENETUNREACH),
   * and the local address to use towards it. */
  gboolean  (*route)(gpointer host, NetAddr dst, NetAddr *src);
  /* The MTU of the first hop towards dst, 0 if unlimited (may be NULL):
   * the MSS a connection advertises is that less 40 bytes of headers. */
  guint     (*mtu)(gpointer host, NetAddr dst);
  /* Called on every state change of every connection as it happens (may
   * be NULL): for writers that only record it (the ladder, metrics). */
  void      (*state_changed)(gpointer state_user, const TcpStateEvent *ev);
  /* Called for the same changes, in the same order, once the segment or
   * timer that caused them is done (may be NULL): the stack is whole then
   * (the segment's ACK sent, its flags set, TIME_WAIT records made), so the
   * callback may call back into the stack (close, send, open a socket).
   * A change made outside segment and timer processing (a socket call) is
   * reported at once. */
  void      (*state_settled)(gpointer state_user, const TcpStateEvent *ev);
  /* How many listen to state_settled now (NULL: always called): while it
   * is 0 the stack holds no changes at all, at the cost of one load per
   * change (the host's count of observers, which only grows). */
  const guint *settled_wanted;
  /* What state_changed and state_settled are called with. */
  gpointer    state_user;
  /* Called when the stack discards a segment addressed to it, before it
   * frees it (may be NULL): the drops only a counter knew of. */
  void      (*dropped)(gpointer host, const Packet *pkt, TcpDropReason reason);
  gpointer    host;                 /* output's, route's, mtu's and dropped's */
  /* While *tx_refused, the host's device refuses every packet (may be
   * NULL: never): the stack sends no data into it and retries later, as
   * Linux does on NET_XMIT_DROP. */
  const gboolean *tx_refused;
  /* Where the stack's freed connections wait for reuse, shared with the
   * run's other stacks (may be NULL: the stack keeps a pool of its own).
   * Shared, a host that opens one connection now and then holds none
   * between them, and a new connection takes the one freed last anywhere,
   * still in the caches.  It outlives the stacks that use it. */
  TcpConnPool *pool;
} TcpStackEnv;

/* A pool for the stacks of one run to share (TcpStackEnv.pool), keeping
 * at most `max` connections. */
#define TCP_CONN_POOL_SHARED_MAX 65536   /* a host's ports' worth: a run whose
                                          * connections come and go in waves of
                                          * up to that many allocates none in
                                          * steady state */
TcpConnPool *
tcp_conn_pool_new(guint max);

/* Frees the pool and the connections it holds, once every stack that used
 * it is freed. */
void
tcp_conn_pool_free(TcpConnPool *pool);

/* ---- the stack ---------------------------------------------------------- */

/* A stack with the given profile's settings ("linux" if profile is NULL);
 * `addrs` are the host's addresses (copied). */
TcpStack *
tcp_stack_new(const TcpStackEnv *env, const NetAddr *addrs, guint n_addrs);

/* Frees every socket, connection and TIME_WAIT record; cancels timers. */
void
tcp_stack_free(TcpStack *stack);

/* A packet addressed to this host (ownership passes). */
void
tcp_stack_input(TcpStack *stack, Packet *pkt);

/* Settings, h:set{} in Lua: `key` as DESIGN.md names it, value as a string
 * or number already checked for type by the caller ("60s", "32768-60999",
 * "true").  FALSE with a SIM_ERROR naming the key if the key is unknown or
 * the value out of range. */
gboolean
tcp_stack_set(TcpStack *stack, const char *key, const char *value, GError **error);

/* Several settings at once, as one change: every key is set, then the
 * rules between keys are checked (rto_min <= rto_max), so the order of the
 * keys does not matter.  Nothing changes unless all are valid. */
gboolean
tcp_stack_set_all(TcpStack *stack, const char *const *keys, const char *const *values,
                  guint n, GError **error);

/* The bytes one open socket holds in the stack (its socket and
 * connection records), for a caller that bounds what a scenario makes. */
gsize
tcp_socket_footprint(void);

/* Selects a profile ("linux", "linux-5", "bsd", "windows", "rfc9293")
 * wholesale. */
gboolean
tcp_stack_set_profile(TcpStack *stack, const char *profile, GError **error);

/* The bytes the TIME_WAIT table holds (timewait.h, tcp_tw_table_bytes). */
guint64
tcp_stack_tw_bytes(const TcpStack *stack);

/* How many sockets are in `state` right now (TIME_WAIT records included). */
guint64
tcp_stack_count(const TcpStack *stack, TcpState state);

/* Cumulative counters, h:stats() (DESIGN.md "Host statistics"). */
typedef struct {
  guint64 connect_ok, connect_refused, connect_timeout, connect_addrnotavail,
          connect_reset, connect_unreach;
  guint64 resets_sent, resets_received;
  guint64 retransmits;
  guint64 segments_sent, segments_received;
  guint64 tw_entered, tw_reused, tw_killed;
  guint64 tw_peak;              /* most TIME_WAIT sockets held at once */
  SimTime tw_peak_time;         /* when tw_peak was first reached */
  guint64 syn_dropped;          /* SYNs dropped: listen queue overflow */
  guint64 accepts;
  guint64 fast_retransmits;     /* losses repaired by fast retransmit */
  guint64 timeouts;             /* retransmission timer expiries (data) */
  guint64 window_probes;        /* zero-window probes sent */
} TcpStats;

const TcpStats *
tcp_stack_stats(const TcpStack *stack);

/* ---- sockets ------------------------------------------------------------ */

/* A new, unbound socket (state CLOSED).  The socket belongs to the stack;
 * the caller may use it until it calls tcp_socket_close(), and never after
 * (the connection may live on inside the stack, or be freed at once). */
TcpSocket *
tcp_socket_new(TcpStack *stack);

/* Called when anything a blocked caller may wait for changes: connection
 * established or failed, data or EOF readable, send space, a connection to
 * accept, an error.  One waiter per socket; NULL clears it. */
void
tcp_socket_set_waiter(TcpSocket *sock, void (*wake)(gpointer ud), gpointer ud);

/* bind(addr, port): addr 0 means any; port 0 an ephemeral port.
 * TCP_EADDRINUSE / TCP_EADDRNOTAVAIL / TCP_EINVAL. */
int
tcp_socket_bind(TcpSocket *sock, NetAddr addr, guint16 port);

/* listen(backlog): backlog capped like somaxconn (profile). */
int
tcp_socket_listen(TcpSocket *sock, int backlog);

/* accept(): a new socket for an ESTABLISHED connection, or NULL with
 * *err = TCP_EAGAIN (wait), TCP_EINVAL (not listening). */
TcpSocket *
tcp_socket_accept(TcpSocket *sock, int *err);

/* connect(addr, port): sends the SYN and returns TCP_EINPROGRESS; the
 * outcome arrives later: then tcp_socket_error() is 0 and the state
 * ESTABLISHED, or the error (ECONNREFUSED, ETIMEDOUT, ECONNRESET).
 * Immediate failures: TCP_EADDRNOTAVAIL (no ephemeral port), TCP_ENETUNREACH,
 * TCP_EISCONN, TCP_EALREADY. */
int
tcp_socket_connect(TcpSocket *sock, NetAddr addr, guint16 port);

/* The pending error (SO_ERROR), cleared by reading it. */
int
tcp_socket_take_error(TcpSocket *sock);

/* send: queues up to len bytes of `data` (NULL: that many zero bytes, not
 * stored) and returns how many were taken (> 0), or -errno: -TCP_EAGAIN
 * when the send buffer is full, -TCP_EPIPE after shutdown("w") or close,
 * -TCP_ECONNRESET, -TCP_ENOTCONN, -TCP_ETIMEDOUT. */
gssize
tcp_socket_send(TcpSocket *sock, const guint8 *data, gsize len);

/* send with MSG_MORE when `more`: more data follows, so this write's
 * push holds a partial segment as TCP_CORK does and marks no PSH. */
gssize
tcp_socket_send_more(TcpSocket *sock, const guint8 *data, gsize len, gboolean more);

/* Receives bytes where they lie: data points into the receive buffer and
 * is valid only during the call. */
typedef void (*TcpRecvSink)(gpointer ud, const guint8 *data, gsize len);

/* recv: hands up to max buffered bytes to sink (called once, only when
 * there are bytes) and returns the count; 0 at EOF (sink not called);
 * -TCP_EAGAIN when nothing is buffered yet; -errno on error (ECONNRESET,
 * ETIMEDOUT, ENOTCONN).  The bytes are never copied on the way. */
gssize
tcp_socket_recv_into(TcpSocket *sock, gsize max, TcpRecvSink sink, gpointer ud);

/* recv into a new GBytes (*out): tcp_socket_recv_into() for callers that
 * keep the bytes (tests, the packetdrill runner); *out is an empty GBytes
 * at EOF and NULL on error. */
gssize
tcp_socket_recv(TcpSocket *sock, gsize max, GBytes **out);

/* shutdown: how = 1 read, 2 write, 3 both.  TCP_ENOTCONN if not connected. */
int
tcp_socket_shutdown(TcpSocket *sock, int how);

/* close(): the socket is gone for the caller; the connection goes on (FIN,
 * TIME_WAIT...) inside the stack, or sends RST (linger 0, unread data). */
void
tcp_socket_close(TcpSocket *sock);

/* Socket options: "linger" (seconds, value < 0 = off), "reuseaddr" (0/1),
 * "nodelay" (0/1), "cork" (0/1, TCP_CORK), "user_timeout"
 * (TCP_USER_TIMEOUT, milliseconds, 0 = off).  TCP_EINVAL for an unknown
 * name or a value out of range. */
int
tcp_socket_setopt(TcpSocket *sock, const char *name, gint64 value);

TcpState
tcp_socket_state(const TcpSocket *sock);

/* The calls a caller may wait in (tcp_socket_would_block). */
typedef enum {
  TCP_CALL_ACCEPT,
  TCP_CALL_CONNECT,    /* connect's outcome: tcp_socket_take_error(), the state */
  TCP_CALL_SEND,       /* a send of at least one byte */
  TCP_CALL_RECV,
} TcpCall;

/* Whether `call` made on sock now would still have to wait (TCP_EAGAIN;
 * for connect, no error yet and the state SYN_SENT or SYN_RECEIVED), as
 * the call itself decides, without making it: changes nothing.  FALSE
 * when the call would complete or fail.  A waiter that is told of a
 * change it cannot use (a bare ACK to a process waiting for data) skips
 * its retry with it. */
gboolean
tcp_socket_would_block(const TcpSocket *sock, TcpCall call);

/* Local and remote address and port (zeros when unbound/unconnected). */
TcpTuple
tcp_socket_tuple(const TcpSocket *sock);

/* ---- describing the counters ---------------------------------------------- */

/* One counter of TcpStats: its name as h:stats(), metrics and summaries
 * spell it, and where it sits in the struct. */
typedef struct {
  const char *name;
  gsize       offset;
} TcpStatsField;

/* Every guint64 counter of TcpStats, in a fixed order (the column order of
 * metrics files); `n` receives the count. */
const TcpStatsField *
tcp_stats_fields(guint *n);

static inline guint64
tcp_stats_get(const TcpStats *st, const TcpStatsField *f)
{
  return *(const guint64 *)((const char *)st + f->offset);
}

/* ---- one connection, as a debugger shows it ------------------------------ */

/* One end of a connection (twsim step's `p`).  Sequence numbers are
 * absolute; iss and irs let a reader make them relative.  A time is
 * SIM_TIME_MAX when its timer is not armed. */
typedef struct {
  TcpState state;
  gboolean record;            /* a TIME_WAIT record: only the fields marked (tw) */
  guint32  iss, irs;
  guint32  snd_una, snd_nxt;  /* snd_nxt (tw) */
  guint32  rcv_nxt;           /* (tw) */
  guint32  snd_wnd;           /* the peer's window, bytes */
  guint32  rcv_wnd;           /* the window we last advertised, bytes */
  guint32  cwnd, ssthresh;
  SimTime  rto;
  SimTime  rtx_at;            /* retransmission or window probe */
  SimTime  ack_at;            /* delayed ACK */
  SimTime  state_at;          /* FIN_WAIT_2 reaping; TIME_WAIT's end (tw) */
} TcpConnInfo;

/* The connection `tuple` names, seen from this host (tuple.laddr is one
 * of its addresses); FALSE if it holds none. */
gboolean
tcp_stack_conn_info(TcpStack *stack, const TcpTuple *tuple, TcpConnInfo *info);
