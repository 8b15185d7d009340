/* The metrics CSV writer (see metrics.h). */
#include "metrics.h"
#include "value.h"
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
  gboolean  headed;          /* the header is written */
  gboolean  routers;         /* it has the NAT routers' columns */
};

/* The first router of the run with NAT or conntrack, or NULL. */
static const NetNode *
first_nat_router(const SimMetrics *m)
{
  NetWorld *net = m->view->net;
  for (guint i = 0; net && i < net->nodes->len; i++) {
    const NetNode *node = g_ptr_array_index(net->nodes, i);
    if (node->kind == NET_NODE_ROUTER && node->nat) return node;
  }
  return NULL;
}

/* The routers' columns after the hosts': ct_STATE (entries in each state
 * of netfilter's TCP tracker), then nat_COUNTER (nat_box_stats()).  Names
 * of their own, so none repeats a host's (conntrack has a TIME_WAIT too). */
static void
write_router_header(SimMetrics *m, const NetNode *router)
{
  for (guint s = CT_SYN_SENT; s < CT_STATE_N; s++) fprintf(m->out, ",ct_%s", ct_state_name(s));
  NatStat st[NAT_STATS_N];
  guint n = nat_box_stats(router->nat, st);
  for (guint i = 0; i < n; i++) fprintf(m->out, ",nat_%s", st[i].name);
}

/* Written with the first sample, once the scenario has built its network:
 * the routers' columns are there only if a router with NAT is, so the file
 * of a run without one keeps the hosts' columns alone. */
static void
write_header(SimMetrics *m)
{
  const NetNode *router = first_nat_router(m);
  m->headed = TRUE;
  m->routers = router != NULL;
  fputs("time,host", m->out);
  for (int s = 0; s < TCP_STATE_N; s++) fprintf(m->out, ",%s", tcp_state_name((TcpState)s));
  for (guint i = 0; i < m->n_fields; i++) fprintf(m->out, ",%s", m->fields[i].name);
  if (router) write_router_header(m, router);
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
  return m;
}

void
sim_metrics_free(SimMetrics *m)
{
  if (m == NULL) return;
  g_free(m);
}

/* Empty fields, n of them. */
static void
write_blanks(SimMetrics *m, guint n)
{
  for (guint i = 0; i < n; i++) fputc(',', m->out);
}

/* One row per router with NAT, in creation order, after the hosts' rows of
 * the same sample: its name in the host column, the hosts' columns empty,
 * then its entries by state and its counters.  `tbuf` is the sample's time
 * as the hosts' rows have it. */
static void
write_router_rows(SimMetrics *m, const char *tbuf)
{
  NetWorld *net = m->view->net;
  for (guint i = 0; net && i < net->nodes->len; i++) {
    NetNode *node = g_ptr_array_index(net->nodes, i);
    if (node->kind != NET_NODE_ROUTER || node->nat == NULL) continue;
    fprintf(m->out, "%s,", tbuf);
    sim_csv_write_field(m->out, node->name);
    write_blanks(m, TCP_STATE_N + m->n_fields);
    const CtTable *ct = &node->nat->ct;
    for (guint s = CT_SYN_SENT; s < CT_STATE_N; s++)
      fprintf(m->out, ",%" G_GUINT64_FORMAT, ct->by_state[s]);
    NatStat st[NAT_STATS_N];
    guint n = nat_box_stats(node->nat, st);
    for (guint f = 0; f < n; f++) fprintf(m->out, ",%" G_GUINT64_FORMAT, st[f].value);
    fputc('\n', m->out);
  }
}

/* One row per host, in creation order, for the state at time t, then the
 * NAT routers' rows if the file has their columns. */
static void
write_sample(SimMetrics *m, SimTime t)
{
  if (!m->headed) write_header(m);
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
    if (m->routers) write_blanks(m, CT_STATE_N - CT_SYN_SENT + NAT_STATS_N);
    fputc('\n', m->out);
  }
  if (m->routers) write_router_rows(m, tbuf);
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
