/* twsim run: parses the run's options, runs the scenario, writes the
 * outputs, and turns the run's outcome into an exit status (DESIGN.md,
 * "Command line").  The only place, with main.c, that knows exit statuses. */
#include "run.h"
#include "cli-words.h"
#include "api.h"
#include "lsim.h"
#include "outputs.h"
#include "output.h"
#include "report.h"
#include "watchdog.h"
#include "signals.h"
#include "simerror.h"
#include "closest.h"
#include <errno.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#ifdef TWSIM_TEST_HOOKS
/* Only in the test build of the command (tests/meson.build). */
void
twsim_test_hooks_install(lua_State *L);
#endif

/* Command-line values as GOption fills them, before they are checked. */
typedef struct {
  char   *seed;
  char   *until;
  char  **set;
  char   *trace;
  char   *trace_format;
  char   *pcap;
  char   *pcap_at;
  char   *max_events;
  char   *timeout;
  char   *max_memory;
  char   *fail_alloc;     /* hidden, for tests: refuse the Nth allocation on */
  gboolean sandbox;
  gboolean check;
  gboolean quiet;
  char   *trace_from;
  char   *trace_until;
  char   *stop_at_event;
  char   *metrics;
  char   *sample;
  char   *summary_json;
  char   *summary_hosts;
  char   *records_csv;
  gboolean ladder;
  char   *ladder_limit;
  char  **ss_at;          /* --ss-at, repeatable */
  char   *html;
  char   *html_limit;
  char  **html_conn;
  char   *ladder_width;
  char   *ladder_conn;
  char   *ladder_from;
  char   *ladder_until;
  char   *records;        /* hidden: sim.record's values, for sweeps */
  gboolean check_options; /* hidden: check the options, run nothing */
} RawOptions;

/* Frees what GOption allocated into raw. */
static void
raw_options_clear(RawOptions *raw)
{
  char **strings[] = { &raw->seed, &raw->until, &raw->trace, &raw->trace_format,
                       &raw->max_events, &raw->timeout, &raw->max_memory,
                       &raw->trace_from, &raw->trace_until, &raw->stop_at_event,
                       &raw->records, &raw->pcap, &raw->pcap_at, &raw->metrics,
                       &raw->sample, &raw->summary_json, &raw->ladder_limit,
                       &raw->html, &raw->html_limit, &raw->summary_hosts,
                       &raw->records_csv, &raw->ladder_width, &raw->ladder_conn,
                       &raw->ladder_from, &raw->ladder_until, &raw->fail_alloc };
  for (gsize i = 0; i < G_N_ELEMENTS(strings); i++) g_clear_pointer(strings[i], g_free);
  g_clear_pointer(&raw->set, g_strfreev);
  g_clear_pointer(&raw->ss_at, g_strfreev);
  g_clear_pointer(&raw->html_conn, g_strfreev);
}

/* Prints one line and exits 2: an invalid command line or scenario. */
G_GNUC_PRINTF(1, 2) G_NORETURN static void
die_invalid(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  int status = cli_usage_errorv(FALSE, fmt, ap);
  va_end(ap);
  exit(status);
}

static guint64
parse_count(const char *option, const char *text, guint64 min)
{
  guint64 v;
  GError *error = NULL;
  if (!g_ascii_string_to_unsigned(text, 10, min, G_MAXUINT64, &v, &error))
    die_invalid("%s: %s", option, error->message);
  return v;
}

/* A duration option: a number of seconds or a string with a unit. */
static SimTime
parse_duration(const char *option, const char *text)
{
  GError *error = NULL;
  SimTime t;
  char *end;
  double secs = g_ascii_strtod(text, &end);
  gboolean ok = *end == '\0' && end != text
              ? sim_time_from_seconds(secs, &t, &error)
              : sim_time_parse(text, &t, &error);
  if (!ok) die_invalid("%s: %s", option, error->message);
  return t;
}

static void
check_options(const RawOptions *raw, SimRunOptions *opts)
{
  opts->seed = raw->seed ? parse_count("--seed", raw->seed, 0) : 1;
  opts->until = raw->until ? parse_duration("--until", raw->until) : SIM_TIME_MAX;
  if (raw->max_events) opts->max_events = parse_count("--max-events", raw->max_events, 1);
  if (raw->stop_at_event)
    opts->stop_at_event = parse_count("--stop-at-event", raw->stop_at_event, 1);
  if (raw->timeout) {
    char *end;
    opts->timeout = g_ascii_strtod(raw->timeout, &end);
    if (*end != '\0' || end == raw->timeout || !(opts->timeout > 0) || opts->timeout > 1e9)
      die_invalid("--timeout: expected a positive number of seconds, got '%s'", raw->timeout);
  }
  if (raw->max_memory)
    opts->max_memory = parse_count("--max-memory", raw->max_memory, 1) << 20;
  else if (raw->sandbox)
    opts->max_memory = (gsize)512 << 20;   /* the sandbox bounds memory by default */
  if (raw->fail_alloc) opts->fail_alloc = parse_count("--fail-alloc", raw->fail_alloc, 1);
  opts->sandbox = raw->sandbox;
  opts->check = raw->check;
  /* A capture on stdout must not have text mixed into it: the summary is
   * left out, and the scenario's print and sim.log go to stderr. */
  opts->quiet = raw->quiet || g_strcmp0(raw->pcap, "-") == 0;
  opts->text_to_stderr = g_strcmp0(raw->pcap, "-") == 0;
  opts->set_pairs = g_ptr_array_new_with_free_func(g_free);
  opts->params = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  for (char **kv = raw->set; kv && *kv; kv++) {
    const char *eq = strchr(*kv, '=');
    if (eq == NULL || eq == *kv)
      die_invalid("--set: expected KEY=VALUE, got '%s'", *kv);
    g_ptr_array_add(opts->set_pairs, g_strdup(*kv));
    g_hash_table_replace(opts->params, g_strndup(*kv, (gsize)(eq - *kv)), g_strdup(eq + 1));
  }
}

static gint
compare_times(gconstpointer a, gconstpointer b)
{
  SimTime x = *(const SimTime *)a, y = *(const SimTime *)b;
  return x < y ? -1 : x > y;
}

/* --ss-at TIME...: sorted, each time once. */
static void
check_ss_at(const RawOptions *raw, SimOutputRequest *req)
{
  guint n = raw->ss_at ? g_strv_length(raw->ss_at) : 0;
  if (n == 0) return;
  req->ss_at = g_new(SimTime, n);
  for (guint i = 0; i < n; i++) req->ss_at[i] = parse_duration("--ss-at", raw->ss_at[i]);
  qsort(req->ss_at, n, sizeof *req->ss_at, compare_times);
  req->n_ss_at = 0;
  for (guint i = 0; i < n; i++)
    if (i == 0 || req->ss_at[i] != req->ss_at[i - 1]) req->ss_at[req->n_ss_at++] = req->ss_at[i];
}

/* --html FILE, and which connections it keeps: the first --html-limit N
 * (default 50) and those numbered by --html-conn (a comma-separated list,
 * repeatable).  req->html_chosen is a new array the caller frees. */
static void
check_html_options(const RawOptions *raw, SimOutputRequest *req)
{
  req->html = raw->html;
  req->html_limit = raw->html_limit
    ? (guint)MIN(parse_count("--html-limit", raw->html_limit, 0), G_MAXUINT) : 50;
  if (raw->html_conn == NULL) return;
  GArray *chosen = g_array_new(FALSE, FALSE, sizeof(guint));
  for (char **arg = raw->html_conn; *arg; arg++) {
    char **numbers = g_strsplit(*arg, ",", -1);
    for (char **n = numbers; *n; n++) {
      guint v = (guint)MIN(parse_count("--html-conn", *n, 1), G_MAXUINT);
      g_array_append_val(chosen, v);
    }
    g_strfreev(numbers);
  }
  req->html_chosen = chosen;
}

/* The width of the terminal on stdout, or 0 if stdout is not one. */
static guint
terminal_width(void)
{
  struct winsize ws;
  if (!isatty(STDOUT_FILENO) || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) != 0) return 0;
  return ws.ws_col;
}

/* --ladder and its options: the width is --ladder-width, else the
 * terminal's (at least the narrowest the ladder draws), else 100. */
static void
check_ladder_options(const RawOptions *raw, SimOutputRequest *req)
{
  SimLadderOptions *o = &req->ladder_opts;
  req->ladder = raw->ladder;
  o->limit = raw->ladder_limit
    ? (guint)MIN(parse_count("--ladder-limit", raw->ladder_limit, 1), G_MAXUINT) : 20;
  if (raw->ladder_width) {
    guint64 w;
    if (!g_ascii_string_to_unsigned(raw->ladder_width, 10, SIM_LADDER_MIN_WIDTH,
                                    SIM_LADDER_MAX_WIDTH, &w, NULL))
      die_invalid("--ladder-width: expected a number of columns from %d to %d, got '%s'",
                  SIM_LADDER_MIN_WIDTH, SIM_LADDER_MAX_WIDTH, raw->ladder_width);
    o->width = (guint)w;
  } else {
    guint tw = terminal_width();
    o->width = tw ? CLAMP(tw, SIM_LADDER_MIN_WIDTH, SIM_LADDER_MAX_WIDTH)
                  : SIM_LADDER_DEFAULT_WIDTH;
  }
  o->only_conn = raw->ladder_conn
    ? (guint)MIN(parse_count("--ladder-conn", raw->ladder_conn, 1), G_MAXUINT) : 0;
  o->from = raw->ladder_from ? parse_duration("--ladder-from", raw->ladder_from) : 0;
  o->until = raw->ladder_until ? parse_duration("--ladder-until", raw->ladder_until)
                               : SIM_TIME_MAX;
  if (o->from > o->until)
    die_invalid("--ladder-from: %s is after --ladder-until %s", raw->ladder_from,
                raw->ladder_until);
}

/* An option that only shapes another output (--ladder-width without
 * --ladder) would be ignored without a word: refused, naming both. */
static void
check_options_need_their_output(const RawOptions *raw)
{
  const struct { gboolean given; const char *option; gboolean output; const char *needs; } deps[] = {
    { raw->trace_format != NULL, "--trace-format", raw->trace != NULL, "--trace" },
    { raw->trace_from != NULL, "--trace-from", raw->trace != NULL, "--trace" },
    { raw->trace_until != NULL, "--trace-until", raw->trace != NULL, "--trace" },
    { raw->pcap_at != NULL, "--pcap-at", raw->pcap != NULL, "--pcap" },
    { raw->sample != NULL, "--sample", raw->metrics != NULL, "--metrics" },
    { raw->ladder_limit != NULL, "--ladder-limit", raw->ladder, "--ladder" },
    { raw->ladder_width != NULL, "--ladder-width", raw->ladder, "--ladder" },
    { raw->ladder_conn != NULL, "--ladder-conn", raw->ladder, "--ladder" },
    { raw->ladder_from != NULL, "--ladder-from", raw->ladder, "--ladder" },
    { raw->ladder_until != NULL, "--ladder-until", raw->ladder, "--ladder" },
    { raw->html_limit != NULL, "--html-limit", raw->html != NULL, "--html" },
    { raw->html_conn != NULL, "--html-conn", raw->html != NULL, "--html" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(deps); i++)
    if (deps[i].given && !deps[i].output)
      die_invalid("%s: given without %s", deps[i].option, deps[i].needs);
}

/* The output options: files, trace format and window, metrics interval,
 * ladder, ss listings.  Dies (exit 2) naming the option on any mistake. */
static void
check_output_options(const RawOptions *raw, SimOutputRequest *req)
{
  GError *error = NULL;
  check_options_need_their_output(raw);
  req->trace = raw->trace;
  req->pcap = raw->pcap;
  req->metrics = raw->metrics;
  req->summary_json = raw->summary_json;
  req->records_csv = raw->records_csv;
  req->trace_format = SIM_TRACE_TEXT;
  if (raw->trace_format && !sim_trace_format_parse(raw->trace_format, &req->trace_format, &error))
    die_invalid("--trace-format: %s", error->message);
  req->trace_from = raw->trace_from ? parse_duration("--trace-from", raw->trace_from) : 0;
  req->trace_until = raw->trace_until ? parse_duration("--trace-until", raw->trace_until) : SIM_TIME_MAX;
  if (req->trace_from > req->trace_until)
    die_invalid("--trace-from: %s is after --trace-until %s", raw->trace_from, raw->trace_until);
  req->sample = raw->sample ? parse_duration("--sample", raw->sample) : SIM_S;
  if (req->sample <= 0) die_invalid("--sample: must be a positive duration");
  check_ladder_options(raw, req);
  check_ss_at(raw, req);
  check_html_options(raw, req);
}

/* Two outputs on one file would overwrite each other (the last renamed
 * wins), and two on stdout would mix: refused, naming both options.  A
 * capture on stdout takes stdout whole: no ladder there either. */
static void
check_output_paths(const RawOptions *raw)
{
  const struct { const char *option, *path; } outs[] = {
    { "--trace", raw->trace }, { "--pcap", raw->pcap }, { "--metrics", raw->metrics },
    { "--summary-json", raw->summary_json }, { "--records", raw->records },
    { "--html", raw->html }, { "--records-csv", raw->records_csv },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(outs); i++)
    for (gsize j = i + 1; j < G_N_ELEMENTS(outs) && outs[i].path; j++)
      if (outs[j].path && sim_output_same_file(outs[i].path, outs[j].path))
        die_invalid("%s %s: the same file as %s %s (give each output its own file)",
                    outs[j].option, outs[j].path, outs[i].option, outs[i].path);
  if (g_strcmp0(raw->pcap, "-") == 0 && raw->ladder)
    die_invalid("--ladder: cannot share stdout with --pcap - (the capture would be corrupted)");
  if (g_strcmp0(raw->pcap, "-") == 0 && raw->ss_at)
    die_invalid("--ss-at: cannot share stdout with --pcap - (the capture would be corrupted)");
}

/* --records (for sweeps): sim.record's values, unless the run is invalid.
 * Returns the run's status, FAILED if a valid run could not write them. */
static SimExit
write_records(SimWorld *world, const char *path, SimExit status)
{
  GError *error = NULL;
  if (status == SIM_EXIT_INVALID || sim_records_write(world->records, path, &error))
    return status;
  fprintf(stderr, "twsim: %s\n", error->message);
  g_error_free(error);
  return status == SIM_EXIT_OK ? SIM_EXIT_FAILED : status;
}

/* The one-line command that reproduces this run. */
static char *
repro_command(const SimRunOptions *opts, const RawOptions *raw)
{
  GString *cmd = g_string_new("twsim run ");
  cli_append_shell_word(cmd, opts->scenario);
  g_string_append_printf(cmd, " --seed %" G_GUINT64_FORMAT, opts->seed);
  for (guint i = 0; i < opts->set_pairs->len; i++) {
    g_string_append(cmd, " --set ");
    cli_append_shell_word(cmd, g_ptr_array_index(opts->set_pairs, i));
  }
  /* The limits too: without them, a run stopped by one (a loop that never
   * ends) would run for ever when reproduced. */
  const struct { const char *option, *value; } valued[] = {
    { "--until", raw->until }, { "--max-events", raw->max_events },
    { "--timeout", raw->timeout }, { "--max-memory", raw->max_memory },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(valued); i++) {
    if (valued[i].value == NULL) continue;
    g_string_append_printf(cmd, " %s ", valued[i].option);
    cli_append_shell_word(cmd, valued[i].value);
  }
  if (raw->sandbox) g_string_append(cmd, " --sandbox");
  if (raw->check) g_string_append(cmd, " --check");
  return g_string_free(cmd, FALSE);
}

static int
run_to_the_end(lua_State *L)
{
  sim_lua_run(L, SIM_TIME_MAX);
  return 0;
}

/* Records the error on top of L's stack (made by sim_lua_error_handler)
 * as the run's failure. */
static void
note_lua_failure(SimWorld *world, lua_State *L)
{
  if (sim_lua_error_is_stop(L, -1)) return;   /* --stop-at-event: not a failure */
  world->failed = TRUE;
  sim_world_note_error(world, sim_lua_error_text(L, -1, NULL, 0));
}

/* Calls the function on top of L with the error handler that names the
 * scenario line; the outcome goes to the world. */
static void
call_scenario(SimWorld *world, lua_State *L)
{
  lua_pushcfunction(L, sim_lua_error_handler);
  lua_insert(L, -2);
  if (lua_pcall(L, 0, 0, -2) != LUA_OK) note_lua_failure(world, L);
  lua_settop(L, 0);
}

/* The syntax error of a scenario, with a hint for `sim.run{until = ...}`:
 * `until` is a Lua keyword, so the table needs ["until"]. */
static void
note_syntax_error(SimWorld *world, const char *msg)
{
  if (strstr(msg, "near 'until'") == NULL) {
    sim_world_note_error(world, msg);
    return;
  }
  char *m = g_strdup_printf("%s (until is a Lua keyword: write sim.run{ [\"until\"] = \"60s\" })",
                            msg);
  sim_world_note_error(world, m);
  g_free(m);
}

/* luaL_loadfilex, protected (its chunk name and buffer are allocations
 * that may be refused): leaves the chunk or the message, then the status.
 * Argument 1: the path, a light userdata. */
static int
load_protected(lua_State *L)
{
  int status = luaL_loadfilex(L, lua_touserdata(L, 1), "t");
  lua_pushinteger(L, status);
  return 2;
}

/* Loads and runs the scenario in world; the outcome lands in the world's
 * flags and message.  The run's first line is printed (unless quiet) once
 * the scenario has loaded: an unreadable file or a syntax error prints
 * only its error. */
static void
run_scenario(SimWorld *world, const char *path, gboolean quiet)
{
  lua_State *L = world->L;
  lua_pushcfunction(L, load_protected);
  lua_pushlightuserdata(L, (void *)path);
  int status = lua_pcall(L, 1, 2, 0);
  if (status == LUA_OK) {
    status = (int)lua_tointeger(L, -1);
    lua_pop(L, 1);
  }
  if (status == LUA_ERRMEM) {    /* the scenario is not at fault */
    sim_world_set_limit(world, "out of memory");
    return;
  }
  if (status != LUA_OK) {
    world->invalid = TRUE;
    if (status == LUA_ERRFILE) {
      char *m = g_strdup_printf("%s: cannot read the scenario: %s", path,
                                g_strerror(errno ? errno : ENOENT));
      sim_world_note_error(world, m);
      g_free(m);
    } else {
      /* Lua's messages name the file and line, except the refusal of a
       * binary (precompiled) chunk, which names neither. */
      const char *msg = lua_tostring(L, -1);
      if (!g_str_has_prefix(msg, path) && !g_str_has_prefix(msg, "..."))
        msg = lua_pushfstring(L, "%s:1: %s (a scenario is Lua source text)", path, msg);
      note_syntax_error(world, msg);
    }
    return;
  }
  if (!quiet)
    fprintf(world->text, "twsim: %s seed %" G_GUINT64_FORMAT "\n", path, world->run.seed);
  call_scenario(world, L);
  /* A scenario that never calls sim.run runs to the end after its chunk. */
  guint64 pending = sim_engine_pending(world->run.engine);
  if (!world->ran && !world->message && pending > 0) {
    lua_pushcfunction(L, run_to_the_end);
    call_scenario(world, L);
    /* A mistake worth a word only if the run went well: else its error
     * is the one line that matters. */
    if (!world->message)
      sim_world_warning(world, path, "sim.run is never called: the scenario's own figures "
                        "(print, sim.record) were taken at t=0, before its %" G_GUINT64_FORMAT
                        " pending event%s ran", pending, pending == 1 ? "" : "s");
  }
  sim_world_settle_memory(world);
}

/* Flushes stdout: a run whose summary (or capture, or log) could not be
 * written did not succeed. */
static SimExit
check_stdout(SimExit status)
{
  if (fflush(stdout) == 0 && !ferror(stdout)) return status;
  fprintf(stderr, "twsim: standard output: cannot write: %s\n", g_strerror(errno));
  return status == SIM_EXIT_OK ? SIM_EXIT_FAILED : status;
}

static int
compare_names(const void *a, const void *b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A --set KEY=VALUE whose KEY the scenario never read with sim.param is a
 * warning (a typo: --set clinets=100), with the closest key it did read. */
static void
warn_unread_params(SimWorld *world, const SimRunOptions *opts)
{
  guint n_read;
  const char **read = (const char **)g_hash_table_get_keys_as_array(world->params_read, &n_read);
  qsort(read, n_read, sizeof *read, compare_names);
  for (guint i = 0; i < opts->set_pairs->len; i++) {
    const char *pair = g_ptr_array_index(opts->set_pairs, i);
    char *key = g_strndup(pair, (gsize)(strchr(pair, '=') - pair));
    if (!g_hash_table_contains(world->params_read, key)) {
      char *hint = sim_closest_hint(key, read, n_read);
      char *where = g_strdup_printf("--set %s", pair);
      sim_world_warning(world, where, "%s never reads '%s' with sim.param%s",
                        opts->scenario, key, hint);
      g_free(where);
      g_free(hint);
    }
    g_free(key);
  }
  g_free(read);
}

static void
report_outcome(SimWorld *world, SimExit status, const SimRunOptions *opts,
               const RawOptions *raw)
{
  /* No message: the run went well and an output could not be written,
   * which sim_run_outputs_close or check_stdout said. */
  if (status == SIM_EXIT_OK || world->message == NULL) return;
  if (status == SIM_EXIT_INVALID && world->message_event == 0) {
    fprintf(stderr, "twsim: %s\n", world->message);
    return;
  }
  char buf[SIM_TIME_BUF];
  fprintf(stderr, "twsim: %s (seed %" G_GUINT64_FORMAT ", t=%s s, event %" G_GUINT64_FORMAT ")\n",
          world->message ? world->message : "failed", opts->seed,
          sim_time_format(world->message_time, buf), world->message_event);
  char *cmd = repro_command(opts, raw);
  fprintf(stderr, "twsim: reproduce with: %s\n", cmd);
  g_free(cmd);
}

int
run_command(int argc, char **argv)
{
  const RunDriver plain = { .summary = "SCENARIO.lua - run a scenario" };
  return run_command_driven(argc, argv, &plain);
}

int
run_command_driven(int argc, char **argv, const RunDriver *driver)
{
  run_signals_install();
  RawOptions raw = { 0 };
  const GOptionEntry entries[] = {
    { "seed", 0, 0, G_OPTION_ARG_STRING, &raw.seed, "Seed of every random stream (default 1)", "N" },
    { "until", 0, 0, G_OPTION_ARG_STRING, &raw.until, "Stop at this virtual time (overrides sim.run's)", "DURATION" },
    { "set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &raw.set, "Scenario parameter, read with sim.param (repeatable)", "KEY=VALUE" },
    { "trace", 0, 0, G_OPTION_ARG_FILENAME, &raw.trace, "Write a trace of every event to FILE (- for stdout)", "FILE" },
    { "trace-format", 0, 0, G_OPTION_ARG_STRING, &raw.trace_format, "Trace format: text (default) or jsonl", "FORMAT" },
    { "pcap", 0, 0, G_OPTION_ARG_FILENAME, &raw.pcap, "Write every packet, as its sender puts it on the wire, to FILE (classic pcap, - for stdout)", "FILE" },
    { "pcap-at", 0, 0, G_OPTION_ARG_STRING, &raw.pcap_at, "With --pcap: capture only what HOST sends and receives, as tcpdump on it would", "HOST" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &raw.quiet, "Print neither the first line nor the summary", NULL },
    { "max-events", 0, 0, G_OPTION_ARG_STRING, &raw.max_events, "Stop (exit 3) after N events", "N" },
    { "timeout", 0, 0, G_OPTION_ARG_STRING, &raw.timeout, "Stop (exit 3) after this many wall-clock seconds", "SECONDS" },
    { "max-memory", 0, 0, G_OPTION_ARG_STRING, &raw.max_memory, "Stop (exit 3) when the scenario's Lua state holds more than MB megabytes", "MB" },
    { "sandbox", 0, 0, G_OPTION_ARG_NONE, &raw.sandbox, "Run an untrusted scenario: no io, os, require, debug, binary chunks", NULL },
    { "check", 0, 0, G_OPTION_ARG_NONE, &raw.check, "Check the models' invariants after every event (slow; aborts on a broken one)", NULL },
    { "trace-from", 0, 0, G_OPTION_ARG_STRING, &raw.trace_from, "Trace only records at or after this virtual time", "DURATION" },
    { "trace-until", 0, 0, G_OPTION_ARG_STRING, &raw.trace_until, "Trace only records at or before this virtual time", "DURATION" },
    { "stop-at-event", 0, 0, G_OPTION_ARG_STRING, &raw.stop_at_event, "Stop right after event N (exit 0 if nothing failed before)", "N" },
    { "records", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, &raw.records, "Write sim.record's values to FILE", "FILE" },
    { "metrics", 0, 0, G_OPTION_ARG_FILENAME, &raw.metrics, "Write TCP states and counters of every host, sampled every --sample, to FILE.csv", "FILE.csv" },
    { "sample", 0, 0, G_OPTION_ARG_STRING, &raw.sample, "Metrics interval (default 1s)", "DURATION" },
    { "records-csv", 0, 0, G_OPTION_ARG_FILENAME, &raw.records_csv, "Write every sim.record value as a time,name,value row to FILE.csv", "FILE.csv" },
    { "ladder", 0, 0, G_OPTION_ARG_NONE, &raw.ladder, "Draw each connection's segments and state changes as a ladder diagram", NULL },
    { "ladder-limit", 0, 0, G_OPTION_ARG_STRING, &raw.ladder_limit, "Draw only the first N connections (default 20)", "N" },
    { "ladder-width", 0, 0, G_OPTION_ARG_STRING, &raw.ladder_width, "Draw the ladder N columns wide, 72 or more (default: the terminal's width, else 100)", "N" },
    { "ladder-conn", 0, 0, G_OPTION_ARG_STRING, &raw.ladder_conn, "Draw only connection #N", "N" },
    { "ladder-from", 0, 0, G_OPTION_ARG_STRING, &raw.ladder_from, "Draw only rows at or after this virtual time", "DURATION" },
    { "ladder-until", 0, 0, G_OPTION_ARG_STRING, &raw.ladder_until, "Draw only rows at or before this virtual time", "DURATION" },
    { "ss-at", 0, 0, G_OPTION_ARG_STRING_ARRAY, &raw.ss_at, "Print every host's sockets at this virtual time, as ss -tano does (repeatable)", "DURATION" },
    { "summary-json", 0, 0, G_OPTION_ARG_FILENAME, &raw.summary_json, "Write the end-of-run summary as JSON to FILE", "FILE" },
    { "html", 0, 0, G_OPTION_ARG_FILENAME, &raw.html, "Write a self-contained HTML report to FILE: sequence diagrams, socket states, the state diagram with this run's counts, states over time, the summary", "FILE" },
    { "html-limit", 0, 0, G_OPTION_ARG_STRING, &raw.html_limit, "Keep the first N connections in the HTML report (default 50)", "N" },
    { "html-conn", 0, 0, G_OPTION_ARG_STRING_ARRAY, &raw.html_conn, "Keep these connections too, by number (repeatable)", "N[,N...]" },
    { "summary-hosts", 0, 0, G_OPTION_ARG_STRING, &raw.summary_hosts, "Summary of hosts and links: blocks (each in full), table (a line each) or auto (default: a table above 4 hosts)", "FORM" },
    { "fail-alloc", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &raw.fail_alloc, "Refuse the Nth allocation of the scenario's memory and every later one (tests of out-of-memory paths)", "N" },
    { "check-options", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, &raw.check_options, "Check the options and exit", NULL },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };
  GOptionContext *ctx = g_option_context_new(driver->summary);
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_option_context_set_strict_posix(ctx, FALSE);
  GError *error = NULL;
  if (!g_option_context_parse(ctx, &argc, &argv, &error))
    die_invalid("%s", error->message);
  g_option_context_free(ctx);
  if (argc < 2)
    die_invalid("%s: no scenario file given (twsim %s SCENARIO.lua)", argv[0], argv[0]);
  if (argc > 2) die_invalid("%s: unexpected argument '%s'", argv[0], argv[2]);
  if (driver->trace_stdout && raw.trace == NULL) raw.trace = g_strdup("-");

  SimRunOptions opts = { 0 };
  opts.scenario = argv[1];
  check_options(&raw, &opts);
  SimOutputRequest req = { 0 };
  check_output_options(&raw, &req);
  g_autoptr(GArray) html_chosen = (GArray *)req.html_chosen;
  check_output_paths(&raw);
  opts.pcap_at = raw.pcap_at;
  SimReportHosts summary_hosts = SIM_REPORT_HOSTS_AUTO;
  if (raw.summary_hosts && !sim_report_hosts_parse(raw.summary_hosts, &summary_hosts, &error))
    die_invalid("--summary-hosts: %s", error->message);
  if (raw.check_options) {   /* a sweep asking whether its run options are valid */
    g_free(req.ss_at);
    g_ptr_array_free(opts.set_pairs, TRUE);
    g_hash_table_destroy(opts.params);
    raw_options_clear(&raw);
    return SIM_EXIT_OK;
  }
  SimRunOutputs *outs = sim_run_outputs_open(&req, &error);
  if (outs == NULL) die_invalid("%s", error->message);
  SimWorld *world = sim_lua_world_new(&opts, &error);
  if (world == NULL) {
    sim_run_outputs_abandon(outs);
    if (!g_error_matches(error, SIM_ERROR, SIM_ERROR_MEMORY)) die_invalid("%s", error->message);
    fprintf(stderr, "twsim: %s\n", error->message);
    exit(SIM_EXIT_LIMIT);
  }
  sim_run_outputs_attach(outs, &world->run, &world->out);
  if (driver->attach) driver->attach(driver->user, world, &opts);
#ifdef TWSIM_TEST_HOOKS
  twsim_test_hooks_install(world->L);
#endif

  run_watchdog_arm(world->deadline_us);
  run_scenario(world, opts.scenario, opts.quiet);
  run_watchdog_disarm();
  if (driver->detach) driver->detach(driver->user, world);
  SimExit status = sim_world_exit_status(world);
  if (status != SIM_EXIT_INVALID) sim_writers_end(&world->out, &world->run);
  if (status == SIM_EXIT_OK || (status != SIM_EXIT_INVALID && world->ran))
    warn_unread_params(world, &opts);
  if (!opts.quiet && status != SIM_EXIT_INVALID)
    sim_report_print_hosts(stdout, &world->run, summary_hosts);
  status = sim_run_outputs_close(outs, &world->run, &world->out, status);
  status = check_stdout(status);
  if (raw.records) status = write_records(world, raw.records, status);
  report_outcome(world, status, &opts, &raw);
  if (world->signal_number) status = 128 + world->signal_number;
  run_watchdog_arm(world->deadline_us);    /* finalizers run while the state closes */
  sim_lua_world_free(world);
  run_watchdog_disarm();
  g_ptr_array_free(opts.set_pairs, TRUE);
  g_hash_table_destroy(opts.params);
  g_free(req.ss_at);
  raw_options_clear(&raw);
  return status;
}

