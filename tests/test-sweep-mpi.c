/* twsim sweep under mpirun (built with -Dmpi=enabled): two ranks share the
 * runs out, rank 0 gathers them, and stdout and the CSV are byte for byte
 * those of a sweep on one machine: over seeds, and over a --grid. */
#include "twsim-run.h"
#include <string.h>
#include <sys/wait.h>

/* `twsim sweep SCENARIO ARGS... --csv F` on one machine and under mpirun
 * -n 2: the same exit status, stdout and CSV.  Returns the local stdout. */
static char *
assert_mpi_matches_local(const char *scenario_name, const char *const *args)
{
  char *local_csv = twsim_temp_path("local.csv"), *mpi_csv = twsim_temp_path("mpi.csv");
  char *scenario = g_build_filename(g_getenv("TWSIM_TEST_SCENARIOS"), scenario_name, NULL);
  GPtrArray *local_argv = g_ptr_array_new(), *mpi_argv = g_ptr_array_new();
  const char *mpi_head[] = { g_getenv("MPIRUN"), "-n", "2", "--oversubscribe",
                             "--allow-run-as-root" };
  for (gsize i = 0; i < G_N_ELEMENTS(mpi_head); i++) g_ptr_array_add(mpi_argv, (char *)mpi_head[i]);
  const char *common[] = { g_getenv("TWSIM"), "sweep", scenario };
  for (gsize i = 0; i < G_N_ELEMENTS(common); i++) {
    g_ptr_array_add(local_argv, (char *)common[i]);
    g_ptr_array_add(mpi_argv, (char *)common[i]);
  }
  for (gsize i = 0; args[i]; i++) {
    g_ptr_array_add(local_argv, (char *)args[i]);
    g_ptr_array_add(mpi_argv, (char *)args[i]);
  }
  g_ptr_array_add(local_argv, "--csv");
  g_ptr_array_add(local_argv, local_csv);
  g_ptr_array_add(local_argv, NULL);
  g_ptr_array_add(mpi_argv, "--csv");
  g_ptr_array_add(mpi_argv, mpi_csv);
  g_ptr_array_add(mpi_argv, NULL);

  char *out[2] = { NULL, NULL }, *err[2] = { NULL, NULL };
  int wait_status[2] = { 0, 0 };
  GPtrArray *argvs[2] = { local_argv, mpi_argv };
  for (int k = 0; k < 2; k++) {
    GError *error = NULL;
    g_spawn_sync(NULL, (char **)argvs[k]->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                 &out[k], &err[k], &wait_status[k], &error);
    g_assert_no_error(error);
    if (g_test_verbose()) g_printerr("%s", err[k]);
    g_assert_true(WIFEXITED(wait_status[k]));
  }
  g_assert_cmpint(WEXITSTATUS(wait_status[1]), ==, WEXITSTATUS(wait_status[0]));
  g_assert_cmpstr(out[1], ==, out[0]);
  gsize l1, l2;
  char *a = twsim_read_file(local_csv, &l1), *b = twsim_read_file(mpi_csv, &l2);
  g_assert_cmpuint(l1, >, 0);
  g_assert_cmpmem(a, l1, b, l2);
  g_free(a); g_free(b); g_free(out[1]); g_free(err[0]); g_free(err[1]);
  g_ptr_array_free(local_argv, TRUE);
  g_ptr_array_free(mpi_argv, TRUE);
  g_free(scenario); g_free(local_csv); g_free(mpi_csv);
  return out[0];
}

static void
test_mpi_matches_local(void)
{
  const char *const args[] = { "--seeds", "3..14", "-j", "1", NULL };
  char *out = assert_mpi_matches_local("flaky.lua", args);
  g_assert_nonnull(strstr(out, ": failed\n"));
  g_free(out);
}

static void
test_mpi_grid_matches_local(void)
{
  const char *const args[] = { "--grid", "a=1,2,3", "--grid", "b=x,y", "--seeds", "1..3",
                               "-j", "1", NULL };
  char *out = assert_mpi_matches_local("grid.lua", args);
  g_assert_nonnull(strstr(out, ", 6 cells x seeds 1..3, 18 runs\n"));
  g_assert_nonnull(strstr(out, "\na=2 b=y, seed 2: failed\n"));
  g_free(out);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sweep/mpi-matches-local", test_mpi_matches_local);
  g_test_add_func("/sweep/mpi-grid-matches-local", test_mpi_grid_matches_local);
  return g_test_run();
}
