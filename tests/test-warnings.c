/* Mistakes that do not stop a run get one warning on stderr, naming the
 * file and line where there is one, and change nothing else: stdout and
 * the output files are those of the run without the mistake. */
#include "twsim-run.h"
#include <string.h>

static void
test_unread_set(void)
{
  TwsimResult plain = twsim_run("run", "@warn-mistakes.lua", NULL);
  TwsimResult typo = twsim_run("run", "@warn-mistakes.lua", "--set", "clinets=100", NULL);
  g_assert_cmpint(plain.status, ==, 0);
  g_assert_cmpint(typo.status, ==, 0);
  g_assert_cmpuint(twsim_count(typo.err, "--set clinets=100: warning: "), ==, 1);
  g_assert_nonnull(strstr(typo.err, "never reads 'clinets' with sim.param "
                                    "(did you mean 'clients'?)"));
  g_assert_cmpuint(twsim_count(plain.err, "--set"), ==, 0);
  g_assert_cmpstr(plain.out, ==, typo.out);
  twsim_result_clear(&typo);
  /* A key the scenario reads gets no warning, and changes the run. */
  TwsimResult read = twsim_run("run", "@warn-mistakes.lua", "--set", "clients=4", NULL);
  g_assert_cmpint(read.status, ==, 0);
  g_assert_null(strstr(read.err, "--set"));
  g_assert_cmpstr(plain.out, !=, read.out);
  twsim_result_clear(&read);
  twsim_result_clear(&plain);
}

static void
test_loss_one(void)
{
  TwsimResult r = twsim_run("run", "@warn-mistakes.lua", "--quiet", NULL);
  g_assert_cmpint(r.status, ==, 0);
  /* Three links made on one line: one warning, naming that line. */
  g_assert_cmpuint(twsim_count(r.err, "warning: sim.link: loss = 1: every packet is lost"), ==, 1);
  g_assert_nonnull(strstr(r.err, "warn-mistakes.lua:10: warning: sim.link: loss = 1"));
  twsim_result_clear(&r);
}

static void
test_no_sim_run(void)
{
  TwsimResult with = twsim_run("run", "@warn-mistakes.lua", "--quiet", NULL);
  TwsimResult without = twsim_run("run", "@warn-mistakes.lua", "--quiet",
                                  "--set", "run=no", NULL);
  g_assert_cmpint(without.status, ==, 0);
  g_assert_null(strstr(with.err, "sim.run is never called"));
  g_assert_cmpuint(twsim_count(without.err, "warn-mistakes.lua: warning: sim.run is never "
                                         "called"), ==, 1);
  /* The figure printed by the chunk was taken at t=0. */
  g_assert_cmpstr(without.out, ==, "TIME_WAIT\t0\n");
  g_assert_cmpstr(with.out, ==, "TIME_WAIT\t2\n");
  twsim_result_clear(&with);
  twsim_result_clear(&without);
}

static void
test_no_banner_for_unreadable(void)
{
  TwsimResult r = twsim_run("run", "nosuch.lua", NULL);
  g_assert_cmpint(r.status, ==, 2);
  g_assert_cmpstr(r.out, ==, "");
  g_assert_cmpstr(r.err, ==, "twsim: nosuch.lua: cannot read the scenario: "
                             "No such file or directory\n");
  twsim_result_clear(&r);
  r = twsim_run("run", "@syntax-error.lua", NULL);
  g_assert_cmpint(r.status, ==, 2);
  g_assert_cmpstr(r.out, ==, "");
  twsim_result_clear(&r);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/warnings/unread-set", test_unread_set);
  g_test_add_func("/warnings/loss-one", test_loss_one);
  g_test_add_func("/warnings/no-sim-run", test_no_sim_run);
  g_test_add_func("/warnings/no-banner-for-unreadable", test_no_banner_for_unreadable);
  return g_test_run();
}
