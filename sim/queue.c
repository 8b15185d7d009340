/* Radix-heap event queue (see queue.h for the structure and its axioms). */
#include "queue.h"
#include <stdlib.h>
#include <string.h>

#define N_BUCKETS 65
#define SLOT_NONE UINT32_MAX

typedef struct {
  SimTime  time;
  uint32_t slot;
} Entry;

typedef struct {
  Entry *items;
  guint  len, cap;
  guint  head;        /* only bucket 0 is consumed from the front */
} Bucket;

typedef struct {
  gpointer       fn;
  gpointer       data;
  GDestroyNotify destroy;
  uint64_t       seq;
  uint32_t       gen;          /* bumped when the slot's event ends */
  uint32_t       next_free;    /* free-list link while the slot is free */
  gboolean       live;         /* pending and not cancelled */
} Slot;

struct SimQueue {
  Bucket   buckets[N_BUCKETS];
  Slot    *slots;
  uint32_t n_slots, cap_slots;
  uint32_t free_head;
  uint64_t next_seq;
  SimTime  last;               /* time of the last popped (or peeked) event */
  gsize    n_live;
};

SimQueue *
sim_queue_new(void)
{
  SimQueue *q = g_new0(SimQueue, 1);
  q->free_head = SLOT_NONE;
  return q;
}

void
sim_queue_free(SimQueue *q)
{
  if (q == NULL) return;
  for (uint32_t i = 0; i < q->n_slots; i++)
    if (q->slots[i].live && q->slots[i].destroy)
      q->slots[i].destroy(q->slots[i].data);
  for (int b = 0; b < N_BUCKETS; b++) g_free(q->buckets[b].items);
  g_free(q->slots);
  g_free(q);
}

static inline int
bucket_index(SimTime time, SimTime last)
{
  uint64_t diff = (uint64_t)time ^ (uint64_t)last;
  return diff == 0 ? 0 : 64 - __builtin_clzll(diff);
}

static inline void
bucket_append(Bucket *b, SimTime time, uint32_t slot)
{
  if (G_UNLIKELY(b->len == b->cap)) {
    b->cap = b->cap ? b->cap * 2 : 16;
    b->items = g_renew(Entry, b->items, b->cap);
  }
  b->items[b->len++] = (Entry){ time, slot };
}

static uint32_t
slot_alloc(SimQueue *q)
{
  if (q->free_head != SLOT_NONE) {
    uint32_t s = q->free_head;
    q->free_head = q->slots[s].next_free;
    return s;
  }
  if (q->n_slots == q->cap_slots) {
    g_assert(q->cap_slots < UINT32_MAX / 2);
    q->cap_slots = q->cap_slots ? q->cap_slots * 2 : 64;
    q->slots = g_renew(Slot, q->slots, q->cap_slots);
  }
  q->slots[q->n_slots].gen = 1;
  return q->n_slots++;
}

/* Returns a slot whose event has ended (its generation already bumped, so
 * stale handles no longer match) to the free list. */
static void
slot_release(SimQueue *q, uint32_t s)
{
  q->slots[s].live = FALSE;
  q->slots[s].next_free = q->free_head;
  q->free_head = s;
}

static void sort_front(SimQueue *q);

/* A push before `last` can only follow a peek that looked past a run's end
 * (sim.run{until=} stops before the next event).  Re-bucket everything
 * around the new, earlier minimum: O(pending), once per such stop. */
static void
rewind_last(SimQueue *q, SimTime time)
{
  GArray *all = g_array_new(FALSE, FALSE, sizeof(Entry));
  for (int i = 0; i < N_BUCKETS; i++) {
    Bucket *b = &q->buckets[i];
    for (guint k = b->head; k < b->len; k++) {
      if (q->slots[b->items[k].slot].live)
        g_array_append_val(all, b->items[k]);
      else
        slot_release(q, b->items[k].slot);
    }
    b->len = b->head = 0;
  }
  q->last = time;
  for (guint k = 0; k < all->len; k++) {
    Entry *e = &g_array_index(all, Entry, k);
    bucket_append(&q->buckets[bucket_index(e->time, time)], e->time, e->slot);
  }
  g_array_free(all, TRUE);
  sort_front(q);
}

SimEventId
sim_queue_push(SimQueue *q, SimTime time, gpointer fn, gpointer data,
               GDestroyNotify destroy)
{
  if (G_UNLIKELY(time < q->last)) rewind_last(q, time);
  uint32_t s = slot_alloc(q);
  Slot *slot = &q->slots[s];
  slot->fn = fn;
  slot->data = data;
  slot->destroy = destroy;
  slot->seq = q->next_seq++;
  slot->live = TRUE;
  q->n_live++;
  bucket_append(&q->buckets[bucket_index(time, q->last)], time, s);
  return ((uint64_t)slot->gen << 32) | s;
}

gboolean
sim_queue_cancel(SimQueue *q, SimEventId id)
{
  uint32_t s = (uint32_t)id, gen = (uint32_t)(id >> 32);
  if (id == 0 || s >= q->n_slots) return FALSE;
  Slot *slot = &q->slots[s];
  if (!slot->live || slot->gen != gen) return FALSE;
  /* The entry stays in its bucket; the slot is released when it surfaces. */
  slot->live = FALSE;
  slot->gen++;
  q->n_live--;
  if (slot->destroy) slot->destroy(slot->data);
  return TRUE;
}

static int
compare_entry_seq(const void *a, const void *b, void *user)
{
  const Slot *slots = user;
  uint64_t sa = slots[((const Entry *)a)->slot].seq;
  uint64_t sb = slots[((const Entry *)b)->slot].seq;
  return (sa > sb) - (sa < sb);
}

/* Entries at one instant reach the front from different buckets, so their
 * order there need not be insertion order: restore it. */
static void
sort_front(SimQueue *q)
{
  Bucket *front = &q->buckets[0];
  gboolean sorted = TRUE;
  for (guint k = front->head + 1; k < front->len && sorted; k++)
    sorted = q->slots[front->items[k - 1].slot].seq <
             q->slots[front->items[k].slot].seq;
  if (!sorted)
    g_qsort_with_data(front->items + front->head, (gint)(front->len - front->head),
                      sizeof(Entry), compare_entry_seq, q->slots);
}

/* Refills bucket 0 from the lowest non-empty bucket.  FALSE when no live
 * event remains. */
static gboolean
refill_front(SimQueue *q)
{
  Bucket *front = &q->buckets[0];
  front->len = front->head = 0;
  for (int i = 1; i < N_BUCKETS; i++) {
    Bucket *b = &q->buckets[i];
    if (b->len == 0) continue;
    /* Drop dead entries while finding the new minimum. */
    SimTime min = SIM_TIME_MAX;
    guint kept = 0;
    for (guint k = 0; k < b->len; k++) {
      Entry e = b->items[k];
      if (!q->slots[e.slot].live) {
        slot_release(q, e.slot);
        continue;
      }
      if (e.time < min) min = e.time;
      b->items[kept++] = e;
    }
    b->len = 0;
    if (kept == 0) continue;
    q->last = min;
    for (guint k = 0; k < kept; k++)
      bucket_append(&q->buckets[bucket_index(b->items[k].time, min)],
                    b->items[k].time, b->items[k].slot);
    sort_front(q);
    return TRUE;
  }
  return FALSE;
}

/* Makes buckets[0].items[head] the earliest live event.  FALSE if empty. */
static gboolean
settle_front(SimQueue *q)
{
  Bucket *front = &q->buckets[0];
  for (;;) {
    while (front->head < front->len) {
      uint32_t s = front->items[front->head].slot;
      if (q->slots[s].live) return TRUE;
      slot_release(q, s);
      front->head++;
    }
    if (!refill_front(q)) return FALSE;
  }
}

gboolean
sim_queue_peek(SimQueue *q, SimQueueItem *out)
{
  if (q->n_live == 0 || !settle_front(q)) return FALSE;
  const Entry *e = &q->buckets[0].items[q->buckets[0].head];
  const Slot *s = &q->slots[e->slot];
  *out = (SimQueueItem){ e->time, s->seq, s->fn, s->data, s->destroy };
  return TRUE;
}

gboolean
sim_queue_pop(SimQueue *q, SimQueueItem *out)
{
  if (!sim_queue_peek(q, out)) return FALSE;
  Bucket *front = &q->buckets[0];
  uint32_t s = front->items[front->head++].slot;
  q->slots[s].gen++;
  slot_release(q, s);
  q->n_live--;
  return TRUE;
}

gsize
sim_queue_length(const SimQueue *q)
{
  return q->n_live;
}
