/* The files a run writes (--trace, --pcap, --metrics, --summary-json) and
 * the ladder it draws: opened before the scenario starts, attached to the
 * run, and at the end finished and either committed (a valid run: the
 * outputs are complete up to where it stopped) or abandoned (an invalid
 * run: they are not results).  Every file goes through sim/engine/output.h, so
 * none is ever left half-written under its final name. */
#pragma once
#include "run-view.h"
#include "trace.h"
#include "net.h"
#include "tcp-stack.h"

typedef struct SimLadder SimLadder;   /* ladder.h */
typedef struct SimMetrics SimMetrics; /* metrics.h */
typedef struct NetPcap NetPcap;       /* models/pcap.h */

/* The writers a run feeds as it goes; each NULL unless asked for. */
typedef struct {
  SimTrace   *trace;
  NetPcap    *pcap;
  SimMetrics *metrics;
  SimLadder  *ladder;
} SimWriters;

typedef struct {
  const char    *trace, *pcap, *metrics, *summary_json;   /* paths, or NULL */
  SimTraceFormat trace_format;
  SimTime        trace_from, trace_until;
  SimTime        sample;           /* metrics interval */
  gboolean       ladder;
  guint          ladder_limit;
} SimOutputRequest;

typedef struct SimRunOutputs SimRunOutputs;

/* What the models did, for every writer that draws it.  A driver calls
 * these from its network observer and its stacks' state_changed hook. */
gboolean
sim_writers_want_segments(const SimWriters *w);
void
sim_writers_segment(SimWriters *w, const NetEvent *ev);
void
sim_writers_state(SimWriters *w, SimTime now, const TcpStateEvent *ev);

/* Creates every requested file (under a temporary name).  NULL with an
 * error naming the option if one cannot be created; nothing is left. */
SimRunOutputs *
sim_run_outputs_open(const SimOutputRequest *req, GError **error);

/* Fills `w` with the writers asked for (trace, pcap, metrics, ladder) over
 * the run seen through `view` (borrowed; it must outlive the writers). */
void
sim_run_outputs_attach(SimRunOutputs *outs, const SimRunView *view, SimWriters *w);

/* Finishes every writer (the metrics' last sample, the summary), then
 * commits the files, or removes them if status is SIM_EXIT_INVALID.
 * Returns the status, turned into SIM_EXIT_FAILED if a valid run's output
 * could not be written (the message is printed).  Frees outs. */
SimExit
sim_run_outputs_close(SimRunOutputs *outs, const SimRunView *view, SimWriters *w,
                      SimExit status);

/* Abandons every file before any run (an early error).  NULL is fine. */
void
sim_run_outputs_abandon(SimRunOutputs *outs);
