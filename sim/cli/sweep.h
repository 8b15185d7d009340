/* `twsim sweep`: one scenario run once per seed, and with --grid once per
 * seed in every cell of a grid of --set values; each run a separate
 * `twsim run` process, so a crash or a hang in one run never takes the
 * sweep down; then a table of outcomes, statistics of what the runs
 * recorded with sim.record (per cell), and an optional per-run CSV
 * (docs/sweeps.md).
 *
 *   sweep.c         the command line, up-front checks, local or MPI run
 *   sweep-plan.c    what the others share: runs, cells, reproduce lines
 *   sweep-runner.c  runs the seeds as child processes, N at a time
 *   sweep-report.c  the table, the statistics and the CSV
 *   sweep-mpi.c     with -Dmpi=enabled: seeds shared out over MPI ranks and
 *                   the results gathered on rank 0
 *
 * Everything the sweep prints is ordered by seed and computed from the
 * per-seed results alone, never from completion order or -j. */
#pragma once
#include <glib.h>
#include <stdio.h>

/* `twsim sweep ARGS`: argv[0] is "sweep".  Returns the exit status. */
int
sweep_command(int argc, char **argv);

/* How one run ended. */
typedef enum {
  SWEEP_PASSED,     /* exit 0 */
  SWEEP_FAILED,     /* exit 1: the scenario failed */
  SWEEP_INVALID,    /* exit 2 */
  SWEEP_LIMIT,      /* exit 3, or killed by the sweep after its --timeout */
  SWEEP_CRASHED,    /* killed by a signal, or an unexpected exit status */
  SWEEP_N_STATUS,
} SweepStatus;

/* One seed's outcome: everything the report needs, nothing that depends on
 * when or where the run happened. */
typedef struct {
  guint64     seed;
  guint       cell;        /* the grid cell, 0 without --grid */
  SweepStatus status;
  char       *error_line;  /* the run's first stderr line, or what killed it; "" if passed */
  char       *repro;       /* a one-line `twsim run ... --seed N`; "" if passed */
  char       *records;     /* its "name<TAB>value\n" lines, "" when none */
} SweepResult;

/* What every run of a sweep shares. */
typedef struct {
  char      *twsim;        /* the binary each run executes */
  char      *scenario;     /* as given */
  GPtrArray *run_args;     /* run options passed on, "{seed}" not yet replaced */
  guint      jobs;         /* runs at a time */
  double     timeout;      /* --timeout of each run, 0: none */
  gboolean   progress;     /* show progress on stderr */
  char      *records_dir;  /* where runs write their records files */
  guint64    first;        /* the seeds: first .. first + n_seeds - 1 */
  guint      n_seeds;
  /* --grid KEY=V1,V2 ...: the cells are every combination, the first key
   * varying slowest; each run of a cell gets --set KEY=V for every key. */
  GPtrArray *grid_keys;    /* char *, in the order given; empty without --grid */
  GPtrArray *grid_values;  /* GStrv per key */
  guint      n_cells;      /* 1 without --grid */
} SweepPlan;

/* Every run of a sweep has an index: run i is seed first + i % n_seeds of
 * cell i / n_seeds, so results ordered by index are ordered by cell, then
 * seed. */
static inline guint
sweep_plan_runs(const SweepPlan *plan)
{
  return plan->n_cells * plan->n_seeds;
}

static inline guint
sweep_plan_index(const SweepPlan *plan, guint cell, guint64 seed)
{
  return cell * plan->n_seeds + (guint)(seed - plan->first);
}

/* The value of grid key k in `cell`. */
const char *
sweep_plan_cell_value(const SweepPlan *plan, guint cell, guint k);

/* "KEY=V KEY=V" for a cell ("" without --grid).  Newly allocated. */
char *
sweep_plan_cell_label(const SweepPlan *plan, guint cell);

/* The lowercase word for a status, as in the CSV ("passed", "limit"...). */
const char *
sweep_status_word(SweepStatus status);

/* arg with every "{seed}" replaced by the seed.  Newly allocated. */
char *
sweep_arg_expand(const char *arg, guint64 seed);

/* Appends the words every run of `cell` gets after the run options:
 * "--set" "KEY=V" for each grid key. */
void
sweep_plan_cell_args(const SweepPlan *plan, guint cell, GPtrArray *words);

/* The command that reproduces a run when it printed none:
 * `twsim run SCENARIO --seed N`, the run options and the cell's --set. */
char *
sweep_repro_build(const SweepPlan *plan, guint cell, guint64 seed);

void
sweep_result_clear(SweepResult *result);

/* Runs the runs whose indexes are runs[0..n) and fills results[i] for
 * runs[i].  Returns 0, or the signal number if SIGINT or SIGTERM
 * interrupted the sweep (runs still going were stopped; results are then
 * incomplete). */
int
sweep_runner_run(const SweepPlan *plan, const guint *runs, guint n,
                 SweepResult *results);

/* Prints the table (outcomes, then every run that did not pass, then the
 * statistics of the records, per cell with --grid) for all the runs'
 * results, ordered by index. */
void
sweep_report_print(FILE *out, const SweepPlan *plan, const SweepResult *results);

/* Writes the per-run CSV: the grid's keys, seed, status, one column per
 * record name. */
void
sweep_report_write_csv(FILE *out, const SweepPlan *plan, const SweepResult *results);

/* Student's t quantile t(0.975, df) for a 95 % two-sided interval. */
double
sweep_t975(guint64 df);

/* With -Dmpi=enabled (sweep-mpi.c); every call is collective. */
#ifdef TWSIM_MPI
/* Whether an MPI launcher (mpirun, srun) started this process. */
gboolean
sweep_mpi_launched(void);

void
sweep_mpi_init(int *rank, int *size);

void
sweep_mpi_finalize(void);

/* Rank 0's value of v, on every rank. */
int
sweep_mpi_bcast_int(int v);

/* Sends this rank's results[0..n) to rank 0, which returns the results of
 * all the plan's runs, ordered by index; NULL on the other ranks. */
SweepResult *
sweep_mpi_gather(const SweepPlan *plan, const SweepResult *results, guint n);

/* Ends every rank at once, with status. */
G_NORETURN void
sweep_mpi_abort(int status);
#endif
