/* A tagged index of record numbers (open-table.h), for the tables that
 * keep compact records in slabs and name them by a 32-bit number (the
 * conntrack table, conntrack.h).  The index stores the numbers (never 0:
 * 0 is an empty slot) with the low byte of each key's hash, 5 bytes a
 * slot; its owner hashes a number by the key of the record it names, and
 * looks keys up itself with slot_index_next().  The TIME_WAIT table keeps
 * an index of the same kind with its hash inlined (timewait.c).
 *
 * Axioms: those of open-table.h and of its tagged indexes: at most 3/4 of
 * the slots are used; a number is in the run that starts at or before its
 * home and runs to it without an empty slot; deletion shifts later
 * entries of the run back (Knuth's algorithm R), so there are no
 * tombstones and a lookup never meets a hole; unless `far`, a number lies
 * less than 256 slots past its home. */
#pragma once
#include "open-table.h"

/* The hash of record number v, by its record's key. */
typedef guint32 (*SlotHashFn)(gconstpointer owner, guint32 v);

typedef struct {
  OpenTagSlot  *slots;     /* mask + 1 of them, or NULL */
  guint32       mask;
  gboolean      far;
  guint32       used;
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

/* The numbers whose key may have hash h, one a call: those with h's tag
 * in the run from h's home, the next from slot *i on, *i then past it;
 * 0 after the last.  Start with *i = slot_index_home(x, h).  The caller
 * compares the keys: 1 in 256 of the others shares the tag. */
static inline guint32
slot_index_next(const SlotIndex *x, guint32 h, guint32 *i)
{
  const OpenTagSlot *s = open_tag_next(x->slots, x->mask, h, i);
  return s ? s->n : 0;
}
