/* The ladder diagram (see ladder.h). */
#include "ladder.h"
#include "nat.h"
#include <string.h>

#define ARROW_WIDTH 58   /* characters between the two columns' bars */
#define STATE_WIDTH 26   /* left column: "SYN_SENT -> ESTABLISHED" fits */

/* One connection: its two ends as drawn (left = first sender). */
typedef struct {
  guint   number;                 /* from 1 */
  NetAddr addr[2];
  guint16 port[2];
  char   *name[2];                /* host names */
  NetAddr alt_addr[2];            /* each end as seen beyond a NAT router */
  guint16 alt_port[2];            /* (the same as addr/port if none) */
  gboolean have_isn[2];
  guint32  isn[2];                /* initial sequence number of each side */
  gint     wscale[2];             /* window scale each side announced, -1 if none */
} LadderConn;

struct SimLadder {
  FILE       *out;
  guint       limit;
  guint       seen;               /* connections numbered so far */
  guint       left_out;           /* connections beyond the limit */
  GHashTable *by_key;             /* normalized 4-tuple -> LadderConn (lookups only) */
  GPtrArray  *conns;              /* LadderConn, numbering order; owned */
  const SimRunView *view;
};

/* A key for a 4-tuple that is the same from both ends. */
static char *
conn_key(NetAddr a, guint16 ap, NetAddr b, guint16 bp)
{
  if (a > b || (a == b && ap > bp)) {
    NetAddr t = a; a = b; b = t;
    guint16 tp = ap; ap = bp; bp = tp;
  }
  return g_strdup_printf("%08x:%u-%08x:%u", a, ap, b, bp);
}

static void
conn_free(gpointer data)
{
  LadderConn *c = data;
  g_free(c->name[0]);
  g_free(c->name[1]);
  g_free(c);
}

SimLadder *
sim_ladder_new(FILE *out, guint limit, const SimRunView *view)
{
  SimLadder *l = g_new0(SimLadder, 1);
  l->view = view;
  l->out = out;
  l->limit = limit;
  l->by_key = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  l->conns = g_ptr_array_new_with_free_func(conn_free);
  return l;
}

void
sim_ladder_free(SimLadder *l)
{
  if (l == NULL) return;
  if (l->left_out)
    fprintf(l->out, "ladder: %u more connection%s not drawn (--ladder-limit)\n",
            l->left_out, l->left_out == 1 ? "" : "s");
  g_hash_table_destroy(l->by_key);
  g_ptr_array_free(l->conns, TRUE);
  g_free(l);
}

static const char *
host_name(SimLadder *l, NetAddr addr)
{
  NetNode *node = l->view->net ? net_world_find_addr(l->view->net, addr) : NULL;
  return node ? node->name : "?";
}

/* Whether end `side` of c is (a, p), under its own or its NAT address. */
static gboolean
is_end(const LadderConn *c, int side, NetAddr a, guint16 p)
{
  return (a == c->addr[side] && p == c->port[side]) ||
         (a == c->alt_addr[side] && p == c->alt_port[side]);
}

/* The end of a flow that (a, p) becomes on the far side of the router
 * whose entry has tuples o and r. */
static void
far_end(const CtTuple *o, const CtTuple *r, NetAddr a, guint16 p, NetAddr *fa, guint16 *fp)
{
  *fa = a;
  *fp = p;
  if (a == o->src && p == o->sport) *fa = r->dst, *fp = r->dport;
  else if (a == o->dst && p == o->dport) *fa = r->src, *fp = r->sport;
  else if (a == r->src && p == r->sport) *fa = o->dst, *fp = o->dport;
  else if (a == r->dst && p == r->dport) *fa = o->src, *fp = o->sport;
}

/* A packet of a connection already drawn, seen under the addresses a NAT
 * router gave it: the connection it is, now known under `key` too (which
 * it takes), with a line saying what the router translated.  NULL if it is
 * no such packet. */
static LadderConn *
find_translated(SimLadder *l, const Packet *pkt, char *key)
{
  CtTuple seen = { pkt->src, pkt->dst, pkt->tcp.sport, pkt->tcp.dport }, o, r;
  const NetNode *router;
  if (l->view->net == NULL || !nat_world_find_flow(l->view->net, &seen, &o, &r, &router))
    return NULL;
  NetAddr a, b;
  guint16 ap, bp;
  far_end(&o, &r, pkt->src, pkt->tcp.sport, &a, &ap);
  far_end(&o, &r, pkt->dst, pkt->tcp.dport, &b, &bp);
  char *far = conn_key(a, ap, b, bp);
  LadderConn *c = g_hash_table_lookup(l->by_key, far);
  g_free(far);
  if (c == NULL) return NULL;
  g_hash_table_insert(l->by_key, key, c);
  for (int side = 0; side < 2; side++) {
    far_end(&o, &r, c->addr[side], c->port[side], &c->alt_addr[side], &c->alt_port[side]);
    if (c->alt_addr[side] == c->addr[side] && c->alt_port[side] == c->port[side]) continue;
    char x[NET_ADDR_BUF], y[NET_ADDR_BUF];
    fprintf(l->out, "#%-3u via %s: %s:%u is %s:%u beyond it\n", c->number, router->name,
            net_addr_format(c->addr[side], x), c->port[side],
            net_addr_format(c->alt_addr[side], y), c->alt_port[side]);
  }
  return c;
}

/* The connection of a packet, numbered on first sight; NULL past the
 * limit or if `create` is FALSE and it is new. */
static LadderConn *
find_conn(SimLadder *l, const Packet *pkt, gboolean create)
{
  const char *from = host_name(l, pkt->src), *to = host_name(l, pkt->dst);
  char *key = conn_key(pkt->src, pkt->tcp.sport, pkt->dst, pkt->tcp.dport);
  LadderConn *c = g_hash_table_lookup(l->by_key, key);
  if (c || !create || g_hash_table_contains(l->by_key, key)) {
    g_free(key);
    return c;
  }
  if ((c = find_translated(l, pkt, key))) return c;
  if (l->seen >= l->limit) {
    l->left_out++;
    g_hash_table_insert(l->by_key, key, NULL);    /* remember: not drawn */
    return NULL;
  }
  c = g_new0(LadderConn, 1);
  c->number = ++l->seen;
  c->wscale[0] = c->wscale[1] = -1;
  c->addr[0] = pkt->src; c->port[0] = pkt->tcp.sport; c->name[0] = g_strdup(from);
  c->addr[1] = pkt->dst; c->port[1] = pkt->tcp.dport; c->name[1] = g_strdup(to);
  for (int side = 0; side < 2; side++) {
    c->alt_addr[side] = c->addr[side];
    c->alt_port[side] = c->port[side];
  }
  g_hash_table_insert(l->by_key, key, c);
  g_ptr_array_add(l->conns, c);
  char a[NET_ADDR_BUF], b[NET_ADDR_BUF];
  fprintf(l->out, "\n#%u  %s %s:%u  <->  %s %s:%u\n", c->number,
          c->name[0], net_addr_format(c->addr[0], a), c->port[0],
          c->name[1], net_addr_format(c->addr[1], b), c->port[1]);
  return c;
}

/* The segment's label: flags, relative seq/ack, length, and the window as
 * Wireshark calculates it (scaled by the sender's shift once both SYNs
 * carried the option, RFC 7323 2.3). */
static void
segment_label(LadderConn *c, int side, const TcpSegment *seg, char *buf, gsize size)
{
  char flags[9];
  tcp_flags_format(seg->flags, flags);
  if ((seg->flags & TCP_FLAG_SYN) && !c->have_isn[side]) {
    c->have_isn[side] = TRUE;
    c->isn[side] = seg->seq;
  }
  if (seg->flags & TCP_FLAG_SYN)
    c->wscale[side] = (seg->opts & TCP_OPT_WSCALE) ? MIN(seg->wscale, 14) : -1;
  guint64 win = seg->win;
  if (!(seg->flags & TCP_FLAG_SYN) && c->wscale[0] >= 0 && c->wscale[1] >= 0)
    win <<= c->wscale[side];
  guint32 seq = c->have_isn[side] ? seg->seq - c->isn[side] : seg->seq;
  GString *s = g_string_new(NULL);
  g_string_printf(s, "%s seq=%u", flags, seq);
  if (seg->flags & TCP_FLAG_ACK) {
    guint32 ack = c->have_isn[1 - side] ? seg->ack - c->isn[1 - side] : seg->ack;
    g_string_append_printf(s, " ack=%u", ack);
  }
  g_string_append_printf(s, " len=%u win=%" G_GUINT64_FORMAT, seg->payload.len, win);
  g_strlcpy(buf, s->str, size);
  g_string_free(s, TRUE);
}

/* Draws "|--label----->|" (left to right) or "|<----label--|", or a lost
 * segment ending in X. */
static void
draw_arrow(GString *line, gboolean rightwards, const char *label, gboolean lost)
{
  gsize len = strlen(label);
  gsize width = ARROW_WIDTH;
  GString *shaft = g_string_new(NULL);
  if (rightwards) {
    g_string_append(shaft, "|--");
    g_string_append(shaft, label);
    g_string_append_c(shaft, '-');
    while (shaft->len + 2 < width) g_string_append_c(shaft, '-');
    g_string_append(shaft, lost ? "X " : ">|");
  } else {
    g_string_append(shaft, lost ? " X" : "|<");
    while (shaft->len + len + 3 < width) g_string_append_c(shaft, '-');
    g_string_append(shaft, label);
    g_string_append(shaft, "--|");
  }
  g_string_append(line, shaft->str);
  g_string_free(shaft, TRUE);
}

void
sim_ladder_segment(SimLadder *l, const NetEvent *ev)
{
  if (ev->kind == NET_EVENT_SEND) return;
  const Packet *pkt = ev->pkt;
  LadderConn *c = find_conn(l, pkt, TRUE);
  if (c == NULL) return;
  int side = is_end(c, 0, pkt->src, pkt->tcp.sport) ? 0 : 1;
  char label[128], tbuf[SIM_TIME_BUF];
  segment_label(c, side, &pkt->tcp, label, sizeof label);
  GString *line = g_string_new(NULL);
  g_string_printf(line, "%14s #%-3u %-*s ", sim_time_format(ev->time, tbuf), c->number,
                  STATE_WIDTH, "");
  draw_arrow(line, side == 0, label, ev->kind == NET_EVENT_DROP);
  if (ev->kind == NET_EVENT_DROP)
    g_string_append_printf(line, "  lost (%s)", net_drop_reason_name(ev->reason));
  fprintf(l->out, "%s\n", line->str);
  g_string_free(line, TRUE);
}

void
sim_ladder_state(SimLadder *l, SimTime now, const TcpStateEvent *ev)
{
  if (ev->tuple.rport == 0) return;              /* a listener: no connection */
  char *key = conn_key(ev->tuple.laddr, ev->tuple.lport, ev->tuple.raddr, ev->tuple.rport);
  LadderConn *c = g_hash_table_lookup(l->by_key, key);
  g_free(key);
  if (c == NULL) {
    /* A state change before any segment (CLOSED -> SYN_SENT): number the
     * connection now, from the local end. */
    Packet probe = { .src = ev->tuple.laddr, .dst = ev->tuple.raddr };
    probe.tcp.sport = ev->tuple.lport;
    probe.tcp.dport = ev->tuple.rport;
    c = find_conn(l, &probe, TRUE);
    if (c == NULL) return;
  }
  int side = is_end(c, 0, ev->tuple.laddr, ev->tuple.lport) ? 0 : 1;
  char change[64], tbuf[SIM_TIME_BUF];
  g_snprintf(change, sizeof change, "%s -> %s", tcp_state_name(ev->from), tcp_state_name(ev->to));
  if (side == 0)
    fprintf(l->out, "%14s #%-3u %-*s |%*s|\n", sim_time_format(now, tbuf), c->number,
            STATE_WIDTH, change, ARROW_WIDTH - 2, "");
  else
    fprintf(l->out, "%14s #%-3u %-*s |%*s|  %s\n", sim_time_format(now, tbuf), c->number,
            STATE_WIDTH, "", ARROW_WIDTH - 2, "", change);
}
