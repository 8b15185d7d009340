/* The pending-event set: a monotone priority queue ordered by
 * (time, insertion sequence), with cancel by handle.
 *
 * Events at one instant pop in the order they were pushed.  Push, pop and
 * cancel cost O(1) amortised whatever the spread of times, from nanoseconds
 * to years ahead (a push among thousands of events within 256 ns of the
 * next to pop costs O(log n)); no allocation per event once the queue has
 * grown to its peak; an event due at the time of the last pop costs a
 * FIFO append, not a heap push.  A push may be earlier than the last
 * peeked event (a run that stopped at its `until` looked past it), never
 * earlier than the last popped one.  The structure (a 256-way radix heap behind a sorted front)
 * and its axioms are described at the top of queue.c; a queue of a few
 * events is the sorted front alone. */
#pragma once
#include "simtime.h"

/* A handle to a scheduled event: slot index and generation.  0 is never a
 * valid handle, so it can mean "none". */
typedef uint64_t SimEventId;

typedef struct SimQueue SimQueue;

/* What the queue did so far: a push into the heap (a future event), a push
 * into the FIFO (an event due at the time of the last pop: no heap
 * operation) and a cancel.  For benchmarks. */
typedef struct {
  guint64 heap_pushes;
  guint64 fifo_pushes;
  guint64 cancels;
} SimQueueStats;

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

/* Whether `id` names a pending event (not fired, not cancelled); its data
 * in *data if so (data may be NULL).  For invariant checks. */
gboolean
sim_queue_lookup(const SimQueue *q, SimEventId id, gpointer *data);

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

/* Takes the sequence number a push now would take, without pushing: an
 * event kept outside the queue (the engine's timers) orders by it, as if
 * it had been pushed now. */
uint64_t
sim_queue_ticket(SimQueue *q);

void
sim_queue_stats(const SimQueue *q, SimQueueStats *out);
