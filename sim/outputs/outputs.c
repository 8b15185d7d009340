/* A run's output files (see outputs.h). */
#include "outputs.h"
#include "value.h"
#include "output.h"
#include "pcap.h"
#include "metrics.h"
#include "ladder.h"
#include "html.h"
#include "watch.h"
#include "report.h"
#include "ss.h"
#include "net.h"

enum { OUT_TRACE, OUT_PCAP, OUT_METRICS, OUT_SUMMARY, OUT_HTML, OUT_RECORDS, OUT_N };

struct SimRunOutputs {
  SimOutputRequest req;             /* html_chosen: a copy, owned */
  SimOutput       *files[OUT_N];    /* NULL where not requested */
};

static const char *const option_names[OUT_N] = {
  "--trace", "--pcap", "--metrics", "--summary-json", "--html", "--records-csv",
};

static void
outputs_free(SimRunOutputs *outs)
{
  if (outs->req.html_chosen) g_array_unref((GArray *)outs->req.html_chosen);
  g_free(outs);
}

SimRunOutputs *
sim_run_outputs_open(const SimOutputRequest *req, GError **error)
{
  SimRunOutputs *outs = g_new0(SimRunOutputs, 1);
  outs->req = *req;
  if (req->html_chosen) {
    GArray *chosen = g_array_new(FALSE, FALSE, sizeof(guint));
    g_array_append_vals(chosen, req->html_chosen->data, req->html_chosen->len);
    outs->req.html_chosen = chosen;
  }
  const char *paths[OUT_N] = { req->trace, req->pcap, req->metrics, req->summary_json,
                               req->html, req->records_csv };
  for (int i = 0; i < OUT_N; i++) {
    if (paths[i] == NULL) continue;
    outs->files[i] = sim_output_open(paths[i], option_names[i], error);
    if (outs->files[i] == NULL) {
      sim_run_outputs_abandon(outs);
      return NULL;
    }
  }
  return outs;
}

/* The engine's watch, shared by every writer that samples the run at
 * instants of its own (metrics, HTML, ss listings): each takes what is due
 * before `t`; the earliest next instant is when to be called again. */
static SimTime
writers_watch(gpointer user, SimTime t)
{
  SimWriters *w = user;
  SimTime next = SIM_TIME_MAX;
  if (w->metrics) next = MIN(next, sim_metrics_advance(w->metrics, t));
  if (w->html) next = MIN(next, sim_html_advance(w->html, t));
  if (w->ss) next = MIN(next, sim_ss_advance(w->ss, t));
  return next;
}

void
sim_run_outputs_attach(SimRunOutputs *outs, const SimRunView *view, SimWriters *w)
{
  const SimOutputRequest *req = &outs->req;
  if (outs->files[OUT_TRACE]) {
    w->trace = sim_trace_new(sim_output_stream(outs->files[OUT_TRACE]), req->trace_format);
    sim_trace_set_window(w->trace, req->trace_from, req->trace_until);
    sim_trace_set_engine(w->trace, view->engine);
  }
  if (outs->files[OUT_PCAP])
    w->pcap = net_pcap_new(sim_output_stream(outs->files[OUT_PCAP]));
  if (outs->files[OUT_METRICS])
    w->metrics = sim_metrics_new(sim_output_stream(outs->files[OUT_METRICS]),
                                 req->sample, view);
  if (req->ladder)
    w->ladder = sim_ladder_new(stdout, &req->ladder_opts, view, sim_writers_conns(w, view));
  if (outs->files[OUT_RECORDS]) {
    w->records_csv = sim_output_stream(outs->files[OUT_RECORDS]);
    fputs("time,name,value\n", w->records_csv);
  }
  if (outs->files[OUT_HTML])
    w->html = sim_html_new(view, req->html_limit, req->html_chosen, sim_writers_conns(w, view));
  if (req->n_ss_at) w->ss = sim_ss_new(stdout, req->ss_at, req->n_ss_at, view);
  if (w->metrics || w->html || w->ss) sim_engine_set_watch(view->engine, 0, writers_watch, w);
}

/* Stops the writers that hold a stream, so the files can be closed.  FALSE
 * if the trace saw a write error. */
static gboolean
finish_writers(SimRunOutputs *outs, const SimRunView *view, SimWriters *w, SimExit status,
               GError **error)
{
  gboolean ok = TRUE;
  sim_writers_end(w, view);
  sim_engine_set_watch(view->engine, SIM_TIME_MAX, NULL, NULL);
  if (w->metrics) {
    sim_metrics_finish(w->metrics, sim_engine_now(view->engine));
    sim_metrics_free(w->metrics);
    w->metrics = NULL;
  }
  if (w->ladder) {
    sim_ladder_free(w->ladder);
    w->ladder = NULL;
  }
  w->records_csv = NULL;
  g_clear_pointer(&w->conns, sim_conn_index_unref);
  if (w->trace) {
    ok = sim_trace_flush(w->trace, error);
    sim_trace_free(w->trace);
    w->trace = NULL;
    if (view->net) view->net->trace = NULL;
  }
  if (w->pcap) {
    if (view->net) net_world_set_pcap(view->net, NULL, NULL);
    net_pcap_free(w->pcap);
    w->pcap = NULL;
  }
  if (outs->files[OUT_SUMMARY])
    sim_report_json(sim_output_stream(outs->files[OUT_SUMMARY]), view, status);
  if (w->html) {
    sim_html_write(w->html, sim_output_stream(outs->files[OUT_HTML]), status);
    sim_html_free(w->html);
    w->html = NULL;
  }
  return ok;
}

gboolean
sim_writers_want_segments(const SimWriters *w)
{
  return w->ladder != NULL || w->html != NULL || w->watch != NULL;
}

SimConnIndex *
sim_writers_conns(SimWriters *w, const SimRunView *view)
{
  if (w->conns == NULL) w->conns = sim_conn_index_new(view);
  return w->conns;
}

/* The shared numbering sees each event first, so that every writer finds
 * the connection it belongs to (a new one when a 4-tuple opens again). */
void
sim_writers_segment(SimWriters *w, const NetEvent *ev)
{
  if (w->conns) sim_conn_index_note_segment(w->conns, ev->pkt, ev->kind == NET_EVENT_SEND);
  if (w->ladder) sim_ladder_segment(w->ladder, ev);
  if (w->html) sim_html_segment(w->html, ev);
  if (w->watch) sim_watch_segment(w->watch, ev);
}

void
sim_writers_state(SimWriters *w, SimTime now, const TcpStateEvent *ev)
{
  if (w->conns) sim_conn_index_note_state(w->conns, ev);
  if (w->ladder) sim_ladder_state(w->ladder, now, ev);
  if (w->html) sim_html_state(w->html, now, ev);
  if (w->watch) sim_watch_state(w->watch, ev);
}

void
sim_writers_call_begin(SimWriters *w)
{
  sim_trace_hold(w->trace);
  if (w->ladder) sim_ladder_call_begin(w->ladder);
}

void
sim_writers_call_draw(SimWriters *w, SimTime now, const char *host, const char *text,
                      const TcpTuple *tuple)
{
  if (w->ladder) sim_ladder_call(w->ladder, now, host, text, tuple);
}

void
sim_writers_call(SimWriters *w, SimTime now, const char *host, const char *call,
                 const char *result, const TcpTuple *tuple)
{
  sim_trace_unhold(w->trace);             /* ahead of what the call caused */
  if (!sim_trace_wants(w->trace, now)) return;
  char a[NET_ADDR_BUF], b[NET_ADDR_BUF];
  sim_trace_begin(w->trace, now, "call", host);
  sim_trace_str(w->trace, "call", call);
  sim_trace_str(w->trace, "result", result);
  sim_trace_str(w->trace, "laddr", net_addr_format(tuple->laddr, a));
  sim_trace_int(w->trace, "lport", tuple->lport);
  sim_trace_str(w->trace, "raddr", net_addr_format(tuple->raddr, b));
  sim_trace_int(w->trace, "rport", tuple->rport);
  sim_trace_end(w->trace);
}

void
sim_writers_call_end(SimWriters *w)
{
  sim_trace_release(w->trace);
  if (w->ladder) sim_ladder_call_end(w->ladder);
}

void
sim_writers_end(SimWriters *w, const SimRunView *view)
{
  if (w->ss == NULL) return;
  sim_ss_finish(w->ss, sim_engine_now(view->engine));
  sim_ss_free(w->ss);
  w->ss = NULL;
}

void
sim_writers_record(SimWriters *w, SimTime now, const char *name, double value)
{
  if (w->records_csv == NULL) return;
  char tbuf[SIM_TIME_BUF], vbuf[SIM_NUM_BUF];
  fprintf(w->records_csv, "%s,", sim_time_format(now, tbuf));
  sim_csv_write_field(w->records_csv, name);
  fprintf(w->records_csv, ",%s\n", sim_num_format(value, vbuf));
}

SimExit
sim_run_outputs_close(SimRunOutputs *outs, const SimRunView *view, SimWriters *w,
                      SimExit status)
{
  GError *error = NULL;
  gboolean ok = finish_writers(outs, view, w, status, &error);
  for (int i = 0; i < OUT_N; i++) {
    if (outs->files[i] == NULL) continue;
    if (status == SIM_EXIT_INVALID || !ok) {
      sim_output_abandon(outs->files[i]);
    } else if (!sim_output_commit(outs->files[i], &error)) {
      ok = FALSE;
    }
    outs->files[i] = NULL;
  }
  if (!ok) {
    fprintf(stderr, "twsim: %s\n", error ? error->message : "cannot write an output");
    g_clear_error(&error);
    if (status == SIM_EXIT_OK) status = SIM_EXIT_FAILED;
  }
  outputs_free(outs);
  return status;
}

void
sim_run_outputs_abandon(SimRunOutputs *outs)
{
  if (outs == NULL) return;
  for (int i = 0; i < OUT_N; i++) sim_output_abandon(outs->files[i]);
  outputs_free(outs);
}
