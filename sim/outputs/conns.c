/* Connection numbering (see conns.h). */
#include "conns.h"
#include "nat.h"

/* The hash table finds a connection by its ends in either order; the array
 * holds them in numbering order (nothing iterates the hash table).  The
 * far side of a NAT'd connection is found under its own ends too, as an
 * alias: a SimConnEnds with the connection's number and the ends as that
 * side sees them, in the connection's order. */
struct SimConnIndex {
  GHashTable *by_ends;     /* SimConnEnds* (key and value, ends sorted) */
  GPtrArray  *conns;       /* SimConnEnds*, numbering order; owned */
  GPtrArray  *aliases;     /* SimConnEnds*, far sides of NAT'd connections; owned */
  GPtrArray  *beyond;      /* SimConnEnds* (an alias or NULL), at number - 1 */
};

/* The key: the two ends in a fixed order, so both ends find it. */
typedef struct {
  NetAddr addr[2];
  guint16 port[2];
} EndsKey;

static guint
key_hash(gconstpointer p)
{
  const EndsKey *k = p;
  return (k->addr[0] * 31u + k->addr[1]) * 65599u + ((guint)k->port[0] << 16 | k->port[1]);
}

static gboolean
key_equal(gconstpointer a, gconstpointer b)
{
  const EndsKey *x = a, *y = b;
  return x->addr[0] == y->addr[0] && x->addr[1] == y->addr[1] &&
         x->port[0] == y->port[0] && x->port[1] == y->port[1];
}

SimConnIndex *
sim_conn_index_new(void)
{
  SimConnIndex *index = g_new0(SimConnIndex, 1);
  index->by_ends = g_hash_table_new_full(key_hash, key_equal, g_free, NULL);
  index->conns = g_ptr_array_new_with_free_func(g_free);
  index->aliases = g_ptr_array_new_with_free_func(g_free);
  index->beyond = g_ptr_array_new();
  return index;
}

void
sim_conn_index_free(SimConnIndex *index)
{
  if (index == NULL) return;
  g_hash_table_destroy(index->by_ends);
  g_ptr_array_free(index->conns, TRUE);
  g_ptr_array_free(index->aliases, TRUE);
  g_ptr_array_free(index->beyond, TRUE);
  g_free(index);
}

const SimConnEnds *
sim_conn_index_find(SimConnIndex *index, NetAddr a, guint16 ap, NetAddr b, guint16 bp,
                    gboolean create, int *side)
{
  gboolean swap = a > b || (a == b && ap > bp);
  EndsKey key = { { swap ? b : a, swap ? a : b }, { swap ? bp : ap, swap ? ap : bp } };
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

/* ---- the two sides of a NAT ----------------------------------------------- */

static gboolean
is_end(const SimConnEnds *c, int k, NetAddr addr, guint16 port)
{
  return c->addr[k] == addr && c->port[k] == port;
}

/* Files (a, ap) <-> (b, bp) under connection c, as its far side beyond a
 * NAT whose entry has tuples orig and reply; the alias, owned by the
 * index, or NULL if it was so filed already. */
static const SimConnEnds *
join(SimConnIndex *index, const SimConnEnds *c, const CtTuple *orig, const CtTuple *reply,
     NetAddr a, guint16 ap, NetAddr b, guint16 bp)
{
  const SimConnEnds *old = sim_conn_index_find(index, a, ap, b, bp, FALSE, NULL);
  if (old && old->number == c->number) return NULL;
  /* Its key, as sim_conn_index_find makes it (ends in a fixed order). */
  gboolean swap = a > b || (a == b && ap > bp);
  EndsKey key = { { swap ? b : a, swap ? a : b }, { swap ? bp : ap, swap ? ap : bp } };
  SimConnEnds *alias = g_new0(SimConnEnds, 1);
  alias->number = c->number;
  /* The originator's end is reply->dst beyond the NAT, the far end reply->src. */
  for (int k = 0; k < 2; k++) {
    gboolean originator = is_end(c, k, orig->src, orig->sport);
    alias->addr[k] = originator ? reply->dst : reply->src;
    alias->port[k] = originator ? reply->dport : reply->sport;
  }
  g_ptr_array_add(index->aliases, alias);
  if (index->beyond->len < c->number) g_ptr_array_set_size(index->beyond, c->number);
  g_ptr_array_index(index->beyond, c->number - 1) = alias;
  g_hash_table_replace(index->by_ends, g_memdup2(&key, sizeof key), alias);
  return alias;
}

const SimConnEnds *
sim_conn_index_find_joined(SimConnIndex *index, NetWorld *net, NetAddr a, guint16 ap,
                           NetAddr b, guint16 bp, gboolean fresh, const NetNode **via,
                           const SimConnEnds **beyond, int *side)
{
  *via = NULL;
  const SimConnEnds *c = sim_conn_index_find(index, a, ap, b, bp, FALSE, side);
  if ((c && !fresh) || net == NULL) return sim_conn_index_find(index, a, ap, b, bp, TRUE, side);
  CtTuple seen = { a, b, ap, bp }, orig, reply;
  const NetNode *router;
  if (!nat_world_find_flow(net, &seen, &orig, &reply, &router))
    return sim_conn_index_find(index, a, ap, b, bp, TRUE, side);
  gboolean inside = (a == orig.src && ap == orig.sport && b == orig.dst && bp == orig.dport) ||
                    (b == orig.src && bp == orig.sport && a == orig.dst && ap == orig.dport);
  const SimConnEnds *conn = sim_conn_index_find(index, orig.src, orig.sport, orig.dst,
                                                orig.dport, TRUE, NULL);
  if (!inside) {
    const SimConnEnds *alias = join(index, conn, &orig, &reply, a, ap, b, bp);
    if (alias) {
      *via = router;
      *beyond = alias;
    }
  }
  return sim_conn_index_find(index, a, ap, b, bp, TRUE, side);
}

const SimConnEnds *
sim_conn_index_beyond(const SimConnIndex *index, guint number)
{
  if (number == 0 || number > index->beyond->len) return NULL;
  return g_ptr_array_index(index->beyond, number - 1);
}
