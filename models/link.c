/* Links: transmitter, propagation and faults (see link.h). */
#include "net.h"

static const char *const drop_names[NET_DROP_N] = {
  "loss", "queue", "mtu", "ttl", "pred", "noroute", "backlog", "no_listener", "ct_full",
  "ct_invalid", "nat_port", "qdisc",
};

static const char *const drop_words[NET_DROP_N] = {
  "lost on the link", "queue full", "larger than the MTU", "TTL expired",
  "dropped by the scenario", "no route", "accept queue full", "no listener: RST",
  "conntrack table full", "invalid for conntrack", "no NAT port free",
  "refused by the host's qdisc",
};

const char *
net_drop_reason_words(NetDropReason reason)
{
  return drop_words[reason];
}

const char *
net_drop_reason_name(NetDropReason reason)
{
  return drop_names[reason];
}

void
net_link_params_init(NetLinkParams *p)
{
  *p = (NetLinkParams){ 0 };
  p->ge_k = 1.0;
  p->ge_h = 0.0;
  p->queue = NET_LINK_DEFAULT_QUEUE;
  p->mtu = NET_LINK_DEFAULT_MTU;
  p->reorder_delay = NET_LINK_DEFAULT_REORDER_DELAY;
}

/* ---- arrival tickets: a free list, no malloc once warm ------------------ */

typedef struct Ticket Ticket;
struct Ticket {
  NetLinkDir *d;
  Packet     *pkt;
  Ticket     *next;
};

static Ticket *free_tickets;

static Ticket *
ticket_new(NetLinkDir *d, Packet *pkt)
{
  Ticket *t = free_tickets;
  if (t) free_tickets = t->next;
  else t = g_new(Ticket, 1);
  t->d = d;
  t->pkt = pkt;
  t->next = NULL;
  return t;
}

static void
ticket_release(Ticket *t)
{
  t->next = free_tickets;
  free_tickets = t;
}

/* An arrival that never happened (the run ended first). */
static void
ticket_destroy(gpointer data)
{
  Ticket *t = data;
  packet_free(t->pkt);
  ticket_release(t);
}

static void
on_arrival(SimEngine *engine, gpointer data)
{
  Ticket *t = data;
  NetLinkDir *d = t->d;
  Packet *pkt = t->pkt;
  ticket_release(t);
  d->c.delivered++;
  net_node_input(d->to, d->to_iface, pkt);
}

/* ---- the transmit queue ------------------------------------------------- */

static void
waiting_push(NetLinkDir *d, SimTime start)
{
  if (d->waiting_len == d->waiting_cap) {
    guint cap = d->waiting_cap ? d->waiting_cap * 2 : 4;    /* a host's link: a few */
    SimTime *ring = g_new(SimTime, cap);
    for (guint i = 0; i < d->waiting_len; i++)
      ring[i] = d->waiting[(d->waiting_head + i) & (d->waiting_cap - 1)];
    g_free(d->waiting);
    d->waiting = ring;
    d->waiting_head = 0;
    d->waiting_cap = cap;
  }
  d->waiting[(d->waiting_head + d->waiting_len) & (d->waiting_cap - 1)] = start;
  d->waiting_len++;
}

/* Packets admitted that have not started transmitting by `now`. */
static guint
waiting_count(NetLinkDir *d, SimTime now)
{
  while (d->waiting_len && d->waiting[d->waiting_head] <= now) {
    d->waiting_head = (d->waiting_head + 1) & (d->waiting_cap - 1);
    d->waiting_len--;
  }
  return d->waiting_len;
}

/* Admits a packet of wire_len bytes to the transmitter; returns when its
 * last bit leaves, or -1 if the queue is full. */
static SimTime
transmit(NetLinkDir *d, guint wire_len, SimTime now)
{
  if (d->p.rate == 0) return now;
  if (d->busy_until > now) {
    if (waiting_count(d, now) >= d->p.queue) return -1;
    waiting_push(d, d->busy_until);
  }
  SimTime start = MAX(now, d->busy_until);
  if (G_UNLIKELY(d->ser.rate != d->p.rate)) sim_serializer_init(&d->ser, d->p.rate);
  d->busy_until = start + sim_serializer_time(&d->ser, wire_len);
  return d->busy_until;
}

/* Whether the loss model drops this packet (draws from the stream). */
static gboolean
lose(NetLinkDir *d)
{
  /* The test first: most links lose nothing (sim_rng_chance draws
   * nothing for 0 either, so the stream is the same). */
  if (!d->p.ge) return d->p.loss > 0 && sim_rng_chance(&d->rng, d->p.loss);
  /* Gilbert-Elliott: the current state decides the loss, then the state
   * moves (p: good -> bad, r: bad -> good). */
  gboolean lost = !sim_rng_chance(&d->rng, d->ge_bad ? d->p.ge_h : d->p.ge_k);
  if (d->ge_bad) {
    if (sim_rng_chance(&d->rng, d->p.ge_r)) d->ge_bad = FALSE;
  } else if (sim_rng_chance(&d->rng, d->p.ge_p)) {
    d->ge_bad = TRUE;
  }
  return lost;
}

/* Arrival time of a packet whose last bit leaves at tx_end. */
static SimTime
arrival_time(NetLinkDir *d, SimTime tx_end)
{
  SimTime at = tx_end + d->p.delay;
  if (d->p.jitter > 0)
    at += (SimTime)sim_rng_below(&d->rng, (uint64_t)d->p.jitter + 1);
  if (d->p.reorder > 0 && sim_rng_chance(&d->rng, d->p.reorder)) {
    d->c.reordered++;
    return at + d->p.reorder_delay;   /* held back; the FIFO floor ignores it */
  }
  at = MAX(at, d->last_arrival);
  d->last_arrival = at;
  return at;
}

void
net_link_send(NetLink *link, guint dir, Packet *pkt)
{
  NetLinkDir *d = &link->d[dir];
  SimEngine *engine = link->net->engine;
  SimTime now = sim_engine_now(engine);
  d->c.sent++;
  if (link->filter && link->filter(link->filter_user, link, dir, pkt)) {
    d->c.pred_drops++;
    net_world_drop(link->net, d->from, link, NET_DROP_PRED, pkt);
    return;
  }
  guint wire_len = packet_wire_len(pkt);      /* once: the options are counted */
  if (d->p.mtu && wire_len > d->p.mtu) {
    d->c.mtu_drops++;
    net_world_drop(link->net, d->from, link, NET_DROP_MTU, pkt);
    return;
  }
  SimTime tx_end = transmit(d, wire_len, now);
  if (tx_end < 0) {
    d->c.queue_drops++;
    net_world_drop(link->net, d->from, link, NET_DROP_QUEUE, pkt);
    return;
  }
  if (lose(d)) {
    d->c.lost++;
    net_world_drop(link->net, d->from, link, NET_DROP_LOSS, pkt);
    return;
  }
  SimTime at = arrival_time(d, tx_end);
  Packet *copy = NULL;
  if (d->p.dup > 0 && sim_rng_chance(&d->rng, d->p.dup)) {
    d->c.duplicated++;
    copy = packet_clone(pkt);
  }
  sim_engine_schedule(engine, at, on_arrival, ticket_new(d, pkt), ticket_destroy);
  if (copy)
    sim_engine_schedule(engine, at, on_arrival, ticket_new(d, copy), ticket_destroy);
}

void
net_link_set_filter(NetLink *link, NetLinkFilterFn fn, gpointer user,
                    GDestroyNotify destroy)
{
  if (link->filter_destroy) link->filter_destroy(link->filter_user);
  link->filter = fn;
  link->filter_user = user;
  link->filter_destroy = destroy;
}

const NetLinkCounters *
net_link_counters(const NetLink *link, guint dir)
{
  g_assert(dir < 2);
  return &link->d[dir].c;
}

void
net_link_init_dir(NetLinkDir *d, guint64 run_seed)
{
  char *stream = g_strdup_printf("link.%s.%s", d->link->name, d->dir ? "ba" : "ab");
  sim_rng_init_stream(&d->rng, run_seed, stream);
  g_free(stream);
}

void
net_link_clear(NetLink *link)
{
  net_link_set_filter(link, NULL, NULL, NULL);
  for (int i = 0; i < 2; i++) g_free(link->d[i].waiting);
  g_free(link->name);
}
