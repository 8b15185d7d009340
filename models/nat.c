/* A router's conntrack, NAT and load balancing (see nat.h). */
#include "nat.h"
#include "net.h"
#include <string.h>

/* nf_nat_core.c: a port search tries at most 128 ports a round, and only
 * the last 32 of a round may evict a closing entry (NF_NAT_MAX_ATTEMPTS,
 * NF_NAT_HARDER_THRESH). */
#define NAT_MAX_ATTEMPTS 128
#define NAT_HARDER_THRESH (NAT_MAX_ATTEMPTS / 4)

static guint
dest_hash(gconstpointer p)
{
  const NatDest *d = p;
  return ct_tuple_hash(&(CtTuple){ d->out, d->dst, 0, d->dport });
}

static gboolean
dest_equal(gconstpointer a, gconstpointer b)
{
  const NatDest *x = a, *y = b;
  return x->out == y->out && x->dst == y->dst && x->dport == y->dport;
}

NatBox *
nat_box_new(NetNode *router, guint64 run_seed)
{
  NatBox *box = g_new0(NatBox, 1);
  box->router = router;
  CtConfig cfg;
  ct_config_init(&cfg);
  ct_table_init(&box->ct, &cfg);
  box->snat.to = g_array_new(FALSE, FALSE, sizeof(NetAddr));
  box->dnat = g_array_new(FALSE, FALSE, sizeof(NatDnat));
  box->lb = g_ptr_array_new_with_free_func((GDestroyNotify)lb_service_free);
  box->evict_closing = TRUE;
  char *name = g_strdup_printf("nat.%s", router->name);
  box->key = tcp_hash_key(run_seed, name);
  sim_rng_init_stream(&box->rng, run_seed, name);
  g_free(name);
  box->dests = g_hash_table_new(dest_hash, dest_equal);
  box->dest_order = g_ptr_array_new_with_free_func(g_free);
  return box;
}

void
nat_box_free(NatBox *box)
{
  if (box == NULL) return;
  if (box->expiry_event) sim_engine_cancel(box->router->net->engine, box->expiry_event);
  ct_table_clear(&box->ct);
  g_array_free(box->snat.to, TRUE);
  g_array_free(box->dnat, TRUE);
  g_ptr_array_free(box->lb, TRUE);
  g_hash_table_destroy(box->dests);
  g_ptr_array_free(box->dest_order, TRUE);
  g_free(box);
}

void
nat_box_set_snat(NatBox *box, NetAddr inside, guint prefix, const NetAddr *to,
                 guint n_to, guint16 port_lo, guint16 port_hi)
{
  g_assert(n_to >= 1 && prefix <= 32 && port_lo <= port_hi);
  box->snat.on = TRUE;
  box->snat.inside = inside;
  box->snat.prefix = prefix;
  g_array_set_size(box->snat.to, 0);
  g_array_append_vals(box->snat.to, to, n_to);
  box->snat.port_lo = port_lo;
  box->snat.port_hi = port_hi;
}

void
nat_box_add_dnat(NatBox *box, const NatDnat *rule)
{
  g_array_append_val(box->dnat, *rule);
}

void
nat_box_add_lb(NatBox *box, LbService *svc)
{
  g_ptr_array_add(box->lb, svc);
}

char *
nat_tuple_format(const CtTuple *t, char *buf)
{
  char a[NET_ADDR_BUF], b[NET_ADDR_BUF];
  g_snprintf(buf, NAT_TUPLE_BUF, "%s:%u>%s:%u", net_addr_format(t->src, a), t->sport,
             net_addr_format(t->dst, b), t->dport);
  return buf;
}

/* ---- ports per destination ---------------------------------------------- */

/* The destination a SNAT entry's port counts against: its reply tuple
 * comes from dst:dport to out. */
static NatDest *
dest_of(NatBox *box, const CtEntry *e, gboolean create)
{
  const CtTuple *r = &e->tuple[CT_DIR_REPLY];
  NatDest key = { .out = r->dst, .dst = r->src, .dport = r->sport };
  NatDest *d = g_hash_table_lookup(box->dests, &key);
  if (d == NULL && create) {
    d = g_memdup2(&key, sizeof key);
    g_hash_table_add(box->dests, d);
    g_ptr_array_add(box->dest_order, d);
  }
  return d;
}

static void
ports_hold(NatBox *box, const CtEntry *e)
{
  if (!(e->status & CT_SRC_NAT)) return;
  NatDest *d = dest_of(box, e, TRUE);
  d->in_use++;
  d->peak = MAX(d->peak, d->in_use);
}

static void
ports_release(NatBox *box, const CtEntry *e)
{
  if (!(e->status & CT_SRC_NAT)) return;
  NatDest *d = dest_of(box, e, FALSE);
  g_assert(d && d->in_use > 0);
  d->in_use--;
}

guint32
nat_box_ports(const NatBox *box, gboolean peak)
{
  guint32 m = 0;
  for (guint i = 0; i < box->dest_order->len; i++) {
    const NatDest *d = g_ptr_array_index(box->dest_order, i);
    m = MAX(m, peak ? d->peak : d->in_use);
  }
  return m;
}

/* ---- trace records and the end of entries ------------------------------ */

static SimTrace *
box_trace(NatBox *box, SimTime now)
{
  SimTrace *trace = box->router->net->trace;
  return sim_trace_wants(trace, now) ? trace : NULL;
}

static SimTime
box_now(NatBox *box)
{
  return sim_engine_now(box->router->net->engine);
}

static void
trace_flow(SimTrace *trace, const CtEntry *e)
{
  char buf[NAT_TUPLE_BUF];
  sim_trace_str(trace, "orig", nat_tuple_format(&e->tuple[CT_DIR_ORIGINAL], buf));
  sim_trace_str(trace, "reply", nat_tuple_format(&e->tuple[CT_DIR_REPLY], buf));
}

/* Removes e; `why` names the cause in the trace: expired, early_drop,
 * reopened, evicted, reset. */
static void
entry_end(NatBox *box, CtEntry *e, const char *why)
{
  SimTime now = box_now(box);
  SimTrace *trace = box_trace(box, now);
  if (trace) {
    sim_trace_begin(trace, now, "ct_end", box->router->name);
    trace_flow(trace, e);
    sim_trace_str(trace, "state", ct_state_name(e->state));
    sim_trace_str(trace, "why", why);
    sim_trace_end(trace);
  }
  ports_release(box, e);
  ct_table_remove(&box->ct, e);
}

/* ---- expiry ------------------------------------------------------------- */

static void arm(NatBox *box);

static void
expiry_fire(SimEngine *engine, gpointer data)
{
  NatBox *box = data;
  box->expiry_event = 0;
  SimTime now = sim_engine_now(engine);
  CtEntry *e;
  while ((e = ct_table_next(&box->ct)) && e->expiry <= now) {
    box->ct.c.expired++;
    entry_end(box, e, "expired");
  }
  arm(box);
}

/* Keeps one event at the table's next expiry (or earlier: a renewed
 * entry's event fires, finds nothing due and moves on). */
static void
arm(NatBox *box)
{
  SimTime next = ct_table_next_expiry(&box->ct);
  if (next == SIM_TIME_MAX || (box->expiry_event && box->expiry_at <= next)) return;
  SimEngine *engine = box->router->net->engine;
  if (box->expiry_event) sim_engine_cancel(engine, box->expiry_event);
  box->expiry_at = MAX(next, sim_engine_now(engine));
  box->expiry_event = sim_engine_schedule(engine, box->expiry_at, expiry_fire, box, NULL);
}

/* After a packet of e: its renewed expiry is the only one that may now
 * come before the event, so only it is compared (no walk of the FIFOs). */
static void
arm_for(NatBox *box, const CtEntry *e)
{
  if (box->expiry_event && box->expiry_at <= e->expiry) return;
  arm(box);
}

void
nat_box_settings_changed(NatBox *box)
{
  arm(box);
}

/* ---- choosing a translation --------------------------------------------- */

/* Whether the reply tuple r is taken.  In the last NAT_HARDER_THRESH
 * attempts of a round, a new SYN may evict the entry holding it if that
 * one is a closing SNAT flow and the SYN's sequence is past its end
 * (nf_nat_used_tuple_harder(), Linux 6.5). */
static gboolean
taken(NatBox *box, const CtTuple *r, guint attempts_left, gboolean syn, guint32 syn_end)
{
  guint dir;
  CtEntry *old = ct_table_find(&box->ct, r, &dir);
  if (old == NULL) return FALSE;
  if (!box->evict_closing || !syn || attempts_left > NAT_HARDER_THRESH) return TRUE;
  if (dir != CT_DIR_REPLY || old->state < CT_TIME_WAIT || !(old->status & CT_SRC_NAT))
    return TRUE;
  if ((gint32)(syn_end - old->td_end) <= 0) return TRUE;
  box->c.evicted++;
  entry_end(box, old, "evicted");
  return FALSE;
}

static gboolean
in_prefix(NetAddr a, NetAddr net, guint prefix)
{
  guint32 mask = prefix == 0 ? 0 : G_MAXUINT32 << (32 - prefix);
  return (a & mask) == (net & mask);
}

/* nf_nat_l4proto_unique_tuple(): from a random offset, up to 128 ports of
 * the range, then rounds of half as many from new offsets while a round
 * is at least 16 ports. */
static gboolean
search_port(NatBox *box, CtTuple *r, guint min, guint size, gboolean syn, guint32 syn_end)
{
  guint16 off = (guint16)sim_rng_next(&box->rng);
  guint attempts = MIN(size, NAT_MAX_ATTEMPTS);
  for (;;) {
    for (guint i = 0; i < attempts; i++, off++) {
      r->dport = (guint16)(min + off % size);
      if (!taken(box, r, attempts - i, syn, syn_end)) return TRUE;
    }
    if (attempts >= size || attempts < 16) return FALSE;
    attempts /= 2;
    off = (guint16)sim_rng_next(&box->rng);
  }
}

/* get_unique_tuple() for a source NAT to one of `to`: the reply tuple r
 * (r->src, r->sport already final) gets its destination. */
static gboolean
choose_snat(NatBox *box, const CtTuple *orig, CtTuple *r, const NetAddr *to, guint n_to,
            guint lo, guint hi, gboolean syn, guint32 syn_end)
{
  /* One outside address per (source, destination) address pair. */
  r->dst = n_to == 1 ? to[0]
                     : to[tcp_siphash_4u32(&box->key, orig->src, r->src, 0, 0) % n_to];
  guint16 sport = orig->sport;
  gboolean ranged = hi != 0;
  if (!ranged || (sport >= lo && sport <= hi)) {
    r->dport = sport;   /* the source port stays when it is free */
    if (!taken(box, r, G_MAXUINT, FALSE, 0)) return TRUE;
  }
  guint min, size;
  if (ranged) min = lo, size = hi - lo + 1;
  else if (sport < 512) min = 1, size = 511;
  else if (sport < 1024) min = 600, size = 424;
  else min = 1024, size = 65535 - 1024 + 1;
  return search_port(box, r, min, size, syn, syn_end);
}

/* The DNAT rule or LB service for a flow to dst:dport, sets r's source. */
static gboolean
choose_dnat(NatBox *box, const CtTuple *orig, CtTuple *r, const LbService **lb_out)
{
  for (guint i = 0; i < box->lb->len; i++) {
    LbService *svc = g_ptr_array_index(box->lb, i);
    if (svc->vip != orig->dst || svc->vport != orig->dport) continue;
    const LbBackend *b = lb_pick(svc, orig, &box->key);
    r->src = b->addr;
    r->sport = b->port;
    *lb_out = svc;
    return TRUE;
  }
  for (guint i = 0; i < box->dnat->len; i++) {
    const NatDnat *d = &g_array_index(box->dnat, NatDnat, i);
    if (d->addr != orig->dst || d->port != orig->dport) continue;
    r->src = d->to_addr;
    r->sport = d->to_port;
    return TRUE;
  }
  return FALSE;
}

/* The reply tuple of a new flow, and its status bits; FALSE when no
 * unique tuple could be found. */
static gboolean
choose_translation(NatBox *box, const CtTuple *orig, const TcpSegment *seg, CtTuple *r,
                   guint8 *status)
{
  *r = ct_tuple_invert(orig);
  const LbService *svc = NULL;
  if (choose_dnat(box, orig, r, &svc)) *status |= CT_DST_NAT;
  gboolean syn = (seg->flags & (TCP_FLAG_SYN | TCP_FLAG_ACK | TCP_FLAG_RST)) == TCP_FLAG_SYN;
  guint32 syn_end = seg->seq + tcp_segment_seq_len(seg);
  const NatSnat *s = &box->snat;
  if (svc && svc->snat) {
    *status |= CT_SRC_NAT;
    return choose_snat(box, orig, r, &svc->vip, 1, 0, 0, syn, syn_end);
  }
  if (s->on && in_prefix(orig->src, s->inside, s->prefix) &&
      !in_prefix(r->src, s->inside, s->prefix)) {
    *status |= CT_SRC_NAT;
    return choose_snat(box, orig, r, &g_array_index(s->to, NetAddr, 0), s->to->len,
                       s->port_lo, s->port_hi, syn, syn_end);
  }
  return !taken(box, r, G_MAXUINT, FALSE, 0);
}

/* ---- packets ------------------------------------------------------------ */

/* Rewrites pkt as entry e says for direction dir. */
static void
translate(NatBox *box, const CtEntry *e, guint dir, Packet *pkt)
{
  CtTuple want = ct_tuple_invert(&e->tuple[!dir]);
  if (pkt->src == want.src && pkt->dst == want.dst && pkt->tcp.sport == want.sport &&
      pkt->tcp.dport == want.dport)
    return;
  pkt->src = want.src;
  pkt->dst = want.dst;
  pkt->tcp.sport = want.sport;
  pkt->tcp.dport = want.dport;
  box->c.translated++;
}

static void
trace_state(NatBox *box, const CtEntry *e, guint from, SimTime now)
{
  SimTrace *trace = box_trace(box, now);
  if (trace == NULL) return;
  sim_trace_begin(trace, now, "ct_state", box->router->name);
  trace_flow(trace, e);
  sim_trace_str(trace, "from", ct_state_name(from));
  sim_trace_str(trace, "to", ct_state_name(e->state));
  sim_trace_end(trace);
}

/* A packet of no entry: a new entry if the tracker, the table limit and
 * the NAT allow. */
static CtEntry *
entry_new(NatBox *box, const CtTuple *t, const TcpSegment *seg, SimTime now, NetDropReason *why)
{
  if (ct_first_state(&box->ct.cfg, seg) == CT_STATE_N) {
    box->c.drops_invalid++;
    *why = NET_DROP_CT_INVALID;
    return NULL;
  }
  if (ct_table_full(&box->ct)) {
    CtEntry *victim = ct_table_early_drop(&box->ct, t);
    if (victim == NULL) {   /* "nf_conntrack: table full, dropping packet" */
      box->c.drops_full++;
      *why = NET_DROP_CT_FULL;
      return NULL;
    }
    box->ct.c.early_drops++;
    entry_end(box, victim, "early_drop");
  }
  CtTuple reply;
  guint8 status = 0;
  if (!choose_translation(box, t, seg, &reply, &status)) {
    box->c.drops_no_port++;
    *why = NET_DROP_NAT_PORT;
    return NULL;
  }
  CtEntry *e = ct_table_insert(&box->ct, t, &reply);
  e->status |= status;
  ports_hold(box, e);
  SimTrace *trace = box_trace(box, now);
  if (trace) {
    sim_trace_begin(trace, now, "ct_new", box->router->name);
    trace_flow(trace, e);
    sim_trace_end(trace);
  }
  return e;
}

gboolean
nat_box_forward(NatBox *box, Packet *pkt, SimTime now, NetDropReason *why)
{
  CtTuple t = { pkt->src, pkt->dst, pkt->tcp.sport, pkt->tcp.dport };
  guint dir = CT_DIR_ORIGINAL;
  CtEntry *e = ct_table_find(&box->ct, &t, &dir);
  if (e) {
    guint from = e->state;
    CtVerdict v = ct_entry_packet(&box->ct, e, dir, &pkt->tcp, now);
    if (v == CT_REOPEN) {
      entry_end(box, e, "reopened");
      e = NULL;
    } else if (v == CT_INVALID) {
      box->c.drops_invalid++;
      *why = NET_DROP_CT_INVALID;
      return FALSE;
    } else {
      if (e->state != from) trace_state(box, e, from, now);
      translate(box, e, dir, pkt);
      if (v == CT_KILL) entry_end(box, e, "reset");
      else arm_for(box, e);
      return TRUE;
    }
  }
  e = entry_new(box, &t, &pkt->tcp, now, why);
  if (e == NULL) return FALSE;
  CtVerdict v = ct_entry_packet(&box->ct, e, CT_DIR_ORIGINAL, &pkt->tcp, now);
  g_assert(v == CT_ACCEPT);
  trace_state(box, e, CT_NONE, now);
  translate(box, e, CT_DIR_ORIGINAL, pkt);
  arm_for(box, e);
  return TRUE;
}

gboolean
nat_world_find_flow(NetWorld *net, const CtTuple *seen, CtTuple *orig, CtTuple *reply,
                    const NetNode **router)
{
  CtTuple back = ct_tuple_invert(seen);
  for (guint i = 0; i < net->nodes->len; i++) {
    const NetNode *node = g_ptr_array_index(net->nodes, i);
    if (node->nat == NULL) continue;
    CtTable *t = &node->nat->ct;
    CtEntry *e = ct_table_find(t, seen, NULL);
    if (e == NULL) e = ct_table_find(t, &back, NULL);
    if (e == NULL || !(e->status & (CT_SRC_NAT | CT_DST_NAT))) continue;
    *orig = e->tuple[CT_DIR_ORIGINAL];
    *reply = e->tuple[CT_DIR_REPLY];
    *router = node;
    return TRUE;
  }
  return FALSE;
}
