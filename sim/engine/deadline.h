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

/* sim_deadline_heap_set() and _remove() past their common cases: a node
 * that moves past a neighbour, or leaves a place another node must fill. */
void
sim_deadline_heap_place(SimDeadlineHeap *h, SimDeadline *d, SimTime at, uint64_t seq);

void
sim_deadline_heap_take(SimDeadlineHeap *h, SimDeadline *d);

/* Whether node a comes before (at, seq). */
static inline gboolean
sim_deadline_node_before(const SimDeadline *a, SimTime at, uint64_t seq)
{
  return a->at < at || (a->at == at && a->seq < seq);
}

/* Puts d into h at (at, seq), or moves it there if it is already in h.
 *
 * Inline for its common cases, where d keeps its place: a node appended
 * behind an earlier parent (into a heap of a few connections, often
 * empty), or moved with no neighbour crossed (a retransmission deadline
 * pushed later at every ACK, its children later still).  These are most of
 * the calls, and the sifts' call, prologue and epilogue cost more than
 * they do. */
static inline void
sim_deadline_heap_set(SimDeadlineHeap *h, SimDeadline *d, SimTime at, uint64_t seq)
{
  if (d->pos == 0) {
    guint i = h->n;
    if (i < h->cap && (i == 0 || sim_deadline_node_before(h->items[(i - 1) / 2], at, seq))) {
      d->at = at;
      d->seq = seq;
      h->items[i] = d;
      d->pos = i + 1;
      h->n = i + 1;
      return;
    }
  } else {
    guint i = d->pos - 1, c = 2 * i + 1;
    gboolean stays;
    if (sim_deadline_node_before(d, at, seq))   /* later: no child may come before it */
      stays = (c >= h->n || !sim_deadline_node_before(h->items[c], at, seq)) &&
              (c + 1 >= h->n || !sim_deadline_node_before(h->items[c + 1], at, seq));
    else                                        /* earlier: nor may it pass its parent */
      stays = i == 0 || sim_deadline_node_before(h->items[(i - 1) / 2], at, seq);
    if (stays) {
      d->at = at;
      d->seq = seq;
      return;
    }
  }
  sim_deadline_heap_place(h, d, at, seq);
}

/* Takes d out of h; nothing if it is in no heap.  Inline when d is the
 * last node (the only one, often), which leaves no hole to fill, or when
 * the last node fills d's place with no child below it and an earlier
 * parent above (a heap of a few connections). */
static inline void
sim_deadline_heap_remove(SimDeadlineHeap *h, SimDeadline *d)
{
  if (d->pos == 0) return;
  guint i = d->pos - 1, n = h->n - 1;
  SimDeadline *last = h->items[n];
  if (last != d) {
    if (2 * i + 1 < n ||
        (i > 0 && !sim_deadline_node_before(h->items[(i - 1) / 2], last->at, last->seq))) {
      sim_deadline_heap_take(h, d);
      return;
    }
    h->items[i] = last;
    last->pos = i + 1;
  }
  d->pos = 0;
  h->n = n;
}

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
