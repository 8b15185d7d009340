/* The end-of-run summary: per host, the TCP states held now, TIME_WAIT
 * peak and when, connects by outcome, retransmits, resets and drops; per
 * router with NAT, its conntrack entries by state and its NAT counters;
 * per link, what each direction carried and lost.  Printed on stdout (unless
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
