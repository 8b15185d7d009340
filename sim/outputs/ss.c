/* The `ss`-style listings of --ss-at (see ss.h). */
#include "ss.h"
#include "net.h"
#include "tcp-ss.h"
#include <string.h>

struct SimSs {
  FILE             *out;
  SimTime          *at;
  guint             n, next;     /* at[next] is the first not yet printed */
  const SimRunView *view;
  GArray           *scratch;     /* TcpSockInfo, reused by every listing */
};

SimSs *
sim_ss_new(FILE *out, const SimTime *at, guint n, const SimRunView *view)
{
  SimSs *ss = g_new0(SimSs, 1);
  ss->out = out;
  ss->at = g_memdup2(at, n * sizeof *at);
  ss->n = n;
  ss->view = view;
  ss->scratch = g_array_new(FALSE, FALSE, sizeof(TcpSockInfo));
  return ss;
}

void
sim_ss_free(SimSs *ss)
{
  if (ss == NULL) return;
  g_array_free(ss->scratch, TRUE);
  g_free(ss->at);
  g_free(ss);
}

/* "10.0.0.2:80", or "0.0.0.0:*" for a port of 0 (ss's wildcard). */
static const char *
endpoint(NetAddr addr, guint16 port, char *buf, gsize size)
{
  char a[NET_ADDR_BUF];
  if (port == 0) g_snprintf(buf, size, "%s:*", net_addr_format(addr, a));
  else g_snprintf(buf, size, "%s:%u", net_addr_format(addr, a), port);
  return buf;
}

static void
print_listing(FILE *out, GArray *socks)
{
  guint total = 0, estab = 0, closed = 0, orphaned = 0, timewait = 0;
  fprintf(out, "%-10s %-6s %-6s %22s %22s %s\n", "State", "Recv-Q", "Send-Q",
          "Local Address:Port", "Peer Address:Port", "Process");
  for (guint i = 0; i < socks->len; i++) {
    const TcpSockInfo *s = &g_array_index(socks, TcpSockInfo, i);
    char local[40], peer[40], left[32];
    fprintf(out, "%-10s %-6u %-6u %22s %s", tcp_ss_state_name(s->state), s->recv_q,
            s->send_q, endpoint(s->tuple.laddr, s->tuple.lport, local, sizeof local),
            endpoint(s->tuple.raddr, s->tuple.rport, peer, sizeof peer));
    if (s->timer != TCP_SS_TIMER_OFF)
      fprintf(out, "%*s timer:(%s,%s,%u)", (int)(22 - MIN(strlen(peer), 22)), "",
              tcp_ss_timer_name(s->timer), tcp_ss_format_time(s->timer_left, left),
              s->retransmits);
    fputc('\n', out);
    total++;
    estab += s->state == TCP_STATE_ESTABLISHED;
    closed += s->state == TCP_STATE_CLOSED;
    orphaned += s->orphan;
    timewait += s->state == TCP_STATE_TIME_WAIT;
  }
  /* ss -s's TCP line. */
  fprintf(out, "TCP:   %u (estab %u, closed %u, orphaned %u, timewait %u)\n", total, estab,
          closed, orphaned, timewait);
}

/* Every host's listing at time t. */
static void
print_all(SimSs *ss, SimTime t)
{
  char tbuf[SIM_TIME_BUF], abuf[NET_ADDR_BUF];
  NetWorld *net = ss->view->net;
  for (guint i = 0; net && i < net->nodes->len; i++) {
    NetNode *node = g_ptr_array_index(net->nodes, i);
    if (node->kind != NET_NODE_HOST || node->transport == NULL) continue;
    fprintf(ss->out, "ss at t=%s s, host %s (%s):\n", sim_time_format(t, tbuf), node->name,
            net_addr_format(net_node_addr(node), abuf));
    tcp_stack_sockets(node->transport, t, ss->scratch);
    print_listing(ss->out, ss->scratch);
  }
}

SimTime
sim_ss_advance(SimSs *ss, SimTime t)
{
  while (ss->next < ss->n && ss->at[ss->next] < t) print_all(ss, ss->at[ss->next++]);
  return ss->next < ss->n ? ss->at[ss->next] : SIM_TIME_MAX;
}

void
sim_ss_finish(SimSs *ss, SimTime now)
{
  char tbuf[SIM_TIME_BUF], nbuf[SIM_TIME_BUF];
  while (ss->next < ss->n && ss->at[ss->next] <= now) print_all(ss, ss->at[ss->next++]);
  for (; ss->next < ss->n; ss->next++)
    fprintf(ss->out, "ss at t=%s s: not reached (the run ended at t=%s s)\n",
            sim_time_format(ss->at[ss->next], tbuf), sim_time_format(now, nbuf));
}
