/* The signals of `twsim run`.  SIGINT, SIGTERM and SIGHUP stop the run
 * (exit 128 + the signal, outputs complete).  Their handler arms the Lua
 * hook on the running Lua thread (sim_world_interrupt), as the world's
 * deadline timer does at --timeout: it must run on the main thread, which
 * runs Lua, so every other thread twsim makes blocks these signals
 * (run_signals_block), and one that reaches another thread all the same
 * is passed on to the main thread.  System calls they interrupt are
 * restarted (SA_RESTART). */
#pragma once
#include <signal.h>

/* Installs the handlers; the calling thread is the main thread.  First of
 * all in a run: a signal that arrives while the options are read or the
 * world is made stops the run at its first poll, never kills it with
 * temporary files left. */
void
run_signals_install(void);

/* Blocks the run's signals, the deadline's too, in the calling thread, the
 * previous mask in *was: around the making of a thread, which inherits
 * the mask. */
void
run_signals_block(sigset_t *was);
