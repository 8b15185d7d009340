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
#include "ladder.h"

typedef struct SimMetrics SimMetrics; /* metrics.h */
typedef struct NetPcap NetPcap;       /* models/pcap.h */
typedef struct SimWatch SimWatch;     /* watch.h */

/* The writers a run feeds as it goes; each NULL unless asked for. */
typedef struct {
  SimTrace   *trace;
  NetPcap    *pcap;
  SimMetrics *metrics;
  SimLadder  *ladder;
  SimWatch   *watch;      /* the stepper's (twsim step), owned by it */
} SimWriters;

typedef struct {
  const char    *trace, *pcap, *metrics, *summary_json;   /* paths, or NULL */
  SimTraceFormat trace_format;
  SimTime        trace_from, trace_until;
  SimTime        sample;           /* metrics interval */
  gboolean       ladder;
  SimLadderOptions ladder_opts;
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

/* A socket call, for the trace and the ladder.  A call that changes
 * states as it runs (listen, connect, shutdown) is bracketed:
 * sim_writers_call_begin() before the models run it holds back what it
 * causes; sim_writers_call_draw() and sim_writers_call() then write the
 * call's ladder row and trace record ahead of it; sim_writers_call_end()
 * lets the rest go.  Unbracketed, they write at once.
 *
 * sim_writers_call_draw: the ladder's row, `text` as it is drawn
 * ("connect()"), on `host`'s side of the connection `tuple` names.
 * sim_writers_call: the trace's "call" record, with its result ("ok", a
 * byte count, an errno name), docs/trace-format.md. */
void
sim_writers_call_begin(SimWriters *w);
void
sim_writers_call_draw(SimWriters *w, SimTime now, const char *host, const char *text,
                      const TcpTuple *tuple);
void
sim_writers_call(SimWriters *w, SimTime now, const char *host, const char *call,
                 const char *result, const TcpTuple *tuple);
void
sim_writers_call_end(SimWriters *w);

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
