/* An open-addressing, linear-probing hash index of record numbers
 * (open-table.h), for the tables that keep compact records in slabs and
 * name them by a 32-bit number (the conntrack table, conntrack.h).  The
 * index stores the numbers (never 0: 0 is an empty slot), 4 bytes a slot;
 * its owner hashes a number by the key of the record it names, and looks
 * keys up itself by walking the slots from the key's home
 * (slot_index_home) to the first empty one.  The TIME_WAIT table keeps an
 * index of the same shape with its hash inlined (timewait.c).
 *
 * Axioms: those of open-table.h: at most 3/4 of the slots are used
 * (slot_index_reserve grows the index before an insertion would pass
 * that); a number is in the cluster that starts at or before its home and
 * runs to it without an empty slot; deletion shifts later entries of the
 * cluster back (Knuth's algorithm R), so there are no tombstones and a
 * lookup never meets a hole. */
#pragma once
#include "open-table.h"

/* The hash of record number v, by its record's key. */
typedef guint32 (*SlotHashFn)(gconstpointer owner, guint32 v);

typedef struct {
  guint32      *slots;     /* mask + 1 of them, or NULL */
  guint32       mask;
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

/* The slot where a key of hash `h` would be found first (slots != NULL). */
static inline guint32
slot_index_home(const SlotIndex *x, guint32 h)
{
  return h & x->mask;
}
