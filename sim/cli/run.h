/* twsim run (run.c). */
#pragma once

/* Runs `twsim run ARGS`: argv[0] is "run".  Returns the exit status. */
int
run_command(int argc, char **argv);
