/* The HTML report (see html.h): what it records as the run goes, and the
 * page it writes at the end. */
#include "html.h"
#include "report.h"
#include <string.h>

/* The template, html-template.html turned into a C string at build time
 * (embed-text.py). */
extern const char sim_html_template[];

#define HTML_FIRST_INTERVAL SIM_MS

/* A 4-tuple the same from both ends: the lower (addr, port) first. */
typedef struct {
  NetAddr a, b;
  guint16 ap, bp;
} HtmlKey;

enum { SEG_IN_FLIGHT, SEG_ARRIVED, SEG_DROPPED };

/* One segment of a kept connection. */
typedef struct {
  SimTime sent;         /* -1: its sending was not seen (rewritten on the way) */
  SimTime done;         /* arrival or drop; -1 while in flight */
  guint32 seq, ack;     /* relative to each side's initial sequence number */
  guint32 len;
  guint32 win;          /* as Wireshark calculates it (RFC 7323 2.3) */
  guint16 ip_id;        /* with the side, what an arrival is matched by */
  guint8  flags;
  guint8  side;         /* the sender: 0 the end seen first, or 1 */
  guint8  fate;         /* SEG_* */
  guint8  reason;       /* NetDropReason, when dropped */
  gboolean rtx;         /* carries sequence space sent before */
} HtmlSeg;

/* One state change of a kept connection. */
typedef struct {
  SimTime  time;
  guint8   side;
  TcpState from, to;
} HtmlChange;

/* A connection while it lives, and for ever if it is kept.
 * Invariants: segs and changes are non-NULL exactly when kept; a
 * connection that is not kept is in by_key or freed; its number and its
 * end 0 are the shared numbering's (conns.h). */
typedef struct {
  HtmlKey  key;
  guint    number;              /* from 1 */
  gboolean kept;
  NetAddr  addr[2];
  guint16  port[2];
  gboolean seen[2];             /* the side has changed state */
  TcpState state[2];            /* its last state */
  gboolean have_isn[2];
  guint32  isn[2];
  gint     wscale[2];           /* announced in its SYN, -1 if none */
  gboolean have_max[2];
  guint32  snd_max[2];          /* highest sequence number sent + 1 */
  GArray  *segs;                /* HtmlSeg, in the order sent */
  GArray  *changes;             /* HtmlChange, in time order */
  guint64  segs_left_out;
} HtmlConn;

/* What is counted per host (index: NetNode.index). */
typedef struct {
  guint64 transitions[TCP_STATE_N][TCP_STATE_N];
  guint64 sent, received;       /* segments seen leaving and arriving */
  GArray *samples;              /* guint32 x TCP_STATE_N per sample; charted hosts only */
  guint32 peak[TCP_STATE_N];    /* most held in each state since the last sample */
} HtmlHost;

struct SimHtml {
  const SimRunView *view;
  guint       limit;
  GArray     *chosen;           /* guint, sorted */
  GHashTable *by_key;           /* HtmlKey -> HtmlConn: live ones, and ended kept ones */
  GPtrArray  *kept;             /* HtmlConn, by number; owned */
  SimConnIndex *conns;          /* the numbering shared with the ladder and stepper */
  guint64     segs_held;        /* segments recorded, all connections */
  GPtrArray  *hosts;            /* HtmlHost or NULL, by node index; owned */
  guint64     drops[NET_DROP_N + 1];   /* by reason; the last: unknown */
  GArray     *times;            /* SimTime of each sample */
  SimTime     interval;         /* the sampling grid */
  SimTime     next;             /* the next grid time not yet sampled */
  guint       hosts_charted;
  guint       hosts_left_out;
};

static guint
key_hash(gconstpointer p)
{
  const HtmlKey *k = p;
  return (k->a * 2654435761u) ^ (k->b * 40503u) ^ ((guint)k->ap << 16 | k->bp);
}

static gboolean
key_equal(gconstpointer x, gconstpointer y)
{
  const HtmlKey *a = x, *b = y;
  return a->a == b->a && a->b == b->b && a->ap == b->ap && a->bp == b->bp;
}

static HtmlKey
key_of(NetAddr a, guint16 ap, NetAddr b, guint16 bp)
{
  if (a > b || (a == b && ap > bp)) return (HtmlKey){ b, a, bp, ap };
  return (HtmlKey){ a, b, ap, bp };
}

static void
conn_free(gpointer data)
{
  HtmlConn *c = data;
  if (c->segs) g_array_free(c->segs, TRUE);
  if (c->changes) g_array_free(c->changes, TRUE);
  g_free(c);
}

static void
host_free(gpointer data)
{
  HtmlHost *h = data;
  if (h == NULL) return;
  if (h->samples) g_array_free(h->samples, TRUE);
  g_free(h);
}

static gint
cmp_uint(gconstpointer a, gconstpointer b)
{
  guint x = *(const guint *)a, y = *(const guint *)b;
  return x < y ? -1 : x > y;
}

SimHtml *
sim_html_new(const SimRunView *view, guint limit, const GArray *chosen, SimConnIndex *conns)
{
  SimHtml *html = g_new0(SimHtml, 1);
  html->view = view;
  html->conns = sim_conn_index_ref(conns);
  html->limit = limit;
  html->chosen = g_array_new(FALSE, FALSE, sizeof(guint));
  if (chosen) g_array_append_vals(html->chosen, chosen->data, chosen->len);
  g_array_sort(html->chosen, cmp_uint);
  html->by_key = g_hash_table_new(key_hash, key_equal);
  html->kept = g_ptr_array_new_with_free_func(conn_free);
  html->hosts = g_ptr_array_new_with_free_func(host_free);
  html->times = g_array_new(FALSE, FALSE, sizeof(SimTime));
  html->interval = HTML_FIRST_INTERVAL;
  return html;
}

/* Frees the connections left out that still live (the kept ones are
 * freed with `kept`). */
static void
free_left_out(SimHtml *html)
{
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init(&it, html->by_key);
  while (g_hash_table_iter_next(&it, NULL, &value))
    if (!((HtmlConn *)value)->kept) conn_free(value);
  g_hash_table_destroy(html->by_key);
}

void
sim_html_free(SimHtml *html)
{
  if (html == NULL) return;
  free_left_out(html);
  g_ptr_array_free(html->kept, TRUE);
  g_ptr_array_free(html->hosts, TRUE);
  g_array_free(html->times, TRUE);
  g_array_free(html->chosen, TRUE);
  sim_conn_index_unref(html->conns);
  g_free(html);
}

/* ---- hosts -------------------------------------------------------------- */

static HtmlHost *
host_at(SimHtml *html, const NetNode *node)
{
  if (node->index >= html->hosts->len) g_ptr_array_set_size(html->hosts, node->index + 1);
  HtmlHost *h = g_ptr_array_index(html->hosts, node->index);
  if (h == NULL) {
    h = g_new0(HtmlHost, 1);
    g_ptr_array_index(html->hosts, node->index) = h;
  }
  return h;
}


/* ---- connections -------------------------------------------------------- */

static gboolean
is_chosen(const SimHtml *html, guint number)
{
  for (guint i = 0; i < html->chosen->len; i++)
    if (g_array_index(html->chosen, guint, i) == number) return TRUE;
  return FALSE;
}

/* A new connection for the 4-tuple, numbered `e`; it replaces `old` (the
 * previous one on the tuple, or NULL) in by_key. */
static HtmlConn *
conn_new(SimHtml *html, HtmlConn *old, const SimConnEnds *e)
{
  if (old) {
    g_hash_table_remove(html->by_key, &old->key);
    if (!old->kept) conn_free(old);
  }
  HtmlConn *c = g_new0(HtmlConn, 1);
  c->key = key_of(e->addr[0], e->port[0], e->addr[1], e->port[1]);
  c->number = e->number;
  c->addr[0] = e->addr[0]; c->port[0] = e->port[0];
  c->addr[1] = e->addr[1]; c->port[1] = e->port[1];
  c->wscale[0] = c->wscale[1] = -1;
  c->kept = c->number <= html->limit || is_chosen(html, c->number);
  if (c->kept) {
    c->segs = g_array_new(FALSE, FALSE, sizeof(HtmlSeg));
    c->changes = g_array_new(FALSE, FALSE, sizeof(HtmlChange));
    g_ptr_array_add(html->kept, c);
  }
  g_hash_table_insert(html->by_key, &c->key, c);
  return c;
}

/* The connection between (a, ap) and (b, bp) as the shared numbering has
 * it now: a new one when the numbering started a new one on the tuple;
 * *side: which end (a, ap) is.  The far side of a NAT'd connection is its
 * connection's (conns.h): each is held under its originator's ends. */
static HtmlConn *
conn_find(SimHtml *html, NetAddr a, guint16 ap, NetAddr b, guint16 bp, int *side)
{
  guint number = sim_conn_index_find(html->conns, a, ap, b, bp, TRUE, side)->number;
  const SimConnEnds *e = sim_conn_index_get(html->conns, number);
  HtmlKey key = key_of(e->addr[0], e->port[0], e->addr[1], e->port[1]);
  HtmlConn *c = g_hash_table_lookup(html->by_key, &key);
  if (c == NULL || c->number != number) c = conn_new(html, c, e);
  return c;
}

/* Every side that changed state is CLOSED again: the connection is over;
 * one left out is forgotten. */
static void
conn_check_ended(SimHtml *html, HtmlConn *c)
{
  if (c->kept || !(c->seen[0] || c->seen[1])) return;
  for (int s = 0; s < 2; s++)
    if (c->seen[s] && c->state[s] != TCP_STATE_CLOSED) return;
  g_hash_table_remove(html->by_key, &c->key);
  conn_free(c);
}

void
sim_html_state(SimHtml *html, SimTime now, const TcpStateEvent *ev)
{
  NetNode *node = html->view->net ? net_world_find_node(html->view->net, ev->host) : NULL;
  if (node) {
    HtmlHost *h = host_at(html, node);
    h->transitions[ev->from][ev->to]++;
    guint64 held = tcp_stack_count(node->transport, ev->to);
    h->peak[ev->to] = (guint32)MAX(h->peak[ev->to], MIN(held, G_MAXUINT32));
  }
  if (ev->tuple.rport == 0) return;              /* a listener: no connection */
  const TcpTuple *t = &ev->tuple;
  int side;
  HtmlConn *c = conn_find(html, t->laddr, t->lport, t->raddr, t->rport, &side);
  c->seen[side] = TRUE;
  c->state[side] = ev->to;
  if (c->kept) {
    HtmlChange ch = { now, (guint8)side, ev->from, ev->to };
    g_array_append_val(c->changes, ch);
  }
  conn_check_ended(html, c);
}

/* Relative sequence numbers, window scaling and the highest sequence sent,
 * from a segment as it leaves its sender; fills `s`. */
static void
seg_describe(HtmlConn *c, int side, const TcpSegment *seg, HtmlSeg *s)
{
  if ((seg->flags & TCP_FLAG_SYN) && !c->have_isn[side]) {
    c->have_isn[side] = TRUE;
    c->isn[side] = seg->seq;
  }
  if (seg->flags & TCP_FLAG_SYN)
    c->wscale[side] = (seg->opts & TCP_OPT_WSCALE) ? MIN(seg->wscale, 14) : -1;
  guint32 end = seg->seq + tcp_segment_seq_len(seg);
  s->rtx = c->have_max[side] && tcp_segment_seq_len(seg) > 0
           && (gint32)(seg->seq - c->snd_max[side]) < 0;
  if (!c->have_max[side] || (gint32)(end - c->snd_max[side]) > 0) c->snd_max[side] = end;
  c->have_max[side] = TRUE;
  s->seq = c->have_isn[side] ? seg->seq - c->isn[side] : seg->seq;
  s->ack = c->have_isn[1 - side] ? seg->ack - c->isn[1 - side] : seg->ack;
  s->win = seg->win;
  if (!(seg->flags & TCP_FLAG_SYN) && c->wscale[0] >= 0 && c->wscale[1] >= 0)
    s->win = MIN((guint64)seg->win << c->wscale[side], G_MAXUINT32);
  s->len = seg->payload.len;
  s->flags = seg->flags;
  s->side = (guint8)side;
}

/* Room for one more segment of c; counts it left out if none. */
static gboolean
seg_room(SimHtml *html, HtmlConn *c)
{
  if (c->segs->len < HTML_SEGS_PER_CONN && html->segs_held < HTML_SEGS_TOTAL) {
    html->segs_held++;
    return TRUE;
  }
  c->segs_left_out++;
  return FALSE;
}

static void
seg_sent(SimHtml *html, HtmlConn *c, int side, const Packet *pkt, SimTime now)
{
  HtmlSeg s = { .sent = now, .done = -1, .ip_id = pkt->ip_id, .fate = SEG_IN_FLIGHT };
  seg_describe(c, side, &pkt->tcp, &s);
  if (seg_room(html, c)) g_array_append_val(c->segs, s);
}

/* An arrival or a drop: the send it ends (by sender and IP ID, searched
 * from the latest: a few in-flight segments back), or a copy of it when the
 * link duplicated it, or a segment whose sending was not seen (an address
 * rewritten on the way).  Nothing when its send was left out. */
static void
seg_done(SimHtml *html, HtmlConn *c, int side, const NetEvent *ev)
{
  const Packet *pkt = ev->pkt;
  guint8 fate = ev->kind == NET_EVENT_RECV ? SEG_ARRIVED : SEG_DROPPED;
  for (guint i = c->segs->len; i > 0; i--) {
    HtmlSeg *s = &g_array_index(c->segs, HtmlSeg, i - 1);
    if (s->side != side || s->ip_id != pkt->ip_id || s->sent < 0) continue;
    if (s->fate == SEG_IN_FLIGHT) {
      s->fate = fate;
      s->done = ev->time;
      s->reason = (guint8)ev->reason;
      return;
    }
    HtmlSeg copy = *s;
    copy.fate = fate;
    copy.done = ev->time;
    copy.reason = (guint8)ev->reason;
    if (seg_room(html, c)) g_array_append_val(c->segs, copy);
    return;
  }
  if (c->segs_left_out) return;
  HtmlSeg s = { .sent = -1, .done = ev->time, .ip_id = pkt->ip_id, .fate = fate,
                .reason = (guint8)ev->reason };
  seg_describe(c, side, &pkt->tcp, &s);
  if (seg_room(html, c)) g_array_append_val(c->segs, s);
}

void
sim_html_segment(SimHtml *html, const NetEvent *ev)
{
  const Packet *pkt = ev->pkt;
  if (ev->kind == NET_EVENT_SEND) host_at(html, ev->node)->sent++;
  else if (ev->kind == NET_EVENT_RECV) host_at(html, ev->node)->received++;
  else html->drops[MIN((guint)ev->reason, NET_DROP_N)]++;
  int side;
  HtmlConn *c = conn_find(html, pkt->src, pkt->tcp.sport, pkt->dst, pkt->tcp.dport, &side);
  if (!c->kept) return;
  if (ev->kind == NET_EVENT_SEND) seg_sent(html, c, side, pkt, ev->time);
  else seg_done(html, c, side, ev);
}

/* ---- states over time --------------------------------------------------- */

/* Halves the samples held and doubles the grid's interval: a sample is the
 * most held during the interval that ends at its time, so the one kept at
 * an even index takes the larger of itself and the one before.  The grid
 * then still holds every kept time, since the count held was even. */
static void
samples_thin(SimHtml *html)
{
  guint n = html->times->len;
  g_assert(n % 2 == 0);
  for (guint i = 0; i < n; i += 2)
    g_array_index(html->times, SimTime, i / 2) = g_array_index(html->times, SimTime, i);
  g_array_set_size(html->times, n / 2);
  for (guint k = 0; k < html->hosts->len; k++) {
    HtmlHost *h = g_ptr_array_index(html->hosts, k);
    if (h == NULL || h->samples == NULL) continue;
    guint32 *v = (guint32 *)h->samples->data;
    for (guint i = 0; i < n; i += 2)
      for (int s = 0; s < TCP_STATE_N; s++)
        v[(i / 2) * TCP_STATE_N + s] = i ? MAX(v[i * TCP_STATE_N + s], v[(i - 1) * TCP_STATE_N + s])
                                         : v[s];
    g_array_set_size(h->samples, (n / 2) * TCP_STATE_N);
  }
  html->interval *= 2;
}

/* One sample of every charted host at time t: in each state, the most it
 * held since the last sample (its count now, or more if a state change in
 * between saw more).  A host that appeared since the first sample gets
 * zeros before its first. */
static void
sample_hosts(SimHtml *html, SimTime t)
{
  NetWorld *net = html->view->net;
  guint n = html->times->len;
  g_array_append_val(html->times, t);
  html->hosts_charted = html->hosts_left_out = 0;
  for (guint i = 0; net && i < net->nodes->len; i++) {
    const NetNode *node = g_ptr_array_index(net->nodes, i);
    TcpStack *stack = node->transport;
    if (node->kind != NET_NODE_HOST || stack == NULL) continue;
    if (html->hosts_charted == HTML_CHART_HOSTS) {
      html->hosts_left_out++;
      continue;
    }
    html->hosts_charted++;
    HtmlHost *h = host_at(html, node);
    if (h->samples == NULL) h->samples = g_array_new(FALSE, TRUE, sizeof(guint32));
    g_array_set_size(h->samples, n * TCP_STATE_N);   /* zeros before its first */
    for (int s = 0; s < TCP_STATE_N; s++) {
      guint32 count = (guint32)MIN(tcp_stack_count(stack, (TcpState)s), G_MAXUINT32);
      count = MAX(count, h->peak[s]);
      h->peak[s] = 0;
      g_array_append_val(h->samples, count);
    }
  }
}

SimTime
sim_html_advance(SimHtml *html, SimTime t)
{
  while (html->next < t) {
    if (html->times->len == HTML_SAMPLES) samples_thin(html);
    sample_hosts(html, html->next);
    html->next = html->next <= SIM_TIME_MAX - html->interval ? html->next + html->interval
                                                             : SIM_TIME_MAX;
  }
  return html->next;
}

/* ---- the page ----------------------------------------------------------- */

static void
json_time(GString *js, SimTime t)
{
  char tbuf[SIM_TIME_BUF];
  if (t < 0) g_string_append(js, "null");
  else g_string_append(js, sim_time_format(t, tbuf));
}

/* A kept connection: its ends, state changes and segments as arrays
 * (html-template.html reads them by position, to keep the page small). */
static void
json_conn(GString *js, const SimHtml *html, const HtmlConn *c)
{
  NetWorld *net = html->view->net;
  g_string_append_printf(js, "{\"n\":%u,\"ends\":[", c->number);
  for (int s = 0; s < 2; s++) {
    const NetNode *node = net ? net_world_find_addr(net, c->addr[s]) : NULL;
    char abuf[NET_ADDR_BUF];
    g_string_append(js, s ? ",[" : "[");
    sim_report_json_string(js, node ? node->name : "?");
    g_string_append_printf(js, ",\"%s\",%u]", net_addr_format(c->addr[s], abuf), c->port[s]);
  }
  g_string_append(js, "],\"changes\":[");
  for (guint i = 0; i < c->changes->len; i++) {
    const HtmlChange *ch = &g_array_index(c->changes, HtmlChange, i);
    g_string_append_printf(js, "%s[%u,", i ? "," : "", ch->side);
    json_time(js, ch->time);
    g_string_append_printf(js, ",%d,%d]", ch->from, ch->to);
  }
  g_string_append(js, "],\"segs\":[");
  for (guint i = 0; i < c->segs->len; i++) {
    const HtmlSeg *s = &g_array_index(c->segs, HtmlSeg, i);
    char flags[9];
    g_string_append_printf(js, "%s[%u,", i ? "," : "", s->side);
    json_time(js, s->sent);
    g_string_append_c(js, ',');
    json_time(js, s->done);
    g_string_append_printf(js, ",%u,\"%s\",\"%s\",%u,%u,%u,%u,%d]", s->fate,
                           s->fate == SEG_DROPPED ? net_drop_reason_name(s->reason) : "",
                           tcp_flags_format(s->flags, flags), s->seq, s->ack, s->len,
                           s->win, s->rtx);
  }
  g_string_append_printf(js, "],\"segs_left_out\":%" G_GUINT64_FORMAT "}", c->segs_left_out);
}

/* Each TCP host: its counts of transitions (non-zero ones, as [from, to,
 * n]), segments seen, and its samples (one array per state that was ever
 * non-zero). */
static void
json_hosts(GString *js, const SimHtml *html)
{
  NetWorld *net = html->view->net;
  gboolean first = TRUE;
  g_string_append(js, "\"hosts\":[");
  for (guint i = 0; net && i < net->nodes->len; i++) {
    const NetNode *node = g_ptr_array_index(net->nodes, i);
    if (node->kind != NET_NODE_HOST || node->transport == NULL) continue;
    const HtmlHost *h = node->index < html->hosts->len
                      ? g_ptr_array_index(html->hosts, node->index) : NULL;
    static const HtmlHost none;
    if (h == NULL) h = &none;
    g_string_append(js, first ? "{\"name\":" : ",{\"name\":");
    first = FALSE;
    sim_report_json_string(js, node->name);
    g_string_append_printf(js, ",\"sent\":%" G_GUINT64_FORMAT ",\"received\":%"
                           G_GUINT64_FORMAT ",\"transitions\":[", h->sent, h->received);
    gboolean any = FALSE;
    for (int f = 0; f < TCP_STATE_N; f++)
      for (int t = 0; t < TCP_STATE_N; t++) {
        if (h->transitions[f][t] == 0) continue;
        g_string_append_printf(js, "%s[%d,%d,%" G_GUINT64_FORMAT "]", any ? "," : "", f, t,
                               h->transitions[f][t]);
        any = TRUE;
      }
    g_string_append(js, "],\"samples\":");
    if (h->samples == NULL) {
      g_string_append(js, "null}");
      continue;
    }
    g_string_append_c(js, '{');
    guint n = h->samples->len / TCP_STATE_N;
    const guint32 *v = (const guint32 *)h->samples->data;
    any = FALSE;
    for (int s = 0; s < TCP_STATE_N; s++) {
      gboolean used = FALSE;
      for (guint k = 0; k < n && !used; k++) used = v[k * TCP_STATE_N + s] != 0;
      if (!used) continue;
      g_string_append_printf(js, "%s\"%s\":[", any ? "," : "", tcp_state_name((TcpState)s));
      for (guint k = 0; k < n; k++)
        g_string_append_printf(js, "%s%u", k ? "," : "", v[k * TCP_STATE_N + s]);
      g_string_append_c(js, ']');
      any = TRUE;
    }
    g_string_append(js, "}}");
  }
  g_string_append_c(js, ']');
}

static gint
cmp_conn_number(gconstpointer a, gconstpointer b)
{
  const HtmlConn *x = *(HtmlConn *const *)a, *y = *(HtmlConn *const *)b;
  return x->number < y->number ? -1 : x->number > y->number;
}

/* The run's data, as one JSON object. */
static GString *
json_data(SimHtml *html, int exit_status)
{
  GString *js = g_string_new("{\"summary\":");
  sim_report_json_append(js, html->view, exit_status);
  g_string_append(js, ",\"states\":[");
  for (int s = 0; s < TCP_STATE_N; s++)
    g_string_append_printf(js, "%s\"%s\"", s ? "," : "", tcp_state_name((TcpState)s));
  g_string_append(js, "],\"drops\":{");
  for (guint r = 0; r <= NET_DROP_N; r++)
    g_string_append_printf(js, "%s\"%s\":%" G_GUINT64_FORMAT, r ? "," : "",
                           r < NET_DROP_N ? net_drop_reason_name(r) : "other", html->drops[r]);
  g_string_append(js, "},\"times\":[");
  for (guint i = 0; i < html->times->len; i++) {
    if (i) g_string_append_c(js, ',');
    json_time(js, g_array_index(html->times, SimTime, i));
  }
  g_string_append_printf(js, "],\"hosts_left_out\":%u,", html->hosts_left_out);
  json_hosts(js, html);
  g_string_append_printf(js, ",\"limit\":%u,\"conns_seen\":%u,\"conns\":[",
                         html->limit, sim_conn_index_count(html->conns));
  /* By number: a connection numbered by another writer (a socket call the
   * ladder drew) may be seen here after a later one. */
  g_ptr_array_sort(html->kept, cmp_conn_number);
  for (guint i = 0; i < html->kept->len; i++) {
    if (i) g_string_append_c(js, ',');
    json_conn(js, html, g_ptr_array_index(html->kept, i));
  }
  g_string_append(js, "]}");
  return js;
}

/* Writes `text` with every "</" made "<\/": the same JSON, and no end tag
 * for the HTML parser inside the script element that holds it. */
static void
write_script_safe(FILE *out, const char *text)
{
  for (const char *p = text; *p; p++) {
    fputc(*p, out);
    if (p[0] == '<' && p[1] == '/') fputc('\\', out);
  }
}

void
sim_html_write(SimHtml *html, FILE *out, int exit_status)
{
  SimTime now = sim_engine_now(html->view->engine);
  if (now < SIM_TIME_MAX) sim_html_advance(html, now + 1);
  guint n = html->times->len;
  if (n == 0 || g_array_index(html->times, SimTime, n - 1) != now) sample_hosts(html, now);
  static const char marker_title[] = "@TWSIM_TITLE@", marker_data[] = "@TWSIM_DATA@";
  const char *title_at = strstr(sim_html_template, marker_title);
  const char *data_at = strstr(sim_html_template, marker_data);
  g_assert(title_at && data_at && title_at < data_at);
  fwrite(sim_html_template, 1, (gsize)(title_at - sim_html_template), out);
  char *title = g_markup_printf_escaped("%s, seed %" G_GUINT64_FORMAT, html->view->scenario,
                                        html->view->seed);
  fputs(title, out);
  g_free(title);
  const char *rest = title_at + strlen(marker_title);
  fwrite(rest, 1, (gsize)(data_at - rest), out);
  GString *js = json_data(html, exit_status);
  write_script_safe(out, js->str);
  g_string_free(js, TRUE);
  fputs(data_at + strlen(marker_data), out);
}
