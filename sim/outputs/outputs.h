/* The files a run writes (--trace, --pcap, --metrics, --records-csv,
 * --summary-json, --html) and
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
#include "conns.h"

typedef struct SimMetrics SimMetrics; /* metrics.h */
typedef struct SimSs SimSs;           /* ss.h */
typedef struct NetPcap NetPcap;       /* models/pcap.h */
typedef struct SimHtml SimHtml;       /* html.h */
typedef struct SimWatch SimWatch;     /* watch.h */

/* The writers a run feeds as it goes; each NULL unless asked for. */
typedef struct {
  SimTrace   *trace;
  NetPcap    *pcap;
  SimMetrics *metrics;
  SimLadder  *ladder;
  SimSs      *ss;            /* --ss-at */
  SimHtml    *html;
  FILE       *records_csv;   /* --records-csv: "time,name,value" rows */
  SimWatch   *watch;      /* the stepper's (twsim step), owned by it */
  SimConnIndex *conns;    /* the numbering the ladder, HTML and stepper share */
} SimWriters;

typedef struct {
  const char    *trace, *pcap, *metrics, *summary_json, *html;   /* paths, or NULL */
  const char    *records_csv;                                    /* path, or NULL */
  SimTraceFormat trace_format;
  SimTime        trace_from, trace_until;
  SimTime        sample;           /* metrics interval */
  gboolean       ladder;
  SimLadderOptions ladder_opts;
  SimTime       *ss_at;            /* --ss-at times, sorted and distinct; the caller's */
  guint          n_ss_at;
  guint          html_limit;       /* connections the HTML report keeps */
  const GArray  *html_chosen;      /* guint: more it keeps, by number; may be NULL */
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
/* Whether sim_writers_state has a writer to feed: a driver asks first,
 * as it is called for every change of every connection and most runs
 * draw none. */
static inline gboolean
sim_writers_want_state(const SimWriters *w)
{
  return w->conns != NULL || w->ladder != NULL || w->html != NULL || w->watch != NULL;
}
/* The connection numbering the writers that name connections share (the
 * ladder, the HTML report, the stepper), made on first use over the run
 * `view` (borrowed; its network's NATs are joined, conns.h); `w` holds a
 * reference until the run's outputs are closed, a writer takes its own. */
SimConnIndex *
sim_writers_conns(SimWriters *w, const SimRunView *view);
/* A sim.record(name, value) at `now`: a row of --records-csv. */
void
sim_writers_record(SimWriters *w, SimTime now, const char *name, double value);

/* The end of the run, before the summary is printed: the writers that
 * print on stdout as the run goes (the ss listings) print what is due by
 * now, so that it comes before the summary. */
void
sim_writers_end(SimWriters *w, const SimRunView *view);

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

/* Fills `w` with the writers asked for (trace, pcap, metrics, ladder,
 * HTML) over the run seen through `view` (borrowed; it must outlive the
 * writers), and makes the engine's watch hook sample for them.  `w` is
 * borrowed by that hook until sim_run_outputs_close. */
void
sim_run_outputs_attach(SimRunOutputs *outs, const SimRunView *view, SimWriters *w);

/* Finishes every writer (the metrics' last sample, the summary, the HTML
 * page), then
 * commits the files, or removes them if status is SIM_EXIT_INVALID.
 * Returns the status, turned into SIM_EXIT_FAILED if a valid run's output
 * could not be written (the message is printed).  Frees outs. */
SimExit
sim_run_outputs_close(SimRunOutputs *outs, const SimRunView *view, SimWriters *w,
                      SimExit status);

/* Abandons every file before any run (an early error).  NULL is fine. */
void
sim_run_outputs_abandon(SimRunOutputs *outs);
