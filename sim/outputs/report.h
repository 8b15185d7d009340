/* The end-of-run summary: per host, the TCP states held now, TIME_WAIT
 * peak and when, connects by outcome, retransmits, resets and drops; per
 * link, what each direction carried and lost.  Printed on stdout (unless
 * --quiet) and written as JSON with --summary-json: the same facts. */
#pragma once
#include "run-view.h"
#include "net.h"

/* Prints the human summary of the run's network on `out`. */
void
sim_report_print(FILE *out, const SimRunView *view);

/* Writes the summary as one JSON object on `out`. */
void
sim_report_json(FILE *out, const SimRunView *view, int exit_status);

/* Appends the same JSON object to `js` (no newline): the HTML report
 * embeds it. */
void
sim_report_json_append(GString *js, const SimRunView *view, int exit_status);

/* Appends `s` to `js` as a JSON string. */
void
sim_report_json_string(GString *js, const char *s);
