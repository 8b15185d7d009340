/* twsim step (step.c). */
#pragma once

/* Runs `twsim step ARGS` (argv[0] is "step"): the scenario one event at a
 * time, commands read from stdin.  Returns the exit status. */
int
step_command(int argc, char **argv);
