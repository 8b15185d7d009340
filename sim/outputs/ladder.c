/* The ladder diagram (see ladder.h). */
#include "ladder.h"
#include "conns.h"
#include <string.h>

#define FULL_SIDE 27          /* "SYN_RECEIVED -> ESTABLISHED" */
#define SHORT_SIDE 12         /* "SYN_RECEIVED" */
#define FULL_WIDTH 120        /* from this width, whole state changes ("A -> B") */
#define CONN_W 6              /* " #12  " between the time and the left column */

/* One connection as drawn: its ends' names and what the labels need. */
typedef struct {
  char    *name[2];           /* host names, end 0 on the left */
  gboolean have_isn[2];
  guint32  isn[2];            /* initial sequence number of each end */
  gint     wscale[2];         /* window scale each end announced, -1 if none */
  gboolean announced;         /* its header line is written */
  const SimConnEnds *beyond;  /* the NAT join a "via" row last told (conns.h), or NULL */
} LadderConn;

typedef enum {
  ROW_SEGMENT,                /* an arrow */
  ROW_SIDE,                   /* a state change or call in one end's column */
  ROW_NOTE,                   /* a listener's call, or what a NAT made of a
                               * connection: a row of its own */
} RowKind;

/* A row, held in `rows` until it is settled and every row before it is. */
typedef struct {
  RowKind  kind;
  SimTime  time;
  guint    conn;              /* 0: no connection */
  int      side;              /* the column, or the sender's end */
  gboolean settled;
  char    *text;              /* ROW_SIDE, ROW_NOTE; a segment's SACK note */
  const Packet *pkt;          /* unsettled segments: the key in `waiting` */
  char     flags[9];
  guint32  seq, ack, len;     /* seq and ack relative to the ISNs */
  guint64  win;               /* as Wireshark calculates it */
  gboolean has_ack;
  guint8   why;               /* TCP_WHY_* */
  gboolean arrived, dropped, duplicate;
  NetDropReason reason;
} Row;

struct SimLadder {
  FILE            *out;
  SimLadderOptions opts;
  const SimRunView *view;
  SimConnIndex    *index;     /* shared with the other writers */
  GPtrArray       *conns;     /* LadderConn* or NULL (not drawn here), at number - 1; owned */
  GQueue           rows;      /* Row*, in time order; owned */
  GHashTable      *waiting;   /* const Packet* -> Row* of segments in flight (lookups only) */
  Row             *arrival;   /* a segment just delivered: settled by the next event
                               * unless its host drops it first */
  gboolean         holding;   /* inside a socket call: no row is written */
  GList           *mark;      /* the last row before the call began, NULL: none */
  gboolean         headed;    /* the ladder's header is written */
  /* The layout, from the width. */
  gboolean         ms;        /* times in milliseconds, else seconds */
  gboolean         full_states; /* "FROM -> TO", else only the new state */
  guint            time_w, side_w, arrow_w;
};

static void
conn_free(gpointer data)
{
  LadderConn *c = data;
  if (c == NULL) return;
  g_free(c->name[0]);
  g_free(c->name[1]);
  g_free(c);
}

static void
row_free(gpointer data)
{
  Row *r = data;
  g_free(r->text);
  g_free(r);
}

/* Column widths: the arrows get what the time, the connection number and
 * the two state columns leave (43 columns at 120, 28 at 72). */
static void
layout(SimLadder *l)
{
  guint w = l->opts.width;
  l->ms = w < SIM_LADDER_DEFAULT_WIDTH;
  l->time_w = l->ms ? 10 : 13;      /* 999999.999 ms, 9999.999999999 s */
  guint fixed = l->time_w + CONN_W + 4;          /* 4: " |" and "| " */
  l->full_states = w >= FULL_WIDTH;
  l->side_w = l->full_states ? FULL_SIDE : SHORT_SIDE;
  l->arrow_w = w - fixed - 2 * l->side_w;
}

SimLadder *
sim_ladder_new(FILE *out, const SimLadderOptions *opts, const SimRunView *view,
               SimConnIndex *conns)
{
  g_assert(opts->width >= SIM_LADDER_MIN_WIDTH && opts->width <= SIM_LADDER_MAX_WIDTH);
  SimLadder *l = g_new0(SimLadder, 1);
  l->out = out;
  l->opts = *opts;
  l->view = view;
  l->index = sim_conn_index_ref(conns);
  l->conns = g_ptr_array_new_with_free_func(conn_free);
  g_queue_init(&l->rows);
  l->waiting = g_hash_table_new(g_direct_hash, g_direct_equal);
  layout(l);
  return l;
}

/* ---- writing rows ---------------------------------------------------------- */

/* The ladder's header: its time convention, wrapped to the width. */
static void
write_header(SimLadder *l)
{
  if (l->headed) return;
  l->headed = TRUE;
  char *text = g_strdup_printf(
    "Time in %s since the start. Each arrow is drawn at the time its segment "
    "was sent: > it arrived, X it was dropped (the reason beside it). State "
    "changes%s and socket calls are drawn in their end's column at the time "
    "they happen.", l->ms ? "milliseconds" : "seconds",
    l->full_states ? "" : " (the new state)");
  char **words = g_strsplit(text, " ", -1);
  GString *line = g_string_new(NULL);
  for (char **w = words; *w; w++) {
    if (line->len && line->len + 1 + strlen(*w) > SIM_LADDER_MIN_WIDTH) {
      fprintf(l->out, "%s\n", line->str);
      g_string_truncate(line, 0);
    }
    g_string_append_printf(line, "%s%s", line->len ? " " : "", *w);
  }
  fprintf(l->out, "%s\n", line->str);
  g_string_free(line, TRUE);
  g_strfreev(words);
  g_free(text);
}

static void
format_time(const SimLadder *l, SimTime t, char *buf, gsize size)
{
  if (l->ms)
    g_snprintf(buf, size, "%" G_GINT64_FORMAT ".%03" G_GINT64_FORMAT,
               t / SIM_MS, (t % SIM_MS) / SIM_US);
  else
    sim_time_format(t, buf);
}

/* Writes line without its trailing blanks. */
static void
put_line(SimLadder *l, GString *line)
{
  while (line->len > 0 && line->str[line->len - 1] == ' ') g_string_truncate(line, line->len - 1);
  fprintf(l->out, "%s\n", line->str);
}

/* time, connection, left column, arrow space, right column. */
static void
put_row(SimLadder *l, const char *time, guint conn, const char *left, const char *arrow,
        const char *right)
{
  char num[16] = "";
  if (conn) g_snprintf(num, sizeof num, "#%u", conn);
  GString *line = g_string_new(NULL);
  g_string_printf(line, "%*s %-*s%-*s |%s| %s", l->time_w, time, CONN_W - 1, num,
                  l->side_w, left, arrow, right);
  put_line(l, line);
  g_string_free(line, TRUE);
}

static void
announce(SimLadder *l, guint number)
{
  LadderConn *c = g_ptr_array_index(l->conns, number - 1);
  if (c->announced) return;
  c->announced = TRUE;
  const SimConnEnds *e = sim_conn_index_get(l->index, number);
  char a[NET_ADDR_BUF], b[NET_ADDR_BUF];
  fprintf(l->out, "\n#%u  %s %s:%u  <->  %s %s:%u\n", number, c->name[0],
          net_addr_format(e->addr[0], a), e->port[0], c->name[1],
          net_addr_format(e->addr[1], b), e->port[1]);
}

/* The segment's label at a level of detail: 0 everything, 1 without the
 * window, 2 with short keys, 3 without the ack (the rows of the other
 * side say it). */
static void
segment_label(const Row *r, int level, GString *s)
{
  const char *k_seq = level < 2 ? "seq=" : "s=", *k_ack = level < 2 ? "ack=" : "a=",
             *k_len = level < 2 ? "len=" : "l=";
  g_string_printf(s, "%s %s%u", r->flags, k_seq, r->seq);
  if (r->has_ack && level < 3) g_string_append_printf(s, " %s%u", k_ack, r->ack);
  g_string_append_printf(s, " %s%u", k_len, r->len);
  if (level == 0) g_string_append_printf(s, " win=%" G_GUINT64_FORMAT, r->win);
}

/* The arrow of a segment row: "--label----->" from the left end, "<--
 * label--" from the right; an X where it was dropped (at the receiver, or
 * three quarters of the way for a drop on the path); no head while still
 * in flight. */
static void
draw_arrow(SimLadder *l, const Row *r, GString *arrow)
{
  gboolean at_host = r->dropped && (r->reason == NET_DROP_BACKLOG ||
                                    r->reason == NET_DROP_NO_LISTENER);
  gboolean short_shaft = (r->dropped && !at_host) || (!r->arrived && !r->dropped);
  gsize gap = short_shaft ? 2 : 0;           /* between a short shaft and the bar */
  GString *label = g_string_new(NULL);
  for (int level = 0; level < 4; level++) {
    segment_label(r, level, label);
    if (label->len + 4 + gap <= l->arrow_w) break;
  }
  gsize w = MAX(l->arrow_w, label->len + 4 + gap);
  gsize reach = short_shaft ? MAX(label->len + 4, MIN(w * 3 / 4, w - gap)) : w;
  char head = r->dropped ? 'X' : r->arrived ? (r->side == 0 ? '>' : '<') : '-';
  g_string_set_size(arrow, w);
  memset(arrow->str, ' ', w);
  if (r->side == 0) {
    memset(arrow->str, '-', reach);
    memcpy(arrow->str + 2, label->str, label->len);
    arrow->str[reach - 1] = head;
  } else {
    memset(arrow->str + (w - reach), '-', reach);
    memcpy(arrow->str + (w - 2 - label->len), label->str, label->len);
    arrow->str[w - reach] = head;
  }
  g_string_free(label, TRUE);
}

static const char *
why_words(guint8 why)
{
  switch (why) {
  case TCP_WHY_RETRANSMIT: return "retransmission";
  case TCP_WHY_FAST_RETRANSMIT: return "fast retransmission";
  case TCP_WHY_TW_ACK: return "TIME_WAIT re-ACK";
  case TCP_WHY_WINDOW_PROBE: return "window probe";
  case TCP_WHY_KEEPALIVE: return "keepalive";
  default: return NULL;
  }
}

/* A segment row: the arrow, then what is said about it (why it was sent,
 * why it was dropped) beside it when it fits, else on rows under it. */
static void
write_segment(SimLadder *l, const Row *r, const char *time)
{
  const char *notes[4];
  int n = 0;
  if (r->text) notes[n++] = r->text;
  if (why_words(r->why)) notes[n++] = why_words(r->why);
  if (r->duplicate) notes[n++] = "duplicated by the link";
  if (r->dropped) notes[n++] = net_drop_reason_words(r->reason);
  else if (!r->arrived) notes[n++] = "in flight at the end";
  GString *beside = g_string_new(NULL);
  for (int i = 0; i < n; i++)
    g_string_append_printf(beside, "%s%s", i ? "; " : "", notes[i]);
  gboolean fits = beside->len <= l->side_w;
  GString *arrow = g_string_new(NULL);
  draw_arrow(l, r, arrow);
  put_row(l, time, r->conn, "", arrow->str, fits ? beside->str : "");
  for (int i = 0; !fits && i < n; i++) {
    gsize len = strlen(notes[i]);
    gsize pad = l->arrow_w > len ? (l->arrow_w - len) / 2 : 0;
    g_string_printf(arrow, "%*s%s%*s", (int)pad, "", notes[i],
                    (int)(l->arrow_w > pad + len ? l->arrow_w - pad - len : 0), "");
    put_row(l, "", 0, "", arrow->str, "");
  }
  g_string_free(arrow, TRUE);
  g_string_free(beside, TRUE);
}

static gboolean
row_drawn(const SimLadder *l, const Row *r)
{
  if (r->time < l->opts.from || r->time > l->opts.until) return FALSE;
  if (l->opts.only_conn) return r->conn == l->opts.only_conn;
  return r->conn <= l->opts.limit;
}

static void
write_row(SimLadder *l, const Row *r)
{
  if (!row_drawn(l, r)) return;
  write_header(l);
  if (r->conn) announce(l, r->conn);
  char time[SIM_TIME_BUF];
  format_time(l, r->time, time, sizeof time);
  switch (r->kind) {
  case ROW_SEGMENT:
    write_segment(l, r, time);
    break;
  case ROW_SIDE: {
    char *blank = g_strnfill(l->arrow_w, ' ');
    put_row(l, time, r->conn, r->side == 0 ? r->text : "", blank, r->side == 1 ? r->text : "");
    g_free(blank);
    break;
  }
  case ROW_NOTE: {
    char num[16] = "";
    if (r->conn) g_snprintf(num, sizeof num, "#%u", r->conn);
    GString *line = g_string_new(NULL);
    g_string_printf(line, "%*s %-*s%s", l->time_w, time, CONN_W - 1, num, r->text);
    put_line(l, line);
    g_string_free(line, TRUE);
    break;
  }
  }
}

/* Writes the settled rows at the head, unless a call holds them. */
static void
flush(SimLadder *l)
{
  while (!l->holding && !g_queue_is_empty(&l->rows)) {
    Row *r = g_queue_peek_head(&l->rows);
    if (!r->settled) return;
    g_queue_pop_head(&l->rows);
    write_row(l, r);
    row_free(r);
  }
}

/* The segment that arrived last was not dropped by its host: settled. */
static void
settle_arrival(SimLadder *l)
{
  if (l->arrival == NULL) return;
  l->arrival->settled = TRUE;
  g_hash_table_remove(l->waiting, l->arrival->pkt);
  l->arrival = NULL;
}

static void
push_row(SimLadder *l, Row *r)
{
  g_queue_push_tail(&l->rows, r);
  flush(l);
}

void
sim_ladder_free(SimLadder *l)
{
  if (l == NULL) return;
  settle_arrival(l);
  l->holding = FALSE;
  for (GList *it = l->rows.head; it; it = it->next) ((Row *)it->data)->settled = TRUE;
  flush(l);
  guint n = sim_conn_index_count(l->index);
  if (l->opts.only_conn == 0 && n > l->opts.limit)
    fprintf(l->out, "ladder: %u more connection%s not drawn (--ladder-limit)\n",
            n - l->opts.limit, n - l->opts.limit == 1 ? "" : "s");
  else if (l->opts.only_conn > n)     /* say why nothing was drawn */
    fprintf(l->out, "ladder: no connection #%u in this run (%u connection%s, --ladder-conn)\n",
            l->opts.only_conn, n, n == 1 ? "" : "s");
  g_hash_table_destroy(l->waiting);
  sim_conn_index_unref(l->index);
  g_ptr_array_free(l->conns, TRUE);
  g_free(l);
}

/* ---- what happened --------------------------------------------------------- */

static const char *
host_name(SimLadder *l, NetAddr addr)
{
  NetNode *node = l->view->net ? net_world_find_addr(l->view->net, addr) : NULL;
  return node ? node->name : "?";
}

/* What a NAT router made of connection `number`: a row at `now` such as
 * "via gw: 10.0.0.1:40000 is 203.0.113.1:61000 beyond it", naming each
 * end whose address or port the router rewrites and what it becomes on the
 * router's far side (`beyond`: the ends there, in the connection's order). */
static void
via_row(SimLadder *l, SimTime now, guint number, const NetNode *router,
        const SimConnEnds *beyond)
{
  const SimConnEnds *e = sim_conn_index_get(l->index, number);
  GString *text = g_string_new(NULL);
  g_string_printf(text, "via %s:", router->name);
  for (int k = 0; k < 2; k++) {
    if (e->addr[k] == beyond->addr[k] && e->port[k] == beyond->port[k]) continue;
    char a[NET_ADDR_BUF], b[NET_ADDR_BUF];
    g_string_append_printf(text, "%s %s:%u is %s:%u", text->str[text->len - 1] == ':' ? "" : ";",
                           net_addr_format(e->addr[k], a), e->port[k],
                           net_addr_format(beyond->addr[k], b), beyond->port[k]);
  }
  g_string_append(text, " beyond it");
  Row *r = g_new0(Row, 1);
  r->kind = ROW_NOTE;
  r->time = now;
  r->conn = number;
  r->settled = TRUE;
  r->text = g_string_free(text, FALSE);
  g_queue_push_tail(&l->rows, r);
}

/* The current connection between two ends, numbered on first sight (the
 * two sides of a NAT are one connection, conns.h); its number, and in
 * *side which end (a, ap) is.  The shared index may have numbered
 * connections this ladder never draws: their slots stay NULL.  When the
 * index joined a side beyond a NAT to it since the ladder last looked, a
 * row says what the router made of it, at `now`. */
static guint
find_conn(SimLadder *l, SimTime now, NetAddr a, guint16 ap, NetAddr b, guint16 bp, int *side)
{
  const SimConnEnds *e = sim_conn_index_find(l->index, a, ap, b, bp, TRUE, side);
  guint number = e->number;
  if (number > l->conns->len) g_ptr_array_set_size(l->conns, number);
  LadderConn *c = g_ptr_array_index(l->conns, number - 1);
  if (c == NULL) {
    /* Named by the originator's side, whichever side is seen first. */
    const SimConnEnds *ends = sim_conn_index_get(l->index, number);
    c = g_new0(LadderConn, 1);
    c->wscale[0] = c->wscale[1] = -1;
    c->name[0] = g_strdup(host_name(l, ends->addr[0]));
    c->name[1] = g_strdup(host_name(l, ends->addr[1]));
    g_ptr_array_index(l->conns, number - 1) = c;
  }
  const NetNode *via;
  const SimConnEnds *beyond = sim_conn_index_beyond(l->index, number, &via);
  if (beyond != c->beyond) {
    c->beyond = beyond;
    via_row(l, now, number, via, beyond);
  }
  return number;
}

/* A segment row: seq/ack relative to the ISNs, and the window as
 * Wireshark calculates it (scaled by the sender's shift once both SYNs
 * carried the option, RFC 7323 2.3). */
static Row *
segment_row(SimLadder *l, const NetEvent *ev)
{
  const Packet *pkt = ev->pkt;
  const TcpSegment *seg = &pkt->tcp;
  Row *r = g_new0(Row, 1);
  r->kind = ROW_SEGMENT;
  r->time = ev->time;
  r->pkt = pkt;
  r->conn = find_conn(l, ev->time, pkt->src, seg->sport, pkt->dst, seg->dport, &r->side);
  LadderConn *c = g_ptr_array_index(l->conns, r->conn - 1);
  int side = r->side;
  if ((seg->flags & TCP_FLAG_SYN) && !c->have_isn[side]) {
    c->have_isn[side] = TRUE;
    c->isn[side] = seg->seq;
  }
  if (seg->flags & TCP_FLAG_SYN)
    c->wscale[side] = (seg->opts & TCP_OPT_WSCALE) ? MIN(seg->wscale, 14) : -1;
  r->win = seg->win;
  if (!(seg->flags & TCP_FLAG_SYN) && c->wscale[0] >= 0 && c->wscale[1] >= 0)
    r->win <<= c->wscale[side];
  tcp_flags_format(seg->flags, r->flags);
  r->seq = c->have_isn[side] ? seg->seq - c->isn[side] : seg->seq;
  r->has_ack = (seg->flags & TCP_FLAG_ACK) != 0;
  r->ack = c->have_isn[1 - side] ? seg->ack - c->isn[1 - side] : seg->ack;
  r->len = seg->payload.len;
  r->why = seg->why;
  if (seg->opts & TCP_OPT_SACK) {
    /* "SACK 1449-2897": the blocks, relative to the data sender's ISN. */
    GString *note = g_string_new("SACK");
    guint32 isn = c->have_isn[1 - side] ? c->isn[1 - side] : 0;
    for (guint i = 0; i < seg->n_sack; i++)
      g_string_append_printf(note, " %u-%u", seg->sack[i].start - isn, seg->sack[i].end - isn);
    r->text = g_string_free(note, FALSE);
  }
  return r;
}

void
sim_ladder_segment(SimLadder *l, const NetEvent *ev)
{
  Row *r = g_hash_table_lookup(l->waiting, ev->pkt);
  if (ev->kind == NET_EVENT_DROP && r && r == l->arrival) {
    l->arrival = NULL;                   /* its host dropped it */
  } else {
    settle_arrival(l);
  }
  switch (ev->kind) {
  case NET_EVENT_SEND:
    r = segment_row(l, ev);
    g_hash_table_insert(l->waiting, (gpointer)ev->pkt, r);
    push_row(l, r);
    return;
  case NET_EVENT_RECV:
    if (r == NULL) {                     /* a copy the link made */
      r = segment_row(l, ev);
      r->duplicate = TRUE;
      g_hash_table_insert(l->waiting, (gpointer)ev->pkt, r);
      g_queue_push_tail(&l->rows, r);
    }
    r->arrived = TRUE;
    l->arrival = r;
    return;
  case NET_EVENT_DROP:
    if (r == NULL) {                     /* dropped before it was sent: no route */
      r = segment_row(l, ev);
      g_queue_push_tail(&l->rows, r);
    }
    r->arrived = FALSE;
    r->dropped = TRUE;
    r->reason = ev->reason;
    r->settled = TRUE;
    g_hash_table_remove(l->waiting, ev->pkt);
    flush(l);
    return;
  }
}

void
sim_ladder_state(SimLadder *l, SimTime now, const TcpStateEvent *ev)
{
  settle_arrival(l);
  if (ev->tuple.rport == 0) return;      /* a listener: its call says it */
  Row *r = g_new0(Row, 1);
  r->kind = ROW_SIDE;
  r->time = now;
  r->settled = TRUE;
  r->conn = find_conn(l, now, ev->tuple.laddr, ev->tuple.lport, ev->tuple.raddr,
                      ev->tuple.rport, &r->side);
  r->text = l->full_states
          ? g_strdup_printf("%s -> %s", tcp_state_name(ev->from), tcp_state_name(ev->to))
          : g_strdup(tcp_state_name(ev->to));
  push_row(l, r);
}

void
sim_ladder_call_begin(SimLadder *l)
{
  settle_arrival(l);
  l->holding = TRUE;
  l->mark = l->rows.tail;
}

void
sim_ladder_call(SimLadder *l, SimTime now, const char *host, const char *text,
                const TcpTuple *tuple)
{
  settle_arrival(l);
  Row *r = g_new0(Row, 1);
  r->time = now;
  r->settled = TRUE;
  if (tuple->rport == 0) {
    char a[NET_ADDR_BUF];
    r->kind = ROW_NOTE;
    r->text = g_strdup_printf("%s: %s on %s:%u", host, text,
                              net_addr_format(tuple->laddr, a), tuple->lport);
  } else {
    r->kind = ROW_SIDE;
    r->conn = find_conn(l, now, tuple->laddr, tuple->lport, tuple->raddr, tuple->rport,
                        &r->side);
    r->text = g_strdup(text);
  }
  if (!l->holding) {
    push_row(l, r);
  } else if (l->mark) {
    g_queue_insert_after(&l->rows, l->mark, r);
  } else {
    g_queue_push_head(&l->rows, r);
  }
  l->mark = NULL;
}

void
sim_ladder_call_end(SimLadder *l)
{
  l->holding = FALSE;
  l->mark = NULL;
  flush(l);
}
