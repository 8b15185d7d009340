/* The stepper's view of a run (see watch.h). */
#include "watch.h"

/* What a connection's SYNs said. */
typedef struct {
  gboolean have_isn[2];
  guint32  isn[2];
} WatchConn;

struct SimWatch {
  SimConnIndex *index;          /* shared with the other writers */
  GArray   *conns;              /* WatchConn, at number - 1 */
  guint     segments, states;   /* since the last reset */
  gboolean  hit;                /* a breakpoint matched since the last reset */
  guint     last_conn;
  gboolean  break_state[TCP_STATE_N];
  GArray   *break_conns;        /* guint connection numbers, in the order set */
};

SimWatch *
sim_watch_new(SimConnIndex *conns)
{
  SimWatch *w = g_new0(SimWatch, 1);
  w->index = sim_conn_index_ref(conns);
  w->conns = g_array_new(FALSE, TRUE, sizeof(WatchConn));
  w->break_conns = g_array_new(FALSE, FALSE, sizeof(guint));
  return w;
}

void
sim_watch_free(SimWatch *w)
{
  if (w == NULL) return;
  sim_conn_index_unref(w->index);
  g_array_free(w->conns, TRUE);
  g_array_free(w->break_conns, TRUE);
  g_free(w);
}

static gint
conn_break_index(const SimWatch *w, guint number)
{
  for (guint i = 0; i < w->break_conns->len; i++)
    if (g_array_index(w->break_conns, guint, i) == number) return (gint)i;
  return -1;
}

/* Notes that connection `number` did something. */
static void
touched(SimWatch *w, guint number)
{
  if (number > w->conns->len) g_array_set_size(w->conns, number);
  w->last_conn = number;
  if (conn_break_index(w, number) >= 0) w->hit = TRUE;
}

void
sim_watch_segment(SimWatch *w, const NetEvent *ev)
{
  const Packet *pkt = ev->pkt;
  int side;
  w->segments++;
  guint number = sim_conn_index_find(w->index, pkt->src, pkt->tcp.sport, pkt->dst,
                                     pkt->tcp.dport, TRUE, &side)->number;
  touched(w, number);
  WatchConn *c = &g_array_index(w->conns, WatchConn, number - 1);
  if (ev->kind == NET_EVENT_SEND && (pkt->tcp.flags & TCP_FLAG_SYN) && !c->have_isn[side]) {
    c->have_isn[side] = TRUE;
    c->isn[side] = pkt->tcp.seq;
  }
}

gboolean
sim_watch_isn(const SimWatch *w, guint number, int side, guint32 *isn)
{
  if (number == 0 || number > w->conns->len) return FALSE;
  const WatchConn *c = &g_array_index(w->conns, WatchConn, number - 1);
  *isn = c->isn[side];
  return c->have_isn[side];
}

void
sim_watch_state(SimWatch *w, const TcpStateEvent *ev)
{
  w->states++;
  if (w->break_state[ev->to]) w->hit = TRUE;
  if (ev->tuple.rport == 0) return;            /* a listener: no connection */
  touched(w, sim_conn_index_find(w->index, ev->tuple.laddr, ev->tuple.lport,
                                 ev->tuple.raddr, ev->tuple.rport, TRUE, NULL)->number);
}

guint
sim_watch_segments(const SimWatch *w)
{
  return w->segments;
}

guint
sim_watch_states(const SimWatch *w)
{
  return w->states;
}

gboolean
sim_watch_hit(const SimWatch *w)
{
  return w->hit;
}

void
sim_watch_reset(SimWatch *w)
{
  w->segments = w->states = 0;
  w->hit = FALSE;
}

gboolean
sim_watch_toggle_state(SimWatch *w, TcpState state)
{
  w->break_state[state] = !w->break_state[state];
  return w->break_state[state];
}

gboolean
sim_watch_toggle_conn(SimWatch *w, guint number)
{
  gint i = conn_break_index(w, number);
  if (i >= 0) {
    g_array_remove_index(w->break_conns, (guint)i);
    return FALSE;
  }
  g_array_append_val(w->break_conns, number);
  return TRUE;
}

void
sim_watch_describe(const SimWatch *w, GString *out)
{
  for (int s = 0; s < TCP_STATE_N; s++)
    if (w->break_state[s])
      g_string_append_printf(out, "%s%s", out->len ? " " : "", tcp_state_name(s));
  for (guint i = 0; i < w->break_conns->len; i++)
    g_string_append_printf(out, "%s#%u", out->len ? " " : "",
                           g_array_index(w->break_conns, guint, i));
}

const SimConnEnds *
sim_watch_conn(const SimWatch *w, guint number)
{
  return sim_conn_index_get(w->index, number);
}

guint
sim_watch_last_conn(const SimWatch *w)
{
  return w->last_conn;
}

const SimConnEnds *
sim_watch_conn_beyond(const SimWatch *w, guint number)
{
  return sim_conn_index_beyond(w->index, number, NULL);
}
