/* The event queue (sim/queue.h) and the engine's run loop (sim/engine.h). */
#include "engine.h"
#include "rng.h"
#include <stdlib.h>

static void
test_order_and_ties(void)
{
  SimQueue *q = sim_queue_new();
  /* Times pushed out of order, with ties: ties pop in push order. */
  static const SimTime times[] = { 50, 10, 50, 10, 30, 10, 50, 0, 30 };
  for (gsize i = 0; i < G_N_ELEMENTS(times); i++)
    sim_queue_push(q, times[i], NULL, GSIZE_TO_POINTER(i + 1), NULL);
  static const gsize expected[] = { 8, 2, 4, 6, 5, 9, 1, 3, 7 };
  SimQueueItem item;
  for (gsize i = 0; i < G_N_ELEMENTS(expected); i++) {
    g_assert_true(sim_queue_pop(q, &item));
    g_assert_cmpuint(GPOINTER_TO_SIZE(item.data), ==, expected[i]);
  }
  g_assert_false(sim_queue_pop(q, &item));
  sim_queue_free(q);
}

static void
count_destroy(gpointer data)
{
  (*(int *)data)++;
}

static void
test_cancel(void)
{
  SimQueue *q = sim_queue_new();
  int destroyed = 0;
  SimEventId a = sim_queue_push(q, 10, NULL, &destroyed, count_destroy);
  SimEventId b = sim_queue_push(q, 20, NULL, &destroyed, count_destroy);
  SimEventId c = sim_queue_push(q, 20, NULL, &destroyed, count_destroy);
  g_assert_cmpuint(sim_queue_length(q), ==, 3);
  g_assert_true(sim_queue_cancel(q, b));
  g_assert_false(sim_queue_cancel(q, b));         /* twice: stale */
  g_assert_false(sim_queue_cancel(q, 0));
  g_assert_cmpint(destroyed, ==, 1);
  g_assert_cmpuint(sim_queue_length(q), ==, 2);
  SimQueueItem item;
  g_assert_true(sim_queue_pop(q, &item));
  g_assert_cmpint(item.time, ==, 10);
  g_assert_false(sim_queue_cancel(q, a));         /* fired: stale */
  /* The slot of a fired event is reused; the old handle must not cancel
   * the new event. */
  SimEventId d = sim_queue_push(q, 30, NULL, &destroyed, count_destroy);
  g_assert_false(sim_queue_cancel(q, a));
  g_assert_true(sim_queue_pop(q, &item));
  g_assert_cmpint(item.time, ==, 20);
  g_assert_true(sim_queue_cancel(q, d));
  g_assert_false(sim_queue_pop(q, &item));
  g_assert_false(sim_queue_cancel(q, c));
  sim_queue_push(q, 40, NULL, &destroyed, count_destroy);
  sim_queue_free(q);                               /* destroys the pending one */
  g_assert_cmpint(destroyed, ==, 3);
}

/* A reference event: what the queue must return, in (time, seq) order. */
typedef struct {
  SimTime    time;
  guint64    seq;
  SimEventId id;
  gboolean   cancelled;
} RefEvent;

static int
compare_ref(const void *pa, const void *pb)
{
  const RefEvent *a = *(RefEvent *const *)pa, *b = *(RefEvent *const *)pb;
  if (a->time != b->time) return (a->time > b->time) - (a->time < b->time);
  return (a->seq > b->seq) - (a->seq < b->seq);
}

static void
test_random_against_reference(void)
{
  /* A million random operations (push, cancel, pop) in the pattern a
   * simulation makes: pushes never before the last pop.  Every pop must
   * match the earliest live event of a sorted reference. */
  SimRng rng;
  sim_rng_init_stream(&rng, 42, "queue-test");
  SimQueue *q = sim_queue_new();
  GPtrArray *live = g_ptr_array_new();      /* unsorted reference */
  GPtrArray *all = g_ptr_array_new_with_free_func(g_free);
  SimTime now = 0;
  guint64 seq = 0;
  const int ops = 1000000;
  for (int op = 0; op < ops; op++) {
    guint64 r = sim_rng_below(&rng, 100);
    if (r < 50 || live->len == 0) {
      RefEvent *e = g_new0(RefEvent, 1);
      /* Many ties: a coarse grid of times, sometimes exactly now. */
      e->time = now + (SimTime)(sim_rng_below(&rng, 4) == 0 ? 0 : sim_rng_below(&rng, 1000) * 1000);
      e->seq = seq++;
      e->id = sim_queue_push(q, e->time, NULL, e, NULL);
      g_ptr_array_add(live, e);
      g_ptr_array_add(all, e);
    } else if (r < 60) {
      guint idx = (guint)sim_rng_below(&rng, live->len);
      RefEvent *e = g_ptr_array_index(live, idx);
      g_assert_true(sim_queue_cancel(q, e->id));
      e->cancelled = TRUE;
      g_ptr_array_remove_index_fast(live, idx);
    } else {
      /* The earliest live reference event, found by scan. */
      guint best = 0;
      for (guint k = 1; k < live->len; k++)
        if (compare_ref(&g_ptr_array_index(live, k), &g_ptr_array_index(live, best)) < 0)
          best = k;
      RefEvent *want = g_ptr_array_index(live, best);
      SimQueueItem item;
      g_assert_true(sim_queue_pop(q, &item));
      g_assert_true(item.data == want);
      g_assert_cmpint(item.time, ==, want->time);
      now = item.time;
      g_ptr_array_remove_index_fast(live, best);
    }
    g_assert_cmpuint(sim_queue_length(q), ==, live->len);
  }
  /* Drain: the rest comes out fully sorted. */
  g_ptr_array_sort(live, compare_ref);
  for (guint k = 0; k < live->len; k++) {
    SimQueueItem item;
    g_assert_true(sim_queue_pop(q, &item));
    g_assert_true(item.data == g_ptr_array_index(live, k));
  }
  SimQueueItem item;
  g_assert_false(sim_queue_pop(q, &item));
  g_ptr_array_free(live, TRUE);
  g_ptr_array_free(all, TRUE);
  sim_queue_free(q);
}

static void
test_push_before_peeked(void)
{
  /* After a run stops before the next event (peeked at t=100), new events
   * may be scheduled between now and that event. */
  SimQueue *q = sim_queue_new();
  SimQueueItem item;
  sim_queue_push(q, 10, NULL, GINT_TO_POINTER(1), NULL);
  sim_queue_push(q, 100, NULL, GINT_TO_POINTER(2), NULL);
  sim_queue_push(q, 100, NULL, GINT_TO_POINTER(3), NULL);
  g_assert_true(sim_queue_pop(q, &item));
  g_assert_true(sim_queue_peek(q, &item));
  g_assert_cmpint(item.time, ==, 100);
  sim_queue_push(q, 50, NULL, GINT_TO_POINTER(4), NULL);
  sim_queue_push(q, 100, NULL, GINT_TO_POINTER(5), NULL);
  static const int expected[] = { 4, 2, 3, 5 };
  for (gsize i = 0; i < G_N_ELEMENTS(expected); i++) {
    g_assert_true(sim_queue_pop(q, &item));
    g_assert_cmpint(GPOINTER_TO_INT(item.data), ==, expected[i]);
  }
  sim_queue_free(q);
}

/* ---- engine ---- */

typedef struct {
  GString *log;
  int      remaining;
} EngineCtx;

static void
log_event(SimEngine *engine, gpointer data)
{
  EngineCtx *ctx = data;
  g_string_append_printf(ctx->log, "%" G_GINT64_FORMAT ";", sim_engine_now(engine));
  if (--ctx->remaining > 0) sim_engine_schedule_in(engine, 7, log_event, ctx, NULL);
}

static void
test_engine_until_and_limit(void)
{
  SimEngine *e = sim_engine_new();
  EngineCtx ctx = { g_string_new(NULL), 5 };
  sim_engine_schedule(e, 3, log_event, &ctx, NULL);
  g_assert_cmpint(sim_engine_run(e, 17), ==, SIM_RUN_UNTIL);
  g_assert_cmpstr(ctx.log->str, ==, "3;10;17;");   /* an event at `until` fires */
  g_assert_cmpint(sim_engine_now(e), ==, 17);
  sim_engine_set_max_events(e, 4);
  g_assert_cmpint(sim_engine_run(e, SIM_TIME_MAX), ==, SIM_RUN_LIMIT);
  g_assert_cmpuint(sim_engine_events(e), ==, 4);
  sim_engine_set_max_events(e, 0);
  g_assert_cmpint(sim_engine_run(e, SIM_TIME_MAX), ==, SIM_RUN_EMPTY);
  g_assert_cmpstr(ctx.log->str, ==, "3;10;17;24;31;");
  g_assert_cmpint(sim_engine_run(e, 100), ==, SIM_RUN_UNTIL);
  g_assert_cmpint(sim_engine_now(e), ==, 100);     /* the clock reaches `until` */
  g_string_free(ctx.log, TRUE);
  sim_engine_free(e);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/queue/order-and-ties", test_order_and_ties);
  g_test_add_func("/queue/cancel", test_cancel);
  g_test_add_func("/queue/random-against-reference", test_random_against_reference);
  g_test_add_func("/queue/push-before-peeked", test_push_before_peeked);
  g_test_add_func("/engine/until-and-limit", test_engine_until_and_limit);
  return g_test_run();
}
