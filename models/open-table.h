/* One open-addressing hash table with linear probing, typed by its user:
 * the demultiplexer's 4-tuples (tuple-table.h) and a host's port counts
 * (ports.h) are made from it with their own slot type, the TIME_WAIT
 * index (timewait.c) and the record-number index (slot-index.h) as
 * tagged indexes (below), each with its key's hash and comparison
 * inlined: no call through a function pointer on a lookup, and the probe,
 * growth and deletion written once.
 *
 * A table is the user's struct with (at least) the fields
 *     Slot    *slots;    NULL until the first reserve
 *     guint32  mask;     the number of slots - 1 (the number is a power of two)
 * and, before OPEN_TABLE_DEFINE(P, Table, Slot, Ctx, FIRST), the user
 * defines three functions on a slot:
 *     static inline gboolean P_used(const Slot *s);     FALSE when empty
 *     static inline void     P_vacate(Slot *s);         makes s empty
 *     static inline guint32  P_hash(Ctx ctx, const Slot *s);   its key's hash
 * An empty slot is all zero bytes (new slots come from g_new0).  `ctx` is
 * what the hash needs beside the slot (the table that holds the records a
 * slot names, say); every function passes it along.
 *
 * OPEN_TABLE_DEFINE then defines, static inline:
 *     guint32 P_size(const Table *t)                   the slots, 0 before the first reserve
 *     void    P_reserve(Table *t, Ctx ctx, guint64 n)  room for n entries
 *     Slot   *P_put_hashed(Table *t, guint32 h, const Slot *s)
 *     Slot   *P_put(Table *t, Ctx ctx, const Slot *s)  store a copy of *s
 *                                                      (its key not in the table)
 *     void    P_delete(Table *t, Ctx ctx, Slot *s)     empty the used slot s
 *     Slot   *P_next(const Table *t, guint32 *pos)     iteration
 *     void    P_free(Table *t)                         back to no slots
 * OPEN_TABLE_DEFINE_HOMED(P, Table, Slot, Ctx, FIRST) is OPEN_TABLE_DEFINE
 * for a table that can tell where an entry belongs without its hash: the
 * user defines besides
 *     static inline guint32  P_home(const Table *t, Ctx ctx, guint32 j);
 * the home of the entry in slot j, which deletion asks for each later
 * entry of the run (OPEN_TABLE_DEFINE's is P_hash(ctx, slot) & mask: a
 * table whose hash is not in the slot would fetch the key for it).
 * OPEN_TABLE_DEFINE_TAGGED, further down, is such a table: an index of
 * record numbers with a byte of each key's hash beside it.
 * And OPEN_TABLE_DEFINE_FIND(P, NAME, Table, Slot, Ctx, Key, MATCH) a
 * lookup, as many as the user has kinds of key:
 *     Slot   *NAME(const Table *t, Ctx ctx, guint32 h, Key key)
 * which returns the used slot from h's home on for which
 * MATCH(ctx, slot, h, key) holds, or NULL.  A lookup needs
 * slots (t->slots != NULL): the user checks its count first, which an
 * empty table's lookups pay for anyway.
 *
 * Axioms: at most 3/4 of the slots are used (P_reserve grows before an
 * insertion would pass that; the user counts its entries and calls it);
 * an entry lies in the run of used slots that starts at or before its
 * home (hash & mask) and runs to it without an empty slot; deletion
 * shifts later entries of the run back (Knuth's algorithm R), so there
 * are no tombstones and a lookup stops at the first empty slot.  Where an
 * entry sits depends on the keys and the history of insertions and
 * deletions only (growth re-places entries in slot order), so iteration
 * order is the same in every run, but no order to show a user. */
#pragma once
#include <glib.h>

/* Algorithm R's test: once slot i is emptied, the entry at j, later in the
 * same run of used slots, stays where it is if its home lies cyclically in
 * (i, j]; else it moves to i. */
static inline gboolean
slot_stays(guint32 i, guint32 j, guint32 home)
{
  return i <= j ? (home > i && home <= j) : (home > i || home <= j);
}

#define OPEN_TABLE_DEFINE(P, Table, Slot, Ctx, FIRST)                                   \
  static inline guint32                                                                 \
  P##_home(const Table *t, Ctx ctx, guint32 j)                                          \
  {                                                                                     \
    return P##_hash(ctx, &t->slots[j]) & t->mask;                                       \
  }                                                                                     \
                                                                                        \
  OPEN_TABLE_DEFINE_HOMED(P, Table, Slot, Ctx, FIRST)

#define OPEN_TABLE_DEFINE_HOMED(P, Table, Slot, Ctx, FIRST)                             \
  static inline guint32                                                                 \
  P##_size(const Table *t)                                                              \
  {                                                                                     \
    return t->slots ? t->mask + 1 : 0;                                                  \
  }                                                                                     \
                                                                                        \
  static inline Slot *                                                                  \
  P##_put_hashed(Table *t, guint32 h, const Slot *s)                                    \
  {                                                                                     \
    guint32 i = h & t->mask;                                                            \
    while (P##_used(&t->slots[i])) i = (i + 1) & t->mask;                               \
    t->slots[i] = *s;                                                                   \
    return &t->slots[i];                                                                \
  }                                                                                     \
                                                                                        \
  static inline Slot *                                                                  \
  P##_put(Table *t, Ctx ctx, const Slot *s)                                             \
  {                                                                                     \
    return P##_put_hashed(t, P##_hash(ctx, s), s);                                      \
  }                                                                                     \
                                                                                        \
  /* Doubling (FIRST slots at first) until n entries fill at most 3/4; the   \
   * entries are re-placed in slot order.  Out of line: it runs once in     \
   * many insertions. */                                                                \
  G_GNUC_UNUSED static G_GNUC_NO_INLINE void                                                \
  P##_grow(Table *t, Ctx ctx, guint64 n)                                                \
  {                                                                                     \
    Slot *old = t->slots;                                                               \
    guint32 n_old = P##_size(t);                                                        \
    guint32 n_new = n_old ? n_old * 2 : (FIRST);                                        \
    while (n * 4 > (guint64)n_new * 3) n_new *= 2;                                      \
    t->slots = g_new0(Slot, n_new);                                                     \
    t->mask = n_new - 1;                                                                \
    for (guint32 i = 0; i < n_old; i++)                                                 \
      if (P##_used(&old[i])) P##_put(t, ctx, &old[i]);                                  \
    g_free(old);                                                                        \
  }                                                                                     \
                                                                                        \
  static inline void                                                                    \
  P##_reserve(Table *t, Ctx ctx, guint64 n)                                             \
  {                                                                                     \
    if (G_UNLIKELY(t->slots == NULL || n * 4 > ((guint64)t->mask + 1) * 3))             \
      P##_grow(t, ctx, n);                                                              \
  }                                                                                     \
                                                                                        \
  static inline void                                                                    \
  P##_delete(Table *t, Ctx ctx, Slot *s)                                                \
  {                                                                                     \
    guint32 mask = t->mask, i = (guint32)(s - t->slots);                                \
    for (guint32 j = (i + 1) & mask; P##_used(&t->slots[j]); j = (j + 1) & mask) {      \
      if (slot_stays(i, j, P##_home(t, ctx, j))) continue;                              \
      t->slots[i] = t->slots[j];                                                        \
      i = j;                                                                            \
    }                                                                                   \
    P##_vacate(&t->slots[i]);                                                           \
  }                                                                                     \
                                                                                        \
  /* The first used slot at *pos or after it, *pos then past it; NULL at    \
   * the end.  Start with *pos = 0; the table must not change meanwhile. */ \
  static inline Slot *                                                                  \
  P##_next(const Table *t, guint32 *pos)                                                \
  {                                                                                     \
    for (guint32 n = P##_size(t); *pos < n; (*pos)++)                                   \
      if (P##_used(&t->slots[*pos])) return &t->slots[(*pos)++];                        \
    return NULL;                                                                        \
  }                                                                                     \
                                                                                        \
  static inline void                                                                    \
  P##_free(Table *t)                                                                    \
  {                                                                                     \
    g_free(t->slots);                                                                   \
    t->slots = NULL;                                                                    \
    t->mask = 0;                                                                        \
  }

#define OPEN_TABLE_DEFINE_FIND(P, NAME, Table, Slot, Ctx, Key, MATCH)                   \
  static inline Slot *                                                                  \
  NAME(const Table *t, Ctx ctx, guint32 h, Key key)                                     \
  {                                                                                     \
    for (guint32 i = h & t->mask; P##_used(&t->slots[i]); i = (i + 1) & t->mask)       \
      if (MATCH(ctx, &t->slots[i], h, key)) return &t->slots[i];                        \
    return NULL;                                                                        \
  }

/* ---- tagged indexes ----------------------------------------------------
 *
 * OPEN_TABLE_DEFINE_TAGGED(P, Table, Ctx, FIRST): an index of non-zero
 * numbers that name records kept elsewhere (positions, record numbers; 0
 * is an empty slot), with the low byte of each key's hash, its tag,
 * beside the number: 5 bytes a slot (OpenTagSlot).  Records lie in the
 * order they were made, so the entries of one run of slots name records
 * far apart in memory; a lookup that fetched each record to compare its
 * key, or a deletion that fetched each to hash it, would miss the cache
 * once per entry of the run.  Here a lookup
 * (OPEN_TABLE_DEFINE_TAGGED_FIND) compares keys only where the tag
 * matches (the entry sought, and 1 in 256 of the others), and a deletion
 * fetches no record: the tag is the low byte of the home, and an entry
 * lies less than 256 slots past its home, so its slot and its tag give
 * the home.  An entry placed 256 slots or more past its home (the keys of
 * a hostile scenario) sets `far`, and deletion then hashes the records
 * (P_hash) until the index is empty again.
 *
 * The table has, beside slots (OpenTagSlot *) and mask,
 *     gboolean far;      some entry may lie 256 slots or more past its home
 *     guint32  used;     entries held
 * The user defines P_hash(Ctx, const OpenTagSlot *), the hash of the key
 * of the record a slot names (growth and `far` deletions ask for it), and
 * adds and removes entries with
 *     void         P_make_room(Table *t, Ctx ctx, guint64 n)   room for n entries
 *     OpenTagSlot *P_add(Table *t, Ctx ctx, guint32 h, guint32 n)   (room for one more
 *                                                                 made if needed)
 *     void         P_remove(Table *t, Ctx ctx, OpenTagSlot *s)
 *     void         P_release(Table *t)       back to no slots and no entries
 * which keep `used` and `far` (P_reserve, P_put, P_delete and P_free
 * would not). */

typedef struct __attribute__((packed)) {
  guint32 n;            /* the number; 0 when the slot is empty */
  guint8  tag;          /* the low byte of its key's hash */
} OpenTagSlot;

/* Whether some run of used slots is longer than 256, so that an entry
 * may lie 256 slots or more past its home: after growth re-placed every
 * entry.  A run that wraps past the last slot counts as one. */
static inline gboolean
open_tag_long_run(const OpenTagSlot *slots, guint32 mask)
{
  guint32 run = 0;
  for (guint64 i = 0; i < 2 * ((guint64)mask + 1); i++) {
    run = slots[i & mask].n ? run + 1 : 0;
    if (run > 256) return TRUE;
  }
  return FALSE;
}

#define OPEN_TABLE_DEFINE_TAGGED(P, Table, Ctx, FIRST)                                  \
  static inline gboolean                                                                \
  P##_used(const OpenTagSlot *s)                                                        \
  {                                                                                     \
    return s->n != 0;                                                                   \
  }                                                                                     \
                                                                                        \
  static inline void                                                                    \
  P##_vacate(OpenTagSlot *s)                                                            \
  {                                                                                     \
    s->n = 0;                                                                           \
  }                                                                                     \
                                                                                        \
  /* The home's low byte is the tag (all of the home in a table of at most \
   * 256 slots); the distance back to it is what the low bytes give. */    \
  static inline guint32                                                                 \
  P##_home(const Table *t, Ctx ctx, guint32 j)                                          \
  {                                                                                     \
    if (G_UNLIKELY(t->far)) return P##_hash(ctx, &t->slots[j]) & t->mask;               \
    guint32 distance = (j - t->slots[j].tag) & (t->mask & 255);                         \
    return (j - distance) & t->mask;                                                    \
  }                                                                                     \
                                                                                        \
  OPEN_TABLE_DEFINE_HOMED(P, Table, OpenTagSlot, Ctx, FIRST)                            \
                                                                                        \
  static inline void                                                                    \
  P##_make_room(Table *t, Ctx ctx, guint64 n)                                           \
  {                                                                                     \
    guint32 size = P##_size(t);                                                         \
    P##_reserve(t, ctx, n);                                                             \
    if (P##_size(t) != size) t->far = open_tag_long_run(t->slots, t->mask);             \
  }                                                                                     \
                                                                                        \
  static inline OpenTagSlot *                                                           \
  P##_add(Table *t, Ctx ctx, guint32 h, guint32 n)                                      \
  {                                                                                     \
    P##_make_room(t, ctx, (guint64)t->used + 1);                                        \
    OpenTagSlot s = { .n = n, .tag = (guint8)h };                                       \
    OpenTagSlot *at = P##_put_hashed(t, h, &s);                                         \
    if ((((guint32)(at - t->slots) - h) & t->mask) > 255) t->far = TRUE;                \
    t->used++;                                                                          \
    return at;                                                                          \
  }                                                                                     \
                                                                                        \
  static inline void                                                                    \
  P##_remove(Table *t, Ctx ctx, OpenTagSlot *s)                                         \
  {                                                                                     \
    P##_delete(t, ctx, s);                                                              \
    if (--t->used == 0) t->far = FALSE;                                                 \
  }                                                                                     \
                                                                                        \
  static inline void                                                                    \
  P##_release(Table *t)                                                                 \
  {                                                                                     \
    P##_free(t);                                                                        \
    t->used = 0;                                                                        \
    t->far = FALSE;                                                                     \
  }

/* The next slot of a tagged index, from slot *i on, whose tag is h's,
 * with *i then past it; NULL at the first empty slot.  A lookup of hash
 * h starts at h's home (h & mask) and compares the keys these name. */
static inline OpenTagSlot *
open_tag_next(OpenTagSlot *slots, guint32 mask, guint32 h, guint32 *i)
{
  for (guint32 j = *i; slots[j].n; j = (j + 1) & mask) {
    if (slots[j].tag != (guint8)h) continue;
    *i = (j + 1) & mask;
    return &slots[j];
  }
  return NULL;
}

/* A lookup in a tagged index: the slot from h's home on whose tag is h's
 * and for which MATCH(ctx, slot, h, key) holds, or NULL. */
#define OPEN_TABLE_DEFINE_TAGGED_FIND(P, NAME, Table, Ctx, Key, MATCH)                  \
  static inline OpenTagSlot *                                                           \
  NAME(const Table *t, Ctx ctx, guint32 h, Key key)                                     \
  {                                                                                     \
    OpenTagSlot *s;                                                                     \
    for (guint32 i = h & t->mask; (s = open_tag_next(t->slots, t->mask, h, &i));)      \
      if (MATCH(ctx, s, h, key)) return s;                                              \
    return NULL;                                                                        \
  }
