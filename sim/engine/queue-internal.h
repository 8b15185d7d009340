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

/* Checks every axiom of the structure (see queue.c), in O(pending) time;
 * aborts on the first one broken.  For tests. */
void
sim_queue_check_invariants(const SimQueue *q);

/* Entries still held for cancelled events (dropped when they reach the
 * front or when the queue purges them).  For tests. */
gsize
sim_queue_dead(const SimQueue *q);
