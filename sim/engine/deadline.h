/* A heap of deadlines ordered by (time, sequence number): the engine's
 * timers (engine.h) and a host's connection timers (models/tcp-stack.c)
 * keep one each.  A node is embedded in its owner and remembers its place,
 * so moving a deadline earlier or later, or removing it, is one sift of
 * O(log n) in place: no allocation, no dead entry left behind.
 *
 * Axioms: items[0..n) is a binary min-heap on (at, seq); a node in the heap
 * has pos = its index + 1; a node out of every heap has pos 0. */
#pragma once
#include "simtime.h"

typedef struct {
  SimTime  at;       /* when it is due */
  uint64_t seq;      /* among equal times, the smaller first */
  guint    pos;      /* index + 1 in its heap; 0 when in none */
} SimDeadline;

typedef struct {
  SimDeadline **items;
  guint         n, cap;
} SimDeadlineHeap;

void
sim_deadline_heap_init(SimDeadlineHeap *h);

/* Frees the array; the nodes are their owners' (left with pos 0). */
void
sim_deadline_heap_clear(SimDeadlineHeap *h);

/* Puts d into h at (at, seq), or moves it there if it is already in h. */
void
sim_deadline_heap_set(SimDeadlineHeap *h, SimDeadline *d, SimTime at, uint64_t seq);

/* Takes d out of h; nothing if it is in no heap. */
void
sim_deadline_heap_remove(SimDeadlineHeap *h, SimDeadline *d);

/* The earliest node, NULL when h is empty. */
static inline SimDeadline *
sim_deadline_heap_first(const SimDeadlineHeap *h)
{
  return h->n > 0 ? h->items[0] : NULL;
}

static inline gboolean
sim_deadline_armed(const SimDeadline *d)
{
  return d->pos != 0;
}

/* Checks the axioms in O(n); aborts on the first one broken.  For tests
 * and invariant checks. */
void
sim_deadline_heap_check(const SimDeadlineHeap *h);
