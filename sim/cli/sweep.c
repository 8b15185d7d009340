/* The `twsim sweep` command (see sweep.h and docs/sweeps.md): parses its
 * own options, checks the scenario and the run options once up front,
 * runs every seed (here, or shared out over MPI ranks), then prints the
 * report and writes the CSV.  Exit status: 0 every run passed, 1 some run
 * did not, 2 the sweep's command line or scenario is invalid. */
#include "sweep.h"
#include "cli-words.h"
#include "output.h"
#include <errno.h>
#include <glib/gstdio.h>
#include <lauxlib.h>
#include <lua.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define SWEEP_EXIT_INVALID 2
#define SWEEP_MAX_SEEDS 10000000u

/* Run options that name a per-run output file: each needs {seed}. */
static const char *const per_run_outputs[] = {
  "--trace", "--pcap", "--metrics", "--summary-json", "--html", NULL,
};

/* Run options a sweep sets itself. */
static const char *const reserved_options[] = {
  "--seed", "--records", "--check-options", NULL,
};

static int sweep_rank;   /* this process's MPI rank; 0 without MPI */

/* Command-line values as GOption fills them. */
typedef struct {
  char *seeds;
  char *jobs;
  char *csv;
  char *timeout;
  char *twsim;
  char **grid;        /* --grid KEY=V1,V2, in the order given */
} SweepRaw;

/* Prints one line (on rank 0 only) and returns exit status 2. */
G_GNUC_PRINTF(1, 2) static int
sweep_invalid(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  int status = cli_usage_errorv(sweep_rank != 0, fmt, ap);
  va_end(ap);
  return status;
}

/* "A..B" (or a single "N") into first and last. */
static int
parse_seeds(const char *text, guint64 *first, guint64 *last)
{
  const char *dots = strstr(text, "..");
  char *a = dots ? g_strndup(text, (gsize)(dots - text)) : g_strdup(text);
  const char *b = dots ? dots + 2 : text;
  gboolean ok = g_ascii_string_to_unsigned(a, 10, 0, G_MAXUINT64, first, NULL) &&
                g_ascii_string_to_unsigned(b, 10, 0, G_MAXUINT64, last, NULL);
  g_free(a);
  if (!ok) return sweep_invalid("--seeds: expected A..B (two seeds), got '%s'", text);
  if (*first > *last)
    return sweep_invalid("--seeds: %" G_GUINT64_FORMAT " is after %" G_GUINT64_FORMAT,
                         *first, *last);
  if (*last - *first >= SWEEP_MAX_SEEDS)
    return sweep_invalid("--seeds: at most %u seeds in one sweep", SWEEP_MAX_SEEDS);
  return 0;
}

/* --grid KEY=V1,V2,...: each into the plan's keys and values, with the
 * number of cells (the product of the numbers of values). */
static int
parse_grid(char **grid, SweepPlan *plan)
{
  plan->grid_keys = g_ptr_array_new_with_free_func(g_free);
  plan->grid_values = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
  guint64 cells = 1;
  for (guint i = 0; grid && grid[i]; i++) {
    const char *eq = strchr(grid[i], '=');
    if (eq == NULL || eq == grid[i] || eq[1] == '\0')
      return sweep_invalid("--grid: expected KEY=VALUE1,VALUE2,... got '%s'", grid[i]);
    char *key = g_strndup(grid[i], (gsize)(eq - grid[i]));
    gboolean name_ok = g_ascii_isalpha(key[0]) || key[0] == '_';
    for (const char *p = key; *p && name_ok; p++)
      name_ok = g_ascii_isalnum(*p) || strchr("_.-", *p);
    if (!name_ok) {
      int rc = sweep_invalid("--grid: '%s' is not a parameter name (letters, digits, "
                             "_ . -; the name sim.param reads)", key);
      g_free(key);
      return rc;
    }
    for (guint k = 0; k < plan->grid_keys->len; k++) {
      if (strcmp(key, g_ptr_array_index(plan->grid_keys, k)) == 0) {
        int rc = sweep_invalid("--grid: %s is given twice (put all its values in one "
                               "--grid %s=V1,V2)", key, key);
        g_free(key);
        return rc;
      }
    }
    g_ptr_array_add(plan->grid_keys, key);
    char **values = g_strsplit(eq + 1, ",", -1);
    g_ptr_array_add(plan->grid_values, values);
    for (guint v = 0; values[v]; v++)
      if (values[v][0] == '\0')
        return sweep_invalid("--grid: %s: an empty value in '%s'", key, eq + 1);
    cells *= g_strv_length(values);
    if (cells > SWEEP_MAX_SEEDS)
      return sweep_invalid("--grid: more than %u cells", SWEEP_MAX_SEEDS);
  }
  plan->n_cells = (guint)cells;
  return 0;
}

/* The seeds (--seeds, required unless --grid is given: then seed 1) and the
 * grid, into the plan; the sweep may not exceed SWEEP_MAX_SEEDS runs. */
static int
parse_runs(const SweepRaw *raw, SweepPlan *plan)
{
  guint64 first = 1, last = 1;
  if (raw->seeds == NULL && raw->grid == NULL)
    return sweep_invalid("sweep: --seeds A..B is required (or --grid KEY=V1,V2)");
  int rc = raw->seeds ? parse_seeds(raw->seeds, &first, &last) : 0;
  if (rc == 0) rc = parse_grid(raw->grid, plan);
  if (rc != 0) return rc;
  plan->first = first;
  plan->n_seeds = (guint)(last - first + 1);
  if ((guint64)plan->n_seeds * plan->n_cells > SWEEP_MAX_SEEDS)
    return sweep_invalid("sweep: %u cells x %u seeds is more than %u runs", plan->n_cells,
                         plan->n_seeds, SWEEP_MAX_SEEDS);
  return 0;
}

/* The option's name if arg is one of names ("--x" or "--x=..."), else NULL. */
static const char *
match_option(const char *arg, const char *const *names)
{
  for (int i = 0; names[i]; i++) {
    gsize len = strlen(names[i]);
    if (strncmp(arg, names[i], len) == 0 && (arg[len] == '\0' || arg[len] == '='))
      return names[i];
  }
  return NULL;
}

/* Refuses run options a sweep sets itself, and per-run outputs without
 * {seed} in their names (every run would write the same file). */
static int
check_run_args(const GPtrArray *args)
{
  for (guint i = 0; i < args->len; i++) {
    const char *arg = g_ptr_array_index(args, i);
    const char *name = match_option(arg, reserved_options);
    if (name && strcmp(name, "--seed") == 0)
      return sweep_invalid("--seed: a sweep gives each run its seed; use --seeds A..B");
    if (name) return sweep_invalid("sweep: unknown option %s", name);
    if ((name = match_option(arg, per_run_outputs)) == NULL) continue;
    const char *value = arg[strlen(name)] == '=' ? arg + strlen(name) + 1
                      : i + 1 < args->len ? g_ptr_array_index(args, i + 1) : "";
    if (strstr(value, "{seed}") == NULL)
      return sweep_invalid("%s: in a sweep, a per-run output needs {seed} in its "
                           "name (e.g. %s run-{seed}.out), got '%s'", name, name, value);
  }
  return 0;
}

/* Reads and compiles the scenario once, so a missing file or a syntax
 * error is one message and exit 2, not one failed run per seed. */
static int
check_scenario(const char *path)
{
  lua_State *L = luaL_newstate();
  int status = luaL_loadfilex(L, path, "t");
  int rc = 0;
  if (status == LUA_ERRFILE) {
    FILE *f = fopen(path, "r");
    int saved = f ? 0 : errno;
    if (f) fclose(f);
    rc = sweep_invalid("%s: cannot read the scenario: %s", path,
                       g_strerror(saved ? saved : EISDIR));
  } else if (status != LUA_OK) {
    rc = sweep_invalid("%s", lua_tostring(L, -1));
  }
  lua_close(L);
  return rc;
}

/* The twsim binary running now, for the runs and the option check. */
static char *
self_path(void)
{
  char *path = g_file_read_link("/proc/self/exe", NULL);
  return path ? path : g_find_program_in_path("twsim");
}

/* Asks `twsim run` whether it accepts the run options (without running
 * anything), with the first seed's {seed}. */
static int
probe_run_options(const SweepPlan *plan, guint64 seed)
{
  GPtrArray *a = g_ptr_array_new_with_free_func(g_free);
  g_ptr_array_add(a, self_path());
  g_ptr_array_add(a, g_strdup("run"));
  g_ptr_array_add(a, g_strdup(plan->scenario));
  g_ptr_array_add(a, g_strdup_printf("--seed=%" G_GUINT64_FORMAT, seed));
  g_ptr_array_add(a, g_strdup("--check-options"));
  for (guint i = 0; i < plan->run_args->len; i++)
    g_ptr_array_add(a, sweep_arg_expand(g_ptr_array_index(plan->run_args, i), seed));
  sweep_plan_cell_args(plan, 0, a);
  g_ptr_array_add(a, NULL);
  char *err = NULL;
  int wait_status = 0;
  GError *error = NULL;
  gboolean ok = g_spawn_sync(NULL, (char **)a->pdata, NULL, G_SPAWN_STDOUT_TO_DEV_NULL,
                             NULL, NULL, NULL, &err, &wait_status, &error);
  g_ptr_array_free(a, TRUE);
  int rc = 0;
  if (!ok) {
    rc = sweep_invalid("sweep: cannot run twsim: %s", error->message);
    g_error_free(error);
  } else if (!WIFEXITED(wait_status) || WEXITSTATUS(wait_status) != 0) {
    g_strchomp(err);
    if (sweep_rank == 0) fprintf(stderr, "%s\n", err);
    rc = SWEEP_EXIT_INVALID;
  }
  g_free(err);
  return rc;
}

/* A copy of argv's pointers (the strings stay the caller's) in which "-j4"
 * becomes "-j" "4": GOption reads a short option's value only from the
 * next word.  Free the array with g_free. */
static char **
split_attached_jobs(int argc, char **argv, int *n)
{
  GPtrArray *out = g_ptr_array_new();
  for (int i = 0; i < argc; i++) {
    char *a = argv[i];
    if (g_str_has_prefix(a, "-j") && a[2] != '\0') {
      g_ptr_array_add(out, (char *)"-j");
      g_ptr_array_add(out, a + 2);
    } else {
      g_ptr_array_add(out, a);
    }
  }
  *n = (int)out->len;
  g_ptr_array_add(out, NULL);
  return (char **)g_ptr_array_free(out, FALSE);
}

/* Parses the sweep's own options; every other option stays in argv, to be
 * passed on to each run.  Fills plan (but not its twsim or records_dir). */
static int take_arguments(int argc, char **argv, const SweepRaw *raw, SweepPlan *plan);

static int
parse_command_line(int argc, char **argv, SweepRaw *raw, SweepPlan *plan)
{
  const GOptionEntry entries[] = {
    { "seeds", 0, 0, G_OPTION_ARG_STRING, &raw->seeds, "Run seeds A to B, both included", "A..B" },
    { "jobs", 'j', 0, G_OPTION_ARG_STRING, &raw->jobs, "Runs at a time (default: the number of CPUs)", "N" },
    { "csv", 0, 0, G_OPTION_ARG_FILENAME, &raw->csv, "Write one row per seed: seed, status, records", "FILE" },
    { "timeout", 0, 0, G_OPTION_ARG_STRING, &raw->timeout, "Each run's wall-clock limit (passed on to it)", "SECONDS" },
    { "grid", 0, 0, G_OPTION_ARG_STRING_ARRAY, &raw->grid, "Run every combination of the values: each run gets --set KEY=VALUE (repeatable)", "KEY=V1,V2" },
    { "twsim", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, &raw->twsim, "Binary each run executes", "PATH" },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };
  GOptionContext *ctx = g_option_context_new("SCENARIO.lua --seeds A..B [run options] - run a scenario once per seed");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_option_context_set_ignore_unknown_options(ctx, TRUE);
  g_option_context_set_description(ctx, "Every other option is a run option ('twsim run --help'), "
                                        "passed on to each run; {seed} in it becomes the run's seed.");
  int n;
  char **words = split_attached_jobs(argc, argv, &n), **parsed = words;
  GError *error = NULL;
  gboolean ok = g_option_context_parse(ctx, &n, &parsed, &error);
  g_option_context_free(ctx);
  int rc = ok ? take_arguments(n, parsed, raw, plan) : sweep_invalid("%s", error->message);
  g_clear_error(&error);
  g_free(words);
  return rc;
}

/* The scenario, the run options and the sweep's numbers, from what
 * GOption left in argv. */
static int
take_arguments(int argc, char **argv, const SweepRaw *raw, SweepPlan *plan)
{
  if (argc < 2) return sweep_invalid("sweep: no scenario file given (twsim sweep SCENARIO.lua --seeds A..B)");
  if (argv[1][0] == '-')
    return sweep_invalid("sweep: the scenario comes before the run options, got '%s' "
                         "(twsim sweep SCENARIO.lua --seeds A..B [options])", argv[1]);
  plan->scenario = g_strdup(argv[1]);
  plan->run_args = g_ptr_array_new_with_free_func(g_free);
  for (int i = 2; i < argc; i++) g_ptr_array_add(plan->run_args, g_strdup(argv[i]));
  guint64 jobs = g_get_num_processors();
  if (raw->jobs && !g_ascii_string_to_unsigned(raw->jobs, 10, 1, 4096, &jobs, NULL))
    return sweep_invalid("-j: expected a number of runs from 1 to 4096, got '%s'", raw->jobs);
  plan->jobs = (guint)jobs;
  if (raw->timeout) {
    char *end;
    plan->timeout = g_ascii_strtod(raw->timeout, &end);
    if (*end != '\0' || end == raw->timeout || !(plan->timeout > 0) || plan->timeout > 1e6)
      return sweep_invalid("--timeout: expected a positive number of seconds, got '%s'", raw->timeout);
    g_ptr_array_add(plan->run_args, g_strdup("--timeout"));
    g_ptr_array_add(plan->run_args, g_strdup(raw->timeout));
  }
  return check_run_args(plan->run_args);
}

static void
plan_clear(SweepPlan *plan, SweepRaw *raw)
{
  g_free(plan->twsim);
  g_free(plan->scenario);
  if (plan->run_args) g_ptr_array_free(plan->run_args, TRUE);
  if (plan->records_dir) g_rmdir(plan->records_dir);
  g_free(plan->records_dir);
  g_free(raw->seeds);
  g_free(raw->jobs);
  g_free(raw->csv);
  g_free(raw->timeout);
  g_free(raw->twsim);
  g_strfreev(raw->grid);
  if (plan->grid_keys) g_ptr_array_free(plan->grid_keys, TRUE);
  if (plan->grid_values) g_ptr_array_free(plan->grid_values, TRUE);
}

/* Everything checked once before any run: the command line, the scenario,
 * the run options, the CSV's folder (rank 0 opens the CSV). */
static int
sweep_prepare(int argc, char **argv, SweepRaw *raw, SweepPlan *plan, SimOutput **csv)
{
  int rc = parse_command_line(argc, argv, raw, plan);
  if (rc == 0) rc = parse_runs(raw, plan);
  if (rc == 0) rc = check_scenario(plan->scenario);
  if (rc == 0 && sweep_rank == 0) rc = probe_run_options(plan, plan->first);
  if (rc == 0 && sweep_rank == 0 && raw->csv) {
    GError *error = NULL;
    if ((*csv = sim_output_open(raw->csv, "--csv", &error)) == NULL) {
      rc = sweep_invalid("%s", error->message);
      g_error_free(error);
    }
  }
#ifdef TWSIM_MPI
  rc = sweep_mpi_bcast_int(rc);
#endif
  if (rc != 0) return rc;
  plan->twsim = raw->twsim ? g_strdup(raw->twsim) : self_path();
  plan->records_dir = g_dir_make_tmp("twsim-sweep-XXXXXX", NULL);
  if (plan->twsim == NULL || plan->records_dir == NULL)
    return sweep_invalid("sweep: cannot find the twsim binary or make a temporary folder");
  plan->progress = sweep_rank == 0 && isatty(STDERR_FILENO);
  return 0;
}

/* Prints the report and commits the CSV; the sweep's exit status. */
static int
sweep_finish(const SweepPlan *plan, SweepResult *all, SimOutput *csv)
{
  sweep_report_print(stdout, plan, all);
  fflush(stdout);
  int rc = 0;
  for (guint i = 0; i < sweep_plan_runs(plan); i++)
    if (all[i].status != SWEEP_PASSED) rc = 1;
  if (csv) {
    GError *error = NULL;
    sweep_report_write_csv(sim_output_stream(csv), plan, all);
    if (!sim_output_commit(csv, &error)) {
      fprintf(stderr, "twsim: %s\n", error->message);
      g_error_free(error);
      rc = 1;
    }
  }
  return rc;
}

/* This rank's runs, by index: rank, rank + size, ... */
static guint *
rank_runs(guint total, int rank, int size, guint *n)
{
  *n = total > (guint)rank ? (total - (guint)rank + (guint)size - 1) / (guint)size : 0;
  guint *runs = g_new(guint, MAX(*n, 1));
  for (guint i = 0; i < *n; i++) runs[i] = (guint)rank + i * (guint)size;
  return runs;
}

static int
sweep_run(const SweepPlan *plan, int size, SimOutput *csv)
{
  guint total = sweep_plan_runs(plan), n;
  guint *runs = rank_runs(total, sweep_rank, size, &n);
  SweepResult *mine = g_new0(SweepResult, MAX(n, 1));
  int signum = sweep_runner_run(plan, runs, n, mine);
  int rc = signum ? 128 + signum : 0;
  if (signum) fprintf(stderr, "twsim: sweep interrupted by a signal\n");
#ifdef TWSIM_MPI
  if (signum && size > 1) sweep_mpi_abort(rc);
  SweepResult *all = size > 1 ? sweep_mpi_gather(plan, mine, n) : mine;
#else
  SweepResult *all = mine;
#endif
  if (!signum && sweep_rank == 0) rc = sweep_finish(plan, all, csv);
  else if (signum) sim_output_abandon(csv);
  for (guint i = 0; i < n; i++) sweep_result_clear(&mine[i]);
  if (all != mine) {
    for (guint i = 0; all && i < total; i++) sweep_result_clear(&all[i]);
    g_free(all);
  }
  g_free(mine);
  g_free(runs);
  return rc;
}

int
sweep_command(int argc, char **argv)
{
  int size = 1;
#ifdef TWSIM_MPI
  if (sweep_mpi_launched()) sweep_mpi_init(&sweep_rank, &size);
#endif
  SweepRaw raw = { 0 };
  SweepPlan plan = { 0 };
  SimOutput *csv = NULL;
  int rc = sweep_prepare(argc, argv, &raw, &plan, &csv);
  if (rc == 0) rc = sweep_run(&plan, size, csv);
  else sim_output_abandon(csv);
  plan_clear(&plan, &raw);
#ifdef TWSIM_MPI
  if (size > 1) rc = sweep_mpi_bcast_int(rc);
  if (sweep_mpi_launched()) sweep_mpi_finalize();
#endif
  return rc;
}
