/* The record-number index (see slot-index.h). */
#include "slot-index.h"

static inline guint32
numbers_hash(const SlotIndex *x, const OpenTagSlot *slot)
{
  return x->hash(x->owner, slot->n);
}

static inline gboolean
numbers_match(const SlotIndex *x, const OpenTagSlot *slot, guint32 h, guint32 v)
{
  (void)x;
  (void)h;
  return slot->n == v;
}

OPEN_TABLE_DEFINE_TAGGED(numbers, SlotIndex, const SlotIndex *, 16)
OPEN_TABLE_DEFINE_TAGGED_FIND(numbers, numbers_find, SlotIndex, const SlotIndex *, guint32,
                              numbers_match)

void
slot_index_init(SlotIndex *x, SlotHashFn hash, gconstpointer owner)
{
  *x = (SlotIndex){ .hash = hash, .owner = owner };
}

void
slot_index_clear(SlotIndex *x)
{
  numbers_release(x);
}

void
slot_index_put(SlotIndex *x, guint32 v)
{
  numbers_add(x, x, x->hash(x->owner, v), v);
}

void
slot_index_reserve(SlotIndex *x, guint64 count)
{
  numbers_make_room(x, x, count);
}

void
slot_index_remove(SlotIndex *x, guint32 v)
{
  OpenTagSlot *slot = numbers_find(x, x, x->hash(x->owner, v), v);
  g_assert(slot != NULL);
  numbers_remove(x, x, slot);
}
