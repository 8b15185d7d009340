/* The watchdog thread (see watchdog.h). */
#include "watchdog.h"
#include "signals.h"
#include "output.h"
#include "world.h"
#include "simerror.h"
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#define WATCHDOG_TICK_US (50 * 1000)

static GMutex lock;
static GCond wake;
static gboolean armed;
static GThread *thread;

/* Ends the process now: the main thread is stuck in a call that cannot be
 * interrupted, so nothing it holds is touched but the temporary files. */
G_NORETURN static void
give_up(const char *why, int status)
{
  sim_output_remove_partial();
  char msg[256];
  g_snprintf(msg, sizeof msg, "twsim: %s, and the scenario is stuck in one long call: "
             "stopped without its outputs\n", why);
  ssize_t n G_GNUC_UNUSED = write(STDERR_FILENO, msg, strlen(msg));
  _exit(status);
}

static gpointer
watch(gpointer data)
{
  gint64 deadline = *(gint64 *)data;
  g_free(data);
  gint64 signal_seen = 0;
  g_mutex_lock(&lock);
  while (armed) {
    g_cond_wait_until(&wake, &lock, g_get_monotonic_time() + WATCHDOG_TICK_US);
    if (!armed) break;
    gint64 now = g_get_monotonic_time();
    int sig = sim_world_signal_received;
    if (sig && signal_seen == 0) signal_seen = now;
    if (sig && now - signal_seen > RUN_WATCHDOG_GRACE_US)
      give_up("interrupted by a signal", 128 + sig);
    if (deadline && now - deadline > RUN_WATCHDOG_GRACE_US)
      give_up("wall-clock limit reached (--timeout)", SIM_EXIT_LIMIT);
  }
  g_mutex_unlock(&lock);
  return NULL;
}

void
run_watchdog_arm(gint64 deadline_us)
{
  g_assert(thread == NULL);
  gint64 *data = g_new(gint64, 1);
  *data = deadline_us;
  armed = TRUE;
  /* The thread takes none of the run's signals: their handlers must run
   * on the main thread (signals.h). */
  sigset_t was;
  run_signals_block(&was);
  thread = g_thread_new("twsim-watchdog", watch, data);
  pthread_sigmask(SIG_SETMASK, &was, NULL);
}

void
run_watchdog_disarm(void)
{
  if (thread == NULL) return;
  g_mutex_lock(&lock);
  armed = FALSE;
  g_cond_signal(&wake);
  g_mutex_unlock(&lock);
  g_thread_join(thread);
  thread = NULL;
}
