/* A host's TCP (see tcp-stack.h): sockets, the 4-tuple demultiplexer,
 * listeners with their SYN and accept queues, the TIME_WAIT table, port
 * use, and the connections' timers: a heap of their deadlines and one
 * engine timer for the first.
 *
 * Data flow: tcp_stack_input() -> demux (4-tuple hash, then TIME_WAIT
 * records, then listener by (addr, port) and (any, port), else RST) ->
 * tcp_conn_input() -> stack_after() sends what the endpoint queued through
 * env.output(), converts TIME_WAIT connections to records, moves the
 * connection's deadline and wakes the socket's waiter.  User calls come in
 * through tcp_socket_*() and end in stack_after() too.
 *
 * This is the only TCP file that talks to the engine. */
#include "tcp-stack-internal.h"
#include "tcp-seq.h"
#include "simerror.h"
#include <string.h>

static SimTime
stack_now(const TcpStack *s)
{
  return sim_engine_now(s->env.engine);
}

/* ---- output ------------------------------------------------------------- */

static void
stack_dropped(TcpStack *s, const Packet *pkt, TcpDropReason reason)
{
  if (s->env.dropped) s->env.dropped(s->env.host, pkt, reason);
}

static void
stack_send(TcpStack *s, NetAddr src, NetAddr dst, TcpSegment *seg)
{
  Packet *pkt = packet_new_tcp(src, dst, seg);   /* the payload reference moves */
  seg->payload.buf = NULL;
  s->stats.segments_sent++;
  if (seg->flags & TCP_FLAG_RST) s->stats.resets_sent++;
  s->env.output(s->env.host, pkt);
}

/* Called after every segment and user call, most of which queue nothing.
 * The segments' payload references moved to the packets, and the array
 * has no clear function and no terminating zero: emptying it is setting
 * its length (g_array_set_size's remove_range cost 90 instructions a
 * call here). */
static void
stack_flush(TcpStack *s, const TcpTuple *t)
{
  for (guint i = 0; i < s->out->len; i++)
    stack_send(s, t->laddr, t->raddr, &g_array_index(s->out, TcpSegment, i));
  s->out->len = 0;
}

/* ---- path MTU ------------------------------------------------------------ */

/* The MSS to advertise for c's peer: Linux's tcp_mss_clamp of the route's
 * MTU less the IPv4 and TCP headers (40 bytes), capped by the profile's
 * mss (TCP_MAXSEG), and never below 48 (tcp_min_snd_mss). */
static void
conn_set_path_mss(TcpStack *s, TcpConn *c)
{
  guint mss = s->profile.mss;
  guint mtu = s->env.mtu ? s->env.mtu(s->env.host, c->tuple.raddr) : 0;
  if (mtu > 0) mss = MIN(mss, mtu > 88 ? mtu - 40 : 48);
  c->adv_mss = (guint16)MIN(mss, G_MAXUINT16);
}

/* ---- ports -------------------------------------------------------------- */

static void
port_hold(TcpStack *s, TcpConn *c)
{
  g_assert(!c->holds_port);
  const TcpTuple *t = &c->tuple;
  tcp_ports_hold(&s->ports, t->laddr, t->lport, t->raddr, t->rport);
  c->holds_port = TRUE;
}

static void
port_release(TcpStack *s, const TcpTuple *t)
{
  tcp_ports_release(&s->ports, t->laddr, t->lport, t->raddr, t->rport);
}

/* ---- TIME_WAIT ---------------------------------------------------------- */

static void tw_schedule(TcpStack *s);

static void
tw_remove(TcpStack *s, TcpTwRecord *rec)
{
  TcpTuple t = tcp_tw_tuple(&s->tw, rec);
  tcp_tw_remove(&s->tw, rec);
  s->counts[TCP_STATE_TIME_WAIT]--;
  tcp_state_event(&s->cenv, stack_now(s), &t, TCP_STATE_TIME_WAIT, TCP_STATE_CLOSED);
  port_release(s, &t);
}

static void
tw_fire(SimEngine *engine, gpointer data)
{
  TcpStack *s = data;
  s->tw_event = 0;
  SimTime now = sim_engine_now(engine);
  TcpTwRecord *rec;
  tcp_state_queue_hold(&s->settled);
  while ((rec = tcp_tw_head(&s->tw)) && tcp_tw_expiry(rec) <= now) tw_remove(s, rec);
  tw_schedule(s);
  tcp_state_queue_release(&s->settled, s->env.state_user);
}

/* One engine event for the FIFO head (records expire in FIFO order), moved
 * earlier when the head expires before it: after the records ahead were
 * killed or reused, a record entered under a shortened time_wait may. */
static void
tw_schedule(TcpStack *s)
{
  TcpTwRecord *head = tcp_tw_head(&s->tw);
  if (head == NULL || (s->tw_event && s->tw_event_at <= tcp_tw_expiry(head))) return;
  if (s->tw_event) sim_engine_cancel(s->env.engine, s->tw_event);
  s->tw_event_at = MAX(tcp_tw_expiry(head), stack_now(s));
  s->tw_event = sim_engine_schedule(s->env.engine, s->tw_event_at, tw_fire, s, NULL);
}

/* c has entered TIME_WAIT (the table had room: tcp_conn_time_wait()):
 * keep a compact record in its place. */
static void
tw_enter(TcpStack *s, TcpConn *c)
{
  tcp_tw_insert(&s->tw, c, stack_now(s) + s->profile.time_wait);
  s->stats.tw_entered++;
  tw_schedule(s);
  c->holds_port = FALSE;
}

/* ---- connection timers -------------------------------------------------- */

/* A connection's deadlines (retransmission, persist, delayed ACK, SYN-ACK,
 * FIN_WAIT_2) are re-armed or cancelled at nearly every segment and almost
 * never fire.  So they live in the stack's heap, ordered by (time, ticket),
 * and only the first is the engine's timer: arming, moving or cancelling a
 * deadline costs a sift here and no queue operation.  The ticket is the
 * sequence number an engine event pushed at that moment would have had, so
 * a deadline fires exactly where a per-connection event would have fired,
 * ties with other events included. */

static TcpConn *
conn_of_deadline(SimDeadline *d)
{
  return (TcpConn *)((char *)d - G_STRUCT_OFFSET(TcpConn, timer));
}

/* The engine's timer follows the stack's first deadline.  Called only
 * when the first has changed (another node, or the same one with a new
 * ticket), so the engine's timer is never already there: no compare. */
static void
stack_timer_follow(TcpStack *s)
{
  const SimDeadline *first = sim_deadline_heap_first(&s->timers);
  if (first == NULL) sim_engine_timer_stop(s->env.engine, &s->timer);
  else sim_engine_timer_set(s->env.engine, &s->timer, first->at, first->seq);
}

/* The engine's timer, which follows the first deadline, can have moved
 * only if c's deadline was the first or is now.  The node's own place
 * says so (the heap's first is at place 1), without a look at the heap. */
static gboolean
conn_timer_is_first(const TcpConn *c)
{
  return c->timer.pos == 1;
}

static void
conn_timer_stop(TcpStack *s, TcpConn *c)
{
  c->timer_at = SIM_TIME_MAX;
  if (!sim_deadline_armed(&c->timer)) return;
  gboolean was_first = conn_timer_is_first(c);
  sim_deadline_heap_remove(&s->timers, &c->timer);
  if (was_first) stack_timer_follow(s);
}

/* c's deadline has moved to `at`: a ticket and a place in the heap for
 * the new one (a deadline already past fires now, after what is queued). */
static G_GNUC_NO_INLINE void
conn_reschedule_to(TcpStack *s, TcpConn *c, SimTime at)
{
  if (at == SIM_TIME_MAX) {
    conn_timer_stop(s, c);
    return;
  }
  c->timer_at = at;
  gboolean was_first = conn_timer_is_first(c);
  sim_deadline_heap_set(&s->timers, &c->timer, MAX(at, stack_now(s)),
                        sim_engine_ticket(s->env.engine));
  if (was_first || conn_timer_is_first(c)) stack_timer_follow(s);
}

/* c's deadline may have moved.  Inline: 4 calls in 15 of a churn
 * connection find it where it was, and need no call, frame or saved
 * register. */
static inline void
conn_reschedule(TcpStack *s, TcpConn *c)
{
  SimTime at = tcp_conn_deadline(c);
  if (at != c->timer_at) conn_reschedule_to(s, c, at);
}

/* ---- connection bookkeeping --------------------------------------------- */

static void
conn_unlink(TcpStack *s, TcpConn *c)
{
  if (c->in_table) {
    tcp_tuple_table_remove(&s->conns, &c->tuple);
    c->in_table = FALSE;
  }
  if (c->listener) {
    TcpSocket *l = c->listener;
    g_queue_unlink(c->in_accept_q ? &l->accept_q : &l->syn_q, &c->queue_link);
    c->listener = NULL;
    c->in_accept_q = FALSE;
  }
  conn_timer_stop(s, c);
}

static void
sock_wake(TcpSocket *sock)
{
  if (sock && sock->wake) sock->wake(sock->wake_ud);
}

/* A passive child that became ESTABLISHED moves to the accept queue. */
static TcpSocket *
conn_promote(TcpConn *c)
{
  TcpSocket *l = c->listener;
  if (l == NULL || c->in_accept_q) return NULL;
  c->in_accept_q = TRUE;
  g_queue_unlink(&l->syn_q, &c->queue_link);
  g_queue_push_tail_link(&l->accept_q, &c->queue_link);
  return l;
}

/* After anything touched c: send its segments, then handle TIME_WAIT,
 * CLOSED, accept queue and timer; wake waiters last (they may call back). */
static void
stack_after(TcpStack *s, TcpConn *c, gboolean wake)
{
  stack_flush(s, &c->tuple);
  TcpSocket *sock = c->sock, *listener = NULL;
  if (c->state == TCP_STATE_TIME_WAIT) {
    conn_unlink(s, c);
    tw_enter(s, c);
    if (sock) {
      sock->conn = NULL;
      sock->leftover = c->rcv_buf;
      c->rcv_buf = NULL;
    }
    tcp_conn_free(c);
  } else if (c->state == TCP_STATE_CLOSED) {
    conn_unlink(s, c);
    if (c->holds_port) port_release(s, &c->tuple);
    c->holds_port = FALSE;
    if (sock == NULL) tcp_conn_free(c);
  } else {
    if (c->listener && c->passive && c->established_once &&
        c->state != TCP_STATE_SYN_RECEIVED)
      listener = conn_promote(c);
    conn_reschedule(s, c);
  }
  if (wake) sock_wake(sock);
  if (listener) sock_wake(listener);
}

/* The stack's first deadline is due: that connection's timer runs. */
static void
stack_timer_fire(SimEngine *engine, gpointer data)
{
  TcpStack *s = data;
  SimDeadline *first = sim_deadline_heap_first(&s->timers);
  g_assert(first != NULL);      /* the engine's timer follows the heap */
  TcpConn *c = conn_of_deadline(first);
  sim_deadline_heap_remove(&s->timers, first);
  c->timer_at = SIM_TIME_MAX;
  stack_timer_follow(s);
  tcp_state_queue_hold(&s->settled);
  tcp_conn_timer(c, sim_engine_now(engine), s->out);
  stack_after(s, c, TRUE);
  tcp_state_queue_release(&s->settled, s->env.state_user);
}

static TcpConn *
conn_new(TcpStack *s)
{
  return tcp_conn_new(&s->cenv, stack_now(s));
}

/* c into the connections' table; `mix` is tcp_tuple_mix(&c->tuple). */
static void
conn_insert(TcpStack *s, TcpConn *c, guint32 mix)
{
  tcp_tuple_table_insert_mixed(&s->conns, &c->tuple, mix, c);
  c->in_table = TRUE;
  port_hold(s, c);
}

/* ---- the stack ---------------------------------------------------------- */

TcpStack *
tcp_stack_new(const TcpStackEnv *env, const NetAddr *addrs, guint n_addrs)
{
  TcpStack *s = g_new0(TcpStack, 1);
  s->env = *env;
  s->addrs = g_memdup2(addrs, sizeof(NetAddr) * n_addrs);
  s->n_addrs = n_addrs;
  s->profile = *tcp_profile_lookup("linux");
  s->cenv.profile = &s->profile;
  s->cenv.trace = env->trace;
  s->cenv.host_name = env->host_name;
  s->cenv.state_changed = env->state_changed;
  s->cenv.host = env->state_user;
  s->settled.events = g_array_new(FALSE, FALSE, sizeof(TcpStateEvent));
  s->settled.settled = env->state_settled;
  s->settled.wanted = env->settled_wanted;
  s->cenv.settled = &s->settled;
  s->cenv.counts = s->counts;
  s->cenv.stats = &s->stats;
  tcp_conn_pool_init(&s->pool, TCP_CONN_POOL_MAX);
  s->free_socks = g_ptr_array_new();
  s->cenv.pool = env->pool ? env->pool : &s->pool;
  s->cenv.ts_memo = &s->ts_memo;
  s->cenv.isn_memo = &s->isn_memo;
  s->cenv.tx_refused = env->tx_refused;
  g_autofree char *isn = g_strdup_printf("tcp-isn/%s", env->host_name ? env->host_name : "");
  g_autofree char *ts = g_strdup_printf("tcp-ts/%s", env->host_name ? env->host_name : "");
  s->cenv.isn_key = tcp_hash_key(env->run_seed, isn);
  s->cenv.ts_key = tcp_hash_key(env->run_seed, ts);
  tcp_tuple_table_init(&s->conns);
  tcp_tuple_table_init(&s->listeners);
  sim_deadline_heap_init(&s->timers);
  sim_engine_timer_init(&s->timer, stack_timer_fire, s);
  tcp_tw_table_init(&s->tw);
  s->tw.ts_key = s->cenv.ts_key;
  tcp_ports_init(&s->ports, env->run_seed, env->host_name);
  s->out = tcp_out_queue_new();
  g_queue_init(&s->sockets);
  return s;
}

static void
conn_destroy(TcpStack *s, TcpConn *c)
{
  sim_deadline_heap_remove(&s->timers, &c->timer);
  if (c->state == TCP_STATE_TIME_WAIT) s->counts[TCP_STATE_TIME_WAIT]--;
  tcp_conn_free(c);
}

void
tcp_stack_free(TcpStack *s)
{
  if (s == NULL) return;
  /* Freeing order does not matter here: nothing is emitted. */
  GList *l;
  while ((l = g_queue_pop_head_link(&s->sockets))) {
    TcpSocket *sock = l->data;
    if (sock->conn) {
      sock->conn->sock = NULL;
      if (!sock->conn->in_table) conn_destroy(s, sock->conn);
    }
    if (sock->leftover) g_byte_array_free(sock->leftover, TRUE);
    g_free(sock);
  }
  guint32 pos = 0;
  TcpConn *c;
  while ((c = tcp_tuple_table_next(&s->conns, &pos, NULL))) {
    if (c->sock) ((TcpSocket *)c->sock)->conn = NULL;
    conn_destroy(s, c);
  }
  if (s->tw_event) sim_engine_cancel(s->env.engine, s->tw_event);
  tcp_tuple_table_clear(&s->conns);
  tcp_tuple_table_clear(&s->listeners);
  sim_engine_timer_stop(s->env.engine, &s->timer);
  sim_deadline_heap_clear(&s->timers);
  tcp_tw_table_clear(&s->tw);
  tcp_ports_clear(&s->ports);
  g_array_free(s->out, TRUE);
  tcp_conn_pool_clear(&s->pool);
  for (guint i = 0; i < s->free_socks->len; i++) {
    gpointer sock = g_ptr_array_index(s->free_socks, i);
    TCP_POOL_UNPOISON(sock, sizeof(TcpSocket));
    g_free(sock);
  }
  g_ptr_array_free(s->free_socks, TRUE);
  g_array_free(s->settled.events, TRUE);
  g_free(s->addrs);
  g_free(s);
}

gboolean
tcp_stack_set(TcpStack *s, const char *key, const char *value, GError **error)
{
  return tcp_stack_set_all(s, &key, &value, 1, error);
}

gboolean
tcp_stack_set_all(TcpStack *s, const char *const *keys, const char *const *values,
                  guint n, GError **error)
{
  TcpProfile copy = s->profile;
  for (guint i = 0; i < n; i++)
    if (!tcp_profile_set(&copy, keys[i], values[i], error)) return FALSE;
  if (!tcp_profile_check(&copy, error)) return FALSE;
  s->profile = copy;
  return TRUE;
}

gboolean
tcp_stack_set_profile(TcpStack *s, const char *profile, GError **error)
{
  const TcpProfile *p = tcp_profile_lookup(profile);
  if (p == NULL) {
    g_autofree char *names = tcp_profile_names();
    g_set_error(error, SIM_ERROR, SIM_ERROR_INVALID, "unknown TCP profile '%s' (%s)",
                profile, names);
    return FALSE;
  }
  s->profile = *p;
  return TRUE;
}

guint64
tcp_stack_tw_bytes(const TcpStack *s)
{
  return tcp_tw_table_bytes(&s->tw);
}

guint64
tcp_stack_count(const TcpStack *s, TcpState state)
{
  g_return_val_if_fail((guint)state < TCP_STATE_N, 0);
  return s->counts[state];
}

const TcpStats *
tcp_stack_stats(const TcpStack *s)
{
  return &s->stats;
}

/* ---- input -------------------------------------------------------------- */

static TcpSocket *
listener_lookup(TcpStack *s, NetAddr addr, guint16 port)
{
  if (s->listeners.count == 0) return NULL;
  TcpTuple key = { .laddr = addr, .lport = port };
  TcpSocket *l = tcp_tuple_table_lookup(&s->listeners, &key);
  if (l) return l;
  key.laddr = 0;
  return tcp_tuple_table_lookup(&s->listeners, &key);
}

/* RFC 9293 3.10.7.2: SEGMENT ARRIVES in LISTEN.  `isn` is 0 or the ISN a
 * TIME_WAIT reopen dictates; `mix` is the segment's 4-tuple's
 * tcp_tuple_mix, the child's. */
static void
listener_input(TcpStack *s, TcpSocket *l, const Packet *pkt, guint32 isn, guint32 mix)
{
  const TcpSegment *seg = &pkt->tcp;
  TcpSegment rst;
  if (seg->flags & TCP_FLAG_RST) return;
  if (seg->flags & TCP_FLAG_ACK) {             /* <SEQ=SEG.ACK><CTL=RST> */
    if (tcp_rst_for(seg, &rst)) stack_send(s, pkt->dst, pkt->src, &rst);
    return;
  }
  if (!(seg->flags & TCP_FLAG_SYN)) return;
  /* Linux (tcp_conn_request, no syncookies): drop the SYN when the accept
   * queue is full (sk_acceptq_is_full: more than backlog) or the SYN
   * queue holds backlog requests. */
  if (l->accept_q.length > (guint)l->backlog || l->syn_q.length >= (guint)l->backlog) {
    s->stats.syn_dropped++;
    stack_dropped(s, pkt, TCP_DROP_ACCEPT_QUEUE);
    return;
  }
  TcpConn *c = conn_new(s);
  c->tuple = (TcpTuple){ .laddr = pkt->dst, .raddr = pkt->src,
                         .lport = seg->dport, .rport = seg->sport };
  c->passive = TRUE;
  c->listener = l;
  conn_set_path_mss(s, c);
  c->nodelay = l->conn->nodelay;     /* Linux: TCP_NODELAY is inherited */
  c->cork = l->conn->cork;           /* and TCP_CORK (sk_clone_lock()) */
  c->user_timeout = l->conn->user_timeout;   /* and TCP_USER_TIMEOUT */
  conn_insert(s, c, mix);
  g_queue_push_tail_link(&l->syn_q, &c->queue_link);
  if (isn == 0) isn = tcp_isn(&s->cenv, &c->tuple, stack_now(s));
  tcp_conn_accept_syn(c, seg, isn, stack_now(s), s->out);
  stack_after(s, c, FALSE);
}

static void
tw_input(TcpStack *s, TcpTwRecord *rec, const Packet *pkt, guint32 mix)
{
  TcpSegment reply;
  guint32 isn = 0;
  switch (tcp_tw_input(&s->tw, rec, &pkt->tcp, &s->profile, stack_now(s), &reply, &isn)) {
  case TCP_TW_DROP:
    break;
  case TCP_TW_ACK:
    stack_send(s, pkt->dst, pkt->src, &reply);
    break;
  case TCP_TW_KILL:
    tw_remove(s, rec);
    break;
  case TCP_TW_SYN: {
    TcpSocket *l = listener_lookup(s, pkt->dst, pkt->tcp.dport);
    if (l == NULL) {               /* Linux: no listener, TIME_WAIT ACKs */
      tcp_tw_ack(&s->tw, rec, stack_now(s), &reply);
      stack_send(s, pkt->dst, pkt->src, &reply);
      break;
    }
    s->stats.tw_reused++;
    tw_remove(s, rec);
    listener_input(s, l, pkt, isn, mix);
    break;
  }
  }
  tw_schedule(s);                  /* a restarted record may now expire first */
}

/* Linux (tcp_check_req -> syn_recv_sock, tcp_abort_on_overflow 0): the
 * ACK that would complete a handshake is dropped while the accept queue
 * is full; the request stays in SYN_RECEIVED and its SYN-ACK is resent. */
static gboolean
accept_overflow(TcpStack *s, const TcpConn *c, const TcpSegment *seg)
{
  const TcpSocket *l = c->listener;
  if (c->state != TCP_STATE_SYN_RECEIVED || !(seg->flags & TCP_FLAG_ACK) ||
      (seg->flags & (TCP_FLAG_RST | TCP_FLAG_SYN)))
    return FALSE;
  if (l->accept_q.length <= (guint)l->backlog) return FALSE;
  s->stats.syn_dropped++;
  return TRUE;
}

/* A segment for no connection: a TIME_WAIT record's, a listener's, or
 * answered with a RST.  Out of line (about one segment in ten), so that a
 * connection's segment (below) keeps less live. */
static G_GNUC_NO_INLINE void
stack_input_unconnected(TcpStack *s, const Packet *pkt, const TcpTuple *t, guint32 mix)
{
  const TcpSegment *seg = &pkt->tcp;
  TcpTwRecord *rec = tcp_tw_lookup_mixed(&s->tw, t, mix);
  TcpSocket *l;
  TcpSegment rst;
  if (rec) tw_input(s, rec, pkt, mix);
  else if ((l = listener_lookup(s, t->laddr, t->lport))) listener_input(s, l, pkt, 0, mix);
  else if (tcp_rst_for(seg, &rst)) {
    stack_dropped(s, pkt, TCP_DROP_NO_LISTENER);
    stack_send(s, t->laddr, t->raddr, &rst);
  }
}

/* The body of tcp_stack_input, inside the hold of its state changes. */
static void
stack_input(TcpStack *s, Packet *pkt)
{
  const TcpSegment *seg = &pkt->tcp;
  TcpTuple t = { .laddr = pkt->dst, .raddr = pkt->src, .lport = seg->dport,
                 .rport = seg->sport };
  s->stats.segments_received++;
  if (seg->flags & TCP_FLAG_RST) s->stats.resets_received++;
  guint32 mix = tcp_tuple_mix(&t);     /* for every table the segment meets */
  TcpConn *c = tcp_tuple_table_lookup_mixed(&s->conns, &t, mix);
  if (c == NULL) {
    stack_input_unconnected(s, pkt, &t, mix);
  } else if (c->listener && accept_overflow(s, c, seg)) {
    stack_dropped(s, pkt, TCP_DROP_ACCEPT_QUEUE);
  } else {
    tcp_conn_input(c, seg, stack_now(s), s->out);
    stack_after(s, c, TRUE);
  }
  packet_free(pkt);
}

void
tcp_stack_input(TcpStack *s, Packet *pkt)
{
  /* State changes reach state_settled once the segment is done (lwIP's
   * tcp_input calls back after tcp_process): nothing is half-way then. */
  tcp_state_queue_hold(&s->settled);
  stack_input(s, pkt);
  tcp_state_queue_release(&s->settled, s->env.state_user);
}

/* ---- sockets ------------------------------------------------------------ */

/* A zeroed socket record, from the stack's free ones when it has some:
 * a socket per connection costs no call to the allocator in steady state. */
static TcpSocket *
sock_alloc(TcpStack *s)
{
  if (s->free_socks->len == 0) return g_new0(TcpSocket, 1);
  TcpSocket *sock = s->free_socks->pdata[--s->free_socks->len];   /* the last: nothing moves */
  TCP_POOL_UNPOISON(sock, sizeof *sock);
  memset(sock, 0, sizeof *sock);
  return sock;
}

static void
sock_release(TcpStack *s, TcpSocket *sock)
{
  if (s->free_socks->len >= TCP_CONN_POOL_MAX) {
    g_free(sock);
    return;
  }
  g_ptr_array_add(s->free_socks, sock);
  TCP_POOL_POISON(sock, sizeof *sock);
}

TcpSocket *
tcp_socket_new(TcpStack *s)
{
  TcpSocket *sock = sock_alloc(s);
  sock->stack = s;
  sock->linger = -1;
  sock->conn = conn_new(s);
  sock->conn->sock = sock;
  sock->link.data = sock;
  g_queue_push_tail_link(&s->sockets, &sock->link);
  return sock;
}

gsize
tcp_socket_footprint(void)
{
  return sizeof(TcpSocket) + sizeof(TcpConn);
}

void
tcp_socket_set_waiter(TcpSocket *sock, void (*wake)(gpointer ud), gpointer ud)
{
  sock->wake = wake;
  sock->wake_ud = ud;
}

static gboolean
stack_has_addr(const TcpStack *s, NetAddr addr)
{
  for (guint i = 0; i < s->n_addrs; i++)
    if (s->addrs[i] == addr) return TRUE;
  return FALSE;
}

/* Linux's bind conflict rules, reduced to per-port counts: a listener
 * excludes everyone; other binders exclude unless all use SO_REUSEADDR;
 * connections and TIME_WAIT records on the port exclude unless the new
 * socket uses SO_REUSEADDR. */
static gboolean
bind_conflict(TcpStack *s, guint16 port, gboolean reuse)
{
  TcpPortUse *u = tcp_ports_use(&s->ports, port, FALSE);
  if (u == NULL) return FALSE;
  if (u->listeners) return TRUE;
  if (u->binders && !(reuse && u->binders_reuse == u->binders)) return TRUE;
  return u->users && !reuse;
}

static void
sock_take_port(TcpSocket *sock, NetAddr addr, guint16 port)
{
  TcpPortUse *u = tcp_ports_use(&sock->stack->ports, port, TRUE);
  u->binders++;
  if (sock->reuseaddr) u->binders_reuse++;
  sock->bound = TRUE;
  sock->bind_addr = addr;
  sock->bind_port = port;
}

int
tcp_socket_bind(TcpSocket *sock, NetAddr addr, guint16 port)
{
  TcpStack *s = sock->stack;
  if (sock->bound || sock->conn == NULL || sock->conn->state != TCP_STATE_CLOSED ||
      sock->conn->established_once)
    return TCP_EINVAL;
  if (addr != 0 && !stack_has_addr(s, addr)) return TCP_EADDRNOTAVAIL;
  if (port == 0) {
    if (!tcp_ports_any_free(&s->ports, &s->profile, &port)) return TCP_EADDRINUSE;
  } else if (bind_conflict(s, port, sock->reuseaddr)) {
    return TCP_EADDRINUSE;
  }
  sock_take_port(sock, addr, port);
  return TCP_OK;
}

int
tcp_socket_listen(TcpSocket *sock, int backlog)
{
  TcpStack *s = sock->stack;
  if (sock->listening) {
    sock->backlog = CLAMP(backlog, 0, s->profile.backlog);
    return TCP_OK;
  }
  if (sock->conn == NULL || sock->conn->state != TCP_STATE_CLOSED ||
      sock->conn->established_once)
    return TCP_EINVAL;
  if (!sock->bound) {
    int err = tcp_socket_bind(sock, 0, 0);
    if (err) return err;
  }
  TcpTuple key = { .laddr = sock->bind_addr, .lport = sock->bind_port };
  if (tcp_tuple_table_lookup(&s->listeners, &key)) return TCP_EADDRINUSE;
  sock->listen_key = key;
  tcp_tuple_table_insert(&s->listeners, &sock->listen_key, sock);
  tcp_ports_use(&s->ports, sock->bind_port, TRUE)->listeners++;
  sock->listening = TRUE;
  /* Linux: backlog is capped at net.core.somaxconn (profile "backlog"). */
  sock->backlog = CLAMP(backlog, 0, s->profile.backlog);
  sock->conn->now = stack_now(s);
  sock->conn->tuple.laddr = sock->bind_addr;
  sock->conn->tuple.lport = sock->bind_port;
  tcp_set_state(sock->conn, TCP_STATE_LISTEN);
  return TCP_OK;
}

TcpSocket *
tcp_socket_accept(TcpSocket *l, int *err)
{
  TcpStack *s = l->stack;
  if (!l->listening) {
    *err = TCP_EINVAL;
    return NULL;
  }
  GList *link = g_queue_pop_head_link(&l->accept_q);
  if (link == NULL) {
    *err = TCP_EAGAIN;
    return NULL;
  }
  TcpConn *c = link->data;
  c->listener = NULL;
  c->in_accept_q = FALSE;
  TcpSocket *sock = sock_alloc(s);
  sock->stack = s;
  sock->linger = -1;
  sock->conn = c;
  c->sock = sock;
  sock->link.data = sock;
  g_queue_push_tail_link(&s->sockets, &sock->link);
  s->stats.accepts++;
  *err = TCP_OK;
  return sock;
}

/* Whether tw_reuse applies between t's addresses at all. */
static gboolean
tw_reuse_possible(const TcpStack *s, const TcpTuple *t)
{
  int reuse = s->profile.tw_reuse;
  if (reuse == 2) reuse = (t->raddr >> 24) == 127 || (t->laddr >> 24) == 127;
  return reuse != 0;
}

static gboolean
tw_reusable(TcpStack *s, const TcpTwRecord *rec)
{
  /* Linux tcp_twsk_unique(): with tcp_tw_reuse (2: loopback only), a
   * TIME_WAIT 4-tuple may be taken over when timestamps were on and at
   * least tcp_tw_reuse_delay (1 s) passed since the last one. */
  TcpTuple t = tcp_tw_tuple(&s->tw, rec);
  if (!tw_reuse_possible(s, &t) || !tcp_tw_ts_ok(rec)) return FALSE;
  guint32 now_ms = (guint32)(stack_now(s) / SIM_MS);
  return (gint32)(now_ms - rec->ts_stamp_ms) >= 1000;
}

typedef struct {
  TcpStack *s;
  TcpTuple  t;
} PortProbe;

static TcpPortVerdict
port_check(gpointer user, guint16 port)
{
  PortProbe *p = user;
  TcpPortUse *u = tcp_ports_use(&p->s->ports, port, FALSE);
  if (u && u->binders) return TCP_PORT_BUSY;   /* bind()'s ports are not shared */
  if (u == NULL) return TCP_PORT_FREE;
  p->t.lport = port;
  guint32 mix = tcp_tuple_mix(&p->t);
  if (tcp_tuple_table_lookup_mixed(&p->s->conns, &p->t, mix)) return TCP_PORT_BUSY;
  TcpTwRecord *rec = tcp_tw_lookup_mixed(&p->s->tw, &p->t, mix);
  if (rec == NULL) return TCP_PORT_FREE;
  return tw_reusable(p->s, rec) ? TCP_PORT_TW_REUSE : TCP_PORT_BUSY;
}

static gboolean
port_held(gpointer user, guint16 port)
{
  PortProbe *p = user;
  p->t.lport = port;
  return tcp_tuple_table_lookup(&p->s->conns, &p->t) || tcp_tw_lookup(&p->s->tw, &p->t);
}

/* Takes over the TIME_WAIT record of t (tw_reuse): the new ISN follows
 * the old SND.NXT by 65537 and PAWS state carries over. */
static guint32
tw_take_over(TcpStack *s, TcpConn *c)
{
  TcpTwRecord *rec = tcp_tw_lookup(&s->tw, &c->tuple);
  g_assert(rec);
  guint32 isn = rec->snd_nxt + 65535 + 2;
  if (isn == 0) isn = 1;
  c->ts_recent = rec->ts_recent;
  c->ts_recent_stamp = (SimTime)rec->ts_stamp_ms * SIM_MS;
  s->stats.tw_reused++;
  tw_remove(s, rec);
  return isn;
}

static int
connect_state_error(const TcpSocket *sock)
{
  if (sock->listening) return TCP_EINVAL;
  if (sock->conn == NULL) return TCP_EISCONN;
  switch (sock->conn->state) {
  case TCP_STATE_CLOSED:
    return sock->conn->established_once ? TCP_EISCONN : TCP_OK;
  case TCP_STATE_SYN_SENT:
  case TCP_STATE_SYN_RECEIVED:
    return TCP_EALREADY;
  default:
    return TCP_EISCONN;
  }
}

int
tcp_socket_connect(TcpSocket *sock, NetAddr addr, guint16 port)
{
  TcpStack *s = sock->stack;
  int err = connect_state_error(sock);
  if (err) return err;
  NetAddr src = 0;
  if (port == 0) return TCP_EINVAL;
  if (!s->env.route(s->env.host, addr, &src)) {
    s->stats.connect_unreach++;
    return TCP_ENETUNREACH;
  }
  TcpConn *c = sock->conn;
  PortProbe probe = { s, { .laddr = sock->bind_addr ? sock->bind_addr : src,
                           .raddr = addr, .rport = port } };
  TcpPortVerdict verdict = TCP_PORT_FREE;
  guint16 lport;
  if (sock->bound) {
    probe.t.lport = lport = sock->bind_port;
    TcpTwRecord *rec = tcp_tw_lookup(&s->tw, &probe.t);
    if (tcp_tuple_table_lookup(&s->conns, &probe.t) || (rec && !tw_reusable(s, rec))) {
      s->stats.connect_addrnotavail++;
      return TCP_EADDRNOTAVAIL;
    }
    if (rec) verdict = TCP_PORT_TW_REUSE;
  } else if (!tcp_ports_connect(&s->ports, &s->profile, probe.t.laddr, addr, port,
                                port_check, port_held, !tw_reuse_possible(s, &probe.t),
                                &probe, &lport, &verdict)) {
    s->stats.connect_addrnotavail++;
    return TCP_EADDRNOTAVAIL;
  }
  c->tuple = probe.t;
  c->tuple.lport = lport;
  c->now = stack_now(s);
  guint32 iss = verdict == TCP_PORT_TW_REUSE ? tw_take_over(s, c)
                                             : tcp_isn(&s->cenv, &c->tuple, c->now);
  conn_set_path_mss(s, c);
  conn_insert(s, c, tcp_tuple_mix(&c->tuple));
  tcp_conn_connect(c, iss, c->now, s->out);
  stack_after(s, c, FALSE);
  return TCP_EINPROGRESS;
}

int
tcp_socket_take_error(TcpSocket *sock)
{
  if (sock->conn == NULL) return 0;
  int err = sock->conn->error;
  sock->conn->error = 0;
  return err;
}

gssize
tcp_socket_send(TcpSocket *sock, const guint8 *data, gsize len)
{
  return tcp_socket_send_more(sock, data, len, FALSE);
}

gssize
tcp_socket_send_more(TcpSocket *sock, const guint8 *data, gsize len, gboolean more)
{
  TcpStack *s = sock->stack;
  if (sock->conn == NULL) return -TCP_EPIPE;
  if (sock->listening) return -TCP_ENOTCONN;
  TcpConn *c = sock->conn;
  gssize n = tcp_conn_send(c, data, len, more, stack_now(s), s->out);
  stack_after(s, c, FALSE);
  return n;
}

gssize
tcp_socket_recv_into(TcpSocket *sock, gsize max, TcpRecvSink sink, gpointer ud)
{
  TcpStack *s = sock->stack;
  if (sock->conn == NULL) {           /* the connection went to TIME_WAIT */
    guint n = sock->leftover ? (guint)MIN(max, (gsize)sock->leftover->len) : 0;
    if (n) {
      sink(ud, sock->leftover->data, n);
      g_byte_array_remove_range(sock->leftover, 0, n);
    }
    return n;
  }
  if (sock->listening) return -TCP_ENOTCONN;
  TcpConn *c = sock->conn;
  gssize n = tcp_conn_recv(c, max, sink, ud, stack_now(s), s->out);
  /* Nothing read (most calls: EAGAIN before the data, then end of file):
   * tcp_conn_recv() sent nothing and moved no timer or state, and the
   * last stack_after() left the connection settled. */
  if (n > 0) stack_after(s, c, FALSE);
  else g_assert(s->out->len == 0);
  return n;
}

static void
recv_to_bytes(gpointer ud, const guint8 *data, gsize len)
{
  *(GBytes **)ud = g_bytes_new(data, len);
}

gssize
tcp_socket_recv(TcpSocket *sock, gsize max, GBytes **out)
{
  *out = NULL;
  gssize n = tcp_socket_recv_into(sock, max, recv_to_bytes, out);
  if (n == 0) *out = g_bytes_new(NULL, 0);
  return n;
}

int
tcp_socket_shutdown(TcpSocket *sock, int how)
{
  TcpStack *s = sock->stack;
  if (sock->conn == NULL) return TCP_ENOTCONN;
  if (sock->listening) return TCP_ENOTCONN;
  TcpConn *c = sock->conn;
  int err = tcp_conn_shutdown(c, how, stack_now(s), s->out);
  stack_after(s, c, FALSE);
  return err;
}

static void
listener_close(TcpStack *s, TcpSocket *l)
{
  tcp_tuple_table_remove(&s->listeners, &l->listen_key);
  TcpPortUse *u = tcp_ports_use(&s->ports, l->bind_port, FALSE);
  u->listeners--;
  l->listening = FALSE;
  /* Linux inet_csk_listen_stop(): requests are dropped, unaccepted
   * children are reset. */
  GList *link;
  while ((link = l->syn_q.head)) {
    TcpConn *c = link->data;
    c->now = stack_now(s);
    tcp_conn_drop(c, 0);
    stack_after(s, c, FALSE);
  }
  while ((link = l->accept_q.head)) {
    TcpConn *c = link->data;
    tcp_conn_close(c, TRUE, stack_now(s), s->out);
    if (c->listener) {
      g_queue_unlink(&l->accept_q, &c->queue_link);
      c->listener = NULL;
      c->in_accept_q = FALSE;
    }
    stack_after(s, c, FALSE);
  }
  TcpConn *c = l->conn;
  c->now = stack_now(s);
  tcp_conn_drop(c, 0);
}

void
tcp_socket_close(TcpSocket *sock)
{
  TcpStack *s = sock->stack;
  g_queue_unlink(&s->sockets, &sock->link);
  sock->wake = NULL;
  if (sock->listening) listener_close(s, sock);
  if (sock->bound) {
    TcpPortUse *u = tcp_ports_use(&s->ports, sock->bind_port, FALSE);
    u->binders--;
    if (sock->reuseaddr) u->binders_reuse--;
    tcp_ports_tidy(&s->ports, sock->bind_port);
  }
  TcpConn *c = sock->conn;
  if (c) {
    c->sock = NULL;
    tcp_conn_close(c, sock->linger == 0, stack_now(s), s->out);
    stack_after(s, c, FALSE);
  }
  if (sock->leftover) g_byte_array_free(sock->leftover, TRUE);
  sock_release(s, sock);
}

int
tcp_socket_setopt(TcpSocket *sock, const char *name, gint64 value)
{
  if (strcmp(name, "linger") == 0) {
    sock->linger = value < 0 ? -1 : value;
  } else if (strcmp(name, "reuseaddr") == 0) {
    gboolean on = value != 0;
    if (sock->bound && on != sock->reuseaddr) {
      TcpPortUse *u = tcp_ports_use(&sock->stack->ports, sock->bind_port, FALSE);
      if (on) u->binders_reuse++;
      else u->binders_reuse--;
    }
    sock->reuseaddr = on;
  } else if (strcmp(name, "user_timeout") == 0) {
    if (value < 0 || value > G_MAXINT32) return TCP_EINVAL;   /* Linux: an int >= 0 */
    if (sock->conn) tcp_conn_set_user_timeout(sock->conn, (guint32)value);
  } else if (strcmp(name, "nodelay") == 0) {
    TcpConn *c = sock->conn;
    if (c) {
      tcp_conn_set_nodelay(c, value != 0, stack_now(sock->stack), sock->stack->out);
      stack_after(sock->stack, c, FALSE);
    }
  } else if (strcmp(name, "cork") == 0) {
    TcpConn *c = sock->conn;
    if (c) {
      tcp_conn_set_cork(c, value != 0, stack_now(sock->stack), sock->stack->out);
      stack_after(sock->stack, c, FALSE);
    }
  } else {
    return TCP_EINVAL;
  }
  return TCP_OK;
}

const TcpConn *
tcp_socket_conn(const TcpSocket *sock)
{
  return sock->conn;
}

TcpState
tcp_socket_state(const TcpSocket *sock)
{
  return sock->conn ? sock->conn->state : TCP_STATE_CLOSED;
}

/* The socket's cases here; a connection's send and recv are tcp.c's,
 * beside the calls they answer for; connect waits in the Lua layer while
 * the handshake runs and no error is pending. */
gboolean
tcp_socket_would_block(const TcpSocket *sock, TcpCall call)
{
  if (call == TCP_CALL_ACCEPT) return sock->listening && sock->accept_q.length == 0;
  const TcpConn *c = sock->conn;
  /* No connection (TIME_WAIT took it) or a listener: each call returns at
   * once, with leftover bytes, EOF or an error. */
  if (c == NULL || sock->listening) return FALSE;
  switch (call) {
  case TCP_CALL_CONNECT:
    return !c->error && (c->state == TCP_STATE_SYN_SENT || c->state == TCP_STATE_SYN_RECEIVED);
  case TCP_CALL_SEND:
    return tcp_conn_send_would_block(c);
  case TCP_CALL_RECV:
    return tcp_conn_recv_would_block(c);
  default:
    g_assert_not_reached();
  }
}

TcpTuple
tcp_socket_tuple(const TcpSocket *sock)
{
  if (sock->conn && sock->conn->tuple.rport) return sock->conn->tuple;
  TcpTuple t = { .laddr = sock->bind_addr, .lport = sock->bind_port };
  return t;
}
