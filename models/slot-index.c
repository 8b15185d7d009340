/* The record-number index (see slot-index.h). */
#include "slot-index.h"

static inline guint32
numbers_hash(const SlotIndex *x, const guint32 *slot)
{
  return x->hash(x->owner, *slot);
}

static inline gboolean
numbers_match(const SlotIndex *x, const guint32 *slot, guint32 h, guint32 v)
{
  (void)x;
  (void)h;
  return *slot == v;
}

OPEN_TABLE_DEFINE_NUMBERS(numbers, SlotIndex, const SlotIndex *, 16)
OPEN_TABLE_DEFINE_FIND(numbers, numbers_find, SlotIndex, guint32, const SlotIndex *, guint32,
                       numbers_match)

void
slot_index_init(SlotIndex *x, SlotHashFn hash, gconstpointer owner)
{
  x->slots = NULL;
  x->mask = 0;
  x->hash = hash;
  x->owner = owner;
}

void
slot_index_clear(SlotIndex *x)
{
  numbers_free(x);
}

void
slot_index_put(SlotIndex *x, guint32 v)
{
  numbers_put(x, x, &v);
}

void
slot_index_reserve(SlotIndex *x, guint64 count)
{
  numbers_reserve(x, x, count);
}

void
slot_index_remove(SlotIndex *x, guint32 v)
{
  guint32 *slot = numbers_find(x, x, x->hash(x->owner, v), v);
  g_assert(slot != NULL);
  numbers_delete(x, x, slot);
}
