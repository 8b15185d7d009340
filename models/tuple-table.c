/* The 4-tuple table (see tuple-table.h). */
#include "tuple-table.h"
#include "slot-index.h"

void
tcp_tuple_table_init(TcpTupleTable *t)
{
  t->slots = NULL;
  t->mask = 0;
  t->count = 0;
}

void
tcp_tuple_table_clear(TcpTupleTable *t)
{
  g_free(t->slots);
  tcp_tuple_table_init(t);
}

static void
slot_put(TcpTupleTable *t, const TcpTupleSlot *s)
{
  guint32 i = s->hash & t->mask;
  while (t->slots[i].hash) i = (i + 1) & t->mask;
  t->slots[i] = *s;
}

/* Doubles the slots (4 at first: most hosts of a large network hold a
 * socket or two, and a host's tables are touched by every segment it
 * gets), re-placing every entry from its stored hash. */
static void
table_grow(TcpTupleTable *t)
{
  TcpTupleSlot *old = t->slots;
  guint32 n_old = old ? t->mask + 1 : 0;
  guint32 n = n_old ? n_old * 2 : 4;
  t->slots = g_new0(TcpTupleSlot, n);
  t->mask = n - 1;
  for (guint32 i = 0; i < n_old; i++)
    if (old[i].hash) slot_put(t, &old[i]);
  g_free(old);
}

void
tcp_tuple_table_insert(TcpTupleTable *t, const TcpTuple *key, gpointer value)
{
  g_assert(value != NULL);
  if (t->slots == NULL || (guint64)(t->count + 1) * 4 > (guint64)(t->mask + 1) * 3)
    table_grow(t);
  TcpTupleSlot s = { .hash = tcp_tuple_mix(key) | 0x80000000u, .key = *key, .value = value };
  slot_put(t, &s);
  t->count++;
}

gboolean
tcp_tuple_table_remove(TcpTupleTable *t, const TcpTuple *key)
{
  if (t->count == 0) return FALSE;
  guint32 h = tcp_tuple_mix(key) | 0x80000000u, mask = t->mask;
  guint32 i = h & mask;
  for (;; i = (i + 1) & mask) {
    if (t->slots[i].hash == 0) return FALSE;
    if (t->slots[i].hash == h && tcp_tuple_same(&t->slots[i].key, key)) break;
  }
  for (guint32 j = (i + 1) & mask; t->slots[j].hash; j = (j + 1) & mask) {
    guint32 home = t->slots[j].hash & mask;
    if (slot_stays(i, j, home)) continue;
    t->slots[i] = t->slots[j];
    i = j;
  }
  t->slots[i].hash = 0;
  t->count--;
  return TRUE;
}

gpointer
tcp_tuple_table_next(const TcpTupleTable *t, guint32 *pos, const TcpTuple **key)
{
  if (t->slots == NULL) return NULL;
  for (; *pos <= t->mask; (*pos)++) {
    const TcpTupleSlot *s = &t->slots[*pos];
    if (s->hash == 0) continue;
    (*pos)++;
    if (key) *key = &s->key;
    return s->value;
  }
  return NULL;
}
