/* The pending-event set: a monotone priority queue ordered by
 * (time, insertion sequence), with cancel by handle.
 *
 * It is a radix heap (Ahuja, Mehlhorn, Orlin, Tarjan 1990): bucket i holds
 * events whose time first differs from the last popped time in bit i-1, so
 * a push is O(1) and each event moves down at most 64 times before it is
 * popped.  That relies on what a discrete-event simulator guarantees anyway:
 * nothing is scheduled before the last popped time.
 *
 * Axioms:
 *  - bucket 0 holds only events at exactly `last` and is sorted by seq, so
 *    two events at one instant pop in the order they were pushed;
 *  - every other bucket i holds events with 2^(i-1) <= time ^ last < 2^i;
 *  - a cancelled event stays in its bucket as a dead entry until it reaches
 *    the front or is redistributed, then its slot returns to the free list;
 *  - slots are recycled through a free list: no allocation per event once
 *    the arrays have grown to the peak number of pending events. */
#pragma once
#include "simtime.h"

/* A handle to a scheduled event: slot index and generation.  0 is never a
 * valid handle, so it can mean "none". */
typedef uint64_t SimEventId;

typedef struct SimQueue SimQueue;

typedef struct {
  SimTime        time;
  uint64_t       seq;       /* insertion sequence, unique and increasing */
  gpointer       fn;        /* opaque to the queue: the engine's callback */
  gpointer       data;
  GDestroyNotify destroy;
} SimQueueItem;

SimQueue *
sim_queue_new(void);

/* Frees the queue; calls the destroy notifier of every pending event. */
void
sim_queue_free(SimQueue *q);

/* Adds an event.  `time` must not be before the last popped time. */
SimEventId
sim_queue_push(SimQueue *q, SimTime time, gpointer fn, gpointer data,
               GDestroyNotify destroy);

/* Removes a pending event and calls its destroy notifier.  Returns FALSE
 * (and does nothing) if the handle is stale: fired, cancelled or 0. */
gboolean
sim_queue_cancel(SimQueue *q, SimEventId id);

/* The earliest pending event, without removing it.  FALSE when empty. */
gboolean
sim_queue_peek(SimQueue *q, SimQueueItem *out);

/* Removes the earliest pending event into *out.  FALSE when empty.  The
 * caller now owns item.data (the destroy notifier is not called). */
gboolean
sim_queue_pop(SimQueue *q, SimQueueItem *out);

/* Number of pending (not cancelled) events. */
gsize
sim_queue_length(const SimQueue *q);
