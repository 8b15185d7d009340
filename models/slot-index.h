/* An open-addressing, linear-probing hash index of record numbers, for the
 * tables that keep compact records in slabs and name them by a 32-bit
 * number (the TIME_WAIT table, timewait.h; the conntrack table,
 * conntrack.h).  The index stores the numbers (never 0: 0 is an empty
 * slot), 4 bytes a slot; its owner hashes a number by the key of the
 * record it names, and looks keys up itself by walking the slots from the
 * key's home (slot_index_home) to the first empty one.
 *
 * Axioms: at most 3/4 of the slots are used (slot_index_reserve grows the
 * index before an insertion would pass that); a number is in the cluster
 * that starts at or before its home and runs to it without an empty slot;
 * deletion shifts later entries of the cluster back (Knuth's algorithm R),
 * so there are no tombstones and a lookup never meets a hole. */
#pragma once
#include <glib.h>

/* The hash of record number v, by its record's key. */
typedef guint32 (*SlotHashFn)(gconstpointer owner, guint32 v);

typedef struct {
  guint32      *slots;
  guint32       n_slots;   /* a power of two, or 0 */
  SlotHashFn    hash;
  gconstpointer owner;     /* passed to hash; must not move while the index lives */
} SlotIndex;

void
slot_index_init(SlotIndex *x, SlotHashFn hash, gconstpointer owner);
void
slot_index_clear(SlotIndex *x);

/* Grows the index if `count` numbers would fill more than 3/4 of it. */
void
slot_index_reserve(SlotIndex *x, guint64 count);

/* Adds v (not in the index yet). */
void
slot_index_put(SlotIndex *x, guint32 v);

/* Removes v (which is in the index). */
void
slot_index_remove(SlotIndex *x, guint32 v);

/* Knuth's algorithm R, for every open-addressing table of the models
 * (this index, tuple-table.c, ports.c, timewait.c): once slot i is
 * emptied, the entry at j, later in the same run of used slots, must stay
 * where it is if its home lies cyclically in (i, j]; else it moves to i. */
static inline gboolean
slot_stays(guint32 i, guint32 j, guint32 home)
{
  return i <= j ? (home > i && home <= j) : (home > i || home <= j);
}

/* The slot where a key of hash `h` would be found first (n_slots > 0). */
static inline guint32
slot_index_home(const SlotIndex *x, guint32 h)
{
  return h & (x->n_slots - 1);
}
