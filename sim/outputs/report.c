/* The end-of-run summary, text and JSON (see report.h). */
#include "report.h"
#include "json.h"
#include "tcp-stack.h"

static gboolean
is_tcp_host(const NetNode *node)
{
  return node->kind == NET_NODE_HOST && node->transport != NULL;
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

void
sim_report_print(FILE *out, const SimRunView *view)
{
  NetWorld *net = view->net;
  char tbuf[SIM_TIME_BUF];
  fprintf(out, "end: t=%s s, %" G_GUINT64_FORMAT " events\n",
          sim_time_format(sim_engine_now(view->engine), tbuf),
          sim_engine_events(view->engine));
  if (net == NULL) return;
  for (guint i = 0; i < net->nodes->len; i++) {
    const NetNode *node = g_ptr_array_index(net->nodes, i);
    if (is_tcp_host(node)) print_host(out, node);
  }
  for (guint i = 0; i < net->links->len; i++)
    print_link(out, g_ptr_array_index(net->links, i));
}

static void
json_string(GString *js, const char *s)
{
  g_string_append_c(js, '"');
  sim_json_append_escaped(js, s, -1);
  g_string_append_c(js, '"');
}

static void
json_host(GString *js, const NetNode *node)
{
  TcpStack *stack = node->transport;
  const TcpStats *st = tcp_stack_stats(stack);
  char tbuf[SIM_TIME_BUF];
  guint n;
  const TcpStatsField *fields = tcp_stats_fields(&n);
  g_string_append(js, "{\"name\":");
  json_string(js, node->name);
  g_string_append(js, ",\"states\":{");
  for (int s = 0; s < TCP_STATE_N; s++)
    g_string_append_printf(js, "%s\"%s\":%" G_GUINT64_FORMAT, s ? "," : "",
                           tcp_state_name((TcpState)s), tcp_stack_count(stack, (TcpState)s));
  g_string_append(js, "},\"stats\":{");
  for (guint f = 0; f < n; f++)
    g_string_append_printf(js, "%s\"%s\":%" G_GUINT64_FORMAT, f ? "," : "",
                           fields[f].name, tcp_stats_get(st, &fields[f]));
  g_string_append_printf(js, "},\"tw_peak_time\":%s}", sim_time_format(st->tw_peak_time, tbuf));
}

static void
json_link(GString *js, const NetLink *link)
{
  g_string_append(js, "{\"a\":");
  json_string(js, link->d[0].from->name);
  g_string_append(js, ",\"b\":");
  json_string(js, link->d[0].to->name);
  for (guint dir = 0; dir < 2; dir++) {
    const NetLinkCounters *c = net_link_counters(link, dir);
    g_string_append_printf(js, ",\"%s\":{\"sent\":%" G_GUINT64_FORMAT ",\"delivered\":%"
                           G_GUINT64_FORMAT ",\"lost\":%" G_GUINT64_FORMAT ",\"queue_drops\":%"
                           G_GUINT64_FORMAT ",\"mtu_drops\":%" G_GUINT64_FORMAT
                           ",\"pred_drops\":%" G_GUINT64_FORMAT ",\"duplicated\":%"
                           G_GUINT64_FORMAT ",\"reordered\":%" G_GUINT64_FORMAT "}",
                           dir == 0 ? "ab" : "ba", c->sent, c->delivered, c->lost,
                           c->queue_drops, c->mtu_drops, c->pred_drops, c->duplicated,
                           c->reordered);
  }
  g_string_append_c(js, '}');
}

void
sim_report_json(FILE *out, const SimRunView *view, int exit_status)
{
  NetWorld *net = view->net;
  char tbuf[SIM_TIME_BUF];
  GString *js = g_string_new(NULL);
  g_string_append_printf(js, "{\"scenario\":");
  json_string(js, view->scenario);
  g_string_append_printf(js, ",\"seed\":%" G_GUINT64_FORMAT ",\"exit_status\":%d,"
                         "\"time\":%s,\"events\":%" G_GUINT64_FORMAT ",\"hosts\":[",
                         view->seed, exit_status,
                         sim_time_format(sim_engine_now(view->engine), tbuf),
                         sim_engine_events(view->engine));
  gboolean first = TRUE;
  for (guint i = 0; net && i < net->nodes->len; i++) {
    const NetNode *node = g_ptr_array_index(net->nodes, i);
    if (!is_tcp_host(node)) continue;
    if (!first) g_string_append_c(js, ',');
    json_host(js, node);
    first = FALSE;
  }
  g_string_append(js, "],\"links\":[");
  for (guint i = 0; net && i < net->links->len; i++) {
    if (i) g_string_append_c(js, ',');
    json_link(js, g_ptr_array_index(net->links, i));
  }
  g_string_append(js, "]}\n");
  fputs(js->str, out);
  g_string_free(js, TRUE);
}
