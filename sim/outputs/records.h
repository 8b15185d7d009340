/* The figures a scenario records with sim.record(name, value): one value per
 * name, the last one recorded, kept in first-recorded order.  Filled by
 * lsim.c, written at the end of a run (`twsim run --records FILE`) for the
 * sweep that started the run to aggregate across seeds (docs/sweeps.md). */
#pragma once
#include <glib.h>

typedef struct SimRecords SimRecords;

SimRecords *
sim_records_new(void);

void
sim_records_free(SimRecords *records);

/* Whether `name` may be recorded: non-empty, no control characters (a
 * records file is one "name<TAB>value" line per name). */
gboolean
sim_records_name_ok(const char *name, gsize len);

/* Sets name's value (copies name); a new name goes after the others. */
void
sim_records_set(SimRecords *records, const char *name, double value);

guint
sim_records_count(const SimRecords *records);

const char *
sim_records_name(const SimRecords *records, guint i);

double
sim_records_value(const SimRecords *records, guint i);

/* Formats a finite value in the fewest significant digits (15 to 17) that
 * read back as the same double, "%.Ng" style, into buf (SIM_RECORDS_NUM_BUF
 * bytes).  The C library's correctly rounded printf makes it the same on
 * every machine.  Returns buf. */
#define SIM_RECORDS_NUM_BUF 40
char *
sim_records_format_value(double value, char *buf);

/* Writes every record as "name<TAB>value\n" to path, through a temporary
 * file renamed into place (sim/engine/output.h).  FALSE with error on failure. */
gboolean
sim_records_write(const SimRecords *records, const char *path, GError **error);
