/* The twsim command: parses the command line, runs a scenario, writes the
 * outputs, and turns the run's outcome into an exit status (DESIGN.md,
 * "Command line").  The only place that knows about exit statuses. */
#include "twsim-config.h"
#include "lua/world.h"
#include "lua/lsim.h"
#include "lua/process.h"
#include "output.h"
#include "simerror.h"
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
  "Usage:\n"
  "  twsim run SCENARIO.lua [options]   run a scenario\n"
  "  twsim --version                    print the version\n"
  "  twsim --help                       this text; 'twsim run --help' lists the run options\n";

/* Command-line values as GOption fills them, before they are checked. */
typedef struct {
  char   *seed;
  char   *until;
  char  **set;
  char   *trace;
  char   *trace_format;
  char   *max_events;
  char   *timeout;
  char   *max_memory;
  gboolean sandbox;
  gboolean quiet;
} RawOptions;

static void
raw_options_clear(RawOptions *raw)
{
  g_free(raw->seed);
  g_free(raw->until);
  g_strfreev(raw->set);
  g_free(raw->trace);
  g_free(raw->trace_format);
  g_free(raw->max_events);
  g_free(raw->timeout);
  g_free(raw->max_memory);
}

/* Prints one line and exits 2: an invalid command line or scenario. */
G_GNUC_PRINTF(1, 2) G_NORETURN static void
die_invalid(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  fprintf(stderr, "twsim: %s\n", msg);
  g_free(msg);
  exit(SIM_EXIT_INVALID);
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

static void
check_options(const RawOptions *raw, SimRunOptions *opts)
{
  GError *error = NULL;
  opts->seed = raw->seed ? parse_count("--seed", raw->seed, 0) : 1;
  opts->until = SIM_TIME_MAX;
  if (raw->until) {
    char *end;
    double secs = g_ascii_strtod(raw->until, &end);
    gboolean ok = *end == '\0' && end != raw->until
                ? sim_time_from_seconds(secs, &opts->until, &error)
                : sim_time_parse(raw->until, &opts->until, &error);
    if (!ok) die_invalid("--until: %s", error->message);
  }
  if (raw->max_events) opts->max_events = parse_count("--max-events", raw->max_events, 1);
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
  opts->sandbox = raw->sandbox;
  opts->quiet = raw->quiet;
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

/* Appends arg to cmd, quoted for a POSIX shell only when it needs it. */
static void
append_shell_word(GString *cmd, const char *arg)
{
  gboolean plain = *arg != '\0';
  for (const char *p = arg; *p && plain; p++)
    plain = g_ascii_isalnum(*p) || strchr("_./=:,+-@%", *p);
  if (plain) {
    g_string_append(cmd, arg);
  } else {
    char *q = g_shell_quote(arg);
    g_string_append(cmd, q);
    g_free(q);
  }
}

/* The one-line command that reproduces this run. */
static char *
repro_command(const SimRunOptions *opts, const RawOptions *raw)
{
  GString *cmd = g_string_new("twsim run ");
  append_shell_word(cmd, opts->scenario);
  g_string_append_printf(cmd, " --seed %" G_GUINT64_FORMAT, opts->seed);
  for (guint i = 0; i < opts->set_pairs->len; i++) {
    g_string_append(cmd, " --set ");
    append_shell_word(cmd, g_ptr_array_index(opts->set_pairs, i));
  }
  if (raw->until) {
    g_string_append(cmd, " --until ");
    append_shell_word(cmd, raw->until);
  }
  if (raw->sandbox) g_string_append(cmd, " --sandbox");
  return g_string_free(cmd, FALSE);
}

static void
on_signal(int signum)
{
  sim_world_signal_received = signum;
}

static int
run_to_the_end(lua_State *L)
{
  sim_lua_run(L, SIM_TIME_MAX);
  return 0;
}

/* Records the error on top of L's stack as the run's failure. */
static void
note_lua_failure(SimWorld *world, lua_State *L)
{
  const char *msg = lua_tostring(L, -1);
  if (msg == NULL)
    msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, -1));
  world->failed = TRUE;
  sim_world_note_error(world, msg);
}

/* Loads and runs the scenario in world; the outcome lands in the world's
 * flags and message. */
static void
run_scenario(SimWorld *world, const char *path)
{
  lua_State *L = world->L;
  int status = luaL_loadfilex(L, path, "t");
  if (status != LUA_OK) {
    world->invalid = TRUE;
    if (status == LUA_ERRFILE) {
      char *m = g_strdup_printf("%s: cannot read the scenario: %s", path,
                                g_strerror(errno ? errno : ENOENT));
      sim_world_note_error(world, m);
      g_free(m);
    } else {
      sim_world_note_error(world, lua_tostring(L, -1));
    }
    return;
  }
  if (lua_pcall(L, 0, 0, 0) != LUA_OK) {
    note_lua_failure(world, L);
    return;
  }
  /* A scenario that never calls sim.run runs to the end after its chunk. */
  if (!world->ran && !world->message && sim_engine_pending(world->engine) > 0) {
    lua_pushcfunction(L, run_to_the_end);
    if (lua_pcall(L, 0, 0, 0) != LUA_OK) note_lua_failure(world, L);
  }
}

/* The end-of-run line (hosts add their summaries in later layers). */
static void
print_summary(SimWorld *world)
{
  char buf[SIM_TIME_BUF];
  printf("end: t=%s s, %" G_GUINT64_FORMAT " events\n",
         sim_time_format(sim_engine_now(world->engine), buf),
         sim_engine_events(world->engine));
}

static void
report_outcome(SimWorld *world, SimExit status, const SimRunOptions *opts,
               const RawOptions *raw)
{
  if (status == SIM_EXIT_OK) return;
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

static int
command_run(int argc, char **argv)
{
  RawOptions raw = { 0 };
  const GOptionEntry entries[] = {
    { "seed", 0, 0, G_OPTION_ARG_STRING, &raw.seed, "Seed of every random stream (default 1)", "N" },
    { "until", 0, 0, G_OPTION_ARG_STRING, &raw.until, "Stop at this virtual time (overrides sim.run's)", "DURATION" },
    { "set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &raw.set, "Scenario parameter, read with sim.param (repeatable)", "KEY=VALUE" },
    { "trace", 0, 0, G_OPTION_ARG_FILENAME, &raw.trace, "Write a trace of every event to FILE (- for stdout)", "FILE" },
    { "trace-format", 0, 0, G_OPTION_ARG_STRING, &raw.trace_format, "Trace format: text (default) or jsonl", "FORMAT" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &raw.quiet, "Print neither the first line nor the summary", NULL },
    { "max-events", 0, 0, G_OPTION_ARG_STRING, &raw.max_events, "Stop (exit 3) after N events", "N" },
    { "timeout", 0, 0, G_OPTION_ARG_STRING, &raw.timeout, "Stop (exit 3) after this many wall-clock seconds", "SECONDS" },
    { "max-memory", 0, 0, G_OPTION_ARG_STRING, &raw.max_memory, "Stop (exit 3) when the scenario's Lua state holds more than MB megabytes", "MB" },
    { "sandbox", 0, 0, G_OPTION_ARG_NONE, &raw.sandbox, "Run an untrusted scenario: no io, os, require, debug, binary chunks", NULL },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };
  GOptionContext *ctx = g_option_context_new("SCENARIO.lua - run a scenario");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_option_context_set_strict_posix(ctx, FALSE);
  GError *error = NULL;
  if (!g_option_context_parse(ctx, &argc, &argv, &error))
    die_invalid("%s", error->message);
  g_option_context_free(ctx);
  if (argc < 2) die_invalid("run: no scenario file given (twsim run SCENARIO.lua)");
  if (argc > 2) die_invalid("run: unexpected argument '%s'", argv[2]);

  SimRunOptions opts = { 0 };
  opts.scenario = argv[1];
  check_options(&raw, &opts);
  SimTraceFormat trace_format = SIM_TRACE_TEXT;
  if (raw.trace_format && !sim_trace_format_parse(raw.trace_format, &trace_format, &error))
    die_invalid("--trace-format: %s", error->message);
  if (raw.trace_format && !raw.trace)
    die_invalid("--trace-format: given without --trace");

  SimOutput *trace_out = NULL;
  if (raw.trace && (trace_out = sim_output_open(raw.trace, "--trace", &error)) == NULL)
    die_invalid("%s", error->message);

  SimWorld *world = sim_world_new(&opts, &error);
  if (world == NULL) {
    sim_output_abandon(trace_out);
    die_invalid("%s", error->message);
  }
  if (trace_out) world->trace = sim_trace_new(sim_output_stream(trace_out), trace_format);

  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  if (!opts.quiet)
    printf("twsim: %s seed %" G_GUINT64_FORMAT "\n", opts.scenario, opts.seed);
  run_scenario(world, opts.scenario);
  SimExit status = sim_world_exit_status(world);
  if (!opts.quiet && status != SIM_EXIT_INVALID) print_summary(world);
  fflush(stdout);

  /* Outputs of a valid run are complete up to where it stopped: keep them.
   * An invalid run's are not results: remove them. */
  if (trace_out) {
    gboolean ok = sim_trace_flush(world->trace, &error);
    sim_trace_free(world->trace);
    world->trace = NULL;
    if (status == SIM_EXIT_INVALID || !ok) sim_output_abandon(trace_out);
    else ok = sim_output_commit(trace_out, &error);
    if (!ok) {
      fprintf(stderr, "twsim: %s\n", error->message);
      if (status == SIM_EXIT_OK) status = SIM_EXIT_FAILED;
    }
  }
  report_outcome(world, status, &opts, &raw);
  if (world->signal_number) status = 128 + world->signal_number;
  sim_world_free(world);
  g_ptr_array_free(opts.set_pairs, TRUE);
  g_hash_table_destroy(opts.params);
  raw_options_clear(&raw);
  return status;
}

int
main(int argc, char **argv)
{
  /* No setlocale(): numbers print the same ("1.5", never "1,5") everywhere. */
  if (argc < 2) {
    fputs(usage_text, stderr);
    return SIM_EXIT_INVALID;
  }
  if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
    printf("twsim %s\n", TWSIM_VERSION);
    return 0;
  }
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
      strcmp(argv[1], "help") == 0) {
    fputs(usage_text, stdout);
    return 0;
  }
  if (strcmp(argv[1], "run") == 0) return command_run(argc - 1, argv + 1);
  die_invalid("unknown command '%s' (try 'twsim --help')", argv[1]);
}
