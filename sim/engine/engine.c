/* The run loop (see engine.h). */
#include "engine.h"
#include "queue-internal.h"

struct SimEngine {
  SimEngineHead head;      /* now and queue, first: engine.h reads them inline */
  uint64_t  events;        /* fired so far */
  uint64_t  max_events;    /* UINT64_MAX: unlimited */
  uint64_t  check_at;      /* events at which the run loop next polls or meets the limit */
  gboolean  stop;
  SimPollFn poll;
  gpointer  poll_user;
  SimTime    watch_at;     /* SIM_TIME_MAX: no watch */
  SimWatchFn watch;
  gpointer   watch_user;
  SimAfterFn after;        /* NULL: none */
  gpointer   after_user;
  SimDeadlineHeap timers;  /* of SimEngineTimer.when */
  guint64    timer_sets;
  guint64    timers_fired;
};

SimEngine *
sim_engine_new(void)
{
  SimEngine *e = g_new0(SimEngine, 1);
  e->head.queue = sim_queue_new();
  e->watch_at = SIM_TIME_MAX;
  e->max_events = UINT64_MAX;
  e->check_at = SIM_ENGINE_POLL_EVERY;
  sim_deadline_heap_init(&e->timers);
  return e;
}

void
sim_engine_free(SimEngine *engine)
{
  if (engine == NULL) return;
  sim_queue_free(engine->head.queue);
  sim_deadline_heap_clear(&engine->timers);
  g_free(engine);
}

uint64_t
sim_engine_events(const SimEngine *engine)
{
  return engine->events;
}

gsize
sim_engine_pending(const SimEngine *engine)
{
  return sim_queue_length(engine->head.queue) + engine->timers.n;
}

uint64_t
sim_engine_ticket(SimEngine *engine)
{
  return sim_queue_ticket(engine->head.queue);
}

void
sim_engine_timer_init(SimEngineTimer *timer, SimEventFn fn, gpointer data)
{
  *timer = (SimEngineTimer){ .fn = fn, .data = data };
}

void
sim_engine_timer_set(SimEngine *engine, SimEngineTimer *timer, SimTime at, uint64_t ticket)
{
  g_assert(at >= engine->head.now);
  engine->timer_sets++;
  sim_deadline_heap_set(&engine->timers, &timer->when, at, ticket);
}

void
sim_engine_timer_stop(SimEngine *engine, SimEngineTimer *timer)
{
  sim_deadline_heap_remove(&engine->timers, &timer->when);
}

void
sim_engine_stats(const SimEngine *engine, SimEngineStats *out)
{
  sim_queue_stats(engine->head.queue, &out->queue);
  out->timer_sets = engine->timer_sets;
  out->timers_fired = engine->timers_fired;
}

gboolean
sim_engine_cancel(SimEngine *engine, SimEventId id)
{
  return sim_queue_cancel(engine->head.queue, id);
}

void
sim_engine_stop(SimEngine *engine)
{
  engine->stop = TRUE;
}

/* The events count at which the run loop next stops to call the poll
 * function (a multiple of SIM_ENGINE_POLL_EVERY) or to end at the
 * limit, whichever comes first: one compare per event for both. */
static inline uint64_t
engine_check_at(const SimEngine *engine)
{
  uint64_t poll_at = (engine->events / SIM_ENGINE_POLL_EVERY + 1) * SIM_ENGINE_POLL_EVERY;
  return MIN(poll_at, engine->max_events);
}

void
sim_engine_set_max_events(SimEngine *engine, uint64_t max_events)
{
  engine->max_events = max_events ? max_events : UINT64_MAX;
  engine->check_at = engine_check_at(engine);   /* an event may lower it mid-run */
}

void
sim_engine_set_poll(SimEngine *engine, SimPollFn poll, gpointer user)
{
  engine->poll = poll;
  engine->poll_user = user;
}

void
sim_engine_set_watch(SimEngine *engine, SimTime at, SimWatchFn watch, gpointer user)
{
  engine->watch = watch;
  engine->watch_user = user;
  engine->watch_at = watch ? at : SIM_TIME_MAX;
}

void
sim_engine_set_after(SimEngine *engine, SimAfterFn after, gpointer user)
{
  engine->after = after;
  engine->after_user = user;
}

SimAfterFn
sim_engine_get_after(const SimEngine *engine, gpointer *user)
{
  *user = engine->after_user;
  return engine->after;
}

SimTime
sim_engine_next_time(SimEngine *engine)
{
  SimQueueItem item;
  SimTime next = sim_queue_peek(engine->head.queue, &item) ? item.time : SIM_TIME_MAX;
  const SimDeadline *t = sim_deadline_heap_first(&engine->timers);
  return t ? MIN(next, t->at) : next;
}

gboolean
sim_engine_event_pending(const SimEngine *engine, SimEventId id, gpointer *data)
{
  return sim_queue_lookup(engine->head.queue, id, data);
}

/* The clock moves to `time`, where the next event or timer fires. */
static inline void
engine_advance(SimEngine *engine, SimTime time)
{
  if (G_UNLIKELY(time > engine->watch_at))
    engine->watch_at = engine->watch(engine->watch_user, time);
  g_assert(time >= engine->head.now);
  engine->head.now = time;
  engine->events++;
}

/* Fires the next timer if it is due by `until` and before every queued
 * event; FALSE if there is none such. */
static gboolean
engine_fire_timer(SimEngine *engine, SimTime until)
{
  SimDeadline *d = sim_deadline_heap_first(&engine->timers);
  if (d == NULL || d->at > until) return FALSE;
  SimEngineTimer *t = (SimEngineTimer *)d;
  sim_deadline_heap_remove(&engine->timers, d);
  engine_advance(engine, d->at);
  sim_queue_advance(engine->head.queue, d->at);
  engine->timers_fired++;
  t->fn(engine, t->data);
  return TRUE;
}

SimRunEnd
sim_engine_run(SimEngine *engine, SimTime until)
{
  /* Read once: a register test per event, nothing loaded from memory. */
  SimAfterFn after = engine->after;
  gpointer after_user = engine->after_user;
  SimQueue *q = engine->head.queue;
  engine->stop = FALSE;
  if (engine->poll && !engine->poll(engine->poll_user)) return SIM_RUN_LIMIT;
  if (engine->events >= engine->max_events) return SIM_RUN_LIMIT;
  engine->check_at = engine_check_at(engine);
  for (;;) {
    /* A queued event fires if it comes before the first timer; with no
     * timer due by `until`, if it is due by `until` (every sequence
     * number is below UINT64_MAX). */
    const SimDeadline *t = sim_deadline_heap_first(&engine->timers);
    SimTime at;
    const SimQueueAction *a = G_LIKELY(t == NULL || t->at > until)
      ? sim_queue_take_before(q, until, UINT64_MAX, &at)
      : sim_queue_take_before(q, t->at, t->seq, &at);
    if (a != NULL) {
      /* Read before the watch function runs: a push may reuse the slot. */
      SimEventFn fn = (SimEventFn)a->fn;
      gpointer data = a->data;
      engine_advance(engine, at);
      fn(engine, data);
    } else if (!engine_fire_timer(engine, until)) {
      /* Nothing more can happen before `until`: the clock still gets there. */
      if (until != SIM_TIME_MAX) engine->head.now = until;
      return until != SIM_TIME_MAX ? SIM_RUN_UNTIL : SIM_RUN_EMPTY;
    }
    if (G_UNLIKELY(after != NULL)) after(after_user);
    if (G_UNLIKELY(engine->stop)) return SIM_RUN_STOPPED;
    if (G_UNLIKELY(engine->events >= engine->check_at)) {
      if (engine->events % SIM_ENGINE_POLL_EVERY == 0 && engine->poll &&
          !engine->poll(engine->poll_user))
        return SIM_RUN_LIMIT;
      if (engine->events >= engine->max_events) return SIM_RUN_LIMIT;
      engine->check_at = engine_check_at(engine);
    }
  }
}
