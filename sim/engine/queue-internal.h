/* What the engine and the tests use of the queue beyond queue.h: the run
 * loop's combined peek-and-pop (its common cases inline, with the
 * structure they read), and the invariant checker. */
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

/* ---- the structure, for the run loop's pop inline ----
 *
 * Its axioms are at the top of queue.c.  The run loop pops once per event;
 * a call, its register saves and the copy of the result cost about as
 * much as the pop itself, so the pop's common cases are inline here and
 * the structure they read with them.  Only queue.c, the run loop
 * (engine.c) and the queue's tests include this header. */

#define DIGIT_BITS     8
#define DIGITS         256
#define N_LEVELS       8              /* level 0 is the front */
#define CHUNK_LEN      127            /* entries per chunk: a 2 KiB chunk */
#define PREFETCH_AHEAD 16
#define SLOT_DEAD      (UINT64_C(1) << 63)
#define KEY_SIGN       (UINT64_C(1) << 63)
#define WIDE_MASK      ((UINT64_C(1) << (2 * DIGIT_BITS)) - 1)   /* a wide front: a level 2 bucket's span */

typedef struct {
  uint64_t key;           /* time ^ KEY_SIGN */
  uint32_t slot;
  uint32_t order;         /* in the late heap: push order among its entries */
} Entry;

typedef struct Chunk Chunk;
struct Chunk {
  Chunk   *next;
  uint64_t unused;
  Entry    items[CHUNK_LEN];
};

typedef struct {
  Chunk   *head, *tail;       /* NULL when empty */
  uint32_t tail_len;          /* entries used in the tail chunk; CHUNK_LEN when empty,
                               * so that one test finds both cases needing a chunk */
  uint32_t full_chunks;       /* chunks before the tail (all full): a bucket's size
                               * without a walk down its chunks, each a cache miss */
  uint64_t min;               /* smallest key held */
} Bucket;

typedef struct {
  SimQueueAction act;         /* the engine's callback, opaque here, and its data,
                               * owned by the event until it fires */
  GDestroyNotify destroy;     /* for data, on cancel or free */
  uint64_t       tag;         /* seq; | SLOT_DEAD once fired or cancelled */
} Slot;

struct SimQueue {
  Entry     *front;           /* sorted: the events next to fire */
  Entry     *scratch;         /* same capacity: the counting sort's target */
  guint      head, len, cap;  /* front[head..len) pending; cap for both */
  Entry     *late;            /* a binary heap on (key, order) */
  guint      n_late, cap_late;
  uint32_t   late_order;      /* the next late entry's order */
  uint64_t   last;            /* the key every bucket is placed around; UINT64_MAX when small */
  uint64_t   front_mask;      /* the front's window: the keys k with (k ^ last) <= front_mask;
                               * DIGITS - 1, or WIDE_MASK after a wide refill */
  uint64_t   window_end;      /* last | front_mask: a push of a key at most this is near */
  gboolean   small;           /* every heap entry in the front, whatever its key */
  guint      small_max;       /* SMALL_MAX, or 0: never small (tests) */
  uint32_t   level_mask;      /* bit l: some bucket of level l is non-empty */
  uint64_t   occupied[N_LEVELS][DIGITS / 64];   /* non-empty buckets */
  Bucket     buckets[N_LEVELS][DIGITS];   /* level 0 unused */
  Chunk    **free_chunks;     /* a stack of the pool's chunks, room for all of them:
                               * taking one reads nothing of the chunk, cold by
                               * then, as a list through the chunks would */
  guint      n_free_chunks, cap_free_chunks;
  GPtrArray *slabs;           /* every chunk allocation, for sim_queue_free */
  Slot      *slots;           /* 64-byte aligned inside slots_mem */
  gpointer   slots_mem;
  uint32_t   n_slots, cap_slots;
  uint32_t  *free_slots;      /* a stack of free slot indices, cap_slots long */
  uint32_t   n_free;
  uint64_t   next_seq;
  gsize      n_live;          /* pending, not cancelled */
  gsize      n_dead;          /* cancelled, entry still held */
  uint64_t   now;             /* key of the last popped event; 0: none yet */
  uint32_t  *fifo;            /* slots of events pushed at `now`: a ring */
  guint      fifo_head, fifo_len, fifo_cap;   /* fifo_cap a power of two */
  SimQueueStats stats;        /* but heap_pushes, which sim_queue_stats works out */
  uint64_t   tickets;         /* sequence numbers taken without a push */
};

static inline uint64_t
sim_queue_time_to_key(SimTime t)
{
  return (uint64_t)t ^ KEY_SIGN;
}

static inline SimTime
sim_queue_key_to_time(uint64_t key)
{
  return (SimTime)(key ^ KEY_SIGN);
}

static inline void
sim_queue_fifo_shift(SimQueue *q)
{
  q->fifo_head = (q->fifo_head + 1) & (q->fifo_cap - 1);
  q->fifo_len--;
}

/* Whether an event of `key` and sequence number `tag` comes after
 * (bound, seq); with use_seq FALSE, whether its key is after bound. */
static inline gboolean
sim_queue_after_bound(uint64_t key, uint64_t tag, uint64_t bound, uint64_t seq, gboolean use_seq)
{
  return key > bound || (use_seq && key == bound && tag >= seq);
}

/* sim_queue_pop_bounded() past its common cases: dead entries at a head,
 * the late heap, an empty front to refill, an empty queue. */
const SimQueueAction *
sim_queue_pop_slow(SimQueue *q, uint64_t bound, uint64_t seq, gboolean use_seq, SimTime *at);

/* The end of sim_queue_pop_bounded()'s common cases, after the entry of
 * slot s and `key` left the front or the FIFO: the slot, whose tag was
 * `tag`, goes back to the free list, its action still readable there
 * until the next push.  Every field read into a local first, every store last: a store
 * through a pointer would otherwise make the compiler read them again. */
static inline __attribute__((always_inline)) const SimQueueAction *
sim_queue_pop_end(SimQueue *q, Slot *slot, uint32_t s, uint64_t tag, uint64_t key, SimTime *at)
{
  uint32_t n_free = q->n_free;
  uint32_t *free_slots = q->free_slots;
  gsize n_live = q->n_live;
  slot->tag = tag | SLOT_DEAD;
  free_slots[n_free] = s;
  q->n_free = n_free + 1;
  q->n_live = n_live - 1;
  *at = sim_queue_key_to_time(key);
  return &slot->act;
}

/* Pops the next event if it comes before (bound, seq); with use_seq
 * FALSE, if its key is at most bound.  Its time is then in *at; NULL (and
 * *at left as it was) if there is none such.  Inlined into its callers:
 * the run loop pops with no call.
 *
 * The common cases here, in the fewest instructions: the FIFO's head when
 * the front holds nothing of key `now` (a wake-up due now), and a live
 * front head with the FIFO empty; sim_queue_pop_slow(), called last so
 * that this saves no registers, does the rest. */
static inline __attribute__((always_inline)) const SimQueueAction *
sim_queue_pop_bounded(SimQueue *q, uint64_t bound, uint64_t seq, gboolean use_seq, SimTime *at)
{
  if (G_UNLIKELY(q->n_late != 0)) return sim_queue_pop_slow(q, bound, seq, use_seq, at);
  guint head = q->head, len = q->len;
  const Entry *front = q->front;
  if (q->fifo_len == 0) {
    if (G_UNLIKELY(head >= len)) return sim_queue_pop_slow(q, bound, seq, use_seq, at);
    uint32_t s = front[head].slot;
    uint64_t key = front[head].key;
    Slot *slot = &q->slots[s];
    uint64_t tag = slot->tag;
    if (G_UNLIKELY(tag & SLOT_DEAD)) return sim_queue_pop_slow(q, bound, seq, use_seq, at);
    if (sim_queue_after_bound(key, tag, bound, seq, use_seq)) return NULL;
    if (head + PREFETCH_AHEAD < len)
      __builtin_prefetch(&q->slots[front[head + PREFETCH_AHEAD].slot]);
    q->head = head + 1;
    q->now = key;
    return sim_queue_pop_end(q, slot, s, tag, key, at);
  }
  /* The FIFO's head, if the heap holds nothing of key `now`. */
  uint64_t key = q->now;
  if (head < len && front[head].key == key) return sim_queue_pop_slow(q, bound, seq, use_seq, at);
  uint32_t s = q->fifo[q->fifo_head];
  Slot *slot = &q->slots[s];
  uint64_t tag = slot->tag;
  if (G_UNLIKELY(tag & SLOT_DEAD)) return sim_queue_pop_slow(q, bound, seq, use_seq, at);
  if (sim_queue_after_bound(key, tag, bound, seq, use_seq)) return NULL;
  sim_queue_fifo_shift(q);
  return sim_queue_pop_end(q, slot, s, tag, key, at);
}

/* The run loop's pops: the same as sim_queue_pop_before() and
 * sim_queue_pop_until() without the copy of a SimQueueItem.  Returns the
 * popped event's action and its time in *at, or NULL (*at untouched) when
 * none is due.  The action is valid until the next push: the caller reads
 * fn and data before anything can push. */
static inline const SimQueueAction *
sim_queue_take_before(SimQueue *q, SimTime time, uint64_t seq, SimTime *at)
{
  return sim_queue_pop_bounded(q, sim_queue_time_to_key(time), seq, TRUE, at);
}

static inline const SimQueueAction *
sim_queue_take_until(SimQueue *q, SimTime until, SimTime *at)
{
  return sim_queue_pop_bounded(q, sim_queue_time_to_key(until), 0, FALSE, at);
}

