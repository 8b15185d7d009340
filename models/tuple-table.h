/* An open-addressing hash table keyed by a 4-tuple, for a host's demux:
 * its connections (by their 4-tuple) and its listeners (by local address
 * and port, the remote half zero).  The key and its hash sit in the slot
 * beside the value, so a lookup compares slots in one cache line and never
 * calls through a function pointer or dereferences the value; the TIME_WAIT
 * records keep their own, smaller index (timewait.h), where memory per
 * record matters more.
 *
 * Axioms: a used slot has a non-zero `hash` (the key's hash with its top
 * bit set), an empty one 0; at most 3/4 of the slots are used; an entry
 * lies in the run of used slots from its home (hash & mask) onward, with
 * no empty slot between; deletion shifts later entries back (Knuth's
 * algorithm R, open-table.h) from their stored hashes: no tombstones.
 * Iteration follows the slots, which depend on the keys only: the order
 * is fixed for a given history, never on addresses, but it is no order to
 * show a user (sort first). */
#pragma once
#include "open-table.h"
#include "tcp-stack.h"

typedef struct {
  guint32  hash;             /* 0: empty */
  TcpTuple key;
  gpointer value;
} TcpTupleSlot;

typedef struct {
  TcpTupleSlot *slots;       /* mask + 1 of them, or NULL */
  guint32       mask;
  guint32       count;
} TcpTupleTable;

void
tcp_tuple_table_init(TcpTupleTable *t);
void
tcp_tuple_table_clear(TcpTupleTable *t);

/* The mix of a 4-tuple that the table and the TIME_WAIT index use: a
 * fixed function of the addresses and ports (no pointers, no per-process
 * seed), so that the probing order is the same in every run. */
static inline guint32
tcp_tuple_mix(const TcpTuple *t)
{
  guint64 x = ((guint64)t->laddr << 32 | t->raddr) * UINT64_C(0x9e3779b97f4a7c15);
  x ^= ((guint64)t->lport << 16 | t->rport) * UINT64_C(0xc2b2ae3d27d4eb4f);
  x ^= x >> 29;
  x *= UINT64_C(0xbf58476d1ce4e5b9);
  return (guint32)(x ^ (x >> 32));
}

static inline gboolean
tcp_tuple_same(const TcpTuple *a, const TcpTuple *b)
{
  return a->laddr == b->laddr && a->raddr == b->raddr && a->lport == b->lport &&
         a->rport == b->rport;
}

/* The table's slots (open-table.h): the hash is stored, so growth and
 * deletion never hash a key again. */
static inline gboolean
tuple_slots_used(const TcpTupleSlot *s)
{
  return s->hash != 0;
}

static inline void
tuple_slots_vacate(TcpTupleSlot *s)
{
  s->hash = 0;
}

static inline guint32
tuple_slots_hash(gconstpointer ctx, const TcpTupleSlot *s)
{
  (void)ctx;
  return s->hash;
}

static inline gboolean
tuple_slots_match(gconstpointer ctx, const TcpTupleSlot *s, guint32 h, const TcpTuple *key)
{
  (void)ctx;
  return s->hash == h && tcp_tuple_same(&s->key, key);
}

OPEN_TABLE_DEFINE(tuple_slots, TcpTupleTable, TcpTupleSlot, gconstpointer, 4)
OPEN_TABLE_DEFINE_FIND(tuple_slots, tuple_slots_find, TcpTupleTable, TcpTupleSlot,
                       gconstpointer, const TcpTuple *, tuple_slots_match)

/* The hash a slot stores for a key of mix `mix` (tcp_tuple_mix): the mix
 * with its top bit set, never 0. */
static inline guint32
tcp_tuple_table_hash_of_mix(guint32 mix)
{
  return mix | 0x80000000u;
}

/* The value stored under `key`, whose mix (tcp_tuple_mix) the caller
 * has, or NULL: a segment's 4-tuple is mixed once for every table it is
 * looked up in (the connections, the TIME_WAIT index) and inserted in. */
static inline gpointer
tcp_tuple_table_lookup_mixed(const TcpTupleTable *t, const TcpTuple *key, guint32 mix)
{
  if (t->count == 0) return NULL;
  const TcpTupleSlot *s = tuple_slots_find(t, NULL, tcp_tuple_table_hash_of_mix(mix), key);
  return s ? s->value : NULL;
}

/* The value stored under `key`, or NULL. */
static inline gpointer
tcp_tuple_table_lookup(const TcpTupleTable *t, const TcpTuple *key)
{
  if (t->count == 0) return NULL;
  return tcp_tuple_table_lookup_mixed(t, key, tcp_tuple_mix(key));
}

/* Stores `value` (not NULL) under `key`, which must not be in the table;
 * `mix` is tcp_tuple_mix(key). */
void
tcp_tuple_table_insert_mixed(TcpTupleTable *t, const TcpTuple *key, guint32 mix,
                             gpointer value);

/* The same, mixing key itself. */
static inline void
tcp_tuple_table_insert(TcpTupleTable *t, const TcpTuple *key, gpointer value)
{
  tcp_tuple_table_insert_mixed(t, key, tcp_tuple_mix(key), value);
}

/* Removes `key`; FALSE if it was not there. */
gboolean
tcp_tuple_table_remove(TcpTupleTable *t, const TcpTuple *key);

/* Iteration: the value of the first used slot at *pos or after it, *pos
 * then past it; NULL at the end.  Start with *pos = 0; the table must not
 * change meanwhile. */
gpointer
tcp_tuple_table_next(const TcpTupleTable *t, guint32 *pos, const TcpTuple **key);
