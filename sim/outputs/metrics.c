/* The metrics CSV writer (see metrics.h). */
#include "metrics.h"
#include "tcp-stack.h"
#include "nat.h"
#include <string.h>

struct SimMetrics {
  FILE     *out;
  SimTime   interval;
  SimTime   next;            /* the next grid sample not yet written */
  SimTime   last_written;    /* time of the last sample row, -1 if none */
  const SimRunView *view;
  guint     n_fields;
  const TcpStatsField *fields;
};

/* Writes a text field as CSV (RFC 4180): quoted when it holds a comma, a
 * quote or a line break, with quotes doubled. */
static void
write_csv_text(FILE *out, const char *text)
{
  if (strpbrk(text, ",\"\r\n") == NULL) {
    fputs(text, out);
    return;
  }
  fputc('"', out);
  for (const char *p = text; *p; p++) {
    if (*p == '"') fputc('"', out);
    fputc(*p, out);
  }
  fputc('"', out);
}

static void
write_header(SimMetrics *m)
{
  fputs("time,host", m->out);
  for (int s = 0; s < TCP_STATE_N; s++) fprintf(m->out, ",%s", tcp_state_name((TcpState)s));
  for (guint i = 0; i < m->n_fields; i++) fprintf(m->out, ",%s", m->fields[i].name);
  fputs(",series,value\n", m->out);
}

static SimTime
on_watch(gpointer user, SimTime next)
{
  return sim_metrics_advance(user, next);
}

SimMetrics *
sim_metrics_new(FILE *out, SimTime interval, const SimRunView *view)
{
  g_assert(interval > 0);
  SimMetrics *m = g_new0(SimMetrics, 1);
  m->out = out;
  m->interval = interval;
  m->view = view;
  m->last_written = -1;
  m->fields = tcp_stats_fields(&m->n_fields);
  write_header(m);
  sim_engine_set_watch(view->engine, 0, on_watch, m);
  return m;
}

void
sim_metrics_free(SimMetrics *m)
{
  if (m == NULL) return;
  if (m->view->engine) sim_engine_set_watch(m->view->engine, SIM_TIME_MAX, NULL, NULL);
  g_free(m);
}

/* A row of one figure: time, node, empty state and counter columns,
 * series, value. */
static void
write_figure(SimMetrics *m, const char *tbuf, const char *node, const char *series,
             guint64 value)
{
  fprintf(m->out, "%s,", tbuf);
  write_csv_text(m->out, node);
  for (int s = 0; s < TCP_STATE_N; s++) fputc(',', m->out);
  for (guint f = 0; f < m->n_fields; f++) fputc(',', m->out);
  fprintf(m->out, ",%s,%" G_GUINT64_FORMAT "\n", series, value);
}

/* A NAT router's figures: its conntrack entries by state, then its
 * counters (nat_box_stats). */
static void
write_router(SimMetrics *m, const char *tbuf, const NetNode *node)
{
  char series[64];
  for (guint s = CT_SYN_SENT; s < CT_STATE_N; s++) {
    g_snprintf(series, sizeof series, "conntrack.%s", ct_state_name(s));
    write_figure(m, tbuf, node->name, series, node->nat->ct.by_state[s]);
  }
  NatStat st[NAT_STATS_N];
  guint n = nat_box_stats(node->nat, st);
  for (guint i = 0; i < n; i++) {
    g_snprintf(series, sizeof series, "nat.%s", st[i].name);
    write_figure(m, tbuf, node->name, series, st[i].value);
  }
}

/* One row per host, in creation order, for the state at time t (and a few
 * per NAT router). */
static void
write_sample(SimMetrics *m, SimTime t)
{
  char tbuf[SIM_TIME_BUF];
  sim_time_format(t, tbuf);
  NetWorld *net = m->view->net;
  for (guint i = 0; net && i < net->nodes->len; i++) {
    NetNode *node = g_ptr_array_index(net->nodes, i);
    TcpStack *stack = node->transport;
    if (node->nat) write_router(m, tbuf, node);
    if (node->kind != NET_NODE_HOST || stack == NULL) continue;
    fprintf(m->out, "%s,", tbuf);
    write_csv_text(m->out, node->name);
    for (int s = 0; s < TCP_STATE_N; s++)
      fprintf(m->out, ",%" G_GUINT64_FORMAT, tcp_stack_count(stack, (TcpState)s));
    const TcpStats *st = tcp_stack_stats(stack);
    for (guint f = 0; f < m->n_fields; f++)
      fprintf(m->out, ",%" G_GUINT64_FORMAT, tcp_stats_get(st, &m->fields[f]));
    fputs(",,\n", m->out);
  }
  m->last_written = t;
}

SimTime
sim_metrics_advance(SimMetrics *m, SimTime t)
{
  while (m->next < t) {
    write_sample(m, m->next);
    m->next = m->next <= SIM_TIME_MAX - m->interval ? m->next + m->interval : SIM_TIME_MAX;
  }
  return m->next;
}

void
sim_metrics_record(SimMetrics *m, SimTime now, const char *name, double value)
{
  char tbuf[SIM_TIME_BUF], vbuf[G_ASCII_DTOSTR_BUF_SIZE];
  sim_metrics_advance(m, now);
  fprintf(m->out, "%s,", sim_time_format(now, tbuf));
  for (int s = 0; s < TCP_STATE_N; s++) fputc(',', m->out);
  for (guint f = 0; f < m->n_fields; f++) fputc(',', m->out);
  /* %.17g round-trips a double and prints the same on every machine. */
  fputc(',', m->out);
  write_csv_text(m->out, name);
  fprintf(m->out, ",%s\n", g_ascii_formatd(vbuf, sizeof vbuf, "%.17g", value));
}

void
sim_metrics_finish(SimMetrics *m, SimTime now)
{
  if (now < SIM_TIME_MAX) sim_metrics_advance(m, now + 1);
  if (m->last_written != now) write_sample(m, now);
}
