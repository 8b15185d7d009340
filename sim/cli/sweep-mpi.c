/* `twsim sweep` over MPI (built only with -Dmpi=enabled; see sweep.h and
 * docs/sweeps.md, "On a cluster").  Under mpirun or srun every rank parses
 * the same command line, runs its share of the runs (rank r of size
 * takes runs r, r + size, ..., by run index: sweep.h) as child processes with its own
 * -j, and sends its results to rank 0, which prints the report and writes
 * the CSV exactly as a sweep on one machine would.
 *
 * A result travels as text: seed, grid cell, status, error line, reproduce
 * command and records, each ended by a NUL byte (none of them can hold one: the error
 * line has its control characters replaced, records are "name<TAB>value"
 * lines of printable names). */
#include "sweep.h"
#include <mpi.h>
#include <stdlib.h>
#include <string.h>

gboolean
sweep_mpi_launched(void)
{
  static const char *const vars[] = {
    "OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE", "MPI_LOCALNRANKS", NULL,
  };
  for (int i = 0; vars[i]; i++)
    if (g_getenv(vars[i])) return TRUE;
  return FALSE;
}

void
sweep_mpi_init(int *rank, int *size)
{
  MPI_Init(NULL, NULL);
  MPI_Comm_rank(MPI_COMM_WORLD, rank);
  MPI_Comm_size(MPI_COMM_WORLD, size);
}

static gboolean
mpi_running(void)
{
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  return initialized && !finalized;
}

void
sweep_mpi_finalize(void)
{
  if (mpi_running()) MPI_Finalize();
}

int
sweep_mpi_bcast_int(int v)
{
  if (!mpi_running()) return v;
  MPI_Bcast(&v, 1, MPI_INT, 0, MPI_COMM_WORLD);
  return v;
}

void
sweep_mpi_abort(int status)
{
  MPI_Abort(MPI_COMM_WORLD, status);
  exit(status);
}

static void
put_field(GString *buf, const char *s)
{
  g_string_append(buf, s);
  g_string_append_c(buf, '\0');
}

static GString *
serialize(const SweepResult *results, guint n)
{
  GString *buf = g_string_new(NULL);
  for (guint i = 0; i < n; i++) {
    const SweepResult *r = &results[i];
    g_string_append_printf(buf, "%" G_GUINT64_FORMAT, r->seed);
    g_string_append_c(buf, '\0');
    g_string_append_printf(buf, "%u", r->cell);
    g_string_append_c(buf, '\0');
    g_string_append_printf(buf, "%d", (int)r->status);
    g_string_append_c(buf, '\0');
    put_field(buf, r->error_line);
    put_field(buf, r->repro);
    put_field(buf, r->records);
  }
  return buf;
}

/* Reads results from buf[0..len) into all[their run index]. */
static void
deserialize(const SweepPlan *plan, const char *buf, gsize len, SweepResult *all)
{
  const char *p = buf, *end = buf + len;
  while (p < end) {
    const char *f[6];
    for (int k = 0; k < 6; k++) {
      g_assert(p < end);
      f[k] = p;
      p += strlen(p) + 1;
    }
    guint64 seed = g_ascii_strtoull(f[0], NULL, 10);
    guint cell = (guint)g_ascii_strtoull(f[1], NULL, 10);
    g_assert(seed >= plan->first && seed - plan->first < plan->n_seeds && cell < plan->n_cells);
    SweepResult *r = &all[sweep_plan_index(plan, cell, seed)];
    r->seed = seed;
    r->cell = cell;
    r->status = (SweepStatus)atoi(f[2]);
    g_assert(r->status < SWEEP_N_STATUS);
    r->error_line = g_strdup(f[3]);
    r->repro = g_strdup(f[4]);
    r->records = g_strdup(f[5]);
  }
}

SweepResult *
sweep_mpi_gather(const SweepPlan *plan, const SweepResult *results, guint n)
{
  guint total = sweep_plan_runs(plan);
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  GString *mine = serialize(results, n);
  if (mine->len > G_MAXINT) {
    fprintf(stderr, "twsim: sweep: rank %d's results exceed 2 GB\n", rank);
    sweep_mpi_abort(1);
  }
  int my_len = (int)mine->len;
  int *lens = rank == 0 ? g_new0(int, size) : NULL;
  MPI_Gather(&my_len, 1, MPI_INT, lens, 1, MPI_INT, 0, MPI_COMM_WORLD);
  int *displs = NULL;
  char *all_bytes = NULL;
  gint64 sum = 0;
  if (rank == 0) {
    displs = g_new0(int, size);
    for (int r = 0; r < size; r++) {
      displs[r] = (int)sum;
      sum += lens[r];
      if (sum > G_MAXINT) {
        fprintf(stderr, "twsim: sweep: the results exceed 2 GB\n");
        sweep_mpi_abort(1);
      }
    }
    all_bytes = g_malloc(MAX(sum, 1));
  }
  MPI_Gatherv(mine->str, my_len, MPI_CHAR, all_bytes, lens, displs, MPI_CHAR, 0,
              MPI_COMM_WORLD);
  g_string_free(mine, TRUE);
  SweepResult *all = NULL;
  if (rank == 0) {
    all = g_new0(SweepResult, total);
    deserialize(plan, all_bytes, (gsize)sum, all);
    for (guint i = 0; i < total; i++) g_assert(all[i].repro != NULL);   /* every run came back */
  }
  g_free(all_bytes);
  g_free(displs);
  g_free(lens);
  return all;
}
