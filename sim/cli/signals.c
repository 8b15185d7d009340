/* The signals of `twsim run` (see signals.h). */
#include "signals.h"
#include "world.h"
#include <errno.h>
#include <pthread.h>

static pthread_t main_thread;

/* A signal taken by a thread other than the main one: passed on (a Lua
 * hook must be set from the thread that runs Lua). */
static gboolean
passed_on(int signum)
{
  if (pthread_equal(pthread_self(), main_thread)) return FALSE;
  pthread_kill(main_thread, signum);
  return TRUE;
}

static void
on_stop_signal(int signum)
{
  int saved = errno;
  if (!passed_on(signum)) {
    sim_world_signal_received = signum;
    sim_world_interrupt();
  }
  errno = saved;
}

static void
handle(int signum, void (*handler)(int))
{
  struct sigaction sa = { 0 };
  sa.sa_handler = handler;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  sigaction(signum, &sa, NULL);
}

void
run_signals_install(void)
{
  main_thread = pthread_self();
  handle(SIGINT, on_stop_signal);
  handle(SIGTERM, on_stop_signal);
  handle(SIGHUP, on_stop_signal);     /* a closed terminal: stop as for SIGTERM */
  handle(SIGPIPE, SIG_IGN);           /* a closed pipe is a write error, reported */
}

void
run_signals_block(sigset_t *was)
{
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIM_WORLD_DEADLINE_SIGNAL);
  pthread_sigmask(SIG_BLOCK, &set, was);
}
