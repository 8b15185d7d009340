/* The classic hold-model benchmark of an event set (Vaucher and Duval,
 * 1975): fill the queue with N pending events, then repeatedly fire the
 * earliest, which schedules one new event a random time later, so the queue
 * stays at N.  Prints events per second through the engine's own run loop,
 * dispatch included.
 *
 *   bench-hold PENDING EVENTS [WORKLOAD]   (defaults 1000000 20000000 exp)
 *
 * Its heap is on huge pages, as twsim's is (sim/cli/huge-pages.h);
 * GLIBC_TUNABLES=glibc.malloc.hugetlb=0 in the environment keeps small ones.
 *
 * Workloads (the time from now to the new event):
 *   exp      exponential, mean 1 ms: the time-stamps of a busy network;
 *   bimodal  90% short (log-uniform 10 us .. 1 ms, packets and delayed
 *            ACKs), 10% long (60 s, TIME_WAIT): almost every pending event
 *            is then a far-future timer, and most firings are near-term;
 *   cancel   retransmission timers: half the pending events are exp(1 ms)
 *            events, the other half timers at 200 ms + exp(1 ms); every
 *            firing schedules one of each and cancels the oldest timer, so
 *            half of all scheduled events are cancelled, never fired. */
#include "engine.h"
#include "huge-pages.h"
#include "rng.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { WORKLOAD_EXP, WORKLOAD_BIMODAL, WORKLOAD_CANCEL } Workload;

static SimRng     rng;
static Workload   workload;
static SimEventId *timers;        /* cancel workload: pending timers, a ring */
static guint64    n_timers, next_timer;
static guint64    failed_cancels, timers_fired;

/* The exponential draw by Marsaglia and Tsang's ziggurat ("The Ziggurat
 * Method for Generating Random Variables", J. Stat. Softw. 5(8), 2000):
 * 256 layers of equal area V under exp(-x), layer i the rectangle
 * [0, zig_x[i]] x [exp(-zig_x[i]), exp(-zig_x[i + 1])], layer 0 the base
 * with the tail beyond ZIG_R.  A point drawn uniformly in a random layer
 * that falls under the curve is an exact exponential sample; 98.9% of
 * draws are one random number, a multiplication and a comparison.  It
 * replaced -log1p(-u), the same distribution, whose libm call cost more
 * than the queue's pop (docs/performance.md). */
#define ZIG_LAYERS 256
#define ZIG_R      7.69711747013104972
#define ZIG_V      3.949659822581572e-3

static double zig_x[ZIG_LAYERS + 1];
static double zig_f[ZIG_LAYERS + 1];   /* exp(-zig_x[i]) */

static void
zig_init(void)
{
  zig_x[0] = ZIG_V / exp(-ZIG_R);
  zig_x[1] = ZIG_R;
  for (int i = 1; i < ZIG_LAYERS - 1; i++)
    zig_x[i + 1] = -log(exp(-zig_x[i]) + ZIG_V / zig_x[i]);
  zig_x[ZIG_LAYERS] = 0;
  for (int i = 0; i <= ZIG_LAYERS; i++) zig_f[i] = exp(-zig_x[i]);
}

/* An exponential sample of mean 1. */
static double
exp_sample(void)
{
  for (;;) {
    uint64_t bits = sim_rng_next(&rng);
    guint i = bits & (ZIG_LAYERS - 1);
    double x = (double)(bits >> 11) * 0x1.0p-53 * zig_x[i];
    if (G_LIKELY(x < zig_x[i + 1])) return x;
    if (i == 0) return ZIG_R - log1p(-sim_rng_uniform(&rng));   /* the tail */
    double y = zig_f[i] + sim_rng_uniform(&rng) * (zig_f[i + 1] - zig_f[i]);
    if (y < exp(-x)) return x;
  }
}

static SimTime
exp_delay(void)
{
  return (SimTime)(exp_sample() * 1e6);
}

static SimTime
bimodal_delay(void)
{
  if (sim_rng_below(&rng, 10) == 0) return 60 * SIM_S;
  /* log-uniform over [10 us, 1 ms] */
  return (SimTime)(1e4 * exp(sim_rng_uniform(&rng) * log(100.0)));
}

static SimTime
next_delay(void)
{
  return workload == WORKLOAD_BIMODAL ? bimodal_delay() : exp_delay();
}

static void
timer_fire(SimEngine *engine, gpointer data)
{
  timers_fired++;                 /* never expected: every timer is cancelled */
}

/* Replaces the oldest pending timer by a new one. */
static void
timer_rearm(SimEngine *engine)
{
  SimEventId *slot = &timers[next_timer];
  if (*slot && !sim_engine_cancel(engine, *slot)) failed_cancels++;
  *slot = sim_engine_schedule_in(engine, 200 * SIM_MS + exp_delay(), timer_fire,
                                 NULL, NULL);
  next_timer = (next_timer + 1) % n_timers;
}

static void
hold(SimEngine *engine, gpointer data)
{
  sim_engine_schedule_in(engine, next_delay(), hold, data, NULL);
  if (workload == WORKLOAD_CANCEL) timer_rearm(engine);
}

static gboolean
parse_workload(const char *name)
{
  static const char *const names[] = { "exp", "bimodal", "cancel" };
  for (gsize i = 0; i < G_N_ELEMENTS(names); i++)
    if (strcmp(name, names[i]) == 0) {
      workload = (Workload)i;
      return TRUE;
    }
  return FALSE;
}

int
main(int argc, char **argv)
{
  /* The queue's memory on huge pages, as twsim has it: with a million
   * events pending, its slots alone take 32 MiB, read in no order. */
  huge_pages_restart(argv);
  guint64 pending = argc > 1 ? g_ascii_strtoull(argv[1], NULL, 10) : 1000000;
  guint64 events = argc > 2 ? g_ascii_strtoull(argv[2], NULL, 10) : 20000000;
  const char *name = argc > 3 ? argv[3] : "exp";
  if (pending < 2 || !parse_workload(name)) {
    fprintf(stderr, "usage: bench-hold PENDING>=2 EVENTS [exp|bimodal|cancel]\n");
    return 2;
  }
  sim_rng_init_stream(&rng, 1, "bench.hold");
  zig_init();
  SimEngine *engine = sim_engine_new();
  guint64 holders = pending;
  if (workload == WORKLOAD_CANCEL) {
    n_timers = pending / 2;
    holders = pending - n_timers;
    timers = g_new0(SimEventId, n_timers);
    for (guint64 i = 0; i < n_timers; i++) timer_rearm(engine);
  }
  for (guint64 i = 0; i < holders; i++)
    sim_engine_schedule(engine, next_delay(), hold, NULL, NULL);
  /* Warm up one pass over the queue so arrays are at their final size. */
  sim_engine_set_max_events(engine, pending);
  sim_engine_run(engine, SIM_TIME_MAX);
  sim_engine_set_max_events(engine, pending + events);
  gint64 start = g_get_monotonic_time();
  sim_engine_run(engine, SIM_TIME_MAX);
  double secs = (double)(g_get_monotonic_time() - start) / 1e6;
  printf("engine-hold-%s-%" G_GUINT64_FORMAT " %.0f events/s\n", name, pending,
         (double)events / secs);
  if (sim_engine_pending(engine) != pending || failed_cancels || timers_fired) {
    fprintf(stderr, "bench-hold: pending %" G_GSIZE_FORMAT ", failed cancels %"
            G_GUINT64_FORMAT ", timers fired %" G_GUINT64_FORMAT "\n",
            sim_engine_pending(engine), failed_cancels, timers_fired);
    return 1;
  }
  sim_engine_free(engine);
  g_free(timers);
  return 0;
}
