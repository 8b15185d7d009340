/* The watchdog of `twsim run`: the last resort when the run cannot stop
 * itself.  The Lua hook and the engine stop a run at its wall-clock limit
 * or on a signal, but neither can interrupt one long call into C (a
 * pathological string.find pattern, a huge string.rep): the watchdog, a
 * thread, waits for the run to end and, when it is still running a grace
 * period after its deadline or after a signal, removes the outputs'
 * temporary files (so they stay absent, never half-written), says why on
 * stderr and ends the process with exit status 3 (or 128 + the signal). */
#pragma once
#include <glib.h>

/* How long past the deadline, or past a signal, the run may take to stop
 * by itself. */
#define RUN_WATCHDOG_GRACE_US (2 * G_USEC_PER_SEC)

/* Starts watching: `deadline_us` is the monotonic time of --timeout (0:
 * none; signals are watched always).  Until run_watchdog_disarm. */
void
run_watchdog_arm(gint64 deadline_us);

/* Stops watching (the run is over, or about to write its outputs). */
void
run_watchdog_disarm(void);
