/* A wake-up: the step of something suspended (a Lua process, a connection
 * of a server run in C) run as one engine event at the instant what it
 * waits for became ready.  Whoever makes it ready asks for the wake-up at
 * that instant; asks while one is pending add nothing, so the step runs
 * once, in the order of the first ask.  A wait can name a test of whether
 * it is still blocked: a wake-up that finds it so (a bare ACK to a reader)
 * leaves the step suspended.  The event stays one engine event all the
 * same, so that event numbers and the order of everything else do not
 * depend on what the test finds.
 *
 * Each owner embeds one and gives its own event function, which begins
 * with sim_wakeup_fired(): the calls stay direct, as the wake-up runs for
 * nearly every segment a connection receives. */
#pragma once
#include "engine.h"

typedef struct {
  SimEventId  event;                        /* pending, 0 if none */
  gboolean  (*still_blocked)(gpointer ud);  /* the wait's test; NULL: none */
  gpointer    blocked_ud;
} SimWakeup;

/* Asks for fn(engine, data) at `at`, unless a wake-up is pending. */
static inline void
sim_wakeup_at(SimWakeup *w, SimEngine *engine, SimTime at, SimEventFn fn, gpointer data)
{
  if (w->event == 0) w->event = sim_engine_schedule(engine, at, fn, data, NULL);
}

/* The same at the current instant, after what is scheduled for it. */
static inline void
sim_wakeup_now(SimWakeup *w, SimEngine *engine, SimEventFn fn, gpointer data)
{
  sim_wakeup_at(w, engine, sim_engine_now(engine), fn, data);
}

/* The owner is about to suspend until still_blocked(ud) is FALSE.  The
 * test must change nothing; it holds until the step next runs. */
static inline void
sim_wakeup_wait_in(SimWakeup *w, gboolean (*still_blocked)(gpointer ud), gpointer ud)
{
  w->still_blocked = still_blocked;
  w->blocked_ud = ud;
}

/* First in the owner's event function: the wake-up is no longer pending;
 * TRUE if the step is to run (the wait's test, if any, is then over). */
static inline gboolean
sim_wakeup_fired(SimWakeup *w)
{
  w->event = 0;
  if (w->still_blocked && w->still_blocked(w->blocked_ud)) return FALSE;
  w->still_blocked = NULL;
  return TRUE;
}

/* Drops a pending wake-up (its owner ends or is freed). */
static inline void
sim_wakeup_cancel(SimWakeup *w, SimEngine *engine)
{
  if (w->event) sim_engine_cancel(engine, w->event);
  w->event = 0;
}
