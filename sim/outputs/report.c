/* The end-of-run summary as text (see report.h). */
#include "report.h"
#include "records.h"
#include "simerror.h"
#include "json.h"
#include "tcp-stack.h"
#include <string.h>
#include "nat.h"

gboolean
sim_report_hosts_parse(const char *text, SimReportHosts *out, GError **error)
{
  static const char *const names[] = { "auto", "blocks", "table" };
  for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
    if (strcmp(text, names[i]) != 0) continue;
    *out = (SimReportHosts)i;
    return TRUE;
  }
  g_set_error(error, SIM_ERROR, SIM_ERROR_INVALID,
              "expected auto, blocks or table, got '%s'", text);
  return FALSE;
}

char *
sim_report_format_count(guint64 n, char *buf)
{
  char digits[24];
  int len = g_snprintf(digits, sizeof digits, "%" G_GUINT64_FORMAT, n);
  char *p = buf;
  for (int i = 0; i < len; i++) {
    if (i > 0 && (len - i) % 3 == 0) *p++ = ',';
    *p++ = digits[i];
  }
  *p = '\0';
  return buf;
}

/* Why a host holds fewer TIME_WAIT sockets than it entered, beyond
 * expiry: records reused.  A listener's were reopened by a new SYN for
 * the same 4-tuple (a client reusing its port; Linux's
 * tcp_timewait_state_process), a client's taken over by its own connect
 * (tw_reuse).  Nothing when none were reused. */
static void
print_tw_reason(FILE *out, const TcpStats *st)
{
  if (st->tw_reused == 0) return;
  char reused[SIM_REPORT_COUNT_BUF], entered[SIM_REPORT_COUNT_BUF];
  const char *how = st->connect_ok == 0 ? "reopened by a new SYN from a reused client port"
                  : st->accepts == 0 ? "taken over by a new connect to the same peer (tw_reuse)"
                  : "reopened by a new SYN from a reused client port, or taken over by "
                    "a new connect (tw_reuse)";
  fprintf(out, "  TIME_WAIT reused: %s of %s records %s, each before its time ran out\n",
          sim_report_format_count(st->tw_reused, reused),
          sim_report_format_count(st->tw_entered, entered), how);
}

/* What the TIME_WAIT sockets cost at their peak: in a Linux kernel, and
 * in twsim's own table. */
static void
print_tw_memory(FILE *out, TcpStack *stack, const TcpStats *st)
{
  if (st->tw_peak == 0) return;
  char peak[SIM_REPORT_COUNT_BUF], linux_b[SIM_REPORT_COUNT_BUF], ours[SIM_REPORT_COUNT_BUF];
  fprintf(out, "  TIME_WAIT memory at the peak of %s: %s bytes in a Linux kernel (%d a socket, "
          "slab tw_sock_TCP), %s bytes in twsim\n",
          sim_report_format_count(st->tw_peak, peak),
          sim_report_format_count(st->tw_peak * SIM_LINUX_TW_SOCK_BYTES, linux_b),
          SIM_LINUX_TW_SOCK_BYTES, sim_report_format_count(tcp_stack_tw_bytes(stack), ours));
}

static void
print_host(FILE *out, const NetNode *node)
{
  TcpStack *stack = node->transport;
  const TcpStats *st = tcp_stack_stats(stack);
  char tbuf[SIM_TIME_BUF];
  fprintf(out, "host %s:", node->name);
  gboolean any = FALSE;
  for (int s = 1; s < TCP_STATE_N; s++) {
    guint64 n = tcp_stack_count(stack, (TcpState)s);
    if (n == 0) continue;
    fprintf(out, "%s %s %" G_GUINT64_FORMAT, any ? "," : "", tcp_state_name((TcpState)s), n);
    any = TRUE;
  }
  fprintf(out, "%s\n", any ? "" : " no sockets open");
  fprintf(out, "  TIME_WAIT: entered %" G_GUINT64_FORMAT ", peak %" G_GUINT64_FORMAT,
          st->tw_entered, st->tw_peak);
  if (st->tw_peak) fprintf(out, " at %s s", sim_time_format(st->tw_peak_time, tbuf));
  fprintf(out, ", reused %" G_GUINT64_FORMAT ", killed %" G_GUINT64_FORMAT "\n",
          st->tw_reused, st->tw_killed);
  print_tw_reason(out, st);
  print_tw_memory(out, stack, st);
  fprintf(out, "  connects: ok %" G_GUINT64_FORMAT ", refused %" G_GUINT64_FORMAT
          ", timed out %" G_GUINT64_FORMAT ", no port %" G_GUINT64_FORMAT
          ", reset %" G_GUINT64_FORMAT ", unreachable %" G_GUINT64_FORMAT
          "; accepted %" G_GUINT64_FORMAT "\n",
          st->connect_ok, st->connect_refused, st->connect_timeout,
          st->connect_addrnotavail, st->connect_reset, st->connect_unreach, st->accepts);
  fprintf(out, "  segments: sent %" G_GUINT64_FORMAT ", received %" G_GUINT64_FORMAT
          ", retransmitted %" G_GUINT64_FORMAT "; resets sent %" G_GUINT64_FORMAT
          ", received %" G_GUINT64_FORMAT "; SYNs dropped %" G_GUINT64_FORMAT "\n",
          st->segments_sent, st->segments_received, st->retransmits,
          st->resets_sent, st->resets_received, st->syn_dropped);
}

/* SNAT ports in use per destination (outside address, destination address
 * and port), in order of first use: the first ROUTER_PORTS_SHOWN, then
 * how many more (--summary-json has them all). */
#define ROUTER_PORTS_SHOWN 8

static void
print_router_ports(FILE *out, const NatBox *box)
{
  guint n = box->dest_order->len;
  for (guint i = 0; i < MIN(n, ROUTER_PORTS_SHOWN); i++) {
    const NatDest *d = g_ptr_array_index(box->dest_order, i);
    char a[NET_ADDR_BUF], b[NET_ADDR_BUF];
    fprintf(out, "  ports %s -> %s:%u: in use %u, peak %u\n", net_addr_format(d->out, a),
            net_addr_format(d->dst, b), d->dport, d->in_use, d->peak);
  }
  if (n > ROUTER_PORTS_SHOWN)
    fprintf(out, "  ports: %u more destinations\n", n - ROUTER_PORTS_SHOWN);
}

/* A NAT router: conntrack entries by state, then its counters, its ports
 * per destination and its balancers. */
static void
print_router(FILE *out, const NetNode *node)
{
  const NatBox *box = node->nat;
  fprintf(out, "router %s: conntrack", node->name);
  gboolean any = FALSE;
  for (guint s = CT_SYN_SENT; s < CT_STATE_N; s++) {
    guint64 n = box->ct.by_state[s];
    if (n == 0) continue;
    fprintf(out, "%s %s %" G_GUINT64_FORMAT, any ? "," : "", ct_state_name(s), n);
    any = TRUE;
  }
  fprintf(out, "%s\n", any ? "" : " no entries");
  NatStat st[NAT_STATS_N];
  guint n = nat_box_stats(box, st);
  fputs("  nat:", out);
  for (guint i = 0; i < n; i++)
    fprintf(out, "%s %s %" G_GUINT64_FORMAT, i ? "," : "", st[i].name, st[i].value);
  fputc('\n', out);
  print_router_ports(out, box);
  for (guint i = 0; i < box->lb->len; i++) {
    const LbService *svc = g_ptr_array_index(box->lb, i);
    char a[NET_ADDR_BUF];
    fprintf(out, "  lb %s:%u (%s):", net_addr_format(svc->vip, a), svc->vport,
            lb_mode_name(svc->mode));
    for (guint b = 0; b < svc->backends->len; b++) {
      const LbBackend *be = &g_array_index(svc->backends, LbBackend, b);
      fprintf(out, "%s %s:%u %" G_GUINT64_FORMAT, b ? "," : "", net_addr_format(be->addr, a),
              be->port, svc->picked[b]);
    }
    fputc('\n', out);
  }
}

static void
print_link(FILE *out, const NetLink *link)
{
  for (guint dir = 0; dir < 2; dir++) {
    const NetLinkCounters *c = net_link_counters(link, dir);
    const NetNode *from = link->d[dir].from, *to = link->d[dir].to;
    fprintf(out, "link %s -> %s: sent %" G_GUINT64_FORMAT ", delivered %" G_GUINT64_FORMAT
            ", lost %" G_GUINT64_FORMAT ", queue drops %" G_GUINT64_FORMAT
            ", mtu drops %" G_GUINT64_FORMAT ", dropped by predicate %" G_GUINT64_FORMAT
            ", duplicated %" G_GUINT64_FORMAT ", reordered %" G_GUINT64_FORMAT "\n",
            from->name, to->name, c->sent, c->delivered, c->lost, c->queue_drops,
            c->mtu_drops, c->pred_drops, c->duplicated, c->reordered);
  }
}

/* ---- many hosts: tables -------------------------------------------------- */

/* The widest host name, for the first column. */
static int
name_width(NetWorld *net, int at_least)
{
  int w = at_least;
  for (guint i = 0; i < net->nodes->len; i++) {
    const NetNode *node = g_ptr_array_index(net->nodes, i);
    if (sim_report_is_tcp_host(node)) w = MAX(w, (int)strlen(node->name));
  }
  return w;
}

/* The figures of a host's line in the table (or of several hosts', summed). */
typedef struct {
  guint64 open, tw, tw_entered, tw_peak, tw_reused, connect_ok, failed, accepts, retransmits;
} HostRow;

static void
host_row_add(HostRow *row, TcpStack *stack)
{
  const TcpStats *st = tcp_stack_stats(stack);
  for (int s = 1; s < TCP_STATE_N; s++)
    if (s != TCP_STATE_TIME_WAIT) row->open += tcp_stack_count(stack, (TcpState)s);
  row->tw += tcp_stack_count(stack, TCP_STATE_TIME_WAIT);
  row->tw_entered += st->tw_entered;
  row->tw_peak += st->tw_peak;
  row->tw_reused += st->tw_reused;
  row->connect_ok += st->connect_ok;
  row->failed += st->connect_refused + st->connect_timeout + st->connect_addrnotavail +
                 st->connect_reset + st->connect_unreach;
  row->accepts += st->accepts;
  row->retransmits += st->retransmits;
}

static void
print_host_row(FILE *out, int w, const char *name, const HostRow *r)
{
  fprintf(out, "  %-*s %10" G_GUINT64_FORMAT " %10" G_GUINT64_FORMAT " %10" G_GUINT64_FORMAT
          " %10" G_GUINT64_FORMAT " %10" G_GUINT64_FORMAT " %10" G_GUINT64_FORMAT
          " %10" G_GUINT64_FORMAT " %10" G_GUINT64_FORMAT " %10" G_GUINT64_FORMAT "\n",
          w, name, r->open, r->tw, r->tw_entered, r->tw_peak, r->tw_reused, r->connect_ok,
          r->failed, r->accepts, r->retransmits);
}

/* One line a host, in creation order: sockets open now, TIME_WAIT now and
 * over the run, how its connects went.  Hosts past the first `limit` are
 * summed on one last line (their tw-peak is the sum of their peaks). */
static void
print_host_table(FILE *out, NetWorld *net, guint limit)
{
  int w = MAX(name_width(net, 4), 16);
  fprintf(out, "hosts (open: sockets neither CLOSED nor in TIME_WAIT; failed: connects "
          "refused, timed out, without a port, reset or unreachable):\n");
  fprintf(out, "  %-*s %10s %10s %10s %10s %10s %10s %10s %10s %10s\n", w, "host", "open",
          "TIME_WAIT", "tw-entered", "tw-peak", "tw-reused", "connect-ok", "failed",
          "accepted", "retransmit");
  HostRow rest = { 0 };
  guint shown = 0, others = 0;
  for (guint i = 0; i < net->nodes->len; i++) {
    const NetNode *node = g_ptr_array_index(net->nodes, i);
    if (!sim_report_is_tcp_host(node)) continue;
    if (shown == limit) {
      host_row_add(&rest, node->transport);
      others++;
      continue;
    }
    HostRow row = { 0 };
    host_row_add(&row, node->transport);
    print_host_row(out, w, node->name, &row);
    shown++;
  }
  if (others == 0) return;
  char *name = g_strdup_printf("(%u others)", others);
  print_host_row(out, w, name, &rest);
  g_free(name);
}

/* One line a link direction: what it carried and what it dropped; or,
 * with `each` FALSE, one line for all of them. */
static void
print_link_table(FILE *out, NetWorld *net, gboolean each)
{
  if (net->links->len == 0) return;
  int w = 16;
  for (guint i = 0; each && i < net->links->len; i++) {
    const NetLink *link = g_ptr_array_index(net->links, i);
    w = MAX(w, (int)(strlen(link->d[0].from->name) + strlen(link->d[0].to->name) + 4));
  }
  fprintf(out, "links (dropped: by a queue, an mtu or a link:drop predicate):\n");
  fprintf(out, "  %-*s %10s %10s %10s %10s\n", w, "link", "sent", "delivered", "lost", "dropped");
  NetLinkCounters sum = { 0 };
  for (guint i = 0; i < net->links->len; i++) {
    const NetLink *link = g_ptr_array_index(net->links, i);
    for (guint dir = 0; dir < 2; dir++) {
      const NetLinkCounters *c = net_link_counters(link, dir);
      sum.sent += c->sent;
      sum.delivered += c->delivered;
      sum.lost += c->lost;
      sum.queue_drops += c->queue_drops + c->mtu_drops + c->pred_drops;
      if (!each) continue;
      char *name = g_strdup_printf("%s -> %s", link->d[dir].from->name, link->d[dir].to->name);
      fprintf(out, "  %-*s %10" G_GUINT64_FORMAT " %10" G_GUINT64_FORMAT " %10" G_GUINT64_FORMAT
              " %10" G_GUINT64_FORMAT "\n", w, name, c->sent, c->delivered, c->lost,
              c->queue_drops + c->mtu_drops + c->pred_drops);
      g_free(name);
    }
  }
  if (each) return;
  char *name = g_strdup_printf("(%u directions)", net->links->len * 2);
  fprintf(out, "  %-*s %10" G_GUINT64_FORMAT " %10" G_GUINT64_FORMAT " %10" G_GUINT64_FORMAT
          " %10" G_GUINT64_FORMAT "\n", w, name, sum.sent, sum.delivered, sum.lost,
          sum.queue_drops);
  g_free(name);
}

/* ---- sim.record's figures ------------------------------------------------ */

static void
print_records(FILE *out, const SimRecords *records)
{
  guint n = records ? sim_records_count(records) : 0;
  if (n == 0) return;
  int w = 4;
  for (guint i = 0; i < n; i++) w = MAX(w, (int)strlen(sim_records_name(records, i)));
  fprintf(out, "records (every value of each sim.record name; p50, p90, p99 nearest-rank):\n");
  fprintf(out, "  %-*s %8s %12s %12s %12s %12s %12s %12s %12s\n", w, "name", "count", "mean",
          "min", "p50", "p90", "p99", "max", "last");
  for (guint i = 0; i < n; i++) {
    SimRecordStats st;
    sim_records_stats(records, i, &st);
    fprintf(out, "  %-*s %8" G_GUINT64_FORMAT " %12.6g %12.6g %12.6g %12.6g %12.6g %12.6g %12.6g\n",
            w, sim_records_name(records, i), st.count, st.mean, st.min, st.p50, st.p90,
            st.p99, st.max, st.last);
  }
}

static guint
count_tcp_hosts(NetWorld *net)
{
  guint n = 0;
  for (guint i = 0; i < net->nodes->len; i++)
    n += sim_report_is_tcp_host(g_ptr_array_index(net->nodes, i));
  return n;
}

void
sim_report_print_hosts(FILE *out, const SimRunView *view, SimReportHosts hosts)
{
  NetWorld *net = view->net;
  char tbuf[SIM_TIME_BUF];
  fprintf(out, "end: t=%s s, %" G_GUINT64_FORMAT " events\n",
          sim_time_format(sim_engine_now(view->engine), tbuf),
          sim_engine_events(view->engine));
  gboolean many = net != NULL && count_tcp_hosts(net) > SIM_REPORT_MAX_BLOCKS;
  if (net != NULL && hosts == SIM_REPORT_HOSTS_AUTO && many) {
    /* A short table, so that what the scenario printed stays in view. */
    print_host_table(out, net, SIM_REPORT_AUTO_ROWS);
    print_link_table(out, net, FALSE);
    if (count_tcp_hosts(net) > SIM_REPORT_AUTO_ROWS)
      fprintf(out, "(every host and link: --summary-hosts table; in full: --summary-hosts blocks)\n");
  } else if (net != NULL && hosts == SIM_REPORT_HOSTS_TABLE) {
    print_host_table(out, net, G_MAXUINT);
    print_link_table(out, net, TRUE);
  } else if (net != NULL) {
    for (guint i = 0; i < net->nodes->len; i++) {
      const NetNode *node = g_ptr_array_index(net->nodes, i);
      if (sim_report_is_tcp_host(node)) print_host(out, node);
    }
    for (guint i = 0; i < net->links->len; i++)
      print_link(out, g_ptr_array_index(net->links, i));
  }
  for (guint i = 0; net != NULL && i < net->nodes->len; i++) {
    const NetNode *node = g_ptr_array_index(net->nodes, i);
    if (node->nat) print_router(out, node);
  }
  print_records(out, view->records);
}

void
sim_report_print(FILE *out, const SimRunView *view)
{
  sim_report_print_hosts(out, view, SIM_REPORT_HOSTS_AUTO);
}
