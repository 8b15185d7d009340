/* twsim sweep under mpirun (built with -Dmpi=enabled): two ranks share the
 * seeds out, rank 0 gathers them, and stdout and the CSV are byte for byte
 * those of a sweep on one machine. */
#include "twsim-run.h"
#include <string.h>
#include <sys/wait.h>

static void
test_mpi_matches_local(void)
{
  char *local_csv = twsim_temp_path("local.csv"), *mpi_csv = twsim_temp_path("mpi.csv");
  char *scenario = g_build_filename(g_getenv("TWSIM_TEST_SCENARIOS"), "flaky.lua", NULL);
  TwsimResult local = twsim_run("sweep", scenario, "--seeds", "3..14", "-j", "2",
                                "--csv", local_csv, NULL);
  g_assert_cmpint(local.status, ==, 1);
  g_assert_nonnull(strstr(local.out, ": failed\n"));

  const char *argv[] = {
    g_getenv("MPIRUN"), "-n", "2", "--oversubscribe", "--allow-run-as-root",
    g_getenv("TWSIM"), "sweep", scenario, "--seeds", "3..14", "-j", "1",
    "--csv", mpi_csv, NULL,
  };
  char *out = NULL, *err = NULL;
  int wait_status = 0;
  GError *error = NULL;
  g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
               &wait_status, &error);
  g_assert_no_error(error);
  if (g_test_verbose()) g_printerr("%s", err);
  g_assert_true(WIFEXITED(wait_status));
  g_assert_cmpint(WEXITSTATUS(wait_status), ==, local.status);
  g_assert_cmpstr(out, ==, local.out);
  gsize l1, l2;
  char *a = twsim_read_file(local_csv, &l1), *b = twsim_read_file(mpi_csv, &l2);
  g_assert_cmpuint(l1, >, 0);
  g_assert_cmpmem(a, l1, b, l2);
  g_free(a); g_free(b); g_free(out); g_free(err);
  g_free(scenario); g_free(local_csv); g_free(mpi_csv);
  twsim_result_clear(&local);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sweep/mpi-matches-local", test_mpi_matches_local);
  return g_test_run();
}
