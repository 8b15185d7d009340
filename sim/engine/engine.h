/* The engine: virtual time and the run loop over the event queue.
 *
 * It knows nothing of TCP or Lua.  Models schedule callbacks; the engine
 * fires them in (time, insertion sequence) order and never lets time go
 * back.  The whole simulation is single-threaded. */
#pragma once
#include "queue.h"
#include "deadline.h"

typedef struct SimEngine SimEngine;

/* The start of every SimEngine: what the models read or call at nearly
 * every step (the clock, the queue a schedule pushes into), so that
 * sim_engine_now() and sim_engine_schedule() are inline, not a call each.
 * Read it only through those functions. */
typedef struct {
  SimTime   now;
  SimQueue *queue;
} SimEngineHead;

/* An event's action.  When it fires, it owns `data`; the destroy notifier
 * given at scheduling is called only if the event is cancelled or dropped
 * unfired when the engine is freed. */
typedef void (*SimEventFn)(SimEngine *engine, gpointer data);

/* Called every SIM_ENGINE_POLL_EVERY events (and once per run); returning
 * FALSE stops the run with SIM_RUN_LIMIT.  For wall-clock limits and signals:
 * nothing it sees may change what the simulation does, only whether it stops. */
typedef gboolean (*SimPollFn)(gpointer user);
#define SIM_ENGINE_POLL_EVERY 4096

/* Called before the clock moves past `at` (the previous return value):
 * every event at or before it has fired.  `next` is the time of the event
 * about to fire.  Returns the next time to be called at (SIM_TIME_MAX:
 * never).  For periodic observation that must not keep a simulation alive
 * the way an event would (metrics sampling). */
typedef SimTime (*SimWatchFn)(gpointer user, SimTime next);

/* Called after every event has fired (and before the next): for checks of
 * the models' invariants in test builds (sim/lua installs it).  Costs the
 * run loop one predictable branch when unset. */
typedef void (*SimAfterFn)(gpointer user);

/* A timer: an event its owner embeds and moves in place.  Setting it again
 * (earlier or later) or stopping it costs a sift in the engine's heap of
 * timers, O(log timers), and no push or cancel in the queue; it fires in
 * the queue's (time, sequence) order, its sequence number a ticket
 * (sim_engine_ticket()) taken when the owner decided on the deadline, so
 * that it fires exactly where an event pushed then would have.  For owners
 * whose deadline moves far more often than it fires (a host's TCP timers).
 * When it fires it is no longer set; fn(engine, data) runs. */
typedef struct {
  SimDeadline when;        /* in the engine's heap while set */
  SimEventFn  fn;
  gpointer    data;
} SimEngineTimer;

/* What the engine's queue and timers did so far (queue.h), for
 * benchmarks: timer_sets counts sim_engine_timer_set() calls. */
typedef struct {
  SimQueueStats queue;
  guint64       timer_sets;
  guint64       timers_fired;
} SimEngineStats;

typedef enum {
  SIM_RUN_EMPTY,    /* no event pending */
  SIM_RUN_UNTIL,    /* reached the requested time */
  SIM_RUN_STOPPED,  /* sim_engine_stop() was called */
  SIM_RUN_LIMIT,    /* max events reached or the poll function said stop */
} SimRunEnd;

SimEngine *
sim_engine_new(void);

/* Frees the engine; pending events' destroy notifiers are called. */
void
sim_engine_free(SimEngine *engine);

static inline SimTime
sim_engine_now(const SimEngine *engine)
{
  return ((const SimEngineHead *)engine)->now;
}

/* Events fired so far.  While an event runs, this is its number (from 1). */
uint64_t
sim_engine_events(const SimEngine *engine);

/* Pending events and set timers. */
gsize
sim_engine_pending(const SimEngine *engine);

/* Schedules fn(engine, data) at absolute time `at` (>= now). */
static inline SimEventId
sim_engine_schedule(SimEngine *engine, SimTime at, SimEventFn fn,
                    gpointer data, GDestroyNotify destroy)
{
  SimEngineHead *head = (SimEngineHead *)engine;
  g_assert(at >= head->now);
  return sim_queue_push(head->queue, at, (gpointer)fn, data, destroy);
}

/* Schedules fn(engine, data) `delay` (>= 0) from now. */
static inline SimEventId
sim_engine_schedule_in(SimEngine *engine, SimTime delay, SimEventFn fn,
                       gpointer data, GDestroyNotify destroy)
{
  SimEngineHead *head = (SimEngineHead *)engine;
  g_assert(delay >= 0 && delay <= SIM_TIME_MAX - head->now);
  return sim_queue_push(head->queue, head->now + delay, (gpointer)fn, data, destroy);
}

/* Takes the sequence number an event scheduled now would get, for a timer
 * set later at a deadline decided now. */
uint64_t
sim_engine_ticket(SimEngine *engine);

void
sim_engine_timer_init(SimEngineTimer *timer, SimEventFn fn, gpointer data);

/* Sets (or moves) timer to fire at `at` (>= now) in the order of `ticket`. */
void
sim_engine_timer_set(SimEngine *engine, SimEngineTimer *timer, SimTime at, uint64_t ticket);

/* Stops timer; nothing if it is not set. */
void
sim_engine_timer_stop(SimEngine *engine, SimEngineTimer *timer);

static inline gboolean
sim_engine_timer_is_set(const SimEngineTimer *timer)
{
  return sim_deadline_armed(&timer->when);
}

void
sim_engine_stats(const SimEngine *engine, SimEngineStats *out);

/* Cancels a pending event (its destroy notifier runs).  FALSE if the handle
 * is stale or 0. */
gboolean
sim_engine_cancel(SimEngine *engine, SimEventId id);

/* Stops the run after the current event. */
void
sim_engine_stop(SimEngine *engine);

/* Total events after which runs stop with SIM_RUN_LIMIT (0: no limit). */
void
sim_engine_set_max_events(SimEngine *engine, uint64_t max_events);

void
sim_engine_set_poll(SimEngine *engine, SimPollFn poll, gpointer user);

/* Sets the watch function, first called when the clock is about to pass
 * `at`. */
void
sim_engine_set_watch(SimEngine *engine, SimTime at, SimWatchFn watch, gpointer user);

/* Sets (or, with NULL, clears) the after-event function; a run reads it
 * when it starts (set it between runs, not from an event). */
void
sim_engine_set_after(SimEngine *engine, SimAfterFn after, gpointer user);

/* The after-event function now set (NULL if none) and its user data in
 * *user: a second observer (the stepper) keeps it and calls it from its
 * own, so both run. */
SimAfterFn
sim_engine_get_after(const SimEngine *engine, gpointer *user);

/* The time of the next pending event, SIM_TIME_MAX if none. */
SimTime
sim_engine_next_time(SimEngine *engine);

/* Whether `id` is a pending event; its data in *data if so (may be NULL).
 * For invariant checks: a model's timer handle must name a live event. */
gboolean
sim_engine_event_pending(const SimEngine *engine, SimEventId id, gpointer *data);

/* Fires events in order until none is pending, the next is after `until`,
 * or a stop or limit.  Events at exactly `until` fire.  With a finite
 * `until`, a run that is not stopped early ends with the clock at `until`
 * (SIM_RUN_UNTIL) even if the queue ran dry before it. */
SimRunEnd
sim_engine_run(SimEngine *engine, SimTime until);
