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
 * algorithm R) from their stored hashes, so there are no tombstones.
 * Iteration follows the slots, which depend on the keys only: the order
 * is fixed for a given history, never on addresses, but it is no order to
 * show a user (sort first). */
#pragma once
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

/* The value stored under `key`, or NULL. */
static inline gpointer
tcp_tuple_table_lookup(const TcpTupleTable *t, const TcpTuple *key)
{
  if (t->count == 0) return NULL;
  guint32 h = tcp_tuple_mix(key) | 0x80000000u;
  for (guint32 i = h & t->mask; t->slots[i].hash; i = (i + 1) & t->mask) {
    const TcpTupleSlot *s = &t->slots[i];
    if (s->hash == h && tcp_tuple_same(&s->key, key)) return s->value;
  }
  return NULL;
}

/* Stores `value` (not NULL) under `key`, which must not be in the table. */
void
tcp_tuple_table_insert(TcpTupleTable *t, const TcpTuple *key, gpointer value);

/* Removes `key`; FALSE if it was not there. */
gboolean
tcp_tuple_table_remove(TcpTupleTable *t, const TcpTuple *key);

/* Iteration: the value of the first used slot at *pos or after it, *pos
 * then past it; NULL at the end.  Start with *pos = 0; the table must not
 * change meanwhile. */
gpointer
tcp_tuple_table_next(const TcpTupleTable *t, guint32 *pos, const TcpTuple **key);
