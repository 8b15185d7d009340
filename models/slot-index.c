/* The record-number index (see slot-index.h). */
#include "slot-index.h"

void
slot_index_init(SlotIndex *x, SlotHashFn hash, gconstpointer owner)
{
  x->slots = NULL;
  x->n_slots = 0;
  x->hash = hash;
  x->owner = owner;
}

void
slot_index_clear(SlotIndex *x)
{
  g_free(x->slots);
  x->slots = NULL;
  x->n_slots = 0;
}

void
slot_index_put(SlotIndex *x, guint32 v)
{
  guint32 mask = x->n_slots - 1;
  guint32 i = slot_index_home(x, x->hash(x->owner, v));
  while (x->slots[i]) i = (i + 1) & mask;
  x->slots[i] = v;
}

void
slot_index_reserve(SlotIndex *x, guint64 count)
{
  if (count * 4 <= (guint64)x->n_slots * 3) return;
  guint32 *old = x->slots, n_old = x->n_slots;
  x->n_slots = n_old ? n_old * 2 : 16;
  x->slots = g_new0(guint32, x->n_slots);
  for (guint32 i = 0; i < n_old; i++)
    if (old[i]) slot_index_put(x, old[i]);
  g_free(old);
}

void
slot_index_remove(SlotIndex *x, guint32 v)
{
  guint32 mask = x->n_slots - 1;
  guint32 i = slot_index_home(x, x->hash(x->owner, v));
  while (x->slots[i] != v) {
    g_assert(x->slots[i] != 0);
    i = (i + 1) & mask;
  }
  for (guint32 j = (i + 1) & mask; x->slots[j]; j = (j + 1) & mask) {
    guint32 home = slot_index_home(x, x->hash(x->owner, x->slots[j]));
    if (slot_stays(i, j, home)) continue;
    x->slots[i] = x->slots[j];
    i = j;
  }
  x->slots[i] = 0;
}
