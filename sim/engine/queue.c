/* The pending-event set: a monotone priority queue ordered by
 * (time, insertion sequence), with cancel by handle.  The engine's run loop
 * pops from it; everything that schedules pushes into it.
 *
 * Structure: a radix heap with 256-way digits (Ahuja, Mehlhorn, Orlin,
 * Tarjan 1990, with the radix of a hierarchical timing wheel), in front of
 * which sits a small sorted array.  Times are turned into unsigned keys
 * (the sign bit flipped, so unsigned order is time order).  `last` is a key
 * no later than any pending event.  An event whose key differs from `last`
 * only in its lowest byte is in the front; otherwise, if the highest byte in
 * which they differ is byte l (1..7), it is in bucket (l, that byte of its
 * key).  So level 1 buckets span 256 ns, level 2 buckets 65.5 us, level 3
 * 16.8 ms, level 4 4.3 s, level 5 18.3 min, and up.
 *
 * Pop takes the front in order.  When the front is empty, the lowest
 * non-empty bucket is emptied: `last` becomes its smallest key (kept per
 * bucket), and each of its events moves to the front or to a lower level
 * relative to the new `last`; the front is then sorted by a stable counting
 * sort on the low byte (two on its nibbles, or an insertion sort, when it
 * holds few).  A level 1 bucket goes to the front whole, sorted on the way
 * from its chunks; a large level 2 bucket goes to the front and level 1
 * (then empty) by a counting sort on byte 1, straight into chunks.  A
 * level 2 bucket of one chunk (a sparse queue's) goes to the front whole
 * instead, and the front's window widens to that bucket's 65.5 us
 * (front_mask) until the next refill: level 1 stays empty meanwhile.  An
 * event moves at most seven times, in practice two or three: an event
 * 1 ms away is pushed into level 2, moves once to level 1 and once to the
 * front.  A 60 s timer waits in level 4 or 5 untouched
 * until its time is near.  Push and pop are O(1) amortised; nothing depends
 * on how far apart the times are, nor on their distribution.
 *
 * The event's payload lives in a slot that never moves; the structure moves
 * only 16-byte entries (key, slot) through arrays, sequentially, and pop
 * prefetches the slots of the next few front entries: with a million
 * events pending, the slots do not fit in the caches, and fetching one only
 * when its event fires would cost a memory round trip per event.
 *
 * A push into the front's own 256 ns window (a zero-delay event, say) is
 * a binary search and a short memmove in the front.  When it would move
 * more than LATE_MOVE entries (thousands of events within those 256 ns),
 * it goes instead to the late heap, a binary heap on (key, push order)
 * that pop compares with the front: O(log n), never O(n).
 *
 * A small queue (at most SMALL_MAX entries besides the FIFO's) is the front
 * alone, sorted, whatever the keys: a push is an insertion from the end, a
 * pop takes the head, and nothing moves between buckets, which for a
 * handful of events cost more than the events.  Past SMALL_MAX the entries
 * are placed in the buckets around a `last` chosen no later than any of
 * them; a refill that finds at most SMALL_LOW entries in the buckets
 * gathers them into the front, sorted, and the queue is small again.
 *
 * An event pushed for the time of the last popped one (`now`: a zero-delay
 * wake-up, say) goes to the FIFO instead, a ring of slot indices: no
 * search, no move.  Every entry of the heap (front, late heap, buckets)
 * with the key `now` was pushed before the clock reached `now`, so before
 * every FIFO entry: pop takes the heap's entries of key `now` first, then
 * the FIFO in push order, then the heap's later keys.  That is exactly the
 * (time, sequence) order.
 *
 * Axioms:
 *  - every FIFO entry has the key `now`, and a larger sequence number than
 *    every heap entry of that key; every key held is >= `now`;
 *  - a small queue has every heap entry in the front, at most small_max of
 *    them, no bucket and no late heap, and `last` UINT64_MAX (so that no
 *    push takes the bucket path); the axioms on `last` below are those of
 *    the queue when it is not small;
 *  - every key held is >= last; an entry in the front has
 *    key ^ last <= front_mask, which is 255, or WIDE_MASK with every level
 *    1 bucket empty; a bucket's entries have key ^ last > front_mask;
 *    an entry in bucket (l, d) has its highest differing byte from last at
 *    l, and byte l of its key is d (so d > byte l of last);
 *  - all heap entries of one key are in one place: one bucket, or the front
 *    and the late heap (where an entry goes depends only on its key and
 *    `last`).  Pushes append and moves are stable, so in every bucket equal
 *    keys stand in push order;
 *  - front[head..len) is sorted by key, equal keys in push order.  The
 *    late heap holds only keys of the front's window, each pushed after
 *    every front entry (once it is in use, every push into the window joins
 *    it), and it is empty whenever the front is refilled; so of equal keys
 *    the front's pop first, then the heap's in push order;
 *  - a bucket's `min` is the smallest key in it, `full_chunks` the number
 *    of its chunks before the tail (each full); `occupied` and
 *    `level_mask` have a bit set exactly for the non-empty buckets and
 *    levels; an empty bucket's `tail_len` is CHUNK_LEN;
 *  - buckets are lists of fixed-size chunks from a shared pool, so a
 *    bucket's memory returns to the pool as soon as it is emptied;
 *  - a cancelled event's entry stays where it is (dead) until it reaches
 *    the front or a purge drops it; its slot is recycled only then.  A
 *    purge runs once dead entries outnumber live ones by PURGE_SLACK, so
 *    memory stays within twice the live events plus that slack;
 *  - slots are recycled through a stack of free indices and arrays grow by
 *    doubling: no allocation per event once they reach the peak number of
 *    pending events.
 *
 * A handle is the slot index plus one (low 32 bits) and the low 32 bits of
 * the event's sequence number (high 32 bits).  A slot's tag is the
 * sequence number of its event with SLOT_DEAD set once the event fired or
 * was cancelled, so an old handle cannot reach a reused slot: the new event
 * has another sequence number. */
#include "queue-internal.h"
#include <string.h>

#define SLAB_CHUNKS    32
#define SMALL_SORT     24             /* insertion sort up to this many */
#define NIBBLE_SORT    128            /* two counting sorts on 4 bits up to this many */
#define PURGE_SLACK    4096
#define LATE_MOVE      64             /* a front insertion moves at most this many */
#define SMALL_MAX      32             /* a small queue holds at most this many heap entries */
#define SMALL_LOW      8              /* a refill finding at most this many makes it small again */
#define SPREAD_MIN     512            /* a level 2 bucket this large is spread by a counting sort */
#define WIDE_MAX       CHUNK_LEN      /* a level 2 bucket this small goes to the front whole */

/* The level of an entry whose key differs from last by x (x >= 256). */
static inline int
level_of(uint64_t x)
{
  return (63 - __builtin_clzll(x)) / DIGIT_BITS;
}

/* Sets `last` and the front's window around it (front_mask: DIGITS - 1,
 * or WIDE_MASK), and the bound of a near push that follows from them. */
static inline void
set_last(SimQueue *q, uint64_t last, uint64_t mask)
{
  q->last = last;
  q->front_mask = mask;
  q->window_end = last | mask;
}

SimQueue *
sim_queue_new(void)
{
  SimQueue *q = g_new0(SimQueue, 1);
  q->slabs = g_ptr_array_new_with_free_func(g_free);
  for (int level = 0; level < N_LEVELS; level++)
    for (int digit = 0; digit < DIGITS; digit++)
      q->buckets[level][digit].tail_len = CHUNK_LEN;
  q->small = TRUE;
  q->small_max = SMALL_MAX;
  set_last(q, UINT64_MAX, DIGITS - 1);   /* so that no push takes the bucket path */
  /* Never NULL, so that no empty array is a null pointer. */
  q->cap = q->cap_late = 64;
  q->front = g_new(Entry, q->cap);
  q->scratch = g_new(Entry, q->cap);
  q->late = g_new(Entry, q->cap_late);
  q->fifo_cap = 64;
  q->fifo = g_new(uint32_t, q->fifo_cap);
  return q;
}

void
sim_queue_free(SimQueue *q)
{
  if (q == NULL) return;
  for (uint32_t i = 0; i < q->n_slots; i++) {
    Slot *s = &q->slots[i];
    if (!(s->tag & SLOT_DEAD) && s->destroy) s->destroy(s->act.data);
  }
  g_ptr_array_free(q->slabs, TRUE);
  g_free(q->free_chunks);
  g_free(q->front);
  g_free(q->scratch);
  g_free(q->late);
  g_free(q->fifo);
  g_free(q->slots_mem);
  g_free(q->free_slots);
  g_free(q);
}

/* ---- slots ---- */

static G_GNUC_NO_INLINE void
slots_grow(SimQueue *q)
{
  g_assert(q->cap_slots < UINT32_MAX / 4);
  uint32_t cap = q->cap_slots ? q->cap_slots * 2 : 64;
  gpointer mem = g_malloc(cap * sizeof(Slot) + 63);
  Slot *slots = (Slot *)(((guintptr)mem + 63) & ~(guintptr)63);
  if (q->n_slots) memcpy(slots, q->slots, q->n_slots * sizeof(Slot));
  g_free(q->slots_mem);
  q->slots_mem = mem;
  q->slots = slots;
  q->cap_slots = cap;
  q->free_slots = g_renew(uint32_t, q->free_slots, cap);
}

/* The free list is a stack apart from the slots, so taking a slot reads
 * nothing cold; in a large queue the slot the next push will take is
 * prefetched now.  A small queue's slots are the few released last, still
 * in the cache: the prefetch would cost its instructions for nothing. */
static inline uint32_t
slot_alloc(SimQueue *q)
{
  if (q->n_free > 0) {
    uint32_t s = q->free_slots[--q->n_free];
    if (q->n_free > 0) __builtin_prefetch(&q->slots[q->free_slots[q->n_free - 1]], 1);
    return s;
  }
  if (G_UNLIKELY(q->n_slots == q->cap_slots)) slots_grow(q);
  return q->n_slots++;
}

/* Returns a slot whose event has ended (tag already dead) to the free list. */
static inline void
slot_release(SimQueue *q, uint32_t s)
{
  q->free_slots[q->n_free++] = s;
}

/* ---- chunks and buckets ---- */

static G_GNUC_NO_INLINE void
chunks_add_slab(SimQueue *q)
{
  Chunk *slab = g_new(Chunk, SLAB_CHUNKS);
  g_ptr_array_add(q->slabs, slab);
  guint chunks = q->slabs->len * SLAB_CHUNKS;
  if (chunks > q->cap_free_chunks) {   /* room for every chunk, grown by doubling */
    q->cap_free_chunks = MAX(chunks, 2 * q->cap_free_chunks);
    q->free_chunks = g_renew(Chunk *, q->free_chunks, q->cap_free_chunks);
  }
  for (int i = SLAB_CHUNKS - 1; i >= 0; i--) q->free_chunks[q->n_free_chunks++] = &slab[i];
}

static inline Chunk *
chunk_get(SimQueue *q)
{
  if (G_UNLIKELY(q->n_free_chunks == 0)) chunks_add_slab(q);
  Chunk *c = q->free_chunks[--q->n_free_chunks];
  c->next = NULL;
  return c;
}

static inline void
chunk_put(SimQueue *q, Chunk *c)
{
  q->free_chunks[q->n_free_chunks++] = c;
}

/* Starts fetching a chunk that a pass is about to read: a bucket's chunks
 * come from the pool in any order, so the hardware's stream prefetch,
 * which follows one run of addresses, meets each chunk cold.  Its first
 * two lines start that stream; asking for all 32 leaves the pops' own
 * prefetches waiting (measured: slower). */
static inline void
chunk_prefetch(const Chunk *c)
{
  if (c == NULL) return;
  __builtin_prefetch(c);
  __builtin_prefetch((const char *)c + 64);
}

/* bucket_append() when the bucket is empty or its tail chunk full: out of
 * line, so that the common append needs no registers saved. */
static G_GNUC_NO_INLINE void
bucket_append_chunk(SimQueue *q, int level, uint32_t digit, Entry e)
{
  Bucket *b = &q->buckets[level][digit];
  Chunk *c = chunk_get(q);
  if (b->head == NULL) {
    b->head = c;
    b->min = e.key;
    q->occupied[level][digit / 64] |= UINT64_C(1) << (digit % 64);
    q->level_mask |= 1u << level;
  } else {
    b->tail->next = c;
    b->full_chunks++;
    if (e.key < b->min) b->min = e.key;
  }
  b->tail = c;
  c->items[0] = e;
  b->tail_len = 1;
}

static inline void
bucket_append(SimQueue *q, int level, uint32_t digit, Entry e)
{
  Bucket *b = &q->buckets[level][digit];
  if (G_UNLIKELY(b->tail_len == CHUNK_LEN)) {
    bucket_append_chunk(q, level, digit, e);
    return;
  }
  if (e.key < b->min) b->min = e.key;
  b->tail->items[b->tail_len++] = e;
}

/* The entries of a non-empty bucket. */
static inline guint
bucket_len(const Bucket *b)
{
  return b->full_chunks * CHUNK_LEN + b->tail_len;
}

/* Takes bucket (level, digit) out of the structure; its chunks now belong
 * to the caller, in *b. */
static void
bucket_detach(SimQueue *q, int level, uint32_t digit, Bucket *b)
{
  *b = q->buckets[level][digit];
  q->buckets[level][digit] = (Bucket){ .tail_len = CHUNK_LEN };
  uint64_t *occ = q->occupied[level];
  occ[digit / 64] &= ~(UINT64_C(1) << (digit % 64));
  if ((occ[0] | occ[1] | occ[2] | occ[3]) == 0) q->level_mask &= ~(1u << level);
}

/* The lowest non-empty digit of a non-empty level. */
static uint32_t
level_lowest(const SimQueue *q, int level)
{
  const uint64_t *occ = q->occupied[level];
  for (uint32_t w = 0;; w++)
    if (occ[w]) return w * 64 + (uint32_t)__builtin_ctzll(occ[w]);
}

/* ---- the front ---- */

static void
front_reserve(SimQueue *q, guint extra)
{
  if (q->len + extra <= q->cap) return;
  guint cap = q->cap;
  while (cap < q->len + extra) cap *= 2;
  q->front = g_renew(Entry, q->front, cap);
  q->scratch = g_renew(Entry, q->scratch, cap);
  q->cap = cap;
}

/* Places an entry (key >= last) where the axioms want it; the front part
 * is appended unsorted: the caller sorts it. */
static inline void
distribute(SimQueue *q, Entry e)
{
  uint64_t x = e.key ^ q->last;
  if (x <= q->front_mask) {
    if (G_UNLIKELY(q->len == q->cap)) front_reserve(q, 1);
    q->front[q->len++] = e;
  } else {
    int level = level_of(x);
    bucket_append(q, level, (uint32_t)(e.key >> (level * DIGIT_BITS)) & (DIGITS - 1), e);
  }
}

/* Sorts n entries by key, stably, by insertion: for a few. */
static void
insertion_sort(Entry *f, guint n)
{
  for (guint i = 1; i < n; i++) {
    Entry e = f[i];
    guint j = i;
    for (; j > 0 && f[j - 1].key > e.key; j--) f[j] = f[j - 1];
    f[j] = e;
  }
}

/* Sorts front[head..len) by key, stably.  All its keys share every byte
 * but the lowest, so a counting sort on that byte does it (or two on its
 * halves, or an insertion sort, for fewer entries). */
static void
front_sort(SimQueue *q)
{
  Entry *f = q->front + q->head;
  guint n = q->len - q->head;
  if (n <= SMALL_SORT) {
    insertion_sort(f, n);
    return;
  }
  Entry *out = q->scratch + q->head;
  if (n <= NIBBLE_SORT) {
    /* Two passes of 16 counters cost less than one of 256 for a few
     * dozen entries: the low nibble into scratch, the high one back. */
    guint lo[16] = { 0 }, hi[16] = { 0 };
    for (guint i = 0; i < n; i++) {
      lo[f[i].key & 15]++;
      hi[(f[i].key >> 4) & 15]++;
    }
    for (guint d = 0, sum_lo = 0, sum_hi = 0; d < 16; d++) {
      guint c = lo[d];
      lo[d] = sum_lo;
      sum_lo += c;
      c = hi[d];
      hi[d] = sum_hi;
      sum_hi += c;
    }
    for (guint i = 0; i < n; i++) out[lo[f[i].key & 15]++] = f[i];
    for (guint i = 0; i < n; i++) f[hi[(out[i].key >> 4) & 15]++] = out[i];
    return;
  }
  guint count[DIGITS] = { 0 };
  for (guint i = 0; i < n; i++) count[f[i].key & (DIGITS - 1)]++;
  for (guint d = 0, sum = 0; d < DIGITS; d++) {
    guint c = count[d];
    count[d] = sum;
    sum += c;
  }
  for (guint i = 0; i < n; i++) out[count[f[i].key & (DIGITS - 1)]++] = f[i];
  q->scratch = q->front;
  q->front = out - q->head;
}

static inline void
front_prefetch(const SimQueue *q, guint from, guint to)
{
  for (guint i = from; i < to && i < q->len; i++)
    __builtin_prefetch(&q->slots[q->front[i].slot]);
}

/* ---- the late heap ---- */

static inline gboolean
late_less(const Entry *a, const Entry *b)
{
  return a->key < b->key || (a->key == b->key && a->order < b->order);
}

static int
compare_late(const void *pa, const void *pb)
{
  const Entry *a = pa, *b = pb;
  return late_less(a, b) ? -1 : late_less(b, a);
}

/* Sorts the heap by (key, order), which leaves a valid heap, and numbers
 * it afresh from 0: before the order counter would wrap, and for rewinds. */
static void
late_sort(SimQueue *q)
{
  qsort(q->late, q->n_late, sizeof(Entry), compare_late);
  for (guint i = 0; i < q->n_late; i++) q->late[i].order = i;
  q->late_order = q->n_late;
}

static void
late_push(SimQueue *q, Entry e)
{
  if (G_UNLIKELY(q->late_order == UINT32_MAX)) late_sort(q);
  if (q->n_late == q->cap_late) {
    q->cap_late *= 2;
    q->late = g_renew(Entry, q->late, q->cap_late);
  }
  e.order = q->late_order++;
  guint i = q->n_late++;
  for (; i > 0 && late_less(&e, &q->late[(i - 1) / 2]); i = (i - 1) / 2)
    q->late[i] = q->late[(i - 1) / 2];
  q->late[i] = e;
}

static void
late_pop(SimQueue *q)
{
  Entry e = q->late[--q->n_late];
  guint n = q->n_late, i = 0;
  if (n == 0) {
    q->late_order = 0;
    return;
  }
  for (;;) {
    guint c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n && late_less(&q->late[c + 1], &q->late[c])) c++;
    if (!late_less(&q->late[c], &e)) break;
    q->late[i] = q->late[c];
    i = c;
  }
  q->late[i] = e;
}

/* Inserts one pushed entry (key ^ last <= front_mask) at its place in the front:
 * after every entry of a key not later than its own.  If that would move
 * many entries, or the late heap is in use, it goes to the late heap
 * instead: every late entry was pushed after every front entry, so of two
 * of equal key the front's comes first. */
static void
front_insert(SimQueue *q, Entry e)
{
  if (q->head == q->len) q->head = q->len = 0;
  guint lo = q->head, hi = q->len;
  if (q->n_late == 0 && hi > lo && q->front[hi - 1].key > e.key) {
    while (lo < hi) {
      guint mid = lo + (hi - lo) / 2;
      if (q->front[mid].key <= e.key) lo = mid + 1;
      else hi = mid;
    }
  } else {
    lo = q->len;
  }
  if (q->n_late > 0 || q->len - lo > LATE_MOVE) {
    late_push(q, e);
    return;
  }
  front_reserve(q, 1);
  memmove(&q->front[lo + 1], &q->front[lo], (q->len - lo) * sizeof(Entry));
  q->front[lo] = e;
  q->len++;
}

/* Appends a detached bucket's entries to the front, in its order, and
 * returns its chunks to the pool. */
static void
front_append_bucket(SimQueue *q, const Bucket *b)
{
  for (Chunk *c = b->head, *next; c != NULL; c = next) {
    guint m = c == b->tail ? b->tail_len : CHUNK_LEN;
    front_reserve(q, m);
    memcpy(q->front + q->len, c->items, m * sizeof(Entry));
    q->len += m;
    next = c->next;
    chunk_put(q, c);
  }
}

/* ---- the small queue ---- */

/* Inserts an entry into a small queue's front: after every entry of a key
 * not later than its own, found from the end (a later push usually has a
 * later key).  The front is moved down to its start when it reaches the
 * end of its array. */
static inline void
small_insert(SimQueue *q, Entry e)
{
  if (G_UNLIKELY(q->len == q->cap)) {
    memmove(q->front, q->front + q->head, (q->len - q->head) * sizeof(Entry));
    q->len -= q->head;
    q->head = 0;
    front_reserve(q, 1);
  }
  guint i = q->len;
  for (; i > q->head && q->front[i - 1].key > e.key; i--) q->front[i] = q->front[i - 1];
  q->front[i] = e;
  q->len++;
}

/* A small queue grown past small_max: its entries are placed around a
 * `last` no later than any of them nor than `key`, the key about to be
 * pushed, and no earlier than `now` if it can be (so that no later push is
 * before it).  They are sorted, so the front part stays sorted. */
static void
small_leave(SimQueue *q, uint64_t key)
{
  Entry held[SMALL_MAX];
  guint n = q->len - q->head;
  g_assert(n <= SMALL_MAX);
  memcpy(held, q->front + q->head, n * sizeof(Entry));
  uint64_t lo = n > 0 ? MIN(key, held[0].key) : key;
  set_last(q, MIN(MAX(q->now, sim_queue_time_to_key(0)), lo), DIGITS - 1);
  q->small = FALSE;
  q->head = q->len = 0;
  for (guint i = 0; i < n; i++) distribute(q, held[i]);
}

/* Makes the queue small again when a refill finds at most SMALL_LOW heap
 * entries, all in buckets: they are gathered into the front and sorted by
 * key, stably (entries of one key are in one bucket, in push order). */
static void
small_enter(SimQueue *q)
{
  for (int level = 1; level < N_LEVELS; level++) {
    while (q->level_mask & (1u << level)) {
      Bucket b;
      bucket_detach(q, level, level_lowest(q, level), &b);
      front_append_bucket(q, &b);
    }
  }
  insertion_sort(q->front, q->len);
  q->small = TRUE;
  set_last(q, UINT64_MAX, DIGITS - 1);
}

/* Moves a detached level 1 bucket into the empty front, sorted.  Its keys
 * share every byte but the lowest with its smallest, the new `last`, so
 * all of them belong in the front: beyond NIBBLE_SORT entries a stable
 * counting sort on the low byte goes straight from the chunks to the
 * front; fewer are copied and sorted by front_sort().  The chunks go back
 * to the pool. */
static void
front_fill_sorted(SimQueue *q, Bucket *b)
{
  guint n = bucket_len(b);
  front_reserve(q, n);
  if (n <= NIBBLE_SORT) {
    front_append_bucket(q, b);
    front_sort(q);
    return;
  }
  guint count[DIGITS] = { 0 };
  for (Chunk *c = b->head; c != NULL; c = c->next) {
    guint m = c == b->tail ? b->tail_len : CHUNK_LEN;
    for (guint i = 0; i < m; i++) count[c->items[i].key & (DIGITS - 1)]++;
  }
  for (guint d = 0, sum = 0; d < DIGITS; d++) {
    guint k = count[d];
    count[d] = sum;
    sum += k;
  }
  for (Chunk *c = b->head, *next; c != NULL; c = next) {
    guint m = c == b->tail ? b->tail_len : CHUNK_LEN;
    for (guint i = 0; i < m; i++) q->front[count[c->items[i].key & (DIGITS - 1)]++] = c->items[i];
    next = c->next;
    chunk_put(q, c);
  }
  q->len = n;
}

/* Spreads a detached level 2 bucket around the new `last`, its smallest
 * key.  Its keys share every byte above byte 1 with `last`, so each goes
 * to the front (byte 1 that of `last`) or to level 1, all of whose buckets
 * are empty (a level 2 bucket is emptied only when level 1 is).  Past
 * SPREAD_MIN entries this is a counting sort on byte 1 rather than one
 * distribute() each: a pass counts the entries of each digit and their
 * smallest key, every level 1 bucket is given its chunks, already linked,
 * and a second pass writes each entry at its digit's cursor, in order
 * (so equal keys stay in push order).  The chunks go back to the pool.
 * FALSE, and nothing done, for a bucket too small to pay for the 256
 * counters. */
static gboolean
level2_spread(SimQueue *q, const Bucket *b)
{
  if (bucket_len(b) < SPREAD_MIN) return FALSE;
  guint count[DIGITS] = { 0 };
  uint64_t min[DIGITS];
  memset(min, 0xff, sizeof min);
  for (Chunk *c = b->head; c != NULL; c = c->next) {
    guint m = c == b->tail ? b->tail_len : CHUNK_LEN;
    chunk_prefetch(c->next);
    for (guint i = 0; i < m; i++) {
      uint64_t key = c->items[i].key;
      uint32_t d = (uint32_t)(key >> DIGIT_BITS) & (DIGITS - 1);
      count[d]++;
      if (key < min[d]) min[d] = key;
    }
  }
  const uint32_t d0 = (uint32_t)(q->last >> DIGIT_BITS) & (DIGITS - 1);
  Entry *at[DIGITS], *end[DIGITS];
  Chunk *cur[DIGITS];
  front_reserve(q, count[d0]);
  at[d0] = q->front + q->len;
  end[d0] = at[d0] + count[d0];
  cur[d0] = NULL;
  q->len += count[d0];
  for (uint32_t d = d0 + 1; d < DIGITS; d++) {
    if (count[d] == 0) continue;
    Bucket *lb = &q->buckets[1][d];
    guint chunks = (count[d] + CHUNK_LEN - 1) / CHUNK_LEN;
    Chunk *head = chunk_get(q), *tail = head;
    for (guint k = 1; k < chunks; k++) tail = tail->next = chunk_get(q);
    *lb = (Bucket){ head, tail, count[d] - (chunks - 1) * CHUNK_LEN, chunks - 1, min[d] };
    q->occupied[1][d / 64] |= UINT64_C(1) << (d % 64);
    q->level_mask |= 1u << 1;
    cur[d] = head;
    at[d] = head->items;
    end[d] = head->items + CHUNK_LEN;
  }
  for (Chunk *c = b->head, *next; c != NULL; c = next) {
    guint m = c == b->tail ? b->tail_len : CHUNK_LEN;
    for (guint i = 0; i < m; i++) {
      uint32_t d = (uint32_t)(c->items[i].key >> DIGIT_BITS) & (DIGITS - 1);
      if (G_UNLIKELY(at[d] == end[d])) {   /* never the front's: it has room for all */
        cur[d] = cur[d]->next;
        at[d] = cur[d]->items;
        end[d] = at[d] + CHUNK_LEN;
      }
      *at[d]++ = c->items[i];
    }
    next = c->next;
    chunk_put(q, c);
  }
  return TRUE;
}

/* Moves a detached level 2 bucket of one chunk (WIDE_MAX entries at most)
 * into the empty front, sorted, and widens the front's window to the
 * bucket's span around its smallest key, the new `last`; level 1 is empty
 * and stays so until the next refill, as pushes into that span go to the
 * front.  Spread into level 1, a sparse bucket's entries would each take
 * a chunk of a bucket of their own and be moved once more, a refill for
 * every one or two of them; here each is moved once.  Their keys share
 * every byte above byte 1: insertion sorted, after a counting sort on
 * their top four bits when more than a few.
 * The chunk goes back to the pool. */
static void
front_fill_wide(SimQueue *q, Bucket *b)
{
  guint n = b->tail_len;
  const Entry *items = b->head->items;
  set_last(q, b->min, WIDE_MASK);
  front_reserve(q, n);
  if (n <= SMALL_SORT) {
    memcpy(q->front, items, n * sizeof(Entry));
  } else {
    /* A stable counting sort on the top nibble (16 spans of 4 us) on the
     * way from the chunk, then the insertion sort finds each entry's
     * place within its span, among a few: a sparse bucket's entries are
     * each moved about twice, where four nibble sorts moved them four
     * times. */
    guint count[16] = { 0 };
    for (guint i = 0; i < n; i++) count[(items[i].key >> 12) & 15]++;
    for (guint d = 0, sum = 0; d < 16; d++) {
      guint c = count[d];
      count[d] = sum;
      sum += c;
    }
    for (guint i = 0; i < n; i++) q->front[count[(items[i].key >> 12) & 15]++] = items[i];
  }
  q->len = n;
  chunk_put(q, b->head);
  insertion_sort(q->front, n);
  front_prefetch(q, 0, PREFETCH_AHEAD);
}

/* Refills the empty front from the lowest non-empty bucket.  FALSE when
 * every bucket is empty. */
static gboolean
front_refill(SimQueue *q)
{
  g_assert(q->head == q->len && q->n_late == 0);
  q->head = q->len = 0;
  if (q->level_mask == 0) return FALSE;
  /* Every heap entry is in a bucket now: the FIFO holds the others. */
  if (q->n_live + q->n_dead - q->fifo_len <= MIN(SMALL_LOW, q->small_max)) {
    small_enter(q);
    return TRUE;
  }
  int level = __builtin_ctz(q->level_mask);
  Bucket b;
  bucket_detach(q, level, level_lowest(q, level), &b);
  if (level == 2 && b.head == b.tail) {
    front_fill_wide(q, &b);
    return TRUE;
  }
  set_last(q, b.min, DIGITS - 1);
  if (b.head == b.tail && b.tail_len == 1) {   /* common when sparse */
    q->front[q->len++] = b.head->items[0];
    chunk_put(q, b.head);
    return TRUE;
  }
  if (level == 1) {
    /* The next level 1 bucket, which the refill after this one takes:
     * the spread wrote it long ago. */
    if (q->level_mask & 2) chunk_prefetch(q->buckets[1][level_lowest(q, 1)].head);
    front_fill_sorted(q, &b);
  } else {
    if (level != 2 || !level2_spread(q, &b)) {
      for (Chunk *c = b.head, *next; c != NULL; c = next) {
        guint n = c == b.tail ? b.tail_len : CHUNK_LEN;
        for (guint i = 0; i < n; i++) distribute(q, c->items[i]);
        next = c->next;
        chunk_put(q, c);
      }
    }
    front_sort(q);
  }
  front_prefetch(q, 0, PREFETCH_AHEAD);
  return TRUE;
}

/* Drops dead entries from the front's head and the late heap's top. */
static inline void
front_drop_dead(SimQueue *q)
{
  while (q->head < q->len && (q->slots[q->front[q->head].slot].tag & SLOT_DEAD)) {
    slot_release(q, q->front[q->head++].slot);
    q->n_dead--;
  }
  while (G_UNLIKELY(q->n_late > 0) && (q->slots[q->late[0].slot].tag & SLOT_DEAD)) {
    slot_release(q, q->late[0].slot);
    q->n_dead--;
    late_pop(q);
  }
}

/* front_settle() past its common case. */
static G_GNUC_NO_INLINE Entry *
front_settle_slow(SimQueue *q)
{
  for (;;) {
    front_drop_dead(q);
    if (G_UNLIKELY(q->n_late > 0) &&
        (q->head == q->len || q->late[0].key < q->front[q->head].key))
      return &q->late[0];
    if (G_LIKELY(q->head < q->len)) return &q->front[q->head];
    if (!front_refill(q)) return NULL;
  }
}

/* The earliest live event's entry, front[head] or late[0], dropping dead
 * entries on the way.  NULL when no entry is left. */
static inline Entry *
front_settle(SimQueue *q)
{
  if (G_LIKELY(q->n_late == 0 && q->head < q->len) &&
      !(q->slots[q->front[q->head].slot].tag & SLOT_DEAD))
    return &q->front[q->head];
  return front_settle_slow(q);
}

/* ---- the FIFO of events due now ---- */

static G_GNUC_NO_INLINE void
fifo_grow(SimQueue *q)
{
  guint cap = q->fifo_cap * 2;
  uint32_t *ring = g_new(uint32_t, cap);
  for (guint i = 0; i < q->fifo_len; i++)
    ring[i] = q->fifo[(q->fifo_head + i) & (q->fifo_cap - 1)];
  g_free(q->fifo);
  q->fifo = ring;
  q->fifo_cap = cap;
  q->fifo_head = 0;
}

static inline void
fifo_push(SimQueue *q, uint32_t s)
{
  if (G_UNLIKELY(q->fifo_len == q->fifo_cap)) fifo_grow(q);
  q->fifo[(q->fifo_head + q->fifo_len++) & (q->fifo_cap - 1)] = s;
}

static inline uint32_t
fifo_first(const SimQueue *q)
{
  return q->fifo[q->fifo_head];
}

/* Drops dead entries from the FIFO's head; whether a live one is left. */
static inline gboolean
fifo_settle(SimQueue *q)
{
  while (q->fifo_len > 0 && (q->slots[fifo_first(q)].tag & SLOT_DEAD)) {
    slot_release(q, fifo_first(q));
    q->n_dead--;
    sim_queue_fifo_shift(q);
  }
  return q->fifo_len > 0;
}

/* Drops every dead FIFO entry, keeping the live ones in order. */
static void
fifo_purge(SimQueue *q)
{
  guint kept = 0;
  for (guint i = 0; i < q->fifo_len; i++) {
    uint32_t s = q->fifo[(q->fifo_head + i) & (q->fifo_cap - 1)];
    if (q->slots[s].tag & SLOT_DEAD) {
      slot_release(q, s);
      q->n_dead--;
    } else {
      q->fifo[(q->fifo_head + kept++) & (q->fifo_cap - 1)] = s;
    }
  }
  q->fifo_len = kept;
}

/* The next event to fire: its entry in *out (for the FIFO's, a copy with
 * the key `now`), and whether it is the FIFO's.  FALSE when none is left. */
static inline gboolean
next_entry(SimQueue *q, Entry *out, gboolean *from_fifo)
{
  const Entry *e = front_settle(q);
  if (G_UNLIKELY(q->fifo_len > 0) && fifo_settle(q) && (e == NULL || e->key != q->now)) {
    *out = (Entry){ q->now, fifo_first(q), 0 };
    *from_fifo = TRUE;
    return TRUE;
  }
  if (e == NULL) return FALSE;
  *out = *e;
  *from_fifo = FALSE;
  return TRUE;
}

/* ---- rewinding and purging ---- */

static void
gather_bucket(SimQueue *q, int level, uint32_t digit, GArray *into)
{
  Bucket b;
  bucket_detach(q, level, digit, &b);
  for (Chunk *c = b.head, *next; c != NULL; c = next) {
    g_array_append_vals(into, c->items, c == b.tail ? b.tail_len : CHUNK_LEN);
    next = c->next;
    chunk_put(q, c);
  }
}

/* A push before `last` can only follow a peek that looked past a run's end
 * (sim.run{until=} stops before the next event).  Only the front and the
 * levels up to the highest byte in which `key` and `last` differ depend on
 * `last` that closely: those are placed again around `key`. */
static void
rewind_last(SimQueue *q, uint64_t key)
{
  uint64_t x = key ^ q->last;
  if (x <= q->front_mask) {
    set_last(q, key, q->front_mask);
    return;
  }
  int top = level_of(x);
  GArray *all = g_array_new(FALSE, FALSE, sizeof(Entry));
  g_array_append_vals(all, q->front + q->head, q->len - q->head);
  q->head = q->len = 0;
  late_sort(q);                 /* after the front: pushed after all of it */
  g_array_append_vals(all, q->late, q->n_late);
  q->n_late = q->late_order = 0;
  for (int level = 1; level <= top; level++)
    while (q->level_mask & (1u << level))
      gather_bucket(q, level, level_lowest(q, level), all);
  set_last(q, key, DIGITS - 1);
  for (guint i = 0; i < all->len; i++) distribute(q, g_array_index(all, Entry, i));
  front_sort(q);
  g_array_free(all, TRUE);
}

/* Keeps the live entries of n, in order, at the start of items; releases
 * the slots of the dead.  Returns how many are kept. */
static guint
drop_dead(SimQueue *q, Entry *items, guint n)
{
  guint kept = 0;
  for (guint i = 0; i < n; i++) {
    if (i + PREFETCH_AHEAD < n) __builtin_prefetch(&q->slots[items[i + PREFETCH_AHEAD].slot]);
    uint32_t s = items[i].slot;
    if (q->slots[s].tag & SLOT_DEAD) {
      slot_release(q, s);
      q->n_dead--;
    } else {
      items[kept++] = items[i];
    }
  }
  return kept;
}

static void
purge_bucket(SimQueue *q, int level, uint32_t digit)
{
  Bucket b;
  bucket_detach(q, level, digit, &b);
  for (Chunk *c = b.head, *next; c != NULL; c = next) {
    guint n = drop_dead(q, c->items, c == b.tail ? b.tail_len : CHUNK_LEN);
    for (guint i = 0; i < n; i++) bucket_append(q, level, digit, c->items[i]);
    next = c->next;
    chunk_put(q, c);
  }
}

/* Drops every dead entry: O(entries held), once per PURGE_SLACK cancels at
 * least, so O(1) amortised per cancel. */
static void
purge(SimQueue *q)
{
  guint n = drop_dead(q, q->front + q->head, q->len - q->head);
  q->len = q->head + n;
  q->n_late = drop_dead(q, q->late, q->n_late);
  late_sort(q);
  fifo_purge(q);
  for (int level = 1; level < N_LEVELS; level++) {
    uint64_t occ[DIGITS / 64];
    memcpy(occ, q->occupied[level], sizeof occ);
    for (uint32_t w = 0; w < DIGITS / 64; w++)
      for (; occ[w]; occ[w] &= occ[w] - 1)
        purge_bucket(q, level, w * 64 + (uint32_t)__builtin_ctzll(occ[w]));
  }
  g_assert(q->n_dead == 0);
}

/* ---- the API ---- */

/* The paths of sim_queue_push() past its common case, each out of line and
 * called last, so that the common push saves no registers. */

/* No free slot: makes one, then pushes. */
static G_GNUC_NO_INLINE SimEventId
push_fresh_slot(SimQueue *q, uint64_t key, gpointer fn, gpointer data,
                GDestroyNotify destroy)
{
  if (q->n_slots == q->cap_slots) slots_grow(q);
  q->free_slots[q->n_free++] = q->n_slots++;
  return sim_queue_push(q, sim_queue_key_to_time(key), fn, data, destroy);
}

/* A key due now with the FIFO full, in the front's window or before
 * `last`, or a small queue past its limit, at the end of its array, or
 * with no room before a later head. */
static G_GNUC_NO_INLINE SimEventId
push_placed(SimQueue *q, uint64_t key, uint32_t s, SimEventId id)
{
  if (key == q->now) {
    fifo_push(q, s);
    q->stats.fifo_pushes++;
    return id;
  }
  Entry e = { key, s, 0 };
  if (q->small) {
    if (q->len - q->head < q->small_max) {
      small_insert(q, e);
      return id;
    }
    small_leave(q, key);
  }
  if (key < q->last) rewind_last(q, key);
  uint64_t x = key ^ q->last;
  if (x <= q->front_mask) {
    front_insert(q, e);
  } else {
    int level = level_of(x);
    bucket_append(q, level, (uint32_t)(key >> (level * DIGIT_BITS)) & (DIGITS - 1), e);
  }
  return id;
}

/* Gives slot s, taken from the free list, to a new event; returns its
 * handle. */
static inline SimEventId
slot_fill(SimQueue *q, uint32_t s, gpointer fn, gpointer data, GDestroyNotify destroy)
{
  uint64_t seq = q->next_seq++;
  g_assert(seq < SLOT_DEAD);
  q->slots[s] = (Slot){ .act = { fn, data }, .destroy = destroy, .tag = seq };
  q->n_live++;
  return (seq << 32) | ((uint64_t)s + 1);
}

/* A key due now, in the front's window or before `last`, or any key while
 * the queue is small: the FIFO and the small queue's insertion here, the
 * rest in push_placed().  sim_queue_push() jumps here before it takes a
 * slot, so that the churn of a small queue pays for one function's
 * registers, not two.  The slot is not prefetched: a near event's is one
 * released last, still in the cache. */
static G_GNUC_NO_INLINE SimEventId
push_near(SimQueue *q, uint64_t key, gpointer fn, gpointer data, GDestroyNotify destroy)
{
  if (G_UNLIKELY(q->n_free == 0)) return push_fresh_slot(q, key, fn, data, destroy);
  uint32_t s = q->free_slots[--q->n_free];
  SimEventId id = slot_fill(q, s, fn, data, destroy);
  if (key == q->now) {
    if (G_UNLIKELY(q->fifo_len == q->fifo_cap)) return push_placed(q, key, s, id);
    q->fifo[(q->fifo_head + q->fifo_len++) & (q->fifo_cap - 1)] = s;
    q->stats.fifo_pushes++;
    return id;
  }
  if (!q->small || q->len - q->head >= q->small_max || q->len == q->cap)
    return push_placed(q, key, s, id);
  if (q->head < q->len && q->front[q->head].key <= key) {
    /* The search from the end stops at the head at the latest: no bound
     * to test at each step. */
    Entry *at = q->front + q->len++;
    for (; at[-1].key > key; at--) at[0] = at[-1];
    *at = (Entry){ key, s, 0 };
  } else if (q->head > 0) {
    /* Before every entry: the place the last pop freed, nothing moves. */
    q->front[--q->head] = (Entry){ key, s, 0 };
  } else {
    return push_placed(q, key, s, id);
  }
  return id;
}

/* Into a bucket that needs a chunk. */
static G_GNUC_NO_INLINE SimEventId
push_chunk(SimQueue *q, int level, uint32_t digit, Entry e, SimEventId id)
{
  bucket_append_chunk(q, level, digit, e);
  return id;
}

/* A key beyond the front's window, so in a bucket: the hold model's
 * common push. */
static G_GNUC_NO_INLINE SimEventId
push_far(SimQueue *q, uint64_t key, gpointer fn, gpointer data, GDestroyNotify destroy)
{
  if (G_UNLIKELY(q->n_free == 0)) return push_fresh_slot(q, key, fn, data, destroy);
  uint32_t s = slot_alloc(q);
  SimEventId id = slot_fill(q, s, fn, data, destroy);
  uint64_t x = key ^ q->last;
  int level = level_of(x);
  uint32_t digit = (uint32_t)(key >> (level * DIGIT_BITS)) & (DIGITS - 1);
  Bucket *b = &q->buckets[level][digit];
  Entry e = { key, s, 0 };
  if (G_UNLIKELY(b->tail_len == CHUNK_LEN))
    return push_chunk(q, level, digit, e, id);
  if (key < b->min) b->min = key;
  b->tail->items[b->tail_len++] = e;
  return id;
}

/* Two paths, each a function of its own with the registers it needs: a
 * key in the front's window or before `last` (an event due now, or any
 * key in a small queue: the churn of a few connections), or beyond it
 * (`now` is never there: it is in the window, or before `last` after a
 * peek looked past it).  A key is in the window or before `last` exactly
 * when its bits above the window's are at most those of `last`, that is
 * when it is at most `window_end`. */
SimEventId
sim_queue_push(SimQueue *q, SimTime time, gpointer fn, gpointer data,
               GDestroyNotify destroy)
{
  uint64_t key = sim_queue_time_to_key(time);
  if (key <= q->window_end)
    return push_near(q, key, fn, data, destroy);
  return push_far(q, key, fn, data, destroy);
}

gboolean
sim_queue_cancel(SimQueue *q, SimEventId id)
{
  uint32_t s = (uint32_t)id - 1;
  if ((uint32_t)id == 0 || s >= q->n_slots) return FALSE;
  Slot *slot = &q->slots[s];
  if ((slot->tag & SLOT_DEAD) || (uint32_t)slot->tag != (uint32_t)(id >> 32))
    return FALSE;
  /* The entry stays where it is; the slot is released when it surfaces. */
  slot->tag |= SLOT_DEAD;
  q->stats.cancels++;
  gpointer data = slot->act.data;
  GDestroyNotify destroy = slot->destroy;
  q->n_live--;
  q->n_dead++;
  if (G_UNLIKELY(q->n_dead > q->n_live + PURGE_SLACK)) purge(q);
  if (destroy) destroy(data);
  return TRUE;
}

gboolean
sim_queue_lookup(const SimQueue *q, SimEventId id, gpointer *data)
{
  uint32_t s = (uint32_t)id - 1;
  if ((uint32_t)id == 0 || s >= q->n_slots) return FALSE;
  const Slot *slot = &q->slots[s];
  if ((slot->tag & SLOT_DEAD) || (uint32_t)slot->tag != (uint32_t)(id >> 32))
    return FALSE;
  if (data) *data = slot->act.data;
  return TRUE;
}

static inline void
item_fill(const SimQueue *q, const Entry *e, SimQueueItem *out)
{
  const Slot *s = &q->slots[e->slot];
  *out = (SimQueueItem){ sim_queue_key_to_time(e->key), s->tag, s->act.fn, s->act.data, s->destroy };
}

gboolean
sim_queue_peek(SimQueue *q, SimQueueItem *out)
{
  Entry e;
  gboolean from_fifo;
  if (q->n_live == 0 || !next_entry(q, &e, &from_fifo)) return FALSE;
  item_fill(q, &e, out);
  return TRUE;
}

/* Pops the event of slot s, of `key`, that left the front, the late heap
 * or the FIFO. */
static inline const SimQueueAction *
pop_slot(SimQueue *q, uint32_t s, uint64_t key, SimTime *at)
{
  Slot *slot = &q->slots[s];
  return sim_queue_pop_end(q, slot, s, slot->tag, key, at);
}

/* See queue-internal.h. */
const SimQueueAction *
sim_queue_pop_slow(SimQueue *q, uint64_t bound, uint64_t seq, gboolean use_seq, SimTime *at)
{
  if (q->n_live == 0) return NULL;
  const Entry *e = front_settle(q);
  if (q->fifo_len > 0 && fifo_settle(q) && (e == NULL || e->key != q->now)) {
    uint32_t s = fifo_first(q);
    if (sim_queue_after_bound(q->now, q->slots[s].tag, bound, seq, use_seq)) return NULL;
    sim_queue_fifo_shift(q);
    return pop_slot(q, s, q->now, at);
  }
  if (e == NULL || sim_queue_after_bound(e->key, q->slots[e->slot].tag, bound, seq, use_seq))
    return NULL;
  if (q->head + PREFETCH_AHEAD < q->len)
    __builtin_prefetch(&q->slots[q->front[q->head + PREFETCH_AHEAD].slot]);
  uint32_t s = e->slot;
  uint64_t key = e->key;
  q->now = key;
  if (e == q->late) late_pop(q);
  else q->head++;
  return pop_slot(q, s, key, at);
}

/* The queue's order is (time, sequence): the item of the event just
 * popped. */
static inline gboolean
item_from(const SimQueueAction *a, SimTime at, SimQueueItem *out)
{
  if (a == NULL) return FALSE;
  const Slot *s = (const Slot *)a;
  *out = (SimQueueItem){ at, s->tag & ~SLOT_DEAD, a->fn, a->data, s->destroy };
  return TRUE;
}

gboolean
sim_queue_pop_before(SimQueue *q, SimTime time, uint64_t seq, SimQueueItem *out)
{
  SimTime at = 0;
  const SimQueueAction *a = sim_queue_take_before(q, time, seq, &at);
  return item_from(a, at, out);
}

gboolean
sim_queue_pop_until(SimQueue *q, SimTime until, SimQueueItem *out)
{
  SimTime at = 0;
  const SimQueueAction *a = sim_queue_take_until(q, until, &at);
  return item_from(a, at, out);
}

uint64_t
sim_queue_ticket(SimQueue *q)
{
  g_assert(q->next_seq < SLOT_DEAD);
  q->tickets++;
  return q->next_seq++;
}

void
sim_queue_advance(SimQueue *q, SimTime time)
{
  uint64_t key = sim_queue_time_to_key(time);
  if (key == q->now) return;
  g_assert(key > q->now && !fifo_settle(q));
  q->now = key;
}

void
sim_queue_stats(const SimQueue *q, SimQueueStats *out)
{
  *out = q->stats;
  /* Every sequence number went to a push into the heap or the FIFO, or to
   * a ticket: the heap's pushes need no counter of their own. */
  out->heap_pushes = q->next_seq - q->stats.fifo_pushes - q->tickets;
}

gboolean
sim_queue_pop(SimQueue *q, SimQueueItem *out)
{
  return sim_queue_pop_until(q, SIM_TIME_MAX, out);
}

gsize
sim_queue_length(const SimQueue *q)
{
  return q->n_live;
}

void
sim_queue_set_small_max(SimQueue *q, guint max)
{
  g_assert(q->small && q->head == q->len && q->fifo_len == 0);
  q->small_max = MIN(max, SMALL_MAX);
  if (max == 0) {
    q->small = FALSE;
    q->head = q->len = 0;
    set_last(q, MAX(q->now, sim_queue_time_to_key(0)), DIGITS - 1);
  }
}

gsize
sim_queue_dead(const SimQueue *q)
{
  return q->n_dead;
}

/* ---- checking the axioms ---- */

typedef struct {
  GHashTable *seen_slots;     /* slots referenced by an entry */
  GHashTable *last_seq;       /* key -> seq of the last entry of that key */
  gsize       live, dead;
} CheckState;

/* Any entry: its slot referenced once, ties of its key in push order. */
static void
check_entry_any(const SimQueue *q, CheckState *st, const Entry *e)
{
  g_assert_cmpuint(e->key, >=, q->now);
  g_assert_cmpuint(e->slot, <, q->n_slots);
  g_assert_true(g_hash_table_add(st->seen_slots, GUINT_TO_POINTER(e->slot + 1)));
  uint64_t tag = q->slots[e->slot].tag;
  if (tag & SLOT_DEAD) st->dead++;
  else st->live++;
  uint64_t seq = tag & ~SLOT_DEAD;
  gpointer prev;
  if (g_hash_table_lookup_extended(st->last_seq, &e->key, NULL, &prev))
    g_assert_cmpuint(*(uint64_t *)prev, <, seq);   /* ties in push order */
  uint64_t *k = g_new(uint64_t, 2);
  k[0] = e->key;
  k[1] = seq;
  g_hash_table_replace(st->last_seq, k, &k[1]);
}

/* A heap entry. */
static void
check_entry(const SimQueue *q, CheckState *st, const Entry *e)
{
  if (!q->small) g_assert_cmpuint(e->key, >=, q->last);
  check_entry_any(q, st, e);
}

static void
check_bucket(const SimQueue *q, CheckState *st, int level, uint32_t digit)
{
  const Bucket *b = &q->buckets[level][digit];
  gboolean occupied = (q->occupied[level][digit / 64] >> (digit % 64)) & 1;
  g_assert_true(occupied == (b->head != NULL));
  if (b->head == NULL) {
    g_assert_cmpuint(b->tail_len, ==, CHUNK_LEN);
    return;
  }
  g_assert_true(q->level_mask & (1u << level));
  gboolean min_seen = FALSE;
  guint chunks = 0;
  for (const Chunk *c = b->head; c != NULL; c = c->next, chunks++) {
    guint n = c == b->tail ? b->tail_len : CHUNK_LEN;
    g_assert_true(n > 0 || b->head == b->tail);
    g_assert_true(c->next != NULL || c == b->tail);
    for (guint i = 0; i < n; i++) {
      const Entry *e = &c->items[i];
      uint64_t x = e->key ^ q->last;
      g_assert_cmpuint(x, >, q->front_mask);
      g_assert_cmpint(level_of(x), ==, level);
      g_assert_cmpuint((e->key >> (level * DIGIT_BITS)) & (DIGITS - 1), ==, digit);
      g_assert_cmpuint(e->key, >=, b->min);
      min_seen |= e->key == b->min;
      check_entry(q, st, e);
    }
  }
  g_assert_true(min_seen);
  g_assert_cmpuint(b->full_chunks, ==, chunks - 1);
}

void
sim_queue_check_invariants(const SimQueue *q)
{
  CheckState st = {
    g_hash_table_new(NULL, NULL),
    g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL), 0, 0
  };
  g_assert_cmpuint(q->head, <=, q->len);
  g_assert_cmpuint(q->len, <=, q->cap);
  /* A small queue: every heap entry in the front, at most small_max. */
  if (q->small) {
    g_assert_cmpuint(q->last, ==, UINT64_MAX);
    g_assert_cmpuint(q->level_mask, ==, 0);
    g_assert_cmpuint(q->n_late, ==, 0);
    g_assert_cmpuint(q->len - q->head, <=, q->small_max);
  }
  /* The front's window: a byte, or a wide front's two with level 1 empty. */
  g_assert_true(q->front_mask == DIGITS - 1 || q->front_mask == WIDE_MASK);
  g_assert_true(q->front_mask == DIGITS - 1 || (!q->small && !(q->level_mask & 2)));
  g_assert_cmpuint(q->window_end, ==, q->last | q->front_mask);
  for (guint i = q->head; i < q->len; i++) {
    if (!q->small) g_assert_cmpuint(q->front[i].key ^ q->last, <=, q->front_mask);
    if (i > q->head) g_assert_cmpuint(q->front[i - 1].key, <=, q->front[i].key);
    check_entry(q, &st, &q->front[i]);
  }
  /* The late heap: in the front's window, a heap on (key, order), every
   * order below the counter; in (key, order) order its ties are in push
   * order, after the front's. */
  for (guint i = 0; i < q->n_late; i++) {
    g_assert_cmpuint(q->late[i].key ^ q->last, <=, q->front_mask);
    g_assert_cmpuint(q->late[i].order, <, q->late_order);
    if (i > 0) g_assert_false(late_less(&q->late[i], &q->late[(i - 1) / 2]));
  }
  Entry *late = g_new(Entry, q->n_late + 1);
  if (q->n_late) memcpy(late, q->late, q->n_late * sizeof(Entry));
  qsort(late, q->n_late, sizeof(Entry), compare_late);
  for (guint i = 0; i < q->n_late; i++) {
    if (i > 0 && late[i - 1].key == late[i].key)
      g_assert_cmpuint(late[i - 1].order, <, late[i].order);
    check_entry(q, &st, &late[i]);
  }
  g_free(late);
  /* The FIFO, after the front and the late heap: its entries have the key
   * `now`, and sequence numbers above the heap's entries of that key (no
   * bucket holds that key: it is in the front's window or before `last`). */
  g_assert_cmpuint(q->fifo_len, <=, q->fifo_cap);
  g_assert_cmpuint(q->fifo_cap & (q->fifo_cap - 1), ==, 0);
  for (guint i = 0; i < q->fifo_len; i++) {
    Entry e = { q->now, q->fifo[(q->fifo_head + i) & (q->fifo_cap - 1)], 0 };
    check_entry_any(q, &st, &e);
  }
  g_assert_true((q->level_mask & 1) == 0);
  for (int level = 1; level < N_LEVELS; level++) {
    gboolean any = FALSE;
    for (uint32_t d = 0; d < DIGITS; d++) {
      check_bucket(q, &st, level, d);
      any |= q->buckets[level][d].head != NULL;
    }
    g_assert_true(any == (gboolean)((q->level_mask >> level) & 1));
  }
  g_assert_cmpuint(st.live, ==, q->n_live);
  g_assert_cmpuint(st.dead, ==, q->n_dead);
  /* Every slot is either referenced by one entry or free, once. */
  for (uint32_t i = 0; i < q->n_free; i++) {
    uint32_t s = q->free_slots[i];
    g_assert_cmpuint(s, <, q->n_slots);
    g_assert_true(q->slots[s].tag & SLOT_DEAD);
    g_assert_true(g_hash_table_add(st.seen_slots, GUINT_TO_POINTER(s + 1)));
  }
  g_assert_cmpuint(g_hash_table_size(st.seen_slots), ==, q->n_slots);
  g_hash_table_destroy(st.seen_slots);
  g_hash_table_destroy(st.last_seq);
}
