/* Connection numbering (see conns.h). */
#include "conns.h"
#include "timewait.h"

/* The hash table finds a connection by its ends in either order; the array
 * holds them in numbering order (nothing iterates the hash table). */
struct SimConnIndex {
  GHashTable *by_ends;     /* TcpTuple* (its two ends sorted, so both ends find
                            * it; hashed as the models hash a 4-tuple) -> SimConnEnds* */
  GPtrArray  *conns;       /* SimConnEnds*, numbering order; owned */
};

SimConnIndex *
sim_conn_index_new(void)
{
  SimConnIndex *index = g_new0(SimConnIndex, 1);
  index->by_ends = g_hash_table_new_full(tcp_tuple_hash, tcp_tuple_equal, g_free, NULL);
  index->conns = g_ptr_array_new_with_free_func(g_free);
  return index;
}

void
sim_conn_index_free(SimConnIndex *index)
{
  if (index == NULL) return;
  g_hash_table_destroy(index->by_ends);
  g_ptr_array_free(index->conns, TRUE);
  g_free(index);
}

const SimConnEnds *
sim_conn_index_find(SimConnIndex *index, NetAddr a, guint16 ap, NetAddr b, guint16 bp,
                    gboolean create, int *side)
{
  gboolean swap = a > b || (a == b && ap > bp);
  TcpTuple key = { .laddr = swap ? b : a, .raddr = swap ? a : b,
                   .lport = swap ? bp : ap, .rport = swap ? ap : bp };
  SimConnEnds *c = g_hash_table_lookup(index->by_ends, &key);
  if (c == NULL) {
    if (!create) return NULL;
    c = g_new0(SimConnEnds, 1);
    c->number = index->conns->len + 1;
    c->addr[0] = a; c->port[0] = ap;
    c->addr[1] = b; c->port[1] = bp;
    g_ptr_array_add(index->conns, c);
    g_hash_table_insert(index->by_ends, g_memdup2(&key, sizeof key), c);
  }
  if (side) *side = (c->addr[0] == a && c->port[0] == ap) ? 0 : 1;
  return c;
}

const SimConnEnds *
sim_conn_index_get(const SimConnIndex *index, guint number)
{
  if (number == 0 || number > index->conns->len) return NULL;
  return g_ptr_array_index(index->conns, number - 1);
}

guint
sim_conn_index_count(const SimConnIndex *index)
{
  return index->conns->len;
}
