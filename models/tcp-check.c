/* Invariant checks of a host's TCP (see tcp-check.h): recounts what the
 * stack's tables hold and compares it with what the stack believes.
 *
 * Data flow: none; reads a TcpStack (tcp-stack-internal.h) and the
 * engine's pending events, changes nothing.  Every walk is over the
 * stack's own lists or a hash table whose order does not matter (each
 * walk only counts or compares), so a check cannot change a run. */
#include "tcp-check.h"
#include "check.h"
#include "tcp-stack-internal.h"
#include "tcp-seq.h"
#include <stdlib.h>


/* "10.0.0.1:80>10.0.0.2:40000" for messages (formatted only when a check
 * fails: CHECK evaluates its message arguments then). */
static const char *
tuple_text(const TcpTuple *t, char buf[64])
{
  char la[NET_ADDR_BUF], ra[NET_ADDR_BUF];
  g_snprintf(buf, 64, "%s:%u>%s:%u", net_addr_format(t->laddr, la), t->lport,
             net_addr_format(t->raddr, ra), t->rport);
  return buf;
}

static gboolean
state_synchronizing(TcpState st)
{
  return st != TCP_STATE_CLOSED && st != TCP_STATE_LISTEN && st != TCP_STATE_TIME_WAIT;
}

/* A connection's own variables (tcp.h's invariants). */
static gboolean
conn_check_seq(const TcpStack *s, const TcpConn *c, GString *why)
{
  char tb[64];
  CHECK((guint)c->state < TCP_STATE_N, "%s: state %d out of range", tuple_text(&c->tuple, tb), c->state);
  CHECK(c->state != TCP_STATE_TIME_WAIT, "%s: a TcpConn outlived its TIME_WAIT entry", tuple_text(&c->tuple, tb));
  if (!state_synchronizing(c->state)) return TRUE;
  CHECK(tcp_seq_le(c->snd_una, c->snd_nxt) && tcp_seq_le(c->snd_nxt, c->snd_max),
        "%s (%s): SND.UNA %u <= SND.NXT %u <= SND.MAX %u does not hold", tuple_text(&c->tuple, tb),
        tcp_state_name(c->state), c->snd_una, c->snd_nxt, c->snd_max);
  CHECK(tcp_seq_le(c->iss, c->snd_una), "%s: SND.UNA %u is before ISS %u", tuple_text(&c->tuple, tb),
        c->snd_una, c->iss);
  /* Everything sent was in the buffer: SYN, then data, then the FIN. */
  guint32 end = c->snd_base + c->snd_len + (c->fin_queued ? 1 : 0);
  CHECK(tcp_seq_le(c->snd_max, end), "%s: SND.MAX %u beyond the buffer's end %u", tuple_text(&c->tuple, tb),
        c->snd_max, end);
  CHECK(tcp_seq_le(c->snd_una, c->snd_base + 1) && tcp_seq_le(c->snd_base, c->snd_una + 1),
        "%s: the buffer starts at %u, SND.UNA is %u", tuple_text(&c->tuple, tb), c->snd_base, c->snd_una);
  guint64 held = 0;
  for (guint i = 0; i < c->snd_buf->len; i++)
    held += g_array_index(c->snd_buf, NetSlice, i).len;
  CHECK(held == c->snd_len, "%s: send buffer holds %" G_GUINT64_FORMAT
        " bytes, snd_len says %u", tuple_text(&c->tuple, tb), held, c->snd_len);
  /* The largest window the peer can advertise: 65535 shifted by its
   * window scale (RFC 7323 2.2). */
  CHECK((guint64)c->snd_wnd <= ((guint64)65535 << c->snd_wscale),
        "%s: SND.WND %u exceeds 65535 << %u", tuple_text(&c->tuple, tb), c->snd_wnd,
        c->snd_wscale);
  CHECK(c->mss > 0, "%s: MSS is 0", tuple_text(&c->tuple, tb));
  if (tcp_rack_on(c) && !tcp_rack_check(c, why)) {
    if (why) g_string_prepend(why, ": ");
    if (why) g_string_prepend(why, tuple_text(&c->tuple, tb));
    return FALSE;
  }
  CHECK(c->rto > 0 && c->rto <= MAX(s->profile.rto_max, s->profile.rto_init),
        "%s: RTO %" G_GINT64_FORMAT " ns outside (0, rto_max]", tuple_text(&c->tuple, tb), c->rto);
  if (c->state != TCP_STATE_SYN_SENT) {
    /* RCV.NXT counts the SYN, the bytes received and the FIN; what was
     * not read yet is a suffix of that. */
    guint32 got = c->rcv_nxt - (c->irs + 1);
    guint32 buffered = c->rcv_buf ? c->rcv_buf->len : 0;
    CHECK(got <= G_MAXINT32 && buffered <= got,
          "%s: %u bytes buffered but RCV.NXT - IRS - 1 is %u", tuple_text(&c->tuple, tb), buffered, got);
    CHECK(!c->rcv_fin || got >= 1, "%s: FIN received but RCV.NXT does not count it", tuple_text(&c->tuple, tb));
  }
  return TRUE;
}

/* The connection's timer: in the stack's heap iff it has a deadline, at
 * that deadline (or, for one already past when set, at the time it was
 * set); and the deadline is the endpoint's. */
static gboolean
conn_check_timer(const TcpStack *s, const TcpConn *c, GString *why)
{
  char tb[64];
  gboolean armed = sim_deadline_armed(&c->timer);
  CHECK(armed || c->timer_at == SIM_TIME_MAX, "%s: deadline %" G_GINT64_FORMAT " but no timer",
        tuple_text(&c->tuple, tb), c->timer_at);
  CHECK(!armed || c->timer_at != SIM_TIME_MAX, "%s: a timer but no deadline", tuple_text(&c->tuple, tb));
  CHECK(!armed || c->timer.at == c->timer_at ||
        (c->timer.at > c->timer_at && c->timer.at <= sim_engine_now(s->env.engine)),
        "%s: timer at %" G_GINT64_FORMAT " for the deadline %" G_GINT64_FORMAT,
        tuple_text(&c->tuple, tb), c->timer.at, c->timer_at);
  if (c->in_table)
    CHECK(c->timer_at == tcp_conn_deadline(c), "%s (%s): scheduled at %" G_GINT64_FORMAT
          ", deadline %" G_GINT64_FORMAT, tuple_text(&c->tuple, tb), tcp_state_name(c->state), c->timer_at,
          tcp_conn_deadline(c));
  return TRUE;
}

/* What the walks count, to compare with the stack's own figures. */
typedef struct {
  guint64     counts[TCP_STATE_N];
  GHashTable *ports;           /* port -> TcpPortUse (recounted) */
  GHashTable *sockets;         /* TcpSocket set */
  guint64     queued;          /* conns of the table with a listener */
  guint64     queue_entries;   /* entries of the listeners' queues */
  guint64     timed;           /* conns of the table with a timer */
} Recount;

static TcpPortUse *
recount_port(Recount *r, guint16 port)
{
  gpointer key = GUINT_TO_POINTER((guint)port);
  TcpPortUse *u = g_hash_table_lookup(r->ports, key);
  if (u == NULL) {
    u = g_new0(TcpPortUse, 1);
    g_hash_table_insert(r->ports, key, u);
  }
  return u;
}

/* A held 4-tuple's bit in its destination's bitmap, if it has one. */
static gboolean
dest_bit(const TcpStack *s, const TcpTuple *t, gboolean *has)
{
  TcpPortDest probe = { .laddr = t->laddr, .raddr = t->raddr, .rport = t->rport };
  const TcpPortDest *d = s->ports.dests && g_hash_table_size(s->ports.dests)
                       ? g_hash_table_lookup(s->ports.dests, &probe) : NULL;
  *has = d != NULL;
  return d && ((d->held[t->lport >> 6] >> (t->lport & 63)) & 1);
}

static gboolean
check_table_conns(const TcpStack *s, Recount *r, GString *why)
{
  const TcpTuple *key;
  TcpConn *c;
  char tb[64];
  guint32 pos = 0;
  while ((c = tcp_tuple_table_next(&s->conns, &pos, &key))) {
    CHECK(tcp_tuple_same(key, &c->tuple), "%s: hashed under another key", tuple_text(&c->tuple, tb));
    CHECK(c->in_table && c->holds_port, "%s: in the 4-tuple table but in_table %d "
          "holds_port %d", tuple_text(&c->tuple, tb), c->in_table, c->holds_port);
    CHECK(state_synchronizing(c->state), "%s: %s in the 4-tuple table", tuple_text(&c->tuple, tb),
          tcp_state_name(c->state));
    CHECK(tcp_tw_lookup((TcpTwTable *)&s->tw, &c->tuple) == NULL,
          "%s: both a connection and a TIME_WAIT record", tuple_text(&c->tuple, tb));
    if (c->sock) CHECK(g_hash_table_contains(r->sockets, c->sock) &&
                       ((TcpSocket *)c->sock)->conn == c,
                       "%s: its socket is closed or owns another connection", tuple_text(&c->tuple, tb));
    if (c->listener) {
      const TcpSocket *l = c->listener;
      CHECK(l->listening && g_hash_table_contains(r->sockets, l),
            "%s: its listener is gone", tuple_text(&c->tuple, tb));
      r->queued++;             /* each queue entry is checked by check_listener() */
    }
    gboolean has;
    CHECK(dest_bit(s, &c->tuple, &has) || !has, "%s: held, but its port bit is clear", tuple_text(&c->tuple, tb));
    if (!conn_check_seq(s, c, why) || !conn_check_timer(s, c, why)) return FALSE;
    if (sim_deadline_armed(&c->timer)) r->timed++;
    r->counts[c->state]++;
    recount_port(r, c->tuple.lport)->users++;
  }
  return TRUE;
}

static gboolean
check_listener(const TcpStack *s, const TcpSocket *l, Recount *r, GString *why)
{
  CHECK(tcp_tuple_table_lookup(&s->listeners, &l->listen_key) == l,
        "listener on port %u is not in the listener table", l->bind_port);
  CHECK(l->conn && l->conn->state == TCP_STATE_LISTEN,
        "listener on port %u is not in LISTEN", l->bind_port);
  CHECK(l->backlog >= 0, "listener on port %u: backlog %d", l->bind_port, l->backlog);
  r->queue_entries += l->syn_q.length + l->accept_q.length;
  for (GList *q = l->syn_q.head; q; q = q->next) {
    const TcpConn *c = q->data;
    CHECK(c->listener == l && !c->in_accept_q && c->in_table,
          "listener on port %u: a SYN queue entry belongs elsewhere", l->bind_port);
  }
  for (GList *q = l->accept_q.head; q; q = q->next) {
    const TcpConn *c = q->data;
    CHECK(c->listener == l && c->in_accept_q && c->in_table,
          "listener on port %u: an accept queue entry belongs elsewhere", l->bind_port);
  }
  return TRUE;
}

static gboolean
check_sockets(const TcpStack *s, Recount *r, GString *why)
{
  guint listening = 0;
  for (GList *l = s->sockets.head; l; l = l->next) {
    const TcpSocket *sock = l->data;
    CHECK(sock->stack == s, "a socket of another stack is on the list");
    if (sock->bound) {
      TcpPortUse *u = recount_port(r, sock->bind_port);
      u->binders++;
      if (sock->reuseaddr) u->binders_reuse++;
    }
    if (sock->listening) {
      CHECK(sock->bound, "a listener is not bound");
      recount_port(r, sock->bind_port)->listeners++;
      listening++;
      if (!check_listener(s, sock, r, why)) return FALSE;
    }
    const TcpConn *c = sock->conn;
    if (c == NULL) continue;
    CHECK(c->sock == sock, "a socket's connection points at another socket");
    if (c->in_table) continue;              /* counted with the table */
    CHECK(c->state == TCP_STATE_CLOSED || c->state == TCP_STATE_LISTEN,
          "a connection in %s is in no demux table", tcp_state_name(c->state));
    CHECK(!c->holds_port && c->listener == NULL,
          "a connection out of the tables holds a port or a listener");
    CHECK(!sim_deadline_armed(&c->timer), "a connection out of the tables has a timer");
    r->counts[c->state]++;
  }
  CHECK(listening == s->listeners.count,
        "%u listening sockets, %u in the listener table", listening,
        s->listeners.count);
  return TRUE;
}

/* The TIME_WAIT records: indexed, in expiry order, expiring on a pending
 * event, holding their port. */
static gboolean
check_time_wait(const TcpStack *s, Recount *r, GString *why)
{
  TcpTwTable *tw = (TcpTwTable *)&s->tw;
  SimTime now = sim_engine_now(s->env.engine), last = G_MININT64;
  guint64 n = 0;
  char tb[64];
  guint32 cursor = 0;
  for (const TcpTwRecord *rec; (rec = tcp_tw_next(tw, &cursor));) {
    TcpTuple t = tcp_tw_tuple(tw, rec);
    SimTime expiry = tcp_tw_expiry(rec);
    CHECK(n < tcp_tw_count(tw), "the TIME_WAIT FIFO is longer than its count %" G_GUINT64_FORMAT,
          tcp_tw_count(tw));
    CHECK(tcp_tw_lookup(tw, &t) == rec,
          "%s: a TIME_WAIT record missing from its index", tuple_text(&t, tb));
    CHECK(tcp_tuple_table_lookup(&s->conns, &t) == NULL,
          "%s: both a TIME_WAIT record and a connection", tuple_text(&t, tb));
    CHECK(expiry >= last, "%s: TIME_WAIT FIFO out of expiry order", tuple_text(&t, tb));
    CHECK(expiry >= now, "%s: TIME_WAIT record expired at %" G_GINT64_FORMAT
          " but still held at %" G_GINT64_FORMAT, tuple_text(&t, tb), expiry, now);
    gboolean has;
    CHECK(dest_bit(s, &t, &has) || !has, "%s: held, but its port bit is clear", tuple_text(&t, tb));
    last = expiry;
    n++;
    recount_port(r, t.lport)->users++;
  }
  CHECK(n == tcp_tw_count(tw), "TIME_WAIT FIFO holds %" G_GUINT64_FORMAT
        " records, count %" G_GUINT64_FORMAT, n, tcp_tw_count(tw));
  r->counts[TCP_STATE_TIME_WAIT] += n;
  /* Records need their expiry event; the event may outlive the records
   * (killed by RST, reused) and then finds nothing to expire. */
  gpointer data = NULL;
  gboolean pending = s->tw_event && sim_engine_event_pending(s->env.engine, s->tw_event, &data);
  CHECK(pending || s->tw_event == 0, "TIME_WAIT expiry event %" G_GUINT64_FORMAT
        " is not pending", s->tw_event);
  CHECK(!pending || data == s, "TIME_WAIT expiry event belongs to another object");
  CHECK(pending || n == 0, "%" G_GUINT64_FORMAT " TIME_WAIT records, no expiry event", n);
  const TcpTwRecord *head = tcp_tw_head(tw);
  CHECK(!pending || head == NULL || s->tw_event_at <= tcp_tw_expiry(head),
        "TIME_WAIT expiry event at %" G_GINT64_FORMAT " is after the first expiry %"
        G_GINT64_FORMAT, s->tw_event_at, head ? tcp_tw_expiry(head) : 0);
  return TRUE;
}

/* The heap of deadlines: a heap, holding the table's connections that have
 * a timer (check_table_conns() counted them), and the engine's timer at its
 * first. */
static gboolean
check_timers(const TcpStack *s, const Recount *r, GString *why)
{
  const SimDeadlineHeap *h = &s->timers;
  CHECK(h->n == r->timed, "the timer heap holds %u connections, the table %" G_GUINT64_FORMAT
        " with a timer", h->n, r->timed);
  for (guint i = 0; i < h->n; i++) {
    const SimDeadline *d = h->items[i], *up = h->items[i > 0 ? (i - 1) / 2 : 0];
    CHECK(d->pos == i + 1, "timer heap entry %u says it is at %u", i, d->pos);
    CHECK(up->at < d->at || (up->at == d->at && up->seq <= d->seq),
          "timer heap entry %u is before its parent", i);
  }
  const SimDeadline *first = sim_deadline_heap_first(h);
  CHECK(sim_engine_timer_is_set(&s->timer) == (first != NULL),
        "the engine's timer is %s with %u deadlines", sim_engine_timer_is_set(&s->timer) ? "set" : "not set",
        h->n);
  CHECK(first == NULL || (s->timer.when.at == first->at && s->timer.when.seq == first->seq),
        "the engine's timer at %" G_GINT64_FORMAT " is not at the first deadline %" G_GINT64_FORMAT,
        s->timer.when.at, first ? first->at : 0);
  return TRUE;
}

static gboolean
check_ports(const TcpStack *s, Recount *r, GString *why)
{
  CHECK(s->ports.n_uses == g_hash_table_size(r->ports),
        "%u ports have use counts, %u are in use", s->ports.n_uses,
        g_hash_table_size(r->ports));
  GHashTableIter it;
  gpointer key, value;
  g_hash_table_iter_init(&it, r->ports);
  while (g_hash_table_iter_next(&it, &key, &value)) {
    const TcpPortUse *want = value;
    guint port = GPOINTER_TO_UINT(key);
    const TcpPortUse *have = tcp_ports_use((TcpPorts *)&s->ports, (guint16)port, FALSE);
    CHECK(have, "port %u is in use but has no use counts", port);
    CHECK(have->users == want->users && have->binders == want->binders &&
          have->binders_reuse == want->binders_reuse && have->listeners == want->listeners,
          "port %u: counts users %u binders %u (reuse %u) listeners %u, held by "
          "%u, %u (%u), %u", port, have->users, have->binders, have->binders_reuse,
          have->listeners, want->users, want->binders, want->binders_reuse,
          want->listeners);
  }
  return TRUE;
}

static gboolean
check_counts(const TcpStack *s, const Recount *r, GString *why)
{
  for (guint st = 0; st < TCP_STATE_N; st++)
    CHECK(s->counts[st] == r->counts[st], "count of %s is %" G_GUINT64_FORMAT
          " but the tables hold %" G_GUINT64_FORMAT, tcp_state_name((TcpState)st),
          s->counts[st], r->counts[st]);
  CHECK(s->stats.tw_peak >= s->counts[TCP_STATE_TIME_WAIT], "tw_peak %" G_GUINT64_FORMAT
        " is below the %" G_GUINT64_FORMAT " TIME_WAIT sockets held",
        s->stats.tw_peak, s->counts[TCP_STATE_TIME_WAIT]);
  /* Every queue entry points back at its queue (check_listener), and one
   * link is in one queue at most: equal numbers make the two sets equal. */
  CHECK(r->queued == r->queue_entries, "%" G_GUINT64_FORMAT " connections have a "
        "listener, its queues hold %" G_GUINT64_FORMAT, r->queued, r->queue_entries);
  return TRUE;
}

gboolean
tcp_stack_check(const TcpStack *s, GString *why)
{
  Recount r = { 0 };
  r.ports = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
  r.sockets = g_hash_table_new(g_direct_hash, g_direct_equal);
  for (GList *l = s->sockets.head; l; l = l->next) g_hash_table_add(r.sockets, l->data);
  gboolean ok = check_sockets(s, &r, why) && check_table_conns(s, &r, why) &&
                check_timers(s, &r, why) &&
                check_time_wait(s, &r, why) && check_ports(s, &r, why) &&
                check_counts(s, &r, why);
  g_hash_table_destroy(r.ports);
  g_hash_table_destroy(r.sockets);
  return ok;
}

void
tcp_stack_check_invariants(const TcpStack *s)
{
  g_autoptr(GString) why = g_string_new(NULL);
  if (!tcp_stack_check(s, why)) {
    /* abort(), not g_error(): SIGABRT is what fuzzers and core dumps catch. */
    g_printerr("TCP invariant broken on host %s at t=%" G_GINT64_FORMAT " ns: %s\n",
               s->env.host_name ? s->env.host_name : "?", sim_engine_now(s->env.engine),
               why->str);
    abort();
  }
}

gsize
tcp_stack_check_size(const TcpStack *s)
{
  return s->conns.count + tcp_tw_count(&s->tw) + s->sockets.length +
         s->ports.n_uses + 1;
}

guint64 *
tcp_stack_count_slot(TcpStack *s, TcpState state)
{
  g_assert((guint)state < TCP_STATE_N);
  return &s->counts[state];
}
