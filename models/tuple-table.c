/* The 4-tuple table (see tuple-table.h). */
#include "tuple-table.h"

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
  tuple_slots_free(t);
  tcp_tuple_table_init(t);
}

void
tcp_tuple_table_insert_mixed(TcpTupleTable *t, const TcpTuple *key, guint32 mix,
                             gpointer value)
{
  g_assert(value != NULL);
#ifdef TWSIM_INVARIANTS
  g_assert(mix == tcp_tuple_mix(key));     /* a mix of another tuple would hide the entry */
#endif
  /* 4 slots at first: most hosts of a large network hold a socket or two,
   * and a host's tables are touched by every segment it gets. */
  tuple_slots_reserve(t, NULL, (guint64)t->count + 1);
  TcpTupleSlot s = { .hash = tcp_tuple_table_hash_of_mix(mix), .key = *key, .value = value };
  tuple_slots_put_hashed(t, s.hash, &s);
  t->count++;
}

gboolean
tcp_tuple_table_remove(TcpTupleTable *t, const TcpTuple *key)
{
  if (t->count == 0) return FALSE;
  guint32 hash = tcp_tuple_table_hash_of_mix(tcp_tuple_mix(key));
  TcpTupleSlot *s = tuple_slots_find(t, NULL, hash, key);
  if (s == NULL) return FALSE;
  tuple_slots_delete(t, NULL, s);
  t->count--;
  return TRUE;
}

gpointer
tcp_tuple_table_next(const TcpTupleTable *t, guint32 *pos, const TcpTuple **key)
{
  const TcpTupleSlot *s = tuple_slots_next(t, pos);
  if (s == NULL) return NULL;
  if (key) *key = &s->key;
  return s->value;
}
