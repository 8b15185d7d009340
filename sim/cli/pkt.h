/* twsim pkt (pkt.c). */
#pragma once

/* Runs `twsim pkt ARGS`: argv[0] is "pkt".  Returns the exit status. */
int
pkt_command(int argc, char **argv);
