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

/* ---- arrivals: the packet is its event's data -------------------------- */

/* An arrival that never happened (the run ended first). */
static void
in_flight_destroy(gpointer data)
{
  packet_free(data);
}

static void
on_arrival(SimEngine *engine, gpointer data)
{
  Packet *pkt = data;
  NetLinkDir *d = pkt->link_dir;
  d->c.delivered++;
  net_node_input(d->to, d->to_iface, pkt);
}

static inline void
arrive_at(SimEngine *engine, NetLinkDir *d, SimTime at, Packet *pkt)
{
  pkt->link_dir = d;
  sim_engine_schedule(engine, at, on_arrival, pkt, in_flight_destroy);
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
  if (d->ser.rate == 0) return now;
  SimTime start = now;
  if (d->busy_until > now) {
    if (waiting_count(d, now) >= d->p.queue) return -1;
    waiting_push(d, d->busy_until);
    start = d->busy_until;
  }
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
  SimTime at = tx_end + d->delay;
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

/* The faults after the transmitter: loss, jitter and reordering,
 * duplication, in the order of the draws (link.h). */
static void
send_faulty(NetLink *link, NetLinkDir *d, SimEngine *engine, SimTime tx_end, Packet *pkt)
{
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
  arrive_at(engine, d, at, pkt);
  if (copy) arrive_at(engine, d, at, copy);
}

void
net_link_send(NetLink *link, guint dir, Packet *pkt)
{
  net_link_dir_send(link->net, &link->d[dir], pkt);
}

/* Whether the link's predicate drops pkt. */
static G_GNUC_NO_INLINE gboolean
filtered(NetLinkDir *d, const Packet *pkt)
{
  NetLink *link = d->link;
  return link->filter && link->filter(link->filter_user, link, d->dir, pkt);
}

/* The transmit queue was full: pkt is dropped. */
static void
queue_drop(NetWorld *net, NetLinkDir *d, Packet *pkt)
{
  d->c.queue_drops++;
  net_world_drop(net, d->from, d->link, NET_DROP_QUEUE, pkt);
}

/* Every way a packet can take but the plain wire's: a predicate or a
 * fault, a packet over the MTU.  Out of line, so that the plain wire's
 * path (below) saves no registers for it.  The link itself (d->link, out
 * of the packets' way) is read only for a drop or a fault. */
static G_GNUC_NO_INLINE void
send_slow(NetWorld *net, NetLinkDir *d, Packet *pkt)
{
  SimEngine *engine = net->engine;
  SimTime now = sim_engine_now(engine);
  d->c.sent++;
  if (G_UNLIKELY(d->faulty) && filtered(d, pkt)) {
    d->c.pred_drops++;
    net_world_drop(net, d->from, d->link, NET_DROP_PRED, pkt);
    return;
  }
  guint wire_len = packet_wire_len(pkt);      /* once: the options are counted */
  if (wire_len > d->mtu) {
    d->c.mtu_drops++;
    net_world_drop(net, d->from, d->link, NET_DROP_MTU, pkt);
    return;
  }
  SimTime tx_end = transmit(d, wire_len, now);
  if (tx_end < 0) {
    queue_drop(net, d, pkt);
    return;
  }
  if (G_UNLIKELY(d->faulty)) {
    send_faulty(d->link, d, engine, tx_end, pkt);
    return;
  }
  arrive_at(engine, d, tx_end + d->delay, pkt);
}

/* A plain wire's packet behind the busy transmitter (about a third of the
 * churn's packets follow another at the same instant): it waits its turn
 * or, the queue full, is dropped.  Out of line, so that the idle
 * transmitter's path (below) keeps nothing live across a call. */
static G_GNUC_NO_INLINE void
send_queued(NetWorld *net, NetLinkDir *d, Packet *pkt, guint wire_len, SimTime now)
{
  d->c.sent++;
  SimTime tx_end = transmit(d, wire_len, now);
  if (tx_end < 0) {
    queue_drop(net, d, pkt);
    return;
  }
  arrive_at(net->engine, d, tx_end + d->delay, pkt);
}

/* A plain wire (most packets): what send_slow() does then.  Arrivals keep
 * their order by themselves on a plain wire (tx_end never goes back), so
 * last_arrival, the floor jitter needs, is not kept. */
void
net_link_dir_send(NetWorld *net, NetLinkDir *d, Packet *pkt)
{
  SimEngine *engine = net->engine;
  SimTime now = sim_engine_now(engine);
  guint wire_len = packet_wire_len(pkt);
  if (G_UNLIKELY(d->faulty || wire_len > d->mtu)) {
    send_slow(net, d, pkt);
    return;
  }
  SimTime tx_end = now;
  if (d->ser.rate) {                          /* transmit(), inline */
    if (d->busy_until > now) {
      send_queued(net, d, pkt, wire_len, now);
      return;
    }
    tx_end += sim_serializer_time(&d->ser, wire_len);
    d->busy_until = tx_end;
  }
  d->c.sent++;
  arrive_at(engine, d, tx_end + d->delay, pkt);
}

/* Whether a packet on d meets any fault (see NetLinkDir.faulty). */
static gboolean
dir_faulty(const NetLinkDir *d)
{
  const NetLinkParams *p = &d->p;
  return d->link->filter || p->ge || p->loss > 0 || p->jitter > 0 || p->reorder > 0 ||
         p->dup > 0;
}

void
net_link_set_filter(NetLink *link, NetLinkFilterFn fn, gpointer user,
                    GDestroyNotify destroy)
{
  if (link->filter_destroy) link->filter_destroy(link->filter_user);
  link->filter = fn;
  link->filter_user = user;
  link->filter_destroy = destroy;
  for (guint i = 0; i < 2; i++) link->d[i].faulty = dir_faulty(&link->d[i]);
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
  d->faulty = dir_faulty(d);
  d->mtu = d->p.mtu ? d->p.mtu : G_MAXUINT;
  d->delay = d->p.delay;
  if (d->p.rate) sim_serializer_init(&d->ser, d->p.rate);
}

void
net_link_clear(NetLink *link)
{
  net_link_set_filter(link, NULL, NULL, NULL);
  for (int i = 0; i < 2; i++) g_free(link->d[i].waiting);
  g_free(link->name);
}
