/* Text and JSON-lines trace writers (see trace.h). */
#include "trace.h"
#include "engine.h"
#include "json.h"
#include "value.h"
#include "simerror.h"
#include <errno.h>
#include <string.h>

struct SimTrace {
  FILE          *out;
  SimTraceFormat format;
  SimTime        from, until;
  const SimEngine *engine;  /* for each record's event number; NULL: none */
  GString       *line;      /* the record being built */
  GString       *held;      /* records held back (sim_trace_hold) */
  gboolean       holding;   /* records go to `held`, not to `out` */
  gboolean       failed;    /* a write failed: reported by flush */
  int            saved_errno;
};

SimTrace *
sim_trace_new(FILE *out, SimTraceFormat format)
{
  SimTrace *t = g_new0(SimTrace, 1);
  t->out = out;
  t->format = format;
  t->from = 0;
  t->until = SIM_TIME_MAX;
  t->line = g_string_sized_new(256);
  t->held = g_string_new(NULL);
  return t;
}

void
sim_trace_free(SimTrace *trace)
{
  if (trace == NULL) return;
  g_string_free(trace->line, TRUE);
  g_string_free(trace->held, TRUE);
  g_free(trace);
}

gboolean
sim_trace_format_parse(const char *name, SimTraceFormat *out, GError **error)
{
  if (g_strcmp0(name, "text") == 0) *out = SIM_TRACE_TEXT;
  else if (g_strcmp0(name, "jsonl") == 0) *out = SIM_TRACE_JSONL;
  else {
    g_set_error(error, SIM_ERROR, SIM_ERROR_INVALID,
                "unknown trace format '%s' (text or jsonl)", name);
    return FALSE;
  }
  return TRUE;
}

void
sim_trace_set_engine(SimTrace *trace, const SimEngine *engine)
{
  trace->engine = engine;
}

void
sim_trace_set_window(SimTrace *trace, SimTime from, SimTime until)
{
  trace->from = from;
  trace->until = until;
}

gboolean
sim_trace_wants(const SimTrace *trace, SimTime t)
{
  return trace != NULL && t >= trace->from && t <= trace->until;
}

/* Text values are written bare unless they hold a space, '"', '=' or a
 * control character; then they are quoted with JSON's escapes, so a line
 * still splits unambiguously on spaces. */
static void
append_text_value(GString *out, const char *s)
{
  gboolean bare = *s != '\0';
  for (const unsigned char *p = (const unsigned char *)s; *p && bare; p++)
    bare = *p > ' ' && *p != '"' && *p != '=' && *p != 0x7f;
  if (bare) {
    g_string_append(out, s);
    return;
  }
  sim_json_append_string(out, s, -1);
}

void
sim_trace_begin(SimTrace *trace, SimTime t, const char *kind, const char *host)
{
  char buf[SIM_TIME_BUF];
  GString *l = trace->line;
  g_string_truncate(l, 0);
  sim_time_format(t, buf);
  if (trace->format == SIM_TRACE_TEXT) {
    g_string_append_printf(l, "%s %s %s", buf, kind, host ? host : "-");
  } else {
    g_string_append_printf(l, "{\"t\":%s,\"kind\":", buf);
    sim_json_append_string(l, kind, -1);
    if (host) {
      g_string_append(l, ",\"host\":");
      sim_json_append_string(l, host, -1);
    }
  }
  if (trace->engine) sim_trace_int(trace, "ev", (int64_t)sim_engine_events(trace->engine));
}

static void
append_key(SimTrace *trace, const char *key)
{
  if (trace->format == SIM_TRACE_TEXT)
    g_string_append_printf(trace->line, " %s=", key);
  else
    g_string_append_printf(trace->line, ",\"%s\":", key);
}

void
sim_trace_str(SimTrace *trace, const char *key, const char *value)
{
  append_key(trace, key);
  if (trace->format == SIM_TRACE_TEXT) {
    append_text_value(trace->line, value);
  } else {
    sim_json_append_string(trace->line, value, -1);
  }
}

void
sim_trace_strn(SimTrace *trace, const char *key, const char *value, gsize len)
{
  if (memchr(value, '\0', len) == NULL) {
    sim_trace_str(trace, key, value);
    return;
  }
  append_key(trace, key);
  sim_json_append_string(trace->line, value, (gssize)len);
}

void
sim_trace_int(SimTrace *trace, const char *key, int64_t value)
{
  append_key(trace, key);
  g_string_append_printf(trace->line, "%" G_GINT64_FORMAT, value);
}

void
sim_trace_num(SimTrace *trace, const char *key, double value)
{
  append_key(trace, key);
  if (trace->format == SIM_TRACE_JSONL) {
    sim_json_append_number(trace->line, value);
  } else {
    char buf[SIM_NUM_BUF];
    g_string_append(trace->line, sim_num_format(value, buf));
  }
}

void
sim_trace_time(SimTrace *trace, const char *key, SimTime value)
{
  char buf[SIM_TIME_BUF];
  append_key(trace, key);
  g_string_append(trace->line, sim_time_format(value, buf));
}

static void
write_out(SimTrace *trace, const GString *text)
{
  if (fwrite(text->str, 1, text->len, trace->out) != text->len && !trace->failed) {
    trace->failed = TRUE;
    trace->saved_errno = errno;
  }
}

void
sim_trace_end(SimTrace *trace)
{
  if (trace->format == SIM_TRACE_JSONL) g_string_append_c(trace->line, '}');
  g_string_append_c(trace->line, '\n');
  if (trace->holding) g_string_append_len(trace->held, trace->line->str, trace->line->len);
  else write_out(trace, trace->line);
}

void
sim_trace_hold(SimTrace *trace)
{
  if (trace) trace->holding = TRUE;
}

void
sim_trace_unhold(SimTrace *trace)
{
  if (trace) trace->holding = FALSE;
}

void
sim_trace_release(SimTrace *trace)
{
  if (trace == NULL) return;
  trace->holding = FALSE;
  if (trace->held->len == 0) return;
  write_out(trace, trace->held);
  g_string_truncate(trace->held, 0);
}

gboolean
sim_trace_flush(SimTrace *trace, GError **error)
{
  sim_trace_release(trace);
  if (fflush(trace->out) != 0 && !trace->failed) {
    trace->failed = TRUE;
    trace->saved_errno = errno;
  }
  if (trace->failed) {
    g_set_error(error, SIM_ERROR, SIM_ERROR_IO, "cannot write the trace: %s",
                g_strerror(trace->saved_errno));
    return FALSE;
  }
  return TRUE;
}
