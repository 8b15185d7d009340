/* The event queue (sim/engine/queue.h) and the engine's run loop (sim/engine/engine.h). */
#include "engine.h"
#include "queue-internal.h"
#include "rng.h"
#include <stdlib.h>

/* The queue's tiers (sim/engine/queue.c): in a queue whose last popped time is 0,
 * an event this far ahead lands in the front, or in level 1, 2, ... 7. */
static const SimTime tier_delay[] = {
  100,                       /* front: same 256 ns window */
  300,                       /* level 1 */
  70 * SIM_US,               /* level 2 */
  20 * SIM_MS,               /* level 3 */
  60 * SIM_S,                /* level 4: TIME_WAIT */
  2 * SIM_MIN * 60,          /* level 5 */
  (SimTime)1 << 50,          /* level 6 */
  (SimTime)1 << 60,          /* level 7 */
};

/* Every /queue/ test runs twice: with the queue's default (a queue of a
 * few events is one sorted array) and under /queue/no-small/, where every
 * event goes through the radix heap's tiers. */
static guint small_max = 32;

static SimQueue *
queue_new(void)
{
  SimQueue *q = sim_queue_new();
  sim_queue_set_small_max(q, small_max);
  return q;
}

static void
test_order_and_ties(void)
{
  SimQueue *q = queue_new();
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
  SimQueue *q = queue_new();
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
  SimQueue *q = queue_new();
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
  SimQueue *q = queue_new();
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

/* ---- the queue's tiers, boundaries and housekeeping ---- */

static void
test_cancel_every_tier(void)
{
  /* Two events in every tier; cancel one of each, before and after the
   * structure has moved them closer to the front, and check the rest come
   * out in order with every destroy notifier called exactly once. */
  for (int moved = 0; moved < 2; moved++) {
    SimQueue *q = queue_new();
    int destroyed[G_N_ELEMENTS(tier_delay)][2] = { { 0 } };
    SimEventId ids[G_N_ELEMENTS(tier_delay)][2];
    for (gsize t = 0; t < G_N_ELEMENTS(tier_delay); t++)
      for (int k = 0; k < 2; k++)
        ids[t][k] = sim_queue_push(q, tier_delay[t] + k, GSIZE_TO_POINTER(t * 2 + k),
                                   &destroyed[t][k], count_destroy);
    SimQueueItem item;
    if (moved) {
      /* An event at 1 pops first; peeking next empties bucket after bucket. */
      sim_queue_push(q, 1, NULL, NULL, NULL);
      g_assert_true(sim_queue_pop(q, &item));
      g_assert_cmpint(item.time, ==, 1);
    }
    sim_queue_check_invariants(q);
    for (gsize t = 0; t < G_N_ELEMENTS(tier_delay); t++) {
      g_assert_true(sim_queue_cancel(q, ids[t][moved]));
      g_assert_false(sim_queue_cancel(q, ids[t][moved]));
      g_assert_cmpint(destroyed[t][moved], ==, 1);
      sim_queue_check_invariants(q);
    }
    g_assert_cmpuint(sim_queue_length(q), ==, G_N_ELEMENTS(tier_delay));
    g_assert_cmpuint(sim_queue_dead(q), ==, G_N_ELEMENTS(tier_delay));
    for (gsize t = 0; t < G_N_ELEMENTS(tier_delay); t++) {
      g_assert_true(sim_queue_pop(q, &item));
      g_assert_cmpint(item.time, ==, tier_delay[t] + !moved);
      g_assert_cmpuint(GPOINTER_TO_SIZE(item.fn), ==, t * 2 + !moved);
      g_assert_false(sim_queue_cancel(q, ids[t][!moved]));   /* fired */
      sim_queue_check_invariants(q);
    }
    g_assert_false(sim_queue_pop(q, &item));
    /* Dead entries before the last live one surfaced and were dropped; one
     * after it (the cancelled later twin in the last tier) is still held. */
    g_assert_cmpuint(sim_queue_dead(q), ==, (gsize)moved);
    sim_queue_free(q);
    for (gsize t = 0; t < G_N_ELEMENTS(tier_delay); t++) {
      g_assert_cmpint(destroyed[t][moved], ==, 1);
      g_assert_cmpint(destroyed[t][!moved], ==, 0);  /* fired: owned by popper */
    }
  }
}

static void
test_boundaries(void)
{
  /* Sizes around every internal boundary: the first slot array (64), a
   * bucket chunk (127 entries), the first front array (64), the counting
   * sort (more than 24 in the front).  For each size, events at one
   * instant, at distinct nanoseconds of one 256 ns window, and spread over
   * one level-1 and one level-2 bucket, pushed in reverse time order. */
  static const guint sizes[] = { 1, 23, 24, 25, 63, 64, 65, 126, 127, 128, 129,
                                 254, 255, 256, 257, 1000, 5000 };
  static const SimTime spreads[] = { 0, 1, 256, 65536 };
  for (gsize i = 0; i < G_N_ELEMENTS(sizes); i++)
    for (gsize j = 0; j < G_N_ELEMENTS(spreads); j++) {
      guint n = sizes[i];
      SimTime base = 1000 * SIM_MS, step = spreads[j] / (n > 256 ? 16 : 1);
      SimQueue *q = queue_new();
      for (guint k = 0; k < n; k++)
        sim_queue_push(q, base + (SimTime)((n - 1 - k) % 256) * step, NULL,
                       GUINT_TO_POINTER(k), NULL);
      sim_queue_check_invariants(q);
      SimQueueItem item, prev = { 0 };
      for (guint k = 0; k < n; k++) {
        g_assert_true(sim_queue_pop(q, &item));
        if (k > 0) {
          g_assert_cmpint(item.time, >=, prev.time);
          if (item.time == prev.time)   /* ties in push order */
            g_assert_cmpuint(GPOINTER_TO_UINT(item.data), >, GPOINTER_TO_UINT(prev.data));
        }
        prev = item;
      }
      g_assert_false(sim_queue_pop(q, &item));
      sim_queue_check_invariants(q);
      sim_queue_free(q);
    }
}

static void
test_far_future(void)
{
  /* The ends of the time line, negative times included, in order. */
  static const SimTime times[] = { SIM_TIME_MAX, 0, SIM_TIME_MAX - 1, (SimTime)1 << 62,
                                   -5, SIM_TIME_MAX, INT64_MIN, 60 * SIM_S, -1 };
  static const gsize expected[] = { 6, 4, 8, 1, 7, 3, 2, 0, 5 };
  SimQueue *q = queue_new();
  for (gsize i = 0; i < G_N_ELEMENTS(times); i++)
    sim_queue_push(q, times[i], NULL, GSIZE_TO_POINTER(i), NULL);
  sim_queue_check_invariants(q);
  SimQueueItem item;
  for (gsize i = 0; i < G_N_ELEMENTS(expected); i++) {
    g_assert_true(sim_queue_pop(q, &item));
    g_assert_cmpuint(GPOINTER_TO_SIZE(item.data), ==, expected[i]);
    g_assert_cmpint(item.time, ==, times[expected[i]]);
  }
  g_assert_false(sim_queue_peek(q, &item));
  sim_queue_free(q);
}

static void
test_push_before_peeked_every_tier(void)
{
  /* The peeked event is in each tier in turn; then events are pushed
   * before it, into every tier below, and at its own time (after it). */
  for (gsize peeked = 1; peeked < G_N_ELEMENTS(tier_delay); peeked++) {
    SimQueue *q = queue_new();
    SimQueueItem item;
    sim_queue_push(q, tier_delay[peeked], NULL, GINT_TO_POINTER(-1), NULL);
    sim_queue_push(q, tier_delay[peeked] + 7, NULL, GINT_TO_POINTER(-2), NULL);
    g_assert_true(sim_queue_peek(q, &item));
    g_assert_cmpint(item.time, ==, tier_delay[peeked]);
    for (gsize t = peeked; t-- > 0;)
      sim_queue_push(q, tier_delay[t], NULL, GSIZE_TO_POINTER(t), NULL);
    sim_queue_push(q, tier_delay[peeked], NULL, GINT_TO_POINTER(-3), NULL);
    sim_queue_check_invariants(q);
    for (gsize t = 0; t < peeked; t++) {
      g_assert_true(sim_queue_pop(q, &item));
      g_assert_cmpint(item.time, ==, tier_delay[t]);
    }
    static const int tail[] = { -1, -3, -2 };
    for (gsize k = 0; k < G_N_ELEMENTS(tail); k++) {
      g_assert_true(sim_queue_pop(q, &item));
      g_assert_cmpint(GPOINTER_TO_INT(item.data), ==, tail[k]);
    }
    g_assert_false(sim_queue_pop(q, &item));
    sim_queue_free(q);
  }
}

static void
test_stale_handles(void)
{
  SimQueue *q = queue_new();
  SimQueueItem item;
  g_assert_false(sim_queue_cancel(q, 0));
  g_assert_false(sim_queue_cancel(q, 1));            /* no such slot yet */
  g_assert_false(sim_queue_cancel(q, G_MAXUINT64));
  SimEventId a = sim_queue_push(q, 5, NULL, NULL, NULL);
  g_assert_cmpuint(a, !=, 0);
  g_assert_false(sim_queue_cancel(q, a + ((guint64)1 << 32)));  /* wrong seq */
  g_assert_true(sim_queue_pop(q, &item));
  /* The same slot, many times over: no earlier handle may reach it. */
  GArray *old = g_array_new(FALSE, FALSE, sizeof(SimEventId));
  g_array_append_val(old, a);
  for (int i = 0; i < 1000; i++) {
    SimEventId id = sim_queue_push(q, 10 + i, NULL, NULL, NULL);
    for (guint k = 0; k < old->len; k++)
      g_assert_cmpuint(g_array_index(old, SimEventId, k), !=, id);
    /* Every earlier event has fired or been cancelled. */
    for (guint k = i % 97; k < old->len; k += 97)
      g_assert_false(sim_queue_cancel(q, g_array_index(old, SimEventId, k)));
    g_array_append_val(old, id);
    if (i % 2) g_assert_true(sim_queue_cancel(q, id));
    else g_assert_true(sim_queue_pop(q, &item));
    g_assert_cmpuint(sim_queue_length(q), ==, 0);
  }
  g_array_free(old, TRUE);
  sim_queue_free(q);
}

static void
test_purge_bounds_dead(void)
{
  /* Retransmission timers: each of 300,000 timers is cancelled right after
   * a newer one is armed, 200 ms ahead, while time crawls.  Dead entries
   * must not pile up beyond the live ones plus a fixed slack (4096), and
   * order and destroy notifiers must survive the purges. */
  SimQueue *q = queue_new();
  int destroyed = 0;
  SimEventId timer = 0;
  SimQueueItem item;
  gsize max_dead = 0;
  SimTime now = 0;
  for (int i = 0; i < 300000; i++) {
    sim_queue_push(q, now + 1000, NULL, GINT_TO_POINTER(i), NULL);
    if (timer) g_assert_true(sim_queue_cancel(q, timer));
    timer = sim_queue_push(q, now + 200 * SIM_MS, NULL, &destroyed, count_destroy);
    g_assert_true(sim_queue_pop(q, &item));
    g_assert_cmpint(item.time, ==, now + 1000);
    g_assert_cmpint(GPOINTER_TO_INT(item.data), ==, i);
    now = item.time;
    max_dead = MAX(max_dead, sim_queue_dead(q));
    if (i % 49999 == 0) sim_queue_check_invariants(q);
  }
  g_assert_cmpint(destroyed, ==, 299999);
  g_assert_cmpuint(max_dead, <=, sim_queue_length(q) + 4096 + 1);
  g_assert_cmpuint(max_dead, >=, 4096);                /* a purge was needed */
  g_assert_true(sim_queue_pop(q, &item));
  g_assert_true(item.data == &destroyed);              /* the one live timer */
  g_assert_false(sim_queue_pop(q, &item));
  sim_queue_free(q);
  g_assert_cmpint(destroyed, ==, 299999);
}

static void
test_free_destroys_pending(void)
{
  SimQueue *q = queue_new();
  int destroyed = 0;
  for (gsize t = 0; t < G_N_ELEMENTS(tier_delay); t++)
    sim_queue_push(q, tier_delay[t], NULL, &destroyed, count_destroy);
  SimEventId id = sim_queue_push(q, 5 * SIM_S, NULL, &destroyed, count_destroy);
  g_assert_true(sim_queue_cancel(q, id));
  SimQueueItem item;
  g_assert_true(sim_queue_pop(q, &item));          /* moves the rest about */
  g_assert_cmpint(destroyed, ==, 1);
  sim_queue_free(q);
  g_assert_cmpint(destroyed, ==, 1 + (int)G_N_ELEMENTS(tier_delay) - 1);
}

/* ---- a million operations against a sorted reference ---- */

static gint
compare_ref_seq(gconstpointer pa, gconstpointer pb, gpointer user)
{
  const RefEvent *a = pa, *b = pb;
  if (a->time != b->time) return (a->time > b->time) - (a->time < b->time);
  return (a->seq > b->seq) - (a->seq < b->seq);
}

/* A delay in the simulator's mix: ties, nanoseconds, packet times, RTOs,
 * TIME_WAIT. */
static SimTime
mixed_delay(SimRng *rng)
{
  switch (sim_rng_below(rng, 10)) {
  case 0: case 1: return 0;
  case 2: return (SimTime)sim_rng_below(rng, 300);
  case 3: case 4: return (SimTime)sim_rng_below(rng, 100) * SIM_US;
  case 5: return (SimTime)sim_rng_below(rng, 2000) * SIM_US;
  case 6: return 200 * SIM_MS + (SimTime)sim_rng_below(rng, 4) * SIM_MS;
  case 7: return (SimTime)sim_rng_below(rng, 120) * SIM_S;
  case 8: return 60 * SIM_S;
  default: return (SimTime)sim_rng_below(rng, 1000) * 1000;
  }
}

typedef struct {
  SimQueue  *q;
  GSequence *ref;           /* RefEvent, sorted by (time, seq) */
  GPtrArray *live;          /* the same events, for picking one at random */
  SimTime    now;
  guint64    seq;
} MixedRun;

/* A run on a new queue, with nothing pushed yet. */
static MixedRun
mixed_new(void)
{
  return (MixedRun){ queue_new(), g_sequence_new(NULL), g_ptr_array_new(), 0, 0 };
}

static void
mixed_push(MixedRun *r, SimTime time)
{
  RefEvent *e = g_new0(RefEvent, 1);
  e->time = time;
  e->seq = r->seq++;
  e->id = sim_queue_push(r->q, time, NULL, e, NULL);
  g_sequence_insert_sorted(r->ref, e, compare_ref_seq, NULL);
  g_ptr_array_add(r->live, e);
}

static void
mixed_forget(MixedRun *r, RefEvent *e)
{
  GSequenceIter *it = g_sequence_lookup(r->ref, e, compare_ref_seq, NULL);
  g_assert_nonnull(it);
  g_sequence_remove(it);
  g_assert_true(g_ptr_array_remove_fast(r->live, e));
  g_free(e);
}

static void
mixed_pop(MixedRun *r)
{
  RefEvent *want = g_sequence_get(g_sequence_get_begin_iter(r->ref));
  SimQueueItem item;
  g_assert_true(sim_queue_pop(r->q, &item));
  g_assert_true(item.data == want);
  g_assert_cmpint(item.time, ==, want->time);
  g_assert_false(sim_queue_cancel(r->q, want->id));
  r->now = item.time;
  mixed_forget(r, want);
}

/* Cancels a pending event; a second cancel of it must fail. */
static void
mixed_cancel(MixedRun *r, RefEvent *e)
{
  g_assert_true(sim_queue_cancel(r->q, e->id));
  g_assert_false(sim_queue_cancel(r->q, e->id));
  mixed_forget(r, e);
}

/* Peeks at the next event, which must be the reference's earliest, and
 * pushes one between now and it (as a run stopped at its `until` may). */
static void
mixed_peek_push(MixedRun *r, SimRng *rng)
{
  SimQueueItem item;
  g_assert_true(sim_queue_peek(r->q, &item));
  RefEvent *want = g_sequence_get(g_sequence_get_begin_iter(r->ref));
  g_assert_true(item.data == want);
  if (item.time > r->now)
    mixed_push(r, r->now + (SimTime)sim_rng_below(rng, (guint64)(item.time - r->now)));
}

/* Pops every event left, in the reference's order, checks the queue is
 * then empty, and frees the run. */
static void
mixed_finish(MixedRun *r)
{
  while (r->live->len) mixed_pop(r);
  SimQueueItem item;
  g_assert_false(sim_queue_pop(r->q, &item));
  sim_queue_check_invariants(r->q);
  sim_queue_free(r->q);
  g_sequence_free(r->ref);
  g_ptr_array_free(r->live, TRUE);
}

/* An operation of a mixed run beyond pushes and cancels. */
typedef void (*MixedOp)(MixedRun *r, SimRng *rng);

/* `ops` random operations: out of 100, a push below 45 (or when nothing
 * is pending), a cancel of a random pending event below cancel_end,
 * `extra` below extra_end, else `pop`; the queue's length is checked
 * after each, its axioms every check_every. */
static void
mixed_ops(MixedRun *r, SimRng *rng, int ops, guint cancel_end, MixedOp extra,
          guint extra_end, MixedOp pop, int check_every)
{
  for (int op = 0; op < ops; op++) {
    guint64 c = sim_rng_below(rng, 100);
    if (c < 45 || r->live->len == 0) {
      mixed_push(r, r->now + mixed_delay(rng));
    } else if (c < cancel_end) {
      RefEvent *e = g_ptr_array_index(r->live, sim_rng_below(rng, r->live->len));
      mixed_cancel(r, e);
    } else if (c < extra_end) {
      extra(r, rng);
    } else {
      pop(r, rng);
    }
    g_assert_cmpuint(sim_queue_length(r->q), ==, r->live->len);
    if (op % check_every == 0) sim_queue_check_invariants(r->q);
  }
  sim_queue_check_invariants(r->q);
}

static void
mixed_pop_op(MixedRun *r, SimRng *rng)
{
  (void)rng;
  mixed_pop(r);
}

static void
test_random_mixed_times(void)
{
  /* A million operations with the simulator's mix of near and far times
   * and many ties; some pushes come after a peek and land before the
   * peeked event.  Every pop must return the reference's earliest. */
  SimRng rng;
  sim_rng_init_stream(&rng, 7, "queue-test.mixed");
  MixedRun r = mixed_new();
  mixed_ops(&r, &rng, 1000000, 65, mixed_peek_push, 67, mixed_pop_op, 100003);
  mixed_finish(&r);
}

/* Pops the reference's earliest event through the run loop's calls: with
 * a bound just before it (its time less 1 ns, or its own sequence number),
 * which must pop nothing, then with one that lets it through. */
static void
mixed_take(MixedRun *r, SimRng *rng)
{
  RefEvent *want = g_sequence_get(g_sequence_get_begin_iter(r->ref));
  gsize len = sim_queue_length(r->q);
  SimTime at = -1;
  if (want->time > 0)
    g_assert_null(sim_queue_take_until(r->q, want->time - 1, &at));
  g_assert_null(sim_queue_take_before(r->q, want->time, want->seq, &at));
  g_assert_null(sim_queue_take_before(r->q, want->time - 1, UINT64_MAX, &at));
  g_assert_cmpuint(sim_queue_length(r->q), ==, len);
  const SimQueueAction *a = sim_rng_below(rng, 2)
    ? sim_queue_take_until(r->q, want->time + (SimTime)sim_rng_below(rng, 2), &at)
    : sim_queue_take_before(r->q, want->time, want->seq + 1, &at);
  g_assert_nonnull(a);
  g_assert_true(a->data == want);
  g_assert_cmpint(at, ==, want->time);
  g_assert_false(sim_queue_cancel(r->q, want->id));
  r->now = at;
  mixed_forget(r, want);
}

/* Cancels the next event to fire: a dead entry at the front's or the
 * FIFO's head. */
static void
mixed_cancel_next(MixedRun *r, SimRng *rng)
{
  (void)rng;
  mixed_cancel(r, g_sequence_get(g_sequence_get_begin_iter(r->ref)));
}

static void
test_take_against_reference(void)
{
  /* The mixed times of test_random_mixed_times (a fifth of them due now,
   * so in the FIFO), popped through the run loop's calls with bounds on
   * either side of the next event, and with cancels at every head. */
  SimRng rng;
  sim_rng_init_stream(&rng, 13, "queue-test.take");
  MixedRun r = mixed_new();
  mixed_ops(&r, &rng, 300000, 60, mixed_cancel_next, 65, mixed_take, 30011);
  mixed_finish(&r);
}

/* A push into the 256 ns window being popped, at a random time of it no
 * earlier than now. */
static void
dense_push(MixedRun *r, SimRng *rng, SimTime base)
{
  SimTime from = MAX(r->now, base);
  mixed_push(r, from + (SimTime)sim_rng_below(rng, (guint64)(base + 256 - from)));
}

static void
test_dense_window(void)
{
  /* Thousands of events in one 256 ns window: pushes into it mostly land
   * far from its end (into the late heap), with ties, cancels and pops in
   * between, and a push before the window after a peek (a rewind with the
   * late heap in use). */
  SimRng rng;
  sim_rng_init_stream(&rng, 11, "queue-test.dense");
  MixedRun r = mixed_new();
  for (int round = 0; round < 20; round++) {
    SimTime base = ((r.now + round * SIM_MS) / 256 + 40) * 256;
    for (int i = 0; i < 2000; i++)
      mixed_push(&r, base + (SimTime)sim_rng_below(&rng, 256));
    SimQueueItem item;
    g_assert_true(sim_queue_peek(r.q, &item));   /* the window is the front now */
    for (int i = 0; i < 500; i++) dense_push(&r, &rng, base);
    sim_queue_check_invariants(r.q);
    mixed_push(&r, r.now + (SimTime)sim_rng_below(&rng, (guint64)(base - r.now)));
    sim_queue_check_invariants(r.q);
    if (round % 2 == 0) {
      /* Cancel a third of the window, then enough far timers to force a
       * purge while the late heap holds dead entries. */
      for (guint i = 0; i < r.live->len; i += 2) {
        RefEvent *e = g_ptr_array_index(r.live, i);
        mixed_cancel(&r, e);
      }
      gsize dead = sim_queue_dead(r.q);
      for (int i = 0; i < 8000; i++)
        g_assert_true(sim_queue_cancel(r.q, sim_queue_push(r.q, r.now + 60 * SIM_S, NULL, NULL, NULL)));
      g_assert_cmpuint(sim_queue_dead(r.q), <, dead + 8000);   /* purged */
      sim_queue_check_invariants(r.q);
    }
    for (int op = 0; op < 6000; op++) {
      guint64 c = sim_rng_below(&rng, 10);
      if (c < 4) {
        dense_push(&r, &rng, base);
      } else if (c < 5 && r.live->len > 0) {
        RefEvent *e = g_ptr_array_index(r.live, sim_rng_below(&rng, r.live->len));
        mixed_cancel(&r, e);
      } else if (r.live->len > 0) {
        mixed_pop(&r);
      }
      if (op % 997 == 0) sim_queue_check_invariants(r.q);
    }
    while (r.live->len) mixed_pop(&r);
  }
  sim_queue_free(r.q);
  g_sequence_free(r.ref);
  g_ptr_array_free(r.live, TRUE);
}


/* A run whose queue has popped one event, at time 0. */
static MixedRun
mixed_start_at_zero(void)
{
  MixedRun r = mixed_new();
  mixed_push(&r, 0);
  mixed_pop(&r);
  return r;
}

/* Cancels every fifth pending event of the run. */
static void
mixed_cancel_every_fifth(MixedRun *r)
{
  for (guint i = 0; i < r->live->len; i += 5) {
    RefEvent *e = g_ptr_array_index(r->live, i);
    mixed_cancel(r, e);
  }
}

static void
test_level1_refill_sizes(void)
{
  /* A level 1 bucket moves into the front sorted: sizes around the
   * insertion sort's limit (24), the two 4-bit sorts' (128) and a chunk's
   * length (127), each with all keys tied, all distinct, and a mix;
   * cancelled entries among them. */
  static const int sizes[] = { 1, 2, 24, 25, 126, 127, 128, 129, 254, 255, 256, 1000 };
  SimRng rng;
  sim_rng_init_stream(&rng, 13, "queue-test.level1");
  for (gsize k = 0; k < G_N_ELEMENTS(sizes); k++) {
    for (int pattern = 0; pattern < 3; pattern++) {
      MixedRun r = mixed_start_at_zero();
      /* 300 ns ahead and beyond: level 1 of a queue whose last pop was 0. */
      SimTime base = 512;
      for (int i = 0; i < sizes[k]; i++) {
        SimTime low = pattern == 0 ? 7 : pattern == 1 ? 255 - (i % 256) : (SimTime)sim_rng_below(&rng, 8) * 31;
        mixed_push(&r, base + low);
      }
      mixed_cancel_every_fifth(&r);
      sim_queue_check_invariants(r.q);
      if (r.live->len > 0) {
        mixed_pop(&r);                       /* the refill */
        sim_queue_check_invariants(r.q);
      }
      mixed_finish(&r);
    }
  }
}


static void
test_level2_spread_sizes(void)
{
  /* A large level 2 bucket is spread into level 1 and the front by a
   * counting sort on byte 1 (queue.c, level2_spread): sizes around the
   * size where it takes over (512) and several chunks' worth, with keys
   * tied in one level 1 bucket spanning chunks, spread over every digit,
   * in exact multiples of a chunk (127) per digit, at random with ties,
   * and some in the front's digit; cancelled entries among them. */
  static const int sizes[] = { 300, 511, 512, 513, 127 * 5, 127 * 5 + 1, 3000, 20000 };
  SimRng rng;
  sim_rng_init_stream(&rng, 17, "queue-test.level2");
  for (gsize k = 0; k < G_N_ELEMENTS(sizes); k++) {
    for (int pattern = 0; pattern < 5; pattern++) {
      MixedRun r = mixed_start_at_zero();
      /* 128 us ahead and within the next 65.5 us: level 2 of a queue
       * whose last pop was 0, all in one bucket. */
      SimTime base = 2 * 65536;
      for (int i = 0; i < sizes[k]; i++) {
        SimTime off;
        switch (pattern) {
        case 0:  off = i == 0 ? 0 : 7 * 256 + 3; break;
        case 1:  off = (SimTime)(i * 257) % 65536; break;
        case 2:  off = (SimTime)(i / 127) * 256 + 9; break;
        case 3:  off = (SimTime)sim_rng_below(&rng, 6) * 256 * 40 + (SimTime)sim_rng_below(&rng, 3); break;
        default: off = 256 * 100 + (i % 3 == 0 ? (SimTime)sim_rng_below(&rng, 256)
                                                : 256 + (SimTime)sim_rng_below(&rng, 512)); break;
        }
        mixed_push(&r, base + off);
      }
      mixed_cancel_every_fifth(&r);
      sim_queue_check_invariants(r.q);
      mixed_pop(&r);                         /* the spread, then a refill */
      sim_queue_check_invariants(r.q);
      /* Pushes into the level 1 buckets the spread made, after its entries. */
      for (int i = 0; i < 200; i++)
        mixed_push(&r, r.now + 256 + (SimTime)sim_rng_below(&rng, 65536 - 512));
      sim_queue_check_invariants(r.q);
      mixed_finish(&r);
    }
  }
}

static void
test_level2_wide_sizes(void)
{
  /* A level 2 bucket of one chunk moves whole into the front, which then
   * spans the bucket's 65.5 us (queue.c, front_fill_wide): sizes around
   * the insertion sort's limit (24) and a chunk's length (127, beyond
   * which the bucket goes through level 1), with keys tied, in time order,
   * in reverse, at random and on both sides of a byte 1 boundary;
   * cancelled entries among them.  Then pushes into the wide window (some
   * tied with held keys), and beyond it, between pops. */
  static const int sizes[] = { 1, 2, 9, 24, 25, 60, 126, 127, 128 };
  SimRng rng;
  sim_rng_init_stream(&rng, 19, "queue-test.level2-wide");
  for (gsize k = 0; k < G_N_ELEMENTS(sizes); k++) {
    for (int pattern = 0; pattern < 5; pattern++) {
      MixedRun r = mixed_start_at_zero();
      SimTime base = 2 * 65536;      /* level 2 of a queue whose last pop was 0 */
      for (int i = 0; i < sizes[k]; i++) {
        SimTime off;
        switch (pattern) {
        case 0:  off = 300; break;
        case 1:  off = (SimTime)i * 500; break;
        case 2:  off = 65535 - (SimTime)i * 500; break;
        case 3:  off = (SimTime)sim_rng_below(&rng, 65536); break;
        default: off = 256 * 7 + (SimTime)sim_rng_below(&rng, 512); break;
        }
        mixed_push(&r, base + off);
      }
      mixed_cancel_every_fifth(&r);
      sim_queue_check_invariants(r.q);
      guint held = r.live->len;
      if (held > 0) mixed_pop(&r);           /* the refill */
      sim_queue_check_invariants(r.q);
      if (held > 32) g_assert_false(r.q->small);
      if (held > 0 && !r.q->small) {
        g_assert_cmpuint(r.q->front_mask, ==, sizes[k] <= 127 ? WIDE_MASK : DIGITS - 1);
      }
      SimTime window_end = base | 65535;
      for (int i = 0; i < 150; i++) {
        /* Inside the window while it lasts; at now once the pops passed it. */
        SimTime span = window_end >= r.now ? window_end - r.now + 1 : 1;
        SimTime t = r.now + (SimTime)sim_rng_below(&rng, (guint64)span);
        if (i % 5 == 0) t = window_end + 1 + (SimTime)sim_rng_below(&rng, 3 * 65536);
        if (i % 7 == 0 && r.live->len > 0)
          t = ((RefEvent *)g_sequence_get(g_sequence_get_begin_iter(r.ref)))->time;
        mixed_push(&r, MAX(t, r.now));
        if (i % 3 == 0) mixed_pop(&r);
        if (i % 10 == 0) sim_queue_check_invariants(r.q);
      }
      mixed_finish(&r);
    }
  }
}

static void
test_small_transitions(void)
{
  /* A queue whose size wanders between 0 and 80 pending events crosses the
   * small queue's limits (32 to leave it, 8 to come back) thousands of
   * times, with the simulator's mix of delays (ties, due now, far timers),
   * cancels, and pushes before a peeked event; every pop must return the
   * reference's earliest, and the axioms hold throughout. */
  SimRng rng;
  sim_rng_init_stream(&rng, 17, "queue-test.small");
  MixedRun r = mixed_new();
  gboolean growing = TRUE;
  for (int op = 0; op < 200000; op++) {
    if (r.live->len >= 80) growing = FALSE;
    if (r.live->len <= 2) growing = TRUE;
    guint64 c = sim_rng_below(&rng, 100);
    if (r.live->len == 0 || c < (growing ? 60u : 30u)) {
      mixed_push(&r, r.now + mixed_delay(&rng));
    } else if (c < 75) {
      RefEvent *e = g_ptr_array_index(r.live, sim_rng_below(&rng, r.live->len));
      mixed_cancel(&r, e);
    } else if (c < 78) {
      mixed_peek_push(&r, &rng);
    } else {
      mixed_pop(&r);
    }
    g_assert_cmpuint(sim_queue_length(r.q), ==, r.live->len);
    if (op % 97 == 0) sim_queue_check_invariants(r.q);
  }
  mixed_finish(&r);
}


/* ---- the FIFO of events due now ---- */

/* Pops every event, appending its data (a small int) to a string. */
static char *
drain(SimQueue *q)
{
  GString *out = g_string_new(NULL);
  SimQueueItem item;
  while (sim_queue_pop(q, &item)) {
    g_string_append_printf(out, "%d;", GPOINTER_TO_INT(item.data));
    sim_queue_check_invariants(q);
  }
  return g_string_free(out, FALSE);
}

static void
test_fifo_after_heap_ties(void)
{
  /* Events 1..3 at t=100 wait in the heap when the clock reaches 100; 5, 6
   * and 7 are pushed at 100 afterwards, so into the FIFO: they must come
   * after 2 and 3 (pushed earlier, same time) and before 4 (later time),
   * in push order, a cancelled one skipped. */
  SimQueue *q = queue_new();
  SimQueueItem item;
  SimQueueStats st;
  for (int i = 1; i <= 3; i++) sim_queue_push(q, 100, NULL, GINT_TO_POINTER(i), NULL);
  sim_queue_push(q, 150, NULL, GINT_TO_POINTER(4), NULL);
  g_assert_true(sim_queue_pop(q, &item));
  g_assert_cmpint(GPOINTER_TO_INT(item.data), ==, 1);
  sim_queue_push(q, 100, NULL, GINT_TO_POINTER(5), NULL);
  SimEventId six = sim_queue_push(q, 100, NULL, GINT_TO_POINTER(6), NULL);
  sim_queue_stats(q, &st);
  g_assert_cmpuint(st.heap_pushes, ==, 4);
  g_assert_cmpuint(st.fifo_pushes, ==, 2);
  sim_queue_check_invariants(q);
  g_assert_true(sim_queue_pop(q, &item));
  g_assert_cmpint(GPOINTER_TO_INT(item.data), ==, 2);
  sim_queue_push(q, 100, NULL, GINT_TO_POINTER(7), NULL);
  sim_queue_push(q, 100, NULL, GINT_TO_POINTER(8), NULL);
  g_assert_true(sim_queue_cancel(q, six));
  g_assert_cmpuint(sim_queue_length(q), ==, 5);
  g_assert_true(sim_queue_peek(q, &item));
  g_assert_cmpint(GPOINTER_TO_INT(item.data), ==, 3);
  g_autofree char *order = drain(q);
  g_assert_cmpstr(order, ==, "3;5;7;8;4;");
  sim_queue_stats(q, &st);
  g_assert_cmpuint(st.fifo_pushes, ==, 4);
  g_assert_cmpuint(st.cancels, ==, 1);
  sim_queue_free(q);
}

static void
test_fifo_after_peek_past(void)
{
  /* Peeking past the front moves the heap's base beyond now (to the next
   * bucket); an event pushed for now then goes to the FIFO, without a
   * rewind, and pops before the later one; one pushed between them goes
   * to the heap and pops between. */
  SimQueue *q = queue_new();
  SimQueueItem item;
  sim_queue_push(q, 100, NULL, GINT_TO_POINTER(1), NULL);
  sim_queue_push(q, 10 * SIM_MS, NULL, GINT_TO_POINTER(2), NULL);
  g_assert_true(sim_queue_pop(q, &item));
  g_assert_true(sim_queue_peek(q, &item));
  g_assert_cmpint(item.time, ==, 10 * SIM_MS);
  sim_queue_push(q, 100, NULL, GINT_TO_POINTER(3), NULL);
  sim_queue_check_invariants(q);
  sim_queue_push(q, 5 * SIM_MS, NULL, GINT_TO_POINTER(4), NULL);
  sim_queue_push(q, 100, NULL, GINT_TO_POINTER(5), NULL);
  SimQueueStats st;
  sim_queue_stats(q, &st);
  g_assert_cmpuint(st.fifo_pushes, ==, 2);
  g_autofree char *order = drain(q);
  g_assert_cmpstr(order, ==, "3;5;4;2;");
  sim_queue_free(q);
}

static void
test_fifo_purge(void)
{
  /* Enough cancels among FIFO entries to make the queue purge them: the
   * survivors keep their order, and the heap's tie still comes first. */
  SimQueue *q = queue_new();
  SimQueueItem item;
  sim_queue_push(q, 7, NULL, GINT_TO_POINTER(-1), NULL);
  sim_queue_push(q, 7, NULL, GINT_TO_POINTER(-2), NULL);
  g_assert_true(sim_queue_pop(q, &item));
  enum { N = 12000 };
  SimEventId *ids = g_new(SimEventId, N);
  for (int i = 0; i < N; i++) ids[i] = sim_queue_push(q, 7, NULL, GINT_TO_POINTER(i), NULL);
  gsize dead_max = 0;
  for (int i = 0; i < N; i++)
    if (i % 5 != 0) {
      g_assert_true(sim_queue_cancel(q, ids[i]));
      dead_max = MAX(dead_max, sim_queue_dead(q));
    }
  g_assert_cmpuint(dead_max, <, N * 4 / 5);         /* a purge ran */
  sim_queue_check_invariants(q);
  g_assert_true(sim_queue_pop(q, &item));
  g_assert_cmpint(GPOINTER_TO_INT(item.data), ==, -2);
  for (int i = 0; i < N; i += 5) {
    g_assert_true(sim_queue_pop(q, &item));
    g_assert_cmpint(GPOINTER_TO_INT(item.data), ==, i);
  }
  g_assert_false(sim_queue_pop(q, &item));
  g_free(ids);
  sim_queue_free(q);
}

static void
test_pop_before_ticket(void)
{
  /* A ticket takes a sequence number between two pushes: pop_before with
   * it as the bound stops between them, for heap and FIFO entries alike. */
  SimQueue *q = queue_new();
  SimQueueItem item;
  sim_queue_push(q, 100, NULL, GINT_TO_POINTER(1), NULL);
  uint64_t t1 = sim_queue_ticket(q);
  sim_queue_push(q, 100, NULL, GINT_TO_POINTER(2), NULL);
  g_assert_true(sim_queue_pop_before(q, 100, t1, &item));
  g_assert_cmpint(GPOINTER_TO_INT(item.data), ==, 1);
  g_assert_cmpuint(item.seq, <, t1);
  g_assert_false(sim_queue_pop_before(q, 100, t1, &item));
  g_assert_false(sim_queue_pop_before(q, 99, UINT64_MAX, &item));
  sim_queue_push(q, 100, NULL, GINT_TO_POINTER(3), NULL);    /* FIFO */
  uint64_t t2 = sim_queue_ticket(q);
  sim_queue_push(q, 100, NULL, GINT_TO_POINTER(4), NULL);    /* FIFO */
  g_assert_true(sim_queue_pop_before(q, 100, t2, &item));
  g_assert_cmpint(GPOINTER_TO_INT(item.data), ==, 2);
  g_assert_true(sim_queue_pop_before(q, 100, t2, &item));
  g_assert_cmpint(GPOINTER_TO_INT(item.data), ==, 3);
  g_assert_false(sim_queue_pop_before(q, 100, t2, &item));
  g_assert_true(sim_queue_pop_before(q, 101, 0, &item));
  g_assert_cmpint(GPOINTER_TO_INT(item.data), ==, 4);
  g_assert_cmpuint(item.seq, >, t2);
  sim_queue_free(q);
}

/* ---- the deadline heap ---- */

/* Random sets, moves and removals on N nodes against a scan for the
 * minimum, checking the heap's axioms every check_every operations. */
static void
deadline_heap_random(int N, int check_every)
{
  SimDeadline *nodes = g_new0(SimDeadline, N);
  SimDeadlineHeap h;
  sim_deadline_heap_init(&h);
  SimRng rng;
  sim_rng_init_stream(&rng, 7, "deadline-test");
  for (int op = 0; op < 100000; op++) {
    SimDeadline *d = &nodes[sim_rng_below(&rng, N)];
    if (sim_rng_below(&rng, 4) == 0) sim_deadline_heap_remove(&h, d);
    else sim_deadline_heap_set(&h, d, (SimTime)sim_rng_below(&rng, 50), sim_rng_below(&rng, 1000));
    if (op % check_every == 0) sim_deadline_heap_check(&h);
    const SimDeadline *best = NULL;
    guint armed = 0;
    for (int i = 0; i < N; i++) {
      if (!sim_deadline_armed(&nodes[i])) continue;
      armed++;
      if (best == NULL || nodes[i].at < best->at ||
          (nodes[i].at == best->at && nodes[i].seq < best->seq))
        best = &nodes[i];
    }
    g_assert_cmpuint(h.n, ==, armed);
    const SimDeadline *first = sim_deadline_heap_first(&h);
    g_assert_true(first == best || (first->at == best->at && first->seq == best->seq));
  }
  sim_deadline_heap_clear(&h);
  for (int i = 0; i < N; i++) g_assert_false(sim_deadline_armed(&nodes[i]));
  g_free(nodes);
}

static void
test_deadline_heap_random(void)
{
  deadline_heap_random(300, 97);
}

/* A heap of a few nodes, checked after every operation: most sets and
 * removals there keep the node in place (the inline paths). */
static void
test_deadline_heap_few(void)
{
  deadline_heap_random(3, 1);
  deadline_heap_random(7, 1);
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

static void
append_data(SimEngine *engine, gpointer data)
{
  g_string_append_printf(data, "%" G_GINT64_FORMAT ";", sim_engine_now(engine));
}

static void
test_engine_schedule_after_until(void)
{
  /* A run stops before a far event (the loop looked at it); events then
   * scheduled between now and that event, in every tier, fire first, in
   * time order, and one at the far event's own time fires after it. */
  SimEngine *e = sim_engine_new();
  GString *log = g_string_new(NULL);
  sim_engine_schedule(e, tier_delay[7], append_data, log, NULL);
  g_assert_cmpint(sim_engine_run(e, 50), ==, SIM_RUN_UNTIL);
  g_assert_cmpint(sim_engine_now(e), ==, 50);
  g_assert_cmpstr(log->str, ==, "");
  for (gsize t = G_N_ELEMENTS(tier_delay); t-- > 0;)
    sim_engine_schedule_in(e, tier_delay[t], append_data, log, NULL);
  g_assert_cmpuint(sim_engine_pending(e), ==, G_N_ELEMENTS(tier_delay) + 1);
  g_assert_cmpint(sim_engine_run(e, SIM_TIME_MAX), ==, SIM_RUN_EMPTY);
  GString *want = g_string_new(NULL);
  for (gsize t = 0; t < G_N_ELEMENTS(tier_delay); t++)
    g_string_append_printf(want, "%" G_GINT64_FORMAT ";",
                           tier_delay[t] + (t == 7 ? 0 : 50));
  g_string_append_printf(want, "%" G_GINT64_FORMAT ";", tier_delay[7] + 50);
  g_assert_cmpstr(log->str, ==, want->str);
  g_string_free(want, TRUE);
  g_string_free(log, TRUE);
  sim_engine_free(e);
}


typedef struct {
  GString        *log;
  SimEngineTimer  timer;
  uint64_t        ticket;      /* the timer's, taken by `arm` */
} TimerCtx;

static void
log_a(SimEngine *engine, gpointer data)
{
  g_string_append_printf(((TimerCtx *)data)->log, "a%" G_GINT64_FORMAT ";", sim_engine_now(engine));
}

static void
log_timer(SimEngine *engine, gpointer data)
{
  TimerCtx *ctx = data;
  g_assert_false(sim_engine_timer_is_set(&ctx->timer));
  g_string_append_printf(ctx->log, "T%" G_GINT64_FORMAT ";", sim_engine_now(engine));
}

/* At t=10: an event at 50, the timer's ticket, another event at 50 and
 * one due now; the timer set at 50 later, and moved around, still fires
 * between the two events of 50, by its ticket. */
static void
arm(SimEngine *engine, gpointer data)
{
  TimerCtx *ctx = data;
  sim_engine_schedule(engine, 50, log_a, ctx, NULL);
  ctx->ticket = sim_engine_ticket(engine);
  sim_engine_schedule(engine, 50, log_a, ctx, NULL);
  sim_engine_schedule(engine, 10, log_a, ctx, NULL);       /* due now: the FIFO */
  sim_engine_timer_set(engine, &ctx->timer, 10, sim_engine_ticket(engine));
  sim_engine_timer_set(engine, &ctx->timer, 60, ctx->ticket);
  sim_engine_timer_set(engine, &ctx->timer, 50, ctx->ticket);
}

static void
test_engine_timer_order(void)
{
  SimEngine *e = sim_engine_new();
  TimerCtx ctx = { .log = g_string_new(NULL) };
  sim_engine_timer_init(&ctx.timer, log_timer, &ctx);
  sim_engine_schedule(e, 10, arm, &ctx, NULL);
  g_assert_cmpint(sim_engine_run(e, 10), ==, SIM_RUN_UNTIL);
  g_assert_cmpstr(ctx.log->str, ==, "a10;");              /* due now: fired */
  g_assert_cmpuint(sim_engine_pending(e), ==, 2 + 1);     /* the timer counts */
  g_assert_cmpint(sim_engine_run(e, 49), ==, SIM_RUN_UNTIL);
  g_assert_cmpint(sim_engine_next_time(e), ==, 50);
  g_assert_cmpint(sim_engine_run(e, SIM_TIME_MAX), ==, SIM_RUN_EMPTY);
  g_assert_cmpstr(ctx.log->str, ==, "a10;a50;T50;a50;");
  g_assert_cmpuint(sim_engine_events(e), ==, 5);
  SimEngineStats st;
  sim_engine_stats(e, &st);
  g_assert_cmpuint(st.queue.heap_pushes, ==, 3);
  g_assert_cmpuint(st.queue.fifo_pushes, ==, 1);
  g_assert_cmpuint(st.queue.cancels, ==, 0);
  g_assert_cmpuint(st.timer_sets, ==, 3);
  g_assert_cmpuint(st.timers_fired, ==, 1);
  /* A stopped timer does not fire. */
  sim_engine_timer_set(e, &ctx.timer, 70, sim_engine_ticket(e));
  sim_engine_timer_stop(e, &ctx.timer);
  sim_engine_timer_stop(e, &ctx.timer);
  g_assert_cmpint(sim_engine_run(e, SIM_TIME_MAX), ==, SIM_RUN_EMPTY);
  g_assert_cmpstr(ctx.log->str, ==, "a10;a50;T50;a50;");
  g_string_free(ctx.log, TRUE);
  sim_engine_free(e);
}

/* A timer that fires at 20 schedules events due now: they go to the FIFO
 * and fire after the queue's own events of 20 that were pushed before. */
static void
timer_pushes_now(SimEngine *engine, gpointer data)
{
  TimerCtx *ctx = data;
  log_timer(engine, data);
  sim_engine_schedule_in(engine, 0, log_a, ctx, NULL);
}

static void
test_engine_timer_then_fifo(void)
{
  SimEngine *e = sim_engine_new();
  TimerCtx ctx = { .log = g_string_new(NULL) };
  sim_engine_timer_init(&ctx.timer, timer_pushes_now, &ctx);
  sim_engine_timer_set(e, &ctx.timer, 20, sim_engine_ticket(e));
  sim_engine_schedule(e, 20, log_a, &ctx, NULL);
  sim_engine_schedule(e, 30, log_a, &ctx, NULL);
  g_assert_cmpint(sim_engine_run(e, SIM_TIME_MAX), ==, SIM_RUN_EMPTY);
  g_assert_cmpstr(ctx.log->str, ==, "T20;a20;a20;a30;");
  SimEngineStats st;
  sim_engine_stats(e, &st);
  g_assert_cmpuint(st.queue.fifo_pushes, ==, 1);
  g_string_free(ctx.log, TRUE);
  sim_engine_free(e);
}

static const struct { const char *name; GTestFunc fn; } queue_tests[] = {
  { "order-and-ties", test_order_and_ties },
  { "cancel", test_cancel },
  { "random-against-reference", test_random_against_reference },
  { "push-before-peeked", test_push_before_peeked },
  { "cancel-every-tier", test_cancel_every_tier },
  { "boundaries", test_boundaries },
  { "far-future", test_far_future },
  { "push-before-peeked-every-tier", test_push_before_peeked_every_tier },
  { "stale-handles", test_stale_handles },
  { "purge-bounds-dead", test_purge_bounds_dead },
  { "free-destroys-pending", test_free_destroys_pending },
  { "random-mixed-times", test_random_mixed_times },
  { "dense-window", test_dense_window },
  { "level1-refill-sizes", test_level1_refill_sizes },
  { "level2-spread-sizes", test_level2_spread_sizes },
  { "level2-wide-sizes", test_level2_wide_sizes },
  { "small-transitions", test_small_transitions },
  { "fifo-after-heap-ties", test_fifo_after_heap_ties },
  { "fifo-after-peek-past", test_fifo_after_peek_past },
  { "fifo-purge", test_fifo_purge },
  { "pop-before-ticket", test_pop_before_ticket },
  { "take-against-reference", test_take_against_reference },
};

typedef struct {
  guint     small_max;
  GTestFunc fn;
} QueueCase;

/* Runs a /queue/ test with the small queue's limit of its case. */
static void
run_queue_test(gconstpointer data)
{
  const QueueCase *c = data;
  small_max = c->small_max;
  c->fn();
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  static const guint limits[] = { 32, 0 };
  for (gsize m = 0; m < G_N_ELEMENTS(limits); m++)
    for (gsize i = 0; i < G_N_ELEMENTS(queue_tests); i++) {
      QueueCase *c = g_new(QueueCase, 1);     /* lives as long as the run */
      *c = (QueueCase){ limits[m], queue_tests[i].fn };
      g_autofree char *path = g_strdup_printf(limits[m] ? "/queue/%s" : "/queue/no-small/%s",
                                              queue_tests[i].name);
      g_test_add_data_func(path, c, run_queue_test);
    }
  g_test_add_func("/deadline/random-against-scan", test_deadline_heap_random);
  g_test_add_func("/deadline/few-against-scan", test_deadline_heap_few);
  g_test_add_func("/engine/until-and-limit", test_engine_until_and_limit);
  g_test_add_func("/engine/timer-order", test_engine_timer_order);
  g_test_add_func("/engine/timer-then-fifo", test_engine_timer_then_fifo);
  g_test_add_func("/engine/schedule-after-until", test_engine_schedule_after_until);
  return g_test_run();
}
