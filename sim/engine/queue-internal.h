/* What the engine and the tests use of the queue beyond queue.h: the run
 * loop's combined peek-and-pop, and the invariant checker. */
#pragma once
#include "queue.h"

/* Removes the earliest pending event into *out if its time is at most
 * `until`.  FALSE (and nothing removed) when the queue is empty or its
 * earliest event is later than `until`.  The same as sim_queue_peek()
 * followed by sim_queue_pop(), in one step. */
gboolean
sim_queue_pop_until(SimQueue *q, SimTime until, SimQueueItem *out);

/* An event's callback and data as the queue holds them: what the run
 * loop needs of the event it fires. */
typedef struct {
  gpointer fn;
  gpointer data;
} SimQueueAction;

/* The run loop's pops: the same as sim_queue_pop_until() and
 * sim_queue_pop_before() without the copy of a SimQueueItem.  Returns the
 * popped event's action, NULL when none is due; its time in *at (when
 * NULL, the time of the last pop).  The action is valid until the next
 * push: the caller reads fn and data before anything can push. */
const SimQueueAction *
sim_queue_take_until(SimQueue *q, SimTime until, SimTime *at);

const SimQueueAction *
sim_queue_take_before(SimQueue *q, SimTime time, uint64_t seq, SimTime *at);

/* Removes the earliest pending event into *out if it comes before
 * (time, seq) in the queue's order: an earlier time, or the same time and
 * a smaller sequence number.  For the engine, which fires its timers in
 * the same order (sim_queue_ticket()). */
gboolean
sim_queue_pop_before(SimQueue *q, SimTime time, uint64_t seq, SimQueueItem *out);

/* Moves the queue's `now` (the time of the last pop) to `time`, later,
 * when the engine fired something kept outside the queue at `time`: events
 * pushed for `time` then go to the FIFO.  Nothing pending may be earlier,
 * and the FIFO must hold no live event of the old `now`. */
void
sim_queue_advance(SimQueue *q, SimTime time);

/* Checks every axiom of the structure (see queue.c), in O(pending) time;
 * aborts on the first one broken.  For tests. */
void
sim_queue_check_invariants(const SimQueue *q);

/* A queue holding at most `max` heap entries (those not due now) keeps
 * them in one sorted array, whatever their keys (32 at most, the default);
 * 0: never, so that every push goes through the radix heap's tiers.  Only
 * on a queue with nothing pending.  For tests. */
void
sim_queue_set_small_max(SimQueue *q, guint max);

/* Entries still held for cancelled events (dropped when they reach the
 * front or when the queue purges them).  For tests. */
gsize
sim_queue_dead(const SimQueue *q);
