/* The TCP endpoint: one connection's state machine (RFC 9293), its send
 * and receive buffers and its retransmission timer.
 *
 * Data flow: tcp-stack.c demultiplexes a segment to a TcpConn and calls
 * tcp_conn_input(); user calls (connect, send, recv, close) arrive through
 * tcp_conn_*(); the engine's timer event calls tcp_conn_timer().  Each of
 * these appends the segments it emits to a GArray of TcpSegment that the
 * caller owns (and must drain), and tcp_conn_deadline() then says when the
 * connection next needs to be woken.  The endpoint does no I/O and never
 * talks to the engine.
 *
 * A connection that reaches TIME_WAIT is handed back to the stack, which
 * replaces it by a compact record (timewait.h) and frees it. */
#pragma once
#include "hash.h"
#include "profile.h"
#include "tcp-stack.h"
#include "tcp-rack.h"
#include "tcp-seq.h"

typedef struct TcpConn TcpConn;
typedef struct TcpCcOps TcpCcOps;

/* A segment held beyond RCV.NXT until the hole before it fills (RFC 9293
 * 3.10.7.4 "segment text": kept, not dropped).  The payload slice is
 * shared with the segment that brought it, not copied. */
typedef struct {
  guint32  seq;                 /* first byte */
  NetSlice data;                /* holds one reference on data.buf */
  gboolean fin;                 /* the peer's FIN follows data */
} TcpOooSeg;

/* Freed connections kept for reuse, each with its buffers (emptied, their
 * storage kept), so that making and ending connections in steady state
 * costs no call to the allocator.  At most `max` are kept; a pooled
 * connection's memory is poisoned under AddressSanitizer. */
struct TcpConnPool {
  TcpConn   *head;                      /* the last given back; NULL: empty */
  guint      len, max;
};

/* A stack's own pools: of connections, when it shares none
 * (TcpStackEnv.pool), and of socket records. */
#define TCP_CONN_POOL_MAX 1024

/* What a pool holds is poisoned under AddressSanitizer, so that a use
 * after it was given back is still caught. */
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define TCP_POOL_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define TCP_POOL_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define TCP_POOL_POISON(p, n) ((void)(p), (void)(n))
#define TCP_POOL_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

void
tcp_conn_pool_init(TcpConnPool *pool, guint max);
/* Frees the pooled connections (the live ones must be freed first). */
void
tcp_conn_pool_clear(TcpConnPool *pool);

/* State changes held until the segment or timer being processed is done
 * (TcpStackEnv.state_settled).  Axioms: `events` is empty whenever `depth`
 * is 0; events are delivered in the order they happened, each once. */
typedef struct {
  GArray     *events;                   /* TcpStateEvent, oldest first */
  guint       depth;                    /* entry points under way (nested) */
  void      (*settled)(gpointer host, const TcpStateEvent *ev);   /* may be NULL */
  const guint *wanted;                  /* told only while *wanted != 0; NULL: always */
} TcpStateQueue;

/* The timestamp offset of the last address pair a stack hashed: most of
 * a host's connections go to, or come from, one peer. */
typedef struct {
  NetAddr  laddr, raddr;
  guint32  offset;
  gboolean known;
} TcpTsMemo;

/* The ISN hash's state after the address pair (tcp_siphash_begin) for the
 * last pair a stack hashed: only the ports change from one connection to
 * the next between two hosts. */
typedef struct {
  NetAddr     laddr, raddr;
  TcpSipState state;
  gboolean    known;
} TcpIsnMemo;

/* What a connection shares with its stack (borrowed, outlives it). */
typedef struct {
  const TcpProfile *profile;
  SimTrace   *trace;                    /* may be NULL */
  const char *host_name;
  void      (*state_changed)(gpointer host, const TcpStateEvent *ev);
  gpointer    host;
  TcpStateQueue *settled;               /* may be NULL: no settled callback */
  guint64    *counts;                   /* [TCP_STATE_N], kept by tcp_set_state */
  TcpStats   *stats;                    /* never NULL */
  TcpHashKey  isn_key, ts_key;
  TcpTsMemo  *ts_memo;                  /* may be NULL: hashed every time */
  TcpIsnMemo *isn_memo;                 /* may be NULL: hashed every time */
  TcpConnPool *pool;                    /* may be NULL: every connection allocated */
  const gboolean *tx_refused;           /* may be NULL (TcpStackEnv.tx_refused) */
} TcpConnEnv;

/* Invariants:
 *  - snd_una <= snd_nxt <= snd_max (mod 2^32); snd_max is the highest
 *    sequence number ever sent, so a send below it is a retransmission;
 *  - snd_buf holds the bytes from snd_base (the first unacknowledged data
 *    byte) onward, snd_len of them; the FIN, once queued, sits at
 *    snd_base + snd_len;
 *  - rtx_at is SIM_TIME_MAX exactly when nothing needs retransmitting or
 *    probing;
 *  - ooo holds disjoint segments, sorted by seq, each starting above
 *    rcv_nxt and ending at most at rcv_adv; ooo_bytes is their total;
 *  - rcv_wup <= rcv_nxt <= rcv_adv + 1 (mod 2^32): rcv_wup is RCV.NXT
 *    as last acknowledged, rcv_adv the right edge of the window last sent
 *    (a FIN may arrive on a closed window: the + 1);
 *  - in_recovery implies dupacks >= 3 was reached since the last RTO;
 *  - state is written only by tcp_set_state(). */
struct TcpConn {
  TcpTuple    tuple;            /* first: the demux hash key */
  TcpState    state;
  const TcpConnEnv *env;
  const TcpProfile *profile;    /* env->profile, read on every segment:
                                   one load fewer (the stack's settings
                                   change in place, never the pointer) */
  SimTime     now;              /* time of the call being processed */
  /* send side (RFC 9293 3.3.1) */
  guint32     iss, snd_una, snd_nxt, snd_max, snd_wnd, snd_wl1, snd_wl2;
  guint32     snd_base, snd_len, cwnd;
  guint16     mss;              /* send MSS: min(ours, peer's) less options */
  guint32     ssthresh;         /* slow-start threshold (RFC 5681) */
  guint32     cwnd_acked;       /* bytes acked toward the next +MSS in CA */
  guint32     recover;          /* RFC 6582 "recover": SND.MAX at the loss */
  guint32     snd_wnd_max;      /* largest window the peer offered (SWS) */
  guint32     snd_sml;          /* end of the last small segment (Nagle) */
  guint32     sndbuf_cur;       /* send buffer now (grows with cwnd) */
  guint16     adv_mss;          /* the MSS our SYN advertises: profile mss, or
                                   the first hop's MTU less 40 if smaller */
  guint8      snd_wscale;       /* the peer's window shift (RFC 7323 2) */
  guint8      rcv_wscale;       /* ours, 0 unless both sides offered it */
  guint8      dupacks;          /* consecutive duplicate ACKs */
  gboolean    in_recovery;      /* NewReno fast recovery (RFC 6582) */
  gboolean    nodelay;          /* TCP_NODELAY: Nagle off */
  gboolean    cork;             /* TCP_CORK: partial segments held */
  gboolean    more;             /* the write being pushed had MSG_MORE: it
                                   corks that push only */
  gboolean    push_once;        /* Linux's TCP_NAGLE_PUSH: pushes ignore cork
                                   and Nagle until a write starts a new
                                   segment */
  gboolean    psh_marked;       /* psh_seq holds a PSH mark */
  guint32     psh_seq;          /* the segment holding this byte's end
                                   carries PSH (tcp_mark_push()) */
  guint32     pushed_seq;       /* write end at the last mark (Linux's
                                   tp->pushed_seq, for forced_push()) */
  gboolean    ws_ok;            /* both SYNs carried the window scale */
  gboolean    sack_ok;          /* both SYNs carried SACK-permitted (RFC 2018 2) */
  guint32     high_rxt;         /* RFC 6675 HighRxt: end of the last
                                   retransmission of this recovery */
  GArray     *scoreboard;       /* TcpSackBlock: what the peer SACKed above
                                   snd_una, sorted, disjoint (RFC 6675) */
  TcpRack     rack;             /* Linux's recovery, with profile `rack` */
  const TcpCcOps *cc;           /* congestion control (tcp-cc.h) */
  GArray     *snd_buf;          /* NetSlice chunks, oldest first */
  gboolean    fin_queued;       /* FIN follows the buffered data */
  /* receive side */
  guint32     irs, rcv_nxt;
  GByteArray *rcv_buf;          /* in-order bytes not yet read */
  gboolean    rcv_fin;          /* the peer's FIN has been received */
  guint32     rcv_wnd_sent;     /* the window we last advertised, bytes */
  guint32     rcv_adv;          /* right edge of that window */
  guint32     rcv_wup;          /* RCV.NXT when we last sent an ACK */
  guint32     rcv_mss;          /* largest segment received (Linux rcv_mss) */
  guint32     rcv_ssthresh;     /* linux_rwnd: the most the window may offer
                                   now; grows with in-order data (Linux's
                                   tp->rcv_ssthresh) */
  GArray     *ooo;              /* TcpOooSeg: out-of-order queue */
  guint32     ooo_bytes;
  TcpSackBlock rcv_sack[TCP_SACK_MAX];  /* blocks we report, most recent
                                           first (RFC 2018 4) */
  guint8      n_rcv_sack;
  gboolean    dsack_due;        /* rcv_dsack goes with the next ACK */
  TcpSackBlock rcv_dsack;       /* a duplicate received (RFC 2883) */
  /* ACK policy (Linux's icsk_ack) */
  SimTime     ack_at;           /* delayed-ACK deadline, or SIM_TIME_MAX */
  SimTime     last_oow_ack;     /* last ACK to an out-of-window segment */
  SimTime     ato;              /* ACK timeout estimate, 0 before data */
  SimTime     lrcvtime;         /* when data last arrived */
  int         quick;            /* quick ACKs left */
  gboolean    pingpong;         /* interactive: ACKs ride on replies */
  /* timestamps (RFC 7323) */
  gboolean    ts_ok;
  guint32     ts_offset, ts_recent;
  SimTime     ts_recent_stamp;
  /* retransmission (RFC 6298) */
  SimTime     rto, srtt, rttvar;
  gboolean    rtt_valid, rtt_timing;
  guint32     rtt_seq;
  SimTime     rtt_start;
  int         retries;          /* consecutive timeouts */
  SimTime     rtx_at;           /* retransmission/probe deadline */
  SimTime     state_at;         /* FIN_WAIT_2 reaping deadline */
  SimTime     user_timeout;     /* TCP_USER_TIMEOUT (RFC 5482), 0: off */
  SimTime     rtx_stamp;        /* Linux's retrans_stamp: when the head of
                                   this run of timeouts was first sent */
  SimTime     probes_stamp;     /* first unanswered window probe, 0: none */
  int         probes;           /* window probes unanswered (icsk_probes_out) */
  gboolean    local_drop;       /* the device refused the last send
                                   (NET_XMIT_DROP): nothing went out */
  /* tcp_info (Linux's tcp_get_info) */
  SimTime     lsndtime;         /* data last sent */
  SimTime     rcv_tstamp;       /* an ACK last received */
  guint8      chrono_type;      /* TcpChrono running since chrono_start */
  SimTime     chrono_start;
  SimTime     chrono_stat[3];   /* time busy, rwnd- and sndbuf-limited */
  /* the user's side */
  int         error;            /* pending SO_ERROR */
  gboolean    orphan;           /* close()d by the user */
  gboolean    shut_rd, shut_wr;
  gboolean    passive;          /* born from a listener */
  gboolean    ack_now;          /* an ACK is owed */
  gboolean    established_once; /* reached ESTABLISHED at least once */
  /* owner's bookkeeping (tcp-stack.c) */
  gpointer    sock;             /* TcpSocket, NULL when orphaned */
  gpointer    listener;         /* TcpSocket that spawned it, until accepted */
  GList       queue_link;       /* in the listener's SYN or accept queue */
  TcpConn    *pool_next;        /* the next in its stack's pool, while pooled */
  SimDeadline timer;            /* in the stack's heap iff timer_at < SIM_TIME_MAX */
  SimTime     timer_at;         /* the deadline the timer was set for */
  guint8      in_table;         /* in the 4-tuple hash */
  guint8      holds_port;       /* counted in the local port's users */
  guint8      in_accept_q;      /* queue_link is in the accept queue, not the SYN queue */
};

/* Whether c runs tcp-rack.c's recovery (profile `rack` and SACK agreed).
 * Inline: asked several times per segment sent and per ACK. */
static inline gboolean
tcp_rack_on(const TcpConn *c)
{
  return c->sack_ok && c->profile->rack;
}

/* The connection behind a socket (NULL once it went to TIME_WAIT), for
 * tests and checkers that read its fields; defined in tcp-stack.c. */
const TcpConn *
tcp_socket_conn(const TcpSocket *sock);

/* ---- tcp.c: lifecycle and user calls ------------------------------------ */

/* A new connection in CLOSED (counted).  Free with tcp_conn_free(). */
TcpConn *
tcp_conn_new(const TcpConnEnv *env, SimTime now);

void
tcp_conn_free(TcpConn *c);

/* The only writer of c->state: asserts the transition is legal, keeps the
 * per-state counts, traces it and tells the host. */
void
tcp_set_state(TcpConn *c, TcpState to);

/* Enters TIME_WAIT, or CLOSED when the host already holds max_tw_buckets
 * TIME_WAIT records (tw_killed): Linux's tcp_time_wait() then finds no
 * bucket (inet_twsk_alloc() fails, "TCP: time wait bucket table
 * overflow") and closes the socket at once (tcp_done()). */
void
tcp_conn_time_wait(TcpConn *c);

/* Moves one socket's count from `from` to `to` (and keeps tw_peak). */
void
tcp_count_move(const TcpConnEnv *env, SimTime now, TcpState from, TcpState to);

/* Traces a state change and tells the host (no counting): for a TcpConn
 * through tcp_set_state(), for a TIME_WAIT record directly. */
/* The end of the outermost entry point with changes held: delivers them
 * (and those the callbacks make meanwhile) to q->settled, in order. */
void
tcp_state_queue_deliver(TcpStateQueue *q, gpointer host);

/* An entry point (a segment's input, a timer) begins: changes are held. */
static inline void
tcp_state_queue_hold(TcpStateQueue *q)
{
  q->depth++;
}

/* It ends: the outermost one delivers what was held, if anything was. */
static inline void
tcp_state_queue_release(TcpStateQueue *q, gpointer host)
{
  if (q->depth == 1 && q->events->len > 0) tcp_state_queue_deliver(q, host);
  else q->depth--;
}

void
tcp_state_event(const TcpConnEnv *env, SimTime now, const TcpTuple *tuple,
                TcpState from, TcpState to);

/* Arrays the hot path appends to (the segment queue, a connection's send
 * and receive buffers) are made with g_array_sized_new() and a reserved
 * length: GArray never shrinks its storage, so below that length a new
 * element is only a length to raise (g_array_set_size costs some 50
 * instructions a call).  The element is not cleared.  Each length is what
 * GLib would have grown the array to for a small exchange anyway (its
 * storage is a power of two bytes), so a host's or a pooled connection's
 * memory stays as it was: a stack of a large network holds its queue, a
 * pooled connection its buffers. */
#define TCP_OUT_RESERVED 3                  /* segments one call queues, at
                                               most in a short exchange (256 bytes) */
#define TCP_SND_BUF_RESERVED 4              /* write chunks not yet acknowledged */
#define TCP_RCV_BUF_RESERVED 128            /* bytes received, not yet read */

static inline void
tcp_array_grow1(GArray *a, guint reserved)
{
  if (G_LIKELY(a->len < reserved)) a->len++;
  else g_array_set_size(a, a->len + 1);
}

/* The queue the endpoint appends its segments to (TcpSegment). */
GArray *
tcp_out_queue_new(void);

/* The ISN for a tuple at `now` (RFC 6528: keyed hash + 64 ns clock). */
guint32
tcp_isn(const TcpConnEnv *env, const TcpTuple *t, SimTime now);

/* Active open: c->tuple set; sends the SYN with ISN `iss`. */
void
tcp_conn_connect(TcpConn *c, guint32 iss, SimTime now, GArray *out);

/* Passive open: c (in CLOSED) takes the SYN `syn` a listener received,
 * goes LISTEN -> SYN_RECEIVED and sends the SYN-ACK with ISN `iss`. */
void
tcp_conn_accept_syn(TcpConn *c, const TcpSegment *syn, guint32 iss,
                    SimTime now, GArray *out);

/* Queues bytes (data NULL: virtual zero bytes).  Returns count or -errno.
 * With `more` (MSG_MORE) the write corks its own push and marks no PSH
 * (Linux's tcp_push()). */
gssize
tcp_conn_send(TcpConn *c, const guint8 *data, gsize len, gboolean more, SimTime now,
              GArray *out);

/* Whether tcp_conn_send() of at least one byte would return -TCP_EAGAIN,
 * without making it: changes nothing. */
gboolean
tcp_conn_send_would_block(const TcpConn *c);

/* Sets the sending MSS from the peer's SYN (its MSS option, or 536) and the
 * profile, less the timestamp option when timestamps are on; the initial
 * congestion window follows. */
void
tcp_conn_set_mss(TcpConn *c, const TcpSegment *syn);

/* setsockopt(TCP_NODELAY): turning Nagle off sends what it held. */
void
tcp_conn_set_nodelay(TcpConn *c, gboolean on, SimTime now, GArray *out);

/* setsockopt(TCP_CORK): on, partial segments wait; off, what waits goes
 * as Nagle allows (at once with TCP_NODELAY). */
void
tcp_conn_set_cork(TcpConn *c, gboolean on, SimTime now, GArray *out);

/* The send buffer grows with cwnd (up to the profile's sndbuf_max).
 * Inline: every ACK of new data asks. */
static inline void
tcp_conn_grow_sndbuf(TcpConn *c)
{
  /* Linux grows the send buffer with the congestion window
   * (tcp_sndbuf_expand: about twice cwnd) up to tcp_wmem[2]; here in
   * payload bytes, never shrinking. */
  const TcpProfile *p = c->profile;
  guint32 want = MIN(2 * MIN(c->cwnd, 1u << 29), p->sndbuf_max);
  c->sndbuf_cur = MAX(c->sndbuf_cur, MAX(want, p->sndbuf));
}

/* Hands up to max buffered bytes to sink (in place, once, only when there
 * are some), then drops them from the buffer.  Returns the count, 0 at
 * EOF, or -errno. */
gssize
tcp_conn_recv(TcpConn *c, gsize max, TcpRecvSink sink, gpointer ud, SimTime now,
              GArray *out);

/* Whether tcp_conn_recv() would return -TCP_EAGAIN, without making it:
 * changes nothing. */
gboolean
tcp_conn_recv_would_block(const TcpConn *c);

/* shutdown(how): 1 read, 2 write, 3 both. */
int
tcp_conn_shutdown(TcpConn *c, int how, SimTime now, GArray *out);

/* close(): FIN, or RST with `abort` (linger 0) or unread data. */
void
tcp_conn_close(TcpConn *c, gboolean abort, SimTime now, GArray *out);

/* ---- tcp-in.c ----------------------------------------------------------- */

/* A segment for this connection (any state but CLOSED, LISTEN, TIME_WAIT). */
void
tcp_conn_input(TcpConn *c, const TcpSegment *seg, SimTime now, GArray *out);

/* Builds the RST that answers `seg` when no connection takes it (RFC 9293
 * 3.10.7.1).  FALSE if `seg` is itself a RST (no answer). */
gboolean
tcp_rst_for(const TcpSegment *seg, TcpSegment *rst);

/* ---- tcp-out.c ---------------------------------------------------------- */

/* Sends what the state, window and buffers allow; an owed ACK if nothing
 * else carried it. */
void
tcp_output(TcpConn *c, GArray *out);

/* Emits one segment <seq, flags> carrying ACK=rcv_nxt when flags has ACK,
 * the window and the timestamp option. */
void
tcp_emit(TcpConn *c, GArray *out, guint32 seq, guint8 flags);

/* The RST|ACK of an abort at SND.NXT; with the profile's
 * reset_options, the window and options of any segment of the
 * connection. */
void
tcp_emit_reset(TcpConn *c, GArray *out);

/* The SYN or SYN-ACK, with options. */
void
tcp_emit_syn(TcpConn *c, GArray *out);

/* RTO: go back to snd_una and resend from there as cwnd allows (the
 * receiver keeps what it already holds out of order, so its ACK jumps). */
void
tcp_retransmit(TcpConn *c, GArray *out);

/* Fast retransmit: one segment at snd_una, snd_nxt untouched. */
void
tcp_retransmit_head(TcpConn *c, GArray *out);

/* Resends up to len bytes at seq (and the FIN if they end the data),
 * labelled a fast retransmission; snd_nxt untouched. */
void
tcp_retransmit_at(TcpConn *c, GArray *out, guint32 seq, guint32 len);

/* The timestamp value now (inline: every segment sent and every ACK
 * with a timestamp reads it).  Linux's TS clock ticks every millisecond
 * (tcp_clock_ms()). */
static inline guint32
tcp_ts_now(const TcpConn *c)
{
  return (guint32)(c->now / SIM_MS) + c->ts_offset;
}

/* ---- tcp-rcv.c: window, out-of-order queue, ACK policy -------------------- */

/* Free receive buffer space: what the window may offer. */
static inline guint32
tcp_rcv_free(const TcpConn *c)
{
  guint32 buf = c->profile->rcvbuf;
  guint32 used = c->rcv_buf ? c->rcv_buf->len : 0;
  guint32 max = 65535u << c->rcv_wscale;     /* what the field can say */
  return MIN(buf > used ? buf - used : 0, max);
}

/* The window to offer now, in bytes, before scaling, with free_ the free
 * space (tcp_rcv_free()).  RFC 9293 3.8.6.2.2: the right edge moves only
 * when it can move by min(rcvbuf / 2, MSS); and a window is never shrunk
 * (RFC 9293 3.8.6).  With linux_rwnd the offer is also at most
 * rcv_ssthresh (Linux's __tcp_select_window()). */
static inline guint32
tcp_rcv_window_in(const TcpConn *c, guint32 free_)
{
  guint32 cur = tcp_seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
  if (c->profile->linux_rwnd) free_ = MIN(free_, c->rcv_ssthresh);
  guint32 step = MIN(c->profile->rcvbuf / 2, (guint32)c->mss);
  if (free_ > cur && free_ - cur >= step) return free_;
  return cur;
}

/* Records the window a segment offers (`bytes`, its field `field`) and its
 * right edge, which never moves back; returns the field. */
static inline guint16
tcp_rcv_window_record(TcpConn *c, guint32 field, guint32 bytes)
{
  c->rcv_wnd_sent = bytes;
  if (c->state != TCP_STATE_SYN_SENT && tcp_seq_gt(c->rcv_nxt + bytes, c->rcv_adv))
    c->rcv_adv = c->rcv_nxt + bytes;
  return (guint16)field;
}

/* tcp_rcv_window_field() for a SYN, or for a profile without
 * linux_rwnd (tcp-rcv.c). */
guint16
tcp_rcv_window_field_other(TcpConn *c, gboolean syn);

/* The 16-bit window field to send (unscaled in a SYN); records the
 * window and its right edge.  Inline for the linux profiles' segments
 * after the SYN (every segment sent asks, and a call there costs the
 * sender's registers); the rest in tcp_rcv_window_field_other(). */
static inline guint16
tcp_rcv_window_field(TcpConn *c, gboolean syn)
{
  if (syn || !c->profile->linux_rwnd) return tcp_rcv_window_field_other(c, syn);
  /* Linux aligns the window up to the scale unit (__tcp_select_window(),
   * and tcp_select_window() when it keeps the window already offered),
   * so nothing is scaled away: 64240 offered in a SYN is 64256 after.
   * Where the buffer has no room for the rounding (a reader that does
   * not read), down, as Linux's memory limits would have it. */
  guint32 unit = 1u << c->rcv_wscale;
  guint32 free_ = tcp_rcv_free(c);
  guint32 wnd = tcp_rcv_window_in(c, free_);
  guint32 up = (wnd + unit - 1) & ~(unit - 1);
  guint32 field = MIN((up <= free_ ? up : wnd) >> c->rcv_wscale, 65535u);
  return tcp_rcv_window_record(c, field, field << c->rcv_wscale);
}

/* The connection reached ESTABLISHED: the window's clamp (Linux's
 * tcp_init_buffer_space()). */
void
tcp_rcv_established(TcpConn *c);

/* After a read: whether a window update is worth a segment. */
gboolean
tcp_rcv_window_update_due(const TcpConn *c);

/* Queues len bytes of seg from skip (above RCV.NXT), and its FIN. */
void
tcp_rcv_ooo_insert(TcpConn *c, const TcpSegment *seg, guint32 skip, guint32 len,
                   gboolean fin);

/* Moves queued bytes now at RCV.NXT into rcv_buf; TRUE if a FIN follows. */
gboolean
tcp_rcv_ooo_deliver(TcpConn *c);

void
tcp_rcv_ooo_clear(TcpConn *c);

/* Appends n bytes of the slice from skip to rcv_buf; RCV.NXT += n. */
void
tcp_rcv_append(TcpConn *c, const NetSlice *s, guint32 skip, guint32 n);

/* In-order data of len bytes arrived (hole: it filled a gap; fin: the
 * peer's FIN follows it in ESTABLISHED): ACK now or arm the delayed ACK. */
void
tcp_rcv_data_arrived(TcpConn *c, guint32 len, gboolean hole, gboolean fin);

/* The peer's FIN arrived alone in ESTABLISHED: ACK now or arm the
 * delayed ACK (Linux's pingpong on a FIN). */
void
tcp_rcv_fin_arrived(TcpConn *c);

/* A segment arrived out of order: duplicate ACK at once. */
void
tcp_rcv_out_of_order(TcpConn *c);

/* Bookkeeping for every ACK-bearing segment sent (Linux's
 * tcp_event_ack_sent() / tcp_dec_quickack_mode()).  Inline, as the next
 * one: every segment sent passes here. */
static inline void
tcp_rcv_ack_sent(TcpConn *c)
{
  if (c->ack_at != SIM_TIME_MAX || c->ack_now) {
    if (c->quick > 0) c->quick--;
  }
  c->ack_at = SIM_TIME_MAX;
  c->rcv_wup = c->rcv_nxt;
}

/* For data sent (Linux's tcp_event_data_sent()): a reply within the ATO
 * of the last arrival means an interactive exchange (pingpong: ACKs wait
 * for the next reply, up to the delayed-ACK timeout). */
static inline void
tcp_rcv_data_sent(TcpConn *c)
{
  if (c->ato && c->now - c->lrcvtime < c->ato) c->pingpong = TRUE;
  c->lsndtime = c->now;
}

/* The delayed-ACK timer fired. */
void
tcp_rcv_delack_timer(TcpConn *c);

/* ---- tcp-sack.c: SACK blocks and the scoreboard (RFC 2018, 2883, 6675) ---- */

/* The receiver: [seq, end) was queued out of order (Linux's
 * tcp_sack_new_ofo_skb()): it joins the block it touches, or opens a new
 * one; either becomes the first reported. */
void
tcp_sack_rcv_ofo(TcpConn *c, guint32 seq, guint32 end);

/* The receiver: [seq, end) arrived a second time (D-SACK, RFC 2883 4,
 * when the profile's dsack is on); extends a D-SACK not yet sent. */
void
tcp_sack_rcv_dup(TcpConn *c, guint32 seq, guint32 end);

/* The receiver: RCV.NXT moved; blocks it covers are no longer reported. */
void
tcp_sack_rcv_advance(TcpConn *c);

/* Puts the blocks to report into an outgoing ACK (as many as the option
 * space leaves: 3 beside timestamps, else 4); a D-SACK goes once. */
void
tcp_sack_fill(TcpConn *c, TcpSegment *seg);

/* The sender, RFC 6675 Update(): records an acceptable ACK's blocks
 * (before SND.UNA moves to its ack) and forgets what it acknowledges.
 * Returns the bytes newly SACKed. */
guint32
tcp_sack_update(TcpConn *c, const TcpSegment *seg);

/* RFC 6675 IsLost(seq). */
gboolean
tcp_sack_is_lost(const TcpConn *c, guint32 seq);

/* RFC 6675 SetPipe(): bytes presumed in the network. */
guint32
tcp_sack_pipe(const TcpConn *c);

/* RFC 6675 NextSeg() rule 1: the first lost byte not SACKed and not yet
 * retransmitted (at or above high_rxt), and how much of it one segment
 * may resend (up to the MSS, up to the next SACKed block).  FALSE: none. */
gboolean
tcp_sack_next_lost(const TcpConn *c, guint32 *seq, guint32 *len);

/* For a resend from seq (after a timeout): where the next byte the peer
 * has not SACKed is, with *len cut to end before the block after it. */
guint32
tcp_sack_skip(const TcpConn *c, guint32 seq, guint32 *len);

/* Forgets the scoreboard (the connection is done with it). */
void
tcp_sack_free(TcpConn *c);

/* ---- tcp-timer.c -------------------------------------------------------- */

/* When the connection next needs tcp_conn_timer() (SIM_TIME_MAX: never).
 * Inline: the stack asks after every segment and user call. */
static inline SimTime
tcp_conn_deadline(const TcpConn *c)
{
  return MIN(MIN(c->rtx_at, c->state_at), c->ack_at);
}

/* The deadline has passed: retransmit, back off, give up or reap. */
void
tcp_conn_timer(TcpConn *c, SimTime now, GArray *out);

/* An ACK came while data waits and nothing is in flight (Linux's
 * tcp_ack_probe()): the probe timer stops if the window now takes the
 * next segment (tcp_output() sends it), else runs again from now. */
void
tcp_timer_ack_probe(TcpConn *c);

/* Arms the retransmission timer at now + rto (backed off). */
void
tcp_timer_arm_rtx(TcpConn *c);

/* An RTT sample (RFC 6298 2.2-2.3, Linux's floor: rto = srtt +
 * max(4 * rttvar, rto_min)). */
void
tcp_rtt_sample(TcpConn *c, SimTime rtt);

/* Recomputes the RTO from SRTT and RTTVAR without a new sample (an ACK
 * of new data ends any backoff). */
void
tcp_rto_update(TcpConn *c);

/* Linux's chronographs (tcp_chrono_start/stop): what limits the sender,
 * the most interesting condition winning. */
typedef enum {
  TCP_CHRONO_UNSPEC,            /* nothing to send */
  TCP_CHRONO_BUSY,              /* data queued or in flight */
  TCP_CHRONO_RWND_LIMITED,      /* held by the peer's window */
  TCP_CHRONO_SNDBUF_LIMITED,    /* held by the send buffer */
} TcpChrono;

void
tcp_chrono_start(TcpConn *c, TcpChrono type);
void
tcp_chrono_stop(TcpConn *c, TcpChrono type);

/* The time busy, rwnd-limited and sndbuf-limited up to `now` (Linux's
 * tcpi_busy_time is their sum). */
void
tcp_chrono_read(const TcpConn *c, SimTime now, SimTime out[3]);

/* TCP_USER_TIMEOUT in milliseconds (0: off). */
void
tcp_conn_set_user_timeout(TcpConn *c, guint32 ms);

/* Moves to CLOSED with a pending error for the user (0: none). */
void
tcp_conn_drop(TcpConn *c, int err);
