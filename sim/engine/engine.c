/* The run loop (see engine.h). */
#include "engine.h"
#include "queue-internal.h"

struct SimEngine {
  SimQueue *queue;
  SimTime   now;
  uint64_t  events;        /* fired so far */
  uint64_t  max_events;    /* 0: unlimited */
  gboolean  stop;
  SimPollFn poll;
  gpointer  poll_user;
  SimTime    watch_at;     /* SIM_TIME_MAX: no watch */
  SimWatchFn watch;
  gpointer   watch_user;
  SimAfterFn after;        /* NULL: none */
  gpointer   after_user;
};

SimEngine *
sim_engine_new(void)
{
  SimEngine *e = g_new0(SimEngine, 1);
  e->queue = sim_queue_new();
  e->watch_at = SIM_TIME_MAX;
  return e;
}

void
sim_engine_free(SimEngine *engine)
{
  if (engine == NULL) return;
  sim_queue_free(engine->queue);
  g_free(engine);
}

SimTime
sim_engine_now(const SimEngine *engine)
{
  return engine->now;
}

uint64_t
sim_engine_events(const SimEngine *engine)
{
  return engine->events;
}

gsize
sim_engine_pending(const SimEngine *engine)
{
  return sim_queue_length(engine->queue);
}

SimEventId
sim_engine_schedule(SimEngine *engine, SimTime at, SimEventFn fn,
                    gpointer data, GDestroyNotify destroy)
{
  g_assert(at >= engine->now);
  return sim_queue_push(engine->queue, at, (gpointer)fn, data, destroy);
}

SimEventId
sim_engine_schedule_in(SimEngine *engine, SimTime delay, SimEventFn fn,
                       gpointer data, GDestroyNotify destroy)
{
  g_assert(delay >= 0 && delay <= SIM_TIME_MAX - engine->now);
  return sim_queue_push(engine->queue, engine->now + delay, (gpointer)fn,
                        data, destroy);
}

gboolean
sim_engine_cancel(SimEngine *engine, SimEventId id)
{
  return sim_queue_cancel(engine->queue, id);
}

void
sim_engine_stop(SimEngine *engine)
{
  engine->stop = TRUE;
}

void
sim_engine_set_max_events(SimEngine *engine, uint64_t max_events)
{
  engine->max_events = max_events;
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
  return sim_queue_peek(engine->queue, &item) ? item.time : SIM_TIME_MAX;
}

gboolean
sim_engine_event_pending(const SimEngine *engine, SimEventId id, gpointer *data)
{
  return sim_queue_lookup(engine->queue, id, data);
}

SimRunEnd
sim_engine_run(SimEngine *engine, SimTime until)
{
  SimQueueItem item;
  /* Read once: a register test per event, nothing loaded from memory. */
  SimAfterFn after = engine->after;
  gpointer after_user = engine->after_user;
  engine->stop = FALSE;
  if (engine->poll && !engine->poll(engine->poll_user)) return SIM_RUN_LIMIT;
  for (;;) {
    if (engine->max_events && engine->events >= engine->max_events)
      return SIM_RUN_LIMIT;
    if (!sim_queue_pop_until(engine->queue, until, &item)) {
      /* Nothing more can happen before `until`: the clock still gets there. */
      if (until != SIM_TIME_MAX) engine->now = until;
      return until != SIM_TIME_MAX ? SIM_RUN_UNTIL : SIM_RUN_EMPTY;
    }
    if (G_UNLIKELY(item.time > engine->watch_at))
      engine->watch_at = engine->watch(engine->watch_user, item.time);
    g_assert(item.time >= engine->now);
    engine->now = item.time;
    engine->events++;
    ((SimEventFn)item.fn)(engine, item.data);
    if (G_UNLIKELY(after != NULL)) after(after_user);
    if (G_UNLIKELY(engine->stop)) return SIM_RUN_STOPPED;
    if (G_UNLIKELY(engine->poll && engine->events % SIM_ENGINE_POLL_EVERY == 0) &&
        !engine->poll(engine->poll_user))
      return SIM_RUN_LIMIT;
  }
}
