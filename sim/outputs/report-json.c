/* The end-of-run summary as JSON, for --summary-json (see report.h): the
 * same facts as the text summary, every figure in full. */
#include "report.h"
#include "json.h"
#include "records.h"
#include "tcp-stack.h"
#include "nat.h"
#include <math.h>

void
sim_report_json_string(GString *js, const char *s)
{
  sim_json_append_string(js, s, -1);     /* the one JSON string writer (sim/engine/json.h) */
}

/* A JSON number that reads back as the same double (null if not finite,
 * which JSON cannot spell). */
static void
json_number(GString *js, double v)
{
  sim_json_append_number(js, v);
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
  sim_report_json_string(js, node->name);
  g_string_append(js, ",\"states\":{");
  for (int s = 0; s < TCP_STATE_N; s++)
    g_string_append_printf(js, "%s\"%s\":%" G_GUINT64_FORMAT, s ? "," : "",
                           tcp_state_name((TcpState)s), tcp_stack_count(stack, (TcpState)s));
  g_string_append(js, "},\"stats\":{");
  for (guint f = 0; f < n; f++)
    g_string_append_printf(js, "%s\"%s\":%" G_GUINT64_FORMAT, f ? "," : "",
                           fields[f].name, tcp_stats_get(st, &fields[f]));
  g_string_append_printf(js, "},\"tw_peak_time\":%s", sim_time_format(st->tw_peak_time, tbuf));
  g_string_append_printf(js, ",\"tw_memory\":{\"linux_bytes_per_socket\":%d,"
                         "\"linux_bytes_at_peak\":%" G_GUINT64_FORMAT
                         ",\"twsim_bytes\":%" G_GUINT64_FORMAT "}}",
                         SIM_LINUX_TW_SOCK_BYTES, st->tw_peak * SIM_LINUX_TW_SOCK_BYTES,
                         tcp_stack_tw_bytes(stack));
}

static void
json_link(GString *js, const NetLink *link)
{
  g_string_append(js, "{\"a\":");
  sim_report_json_string(js, link->d[0].from->name);
  g_string_append(js, ",\"b\":");
  sim_report_json_string(js, link->d[0].to->name);
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

/* "records": {NAME: {"count":..,"last":..,"mean":..,"min":..,"max":..,
 * "p50":..,"p90":..,"p99":..}, ...} in first-recorded order. */
static void
json_records(GString *js, const SimRecords *records)
{
  g_string_append(js, ",\"records\":{");
  for (guint i = 0; records && i < sim_records_count(records); i++) {
    SimRecordStats st;
    sim_records_stats(records, i, &st);
    if (i) g_string_append_c(js, ',');
    sim_report_json_string(js, sim_records_name(records, i));
    g_string_append_printf(js, ":{\"count\":%" G_GUINT64_FORMAT ",\"last\":", st.count);
    json_number(js, st.last);
    for (guint k = 1; k < SIM_RECORD_STATS_N; k++) {
      g_string_append_printf(js, ",\"%s\":", sim_record_stats_names[k]);
      json_number(js, sim_record_stats_get(&st, k));
    }
    g_string_append_c(js, '}');
  }
  g_string_append_c(js, '}');
}

static void
json_router(GString *js, const NetNode *node)
{
  const NatBox *box = node->nat;
  g_string_append(js, "{\"name\":");
  sim_report_json_string(js, node->name);
  g_string_append(js, ",\"conntrack\":{");
  for (guint s = CT_SYN_SENT; s < CT_STATE_N; s++)
    g_string_append_printf(js, "%s\"%s\":%" G_GUINT64_FORMAT, s > CT_SYN_SENT ? "," : "",
                           ct_state_name(s), box->ct.by_state[s]);
  g_string_append(js, "},\"nat\":{");
  NatStat st[NAT_STATS_N];
  guint n = nat_box_stats(box, st);
  for (guint i = 0; i < n; i++)
    g_string_append_printf(js, "%s\"%s\":%" G_GUINT64_FORMAT, i ? "," : "", st[i].name,
                           st[i].value);
  g_string_append(js, "},\"ports\":[");
  for (guint i = 0; i < box->dest_order->len; i++) {
    const NatDest *d = g_ptr_array_index(box->dest_order, i);
    char a[NET_ADDR_BUF], b[NET_ADDR_BUF];
    g_string_append_printf(js, "%s{\"from\":\"%s\",\"to\":\"%s:%u\",\"in_use\":%u,\"peak\":%u}",
                           i ? "," : "", net_addr_format(d->out, a), net_addr_format(d->dst, b),
                           d->dport, d->in_use, d->peak);
  }
  g_string_append(js, "]}");
}

void
sim_report_json_append(GString *js, const SimRunView *view, int exit_status)
{
  NetWorld *net = view->net;
  char tbuf[SIM_TIME_BUF];
  g_string_append_printf(js, "{\"scenario\":");
  sim_report_json_string(js, view->scenario);
  g_string_append_printf(js, ",\"seed\":%" G_GUINT64_FORMAT ",\"exit_status\":%d,"
                         "\"time\":%s,\"events\":%" G_GUINT64_FORMAT ",\"hosts\":[",
                         view->seed, exit_status,
                         sim_time_format(sim_engine_now(view->engine), tbuf),
                         sim_engine_events(view->engine));
  gboolean first = TRUE;
  for (guint i = 0; net && i < net->nodes->len; i++) {
    const NetNode *node = g_ptr_array_index(net->nodes, i);
    if (!sim_report_is_tcp_host(node)) continue;
    if (!first) g_string_append_c(js, ',');
    json_host(js, node);
    first = FALSE;
  }
  g_string_append(js, "],\"links\":[");
  for (guint i = 0; net && i < net->links->len; i++) {
    if (i) g_string_append_c(js, ',');
    json_link(js, g_ptr_array_index(net->links, i));
  }
  g_string_append(js, "],\"routers\":[");
  first = TRUE;
  for (guint i = 0; net && i < net->nodes->len; i++) {
    const NetNode *node = g_ptr_array_index(net->nodes, i);
    if (node->nat == NULL) continue;
    if (!first) g_string_append_c(js, ',');
    json_router(js, node);
    first = FALSE;
  }
  g_string_append_c(js, ']');
  json_records(js, view->records);
  g_string_append_c(js, '}');
}

void
sim_report_json(FILE *out, const SimRunView *view, int exit_status)
{
  GString *js = g_string_new(NULL);
  sim_report_json_append(js, view, exit_status);
  g_string_append_c(js, '\n');
  fputs(js->str, out);
  g_string_free(js, TRUE);
}
