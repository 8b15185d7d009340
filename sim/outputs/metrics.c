/* The metrics CSV writer (see metrics.h). */
#include "metrics.h"
#include "value.h"
#include "tcp-stack.h"
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

static void
write_header(SimMetrics *m)
{
  fputs("time,host", m->out);
  for (int s = 0; s < TCP_STATE_N; s++) fprintf(m->out, ",%s", tcp_state_name((TcpState)s));
  for (guint i = 0; i < m->n_fields; i++) fprintf(m->out, ",%s", m->fields[i].name);
  fputc('\n', m->out);
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
  return m;
}

void
sim_metrics_free(SimMetrics *m)
{
  if (m == NULL) return;
  g_free(m);
}

/* One row per host, in creation order, for the state at time t. */
static void
write_sample(SimMetrics *m, SimTime t)
{
  char tbuf[SIM_TIME_BUF];
  sim_time_format(t, tbuf);
  NetWorld *net = m->view->net;
  for (guint i = 0; net && i < net->nodes->len; i++) {
    NetNode *node = g_ptr_array_index(net->nodes, i);
    TcpStack *stack = node->transport;
    if (node->kind != NET_NODE_HOST || stack == NULL) continue;
    fprintf(m->out, "%s,", tbuf);
    sim_csv_write_field(m->out, node->name);
    for (int s = 0; s < TCP_STATE_N; s++)
      fprintf(m->out, ",%" G_GUINT64_FORMAT, tcp_stack_count(stack, (TcpState)s));
    const TcpStats *st = tcp_stack_stats(stack);
    for (guint f = 0; f < m->n_fields; f++)
      fprintf(m->out, ",%" G_GUINT64_FORMAT, tcp_stats_get(st, &m->fields[f]));
    fputc('\n', m->out);
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
sim_metrics_finish(SimMetrics *m, SimTime now)
{
  if (now < SIM_TIME_MAX) sim_metrics_advance(m, now + 1);
  if (m->last_written != now) write_sample(m, now);
}
