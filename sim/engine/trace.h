/* Trace records: one per thing that happened (state change, segment sent,
 * received or dropped, timer, user call, log line), written as text for
 * people or as JSON lines for programs.  Both forms carry the same fields
 * in the same order: a record is a time, a kind, a host and a list of
 * key/value fields, and the two writers only spell it differently.
 *
 *   text:  0.001000000 state client ev=12 from=SYN_SENT to=ESTABLISHED
 *   jsonl: {"t":0.001000000,"kind":"state","host":"client","ev":12,"from":"SYN_SENT","to":"ESTABLISHED"}
 *
 * `ev` is the number of the engine's event the record belongs to (0 for
 * what the scenario's main chunk does before the first event): the number
 * a failure names ("event 12") and --stop-at-event takes, so a record can
 * be found from a failure and a failure's run cut short at it.
 *
 * docs/trace-format.md lists every kind and its fields. */
#pragma once
#include "simtime.h"
#include <stdio.h>

typedef enum {
  SIM_TRACE_TEXT,
  SIM_TRACE_JSONL,
} SimTraceFormat;

typedef struct SimTrace SimTrace;

/* A writer on `out` (not owned: the caller closes it). */
SimTrace *
sim_trace_new(FILE *out, SimTraceFormat format);

void
sim_trace_free(SimTrace *trace);

/* Parses "text" or "jsonl". */
gboolean
sim_trace_format_parse(const char *name, SimTraceFormat *out, GError **error);

typedef struct SimEngine SimEngine;

/* Gives every record from now on the `ev` field: the number of the event
 * `engine` (borrowed; NULL: none) is running. */
void
sim_trace_set_engine(SimTrace *trace, const SimEngine *engine);

/* Records outside [from, until] are not written (defaults: everything). */
void
sim_trace_set_window(SimTrace *trace, SimTime from, SimTime until);

/* Whether a record at time t would be written: callers test this before
 * building a record, so an unwanted trace costs one comparison. */
gboolean
sim_trace_wants(const SimTrace *trace, SimTime t);

/* A record: begin, any number of fields, end.  `host` may be NULL for
 * records that belong to no host. */
void
sim_trace_begin(SimTrace *trace, SimTime t, const char *kind, const char *host);
void
sim_trace_str(SimTrace *trace, const char *key, const char *value);
/* A string field of `len` bytes, which may hold NUL and bytes that are not
 * UTF-8 (a scenario's log message): escaped as json.h says. */
void
sim_trace_strn(SimTrace *trace, const char *key, const char *value, gsize len);
void
sim_trace_int(SimTrace *trace, const char *key, int64_t value);

/* A number that need not be whole (a sim.record value): in the one number
 * format (value.h), a JSON number in jsonl (null if not finite). */
void
sim_trace_num(SimTrace *trace, const char *key, double value);
/* A duration or time field, printed as seconds with nine decimals. */
void
sim_trace_time(SimTrace *trace, const char *key, SimTime value);
void
sim_trace_end(SimTrace *trace);

/* Holding records back, so that a record can be written ahead of records
 * made before it: a socket call's record, written when the call returns
 * with its result, goes before the state changes the call caused.
 * sim_trace_hold() keeps the records that follow back; sim_trace_unhold()
 * lets records through again (the held ones still wait);
 * sim_trace_release() writes the held ones and stops holding. */
void
sim_trace_hold(SimTrace *trace);
void
sim_trace_unhold(SimTrace *trace);
void
sim_trace_release(SimTrace *trace);

/* Flushes buffered records to the stream; FALSE (with error) if writing
 * failed, e.g. the disk is full. */
gboolean
sim_trace_flush(SimTrace *trace, GError **error);
