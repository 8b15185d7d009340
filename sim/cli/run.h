/* twsim run (run.c), and the hook `twsim step` (step.c) runs a scenario
 * through. */
#pragma once
#include "world.h"

/* Runs `twsim run ARGS`: argv[0] is "run".  Returns the exit status. */
int
run_command(int argc, char **argv);

/* What a command adds to a run of a scenario with the run options:
 * `attach` once the world and its writers exist, before the scenario
 * runs (opts may be changed: the stepper's quit sets stop_at_event);
 * `detach` after the scenario, before the outputs are closed. */
typedef struct {
  const char *summary;        /* "SCENARIO.lua - ..." for --help */
  gboolean    trace_stdout;   /* a text trace on stdout unless --trace is given */
  void      (*attach)(gpointer user, SimWorld *world, SimRunOptions *opts);
  void      (*detach)(gpointer user, SimWorld *world);
  gpointer    user;
} RunDriver;

/* Runs `twsim COMMAND ARGS` (argv[0] is the command) as `twsim run` does,
 * with the driver's additions.  Returns the exit status. */
int
run_command_driven(int argc, char **argv, const RunDriver *driver);
