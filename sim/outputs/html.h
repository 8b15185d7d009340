/* --html FILE: one self-contained page about the run, for labs and
 * reports: each connection's sequence diagram (sloped arrows from send to
 * arrival, drops and retransmissions marked, a segment's fields on hover),
 * each socket's states over time, the RFC 9293 state diagram with how many
 * times this run took each transition, every host's states sampled over
 * time, and the end-of-run summary (report.h's JSON, drawn as tables).
 *
 * The writer records what it needs as the run goes and writes the page
 * when the run ends: the template (html-template.html, embedded at build
 * time: inline CSS and JS, nothing fetched) with the run's data as JSON.
 *
 * Memory is bounded whatever the run's size, but for the shared
 * numbering's small record of every connection (conns.h):
 *   - segments and state changes are kept for the first `limit`
 *     connections and for those chosen by number (--html-conn), at most
 *     HTML_SEGS_PER_CONN segments each and HTML_SEGS_TOTAL in all; the
 *     page says how many connections and segments it left out.  A
 *     connection left out costs a small record while it lives, and its
 *     entry in the shared numbering (its ends and number) after;
 *   - hosts' states are sampled on a grid that doubles its interval
 *     whenever HTML_SAMPLES samples are held, for the first
 *     HTML_CHART_HOSTS hosts;
 *   - transition counts are per host, 11 x 11 counters.
 *
 * Connections are numbered by the run's shared numbering (conns.h), as the
 * ladder and the stepper number them: #1, #2 ... in the order they are
 * first seen; a new SYN (a different initial sequence number) or a new
 * open on an ended 4-tuple starts a new connection, and the two sides of a
 * NAT'd connection are one.  A segment is a
 * retransmission when it carries sequence space below the highest its
 * sender had sent on that connection (as Wireshark's analysis decides).
 *
 * Byte-identical for the same run: nothing of the wall clock, addresses
 * or hash order reaches the page. */
#pragma once
#include "run-view.h"
#include "net.h"
#include "tcp-stack.h"
#include "conns.h"

#define HTML_SEGS_PER_CONN 2000
#define HTML_SEGS_TOTAL    25000
#define HTML_SAMPLES       256
#define HTML_CHART_HOSTS   32

typedef struct SimHtml SimHtml;

/* A writer over the run seen through `view` (borrowed), keeping the first
 * `limit` connections and those numbered in `chosen` (may be NULL), by the
 * numbers of `conns` (the run's shared numbering, conns.h, so that #N here
 * is #N in the ladder; it takes a reference). */
SimHtml *
sim_html_new(const SimRunView *view, guint limit, const GArray *chosen, SimConnIndex *conns);

void
sim_html_free(SimHtml *html);

/* A network event (send, arrival, drop). */
void
sim_html_segment(SimHtml *html, const NetEvent *ev);

/* A TCP state change at `now`. */
void
sim_html_state(SimHtml *html, SimTime now, const TcpStateEvent *ev);

/* Samples every host for each grid time strictly before `t`; returns the
 * next grid time (for the engine's watch hook). */
SimTime
sim_html_advance(SimHtml *html, SimTime t);

/* Writes the page on `out` for the run that ended at the engine's now with
 * `exit_status`. */
void
sim_html_write(SimHtml *html, FILE *out, int exit_status);
