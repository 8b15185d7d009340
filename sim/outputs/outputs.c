/* A run's output files (see outputs.h). */
#include "outputs.h"
#include "output.h"
#include "pcap.h"
#include "metrics.h"
#include "ladder.h"
#include "report.h"
#include "net.h"

enum { OUT_TRACE, OUT_PCAP, OUT_METRICS, OUT_SUMMARY, OUT_N };

struct SimRunOutputs {
  SimOutputRequest req;
  SimOutput       *files[OUT_N];    /* NULL where not requested */
};

static const char *const option_names[OUT_N] = {
  "--trace", "--pcap", "--metrics", "--summary-json",
};

SimRunOutputs *
sim_run_outputs_open(const SimOutputRequest *req, GError **error)
{
  SimRunOutputs *outs = g_new0(SimRunOutputs, 1);
  outs->req = *req;
  const char *paths[OUT_N] = { req->trace, req->pcap, req->metrics, req->summary_json };
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

void
sim_run_outputs_attach(SimRunOutputs *outs, const SimRunView *view, SimWriters *w)
{
  const SimOutputRequest *req = &outs->req;
  if (outs->files[OUT_TRACE]) {
    w->trace = sim_trace_new(sim_output_stream(outs->files[OUT_TRACE]), req->trace_format);
    sim_trace_set_window(w->trace, req->trace_from, req->trace_until);
  }
  if (outs->files[OUT_PCAP])
    w->pcap = net_pcap_new(sim_output_stream(outs->files[OUT_PCAP]));
  if (outs->files[OUT_METRICS])
    w->metrics = sim_metrics_new(sim_output_stream(outs->files[OUT_METRICS]),
                                 req->sample, view);
  if (req->ladder) w->ladder = sim_ladder_new(stdout, req->ladder_limit, view);
}

/* Stops the writers that hold a stream, so the files can be closed.  FALSE
 * if the trace saw a write error. */
static gboolean
finish_writers(SimRunOutputs *outs, const SimRunView *view, SimWriters *w, SimExit status,
               GError **error)
{
  gboolean ok = TRUE;
  if (w->metrics) {
    sim_metrics_finish(w->metrics, sim_engine_now(view->engine));
    sim_metrics_free(w->metrics);
    w->metrics = NULL;
  }
  if (w->ladder) {
    sim_ladder_free(w->ladder);
    w->ladder = NULL;
  }
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
  return ok;
}

gboolean
sim_writers_want_segments(const SimWriters *w)
{
  return w->ladder != NULL;
}

void
sim_writers_segment(SimWriters *w, const NetEvent *ev)
{
  if (w->ladder) sim_ladder_segment(w->ladder, ev);
}

void
sim_writers_state(SimWriters *w, SimTime now, const TcpStateEvent *ev)
{
  if (w->ladder) sim_ladder_state(w->ladder, now, ev);
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
  g_free(outs);
  return status;
}

void
sim_run_outputs_abandon(SimRunOutputs *outs)
{
  if (outs == NULL) return;
  for (int i = 0; i < OUT_N; i++) sim_output_abandon(outs->files[i]);
  g_free(outs);
}
