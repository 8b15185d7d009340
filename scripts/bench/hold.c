/* The classic hold-model benchmark of an event set (Vaucher and Duval,
 * 1975): fill the queue with N pending events, then repeatedly fire the
 * earliest, which schedules one new event a random (exponential) time
 * later, so the queue stays at N.  Prints events per second through the
 * engine's own run loop, dispatch included.
 *
 *   bench-hold PENDING EVENTS   (defaults 1000000 20000000) */
#include "engine.h"
#include "rng.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static SimRng rng;

/* Mean 1 ms, exponential: the time-stamps of a busy network. */
static SimTime
next_delay(void)
{
  return (SimTime)(-log1p(-sim_rng_uniform(&rng)) * 1e6);
}

static void
hold(SimEngine *engine, gpointer data)
{
  sim_engine_schedule_in(engine, next_delay(), hold, data, NULL);
}

int
main(int argc, char **argv)
{
  guint64 pending = argc > 1 ? g_ascii_strtoull(argv[1], NULL, 10) : 1000000;
  guint64 events = argc > 2 ? g_ascii_strtoull(argv[2], NULL, 10) : 20000000;
  sim_rng_init_stream(&rng, 1, "bench.hold");
  SimEngine *engine = sim_engine_new();
  for (guint64 i = 0; i < pending; i++)
    sim_engine_schedule(engine, next_delay(), hold, NULL, NULL);
  /* Warm up one pass over the queue so arrays are at their final size. */
  sim_engine_set_max_events(engine, pending);
  sim_engine_run(engine, SIM_TIME_MAX);
  sim_engine_set_max_events(engine, pending + events);
  gint64 start = g_get_monotonic_time();
  sim_engine_run(engine, SIM_TIME_MAX);
  double secs = (double)(g_get_monotonic_time() - start) / 1e6;
  printf("engine-hold-%" G_GUINT64_FORMAT " %.0f events/s\n", pending, (double)events / secs);
  sim_engine_free(engine);
  return 0;
}
