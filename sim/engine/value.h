/* How every output writes a value: one number format and one CSV field
 * writer, shared by the trace, the summary (text and JSON), the records
 * and metrics files, the sweep tables and the HTML report (JSON strings
 * have their one writer in json.h).  A figure written twice is written the
 * same way twice. */
#pragma once
#include <glib.h>
#include <stdio.h>

/* Room for any number sim_num_format writes, with its NUL. */
#define SIM_NUM_BUF 32

/* The shortest decimal text that reads back as the same double (1/3 is
 * "0.3333333333333333", 0.1 is "0.1", 100 is "100", 1e21 is "1e+21"):
 * "%.Ng" with the fewest significant digits N from 15 to 17 that read
 * back exactly (%g drops trailing zeros, so 0.1 needs no more; from 15,
 * whole numbers below 1e15 keep their plain form), whatever the locale
 * (a '.' always).  The C library's correctly rounded printf makes it the
 * same on every machine.  "nan", "inf" and "-inf" for the values that are
 * not finite.  Writes into buf and returns it. */
const char *
sim_num_format(double value, char buf[SIM_NUM_BUF]);

/* Writes `text` as one CSV field (RFC 4180): bare, or in double quotes
 * (quotes doubled) when it holds a comma, a quote, a CR or LF, or starts
 * or ends with a space (which a reader might trim). */
void
sim_csv_write_field(FILE *out, const char *text);
