/* The deadline heap (see deadline.h): a binary heap of pointers to nodes
 * that their owners embed.  Compared with the event queue's radix heap it
 * is O(log n), not O(1), but it moves a deadline in place: an owner whose
 * deadline changes at every segment (a connection's retransmission timer)
 * costs a sift here and nothing in the queue. */
#include "deadline.h"

static inline gboolean
deadline_less(const SimDeadline *a, const SimDeadline *b)
{
  return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

static inline void
place(SimDeadlineHeap *h, guint i, SimDeadline *d)
{
  h->items[i] = d;
  d->pos = i + 1;
}

/* Both sifts inline into their callers: on the heap of a few connections
 * a sift is a step or two, less than a call costs. */
static inline __attribute__((always_inline)) void
sift_up(SimDeadlineHeap *h, guint i, SimDeadline *d)
{
  while (i > 0) {
    guint parent = (i - 1) / 2;
    if (!deadline_less(d, h->items[parent])) break;
    place(h, i, h->items[parent]);
    i = parent;
  }
  place(h, i, d);
}

static inline __attribute__((always_inline)) void
sift_down(SimDeadlineHeap *h, guint i, SimDeadline *d)
{
  for (;;) {
    guint c = 2 * i + 1;
    if (c >= h->n) break;
    if (c + 1 < h->n && deadline_less(h->items[c + 1], h->items[c])) c++;
    if (!deadline_less(h->items[c], d)) break;
    place(h, i, h->items[c]);
    i = c;
  }
  place(h, i, d);
}

void
sim_deadline_heap_init(SimDeadlineHeap *h)
{
  *h = (SimDeadlineHeap){ 0 };
}

void
sim_deadline_heap_clear(SimDeadlineHeap *h)
{
  for (guint i = 0; i < h->n; i++) h->items[i]->pos = 0;
  g_free(h->items);
  *h = (SimDeadlineHeap){ 0 };
}

void
sim_deadline_heap_place(SimDeadlineHeap *h, SimDeadline *d, SimTime at, uint64_t seq)
{
  if (d->pos == 0) {
    if (h->n == h->cap) {
      h->cap = h->cap ? h->cap * 2 : 16;
      h->items = g_renew(SimDeadline *, h->items, h->cap);
    }
    d->at = at;
    d->seq = seq;
    sift_up(h, h->n++, d);
    return;
  }
  g_assert(d->pos <= h->n && h->items[d->pos - 1] == d);
  gboolean earlier = at < d->at || (at == d->at && seq < d->seq);
  d->at = at;
  d->seq = seq;
  if (earlier) sift_up(h, d->pos - 1, d);
  else sift_down(h, d->pos - 1, d);
}

void
sim_deadline_heap_take(SimDeadlineHeap *h, SimDeadline *d)
{
  guint i = d->pos - 1;
  g_assert(i < h->n && h->items[i] == d);
  d->pos = 0;
  SimDeadline *last = h->items[--h->n];
  if (last == d) return;
  /* The last node takes d's place, then goes up or down from there. */
  if (i > 0 && deadline_less(last, h->items[(i - 1) / 2])) sift_up(h, i, last);
  else sift_down(h, i, last);
}

void
sim_deadline_heap_check(const SimDeadlineHeap *h)
{
  g_assert_cmpuint(h->n, <=, h->cap);
  for (guint i = 0; i < h->n; i++) {
    g_assert_cmpuint(h->items[i]->pos, ==, i + 1);
    if (i > 0) g_assert_false(deadline_less(h->items[i], h->items[(i - 1) / 2]));
  }
}
