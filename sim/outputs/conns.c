/* Connection numbering (see conns.h). */
#include "conns.h"
#include "nat.h"
#include "tuple-table.h"

/* The two ends in a fixed order (the lower address and port as laddr,
 * lport), so that both ends find the same entry; hashed as the models
 * hash a 4-tuple (tuple-table.h). */
typedef TcpTuple EndsKey;

/* One connection: what is handed out, and what tells its next one apart.
 * Every connection of the run keeps one (about 40 bytes), so it is packed. */
typedef struct {
  SimConnEnds ends;          /* first: find and get hand out &ends */
  EndsKey     key;           /* by_ends' key while it is the tuple's current one */
  guint8      opened;        /* bit `side`: that end has left CLOSED or LISTEN */
  guint8      have_isn;      /* bit `side`: isn[side] is known */
  guint32     isn[2];        /* of the end's SYN without ACK */
} Conn;

/* The far side of a NAT'd connection: its number and its ends as they are
 * addressed beyond the router, in the connection's order. */
typedef struct {
  SimConnEnds    ends;       /* first, as in Conn */
  EndsKey        key;        /* by_ends' key while the tuple is joined to it */
  const NetNode *via;        /* the router */
} Alias;

/* Invariants: by_ends maps each 4-tuple seen to its latest connection, by
 * the ends of that connection's Conn or, for a far side, of its Alias (a
 * value's number finds its Conn in conns); conns holds every connection at
 * number - 1 (nothing iterates the hash table, so its order reaches no
 * output); beyond[number - 1] is the Alias joined to it last, or NULL. */
struct SimConnIndex {
  GHashTable *by_ends;       /* EndsKey* (inside the Conn or Alias) -> SimConnEnds* */
  GPtrArray  *conns;         /* Conn*, numbering order; owned */
  GPtrArray  *aliases;       /* Alias*, in the order joined; owned */
  GPtrArray  *beyond;        /* Alias* or NULL, at number - 1 (up to the last joined) */
  const SimRunView *view;    /* borrowed, may be NULL: its net's NATs are joined */
  NetWorld   *net;           /* the network `routers` was gathered from */
  GPtrArray  *routers;       /* NetNode*: the routers among net's first nodes_seen */
  guint       nodes_seen;
};

static guint
key_hash(gconstpointer p)
{
  return tcp_tuple_mix(p);
}

static gboolean
key_equal(gconstpointer a, gconstpointer b)
{
  return tcp_tuple_same(a, b);
}

static EndsKey
key_of(NetAddr a, guint16 ap, NetAddr b, guint16 bp)
{
  gboolean swap = a > b || (a == b && ap > bp);
  return (EndsKey){ .laddr = swap ? b : a, .raddr = swap ? a : b,
                    .lport = swap ? bp : ap, .rport = swap ? ap : bp };
}

SimConnIndex *
sim_conn_index_new(const SimRunView *view)
{
  SimConnIndex *index = g_rc_box_new0(SimConnIndex);
  index->by_ends = g_hash_table_new(key_hash, key_equal);
  index->conns = g_ptr_array_new_with_free_func(g_free);
  index->aliases = g_ptr_array_new_with_free_func(g_free);
  index->beyond = g_ptr_array_new();
  index->view = view;
  index->routers = g_ptr_array_new();
  return index;
}

SimConnIndex *
sim_conn_index_ref(SimConnIndex *index)
{
  return g_rc_box_acquire(index);
}

static void
index_clear(gpointer data)
{
  SimConnIndex *index = data;
  g_hash_table_destroy(index->by_ends);
  g_ptr_array_free(index->conns, TRUE);
  g_ptr_array_free(index->aliases, TRUE);
  g_ptr_array_free(index->beyond, TRUE);
  g_ptr_array_free(index->routers, TRUE);
}

void
sim_conn_index_unref(SimConnIndex *index)
{
  if (index) g_rc_box_release_full(index, index_clear);
}

/* A new connection between (a, ap), its end 0, and (b, bp); it becomes the
 * 4-tuple's current one. */
static Conn *
conn_add(SimConnIndex *index, NetAddr a, guint16 ap, NetAddr b, guint16 bp)
{
  Conn *c = g_new0(Conn, 1);
  c->ends.number = index->conns->len + 1;
  c->ends.addr[0] = a; c->ends.port[0] = ap;
  c->ends.addr[1] = b; c->ends.port[1] = bp;
  c->key = key_of(a, ap, b, bp);
  g_ptr_array_add(index->conns, c);
  g_hash_table_replace(index->by_ends, &c->key, c);
  return c;
}

/* The current entry of a 4-tuple: the ends of its connection as that side
 * addresses them (a Conn's, or an Alias's beyond a NAT), or NULL. */
static const SimConnEnds *
entry_current(SimConnIndex *index, NetAddr a, guint16 ap, NetAddr b, guint16 bp)
{
  EndsKey key = key_of(a, ap, b, bp);
  return g_hash_table_lookup(index->by_ends, &key);
}

static Conn *
conn_of(SimConnIndex *index, const SimConnEnds *e)
{
  return g_ptr_array_index(index->conns, e->number - 1);
}

static int
entry_side(const SimConnEnds *e, NetAddr a, guint16 ap)
{
  return e->addr[0] == a && e->port[0] == ap ? 0 : 1;
}

/* ---- the two sides of a NAT ----------------------------------------------- */

/* The run's network if one of its routers has a NAT, else NULL: a run
 * without one makes no conntrack lookups.  The routers are gathered as
 * nodes are added (a router may get its NAT at any time). */
static NetWorld *
nat_net(SimConnIndex *index)
{
  NetWorld *net = index->view ? index->view->net : NULL;
  if (net == NULL) return NULL;
  if (net != index->net) {
    index->net = net;
    index->nodes_seen = 0;
    g_ptr_array_set_size(index->routers, 0);
  }
  for (; index->nodes_seen < net->nodes->len; index->nodes_seen++) {
    NetNode *node = g_ptr_array_index(net->nodes, index->nodes_seen);
    if (node->kind == NET_NODE_ROUTER) g_ptr_array_add(index->routers, node);
  }
  for (guint i = 0; i < index->routers->len; i++)
    if (((NetNode *)g_ptr_array_index(index->routers, i))->nat) return net;
  return NULL;
}

/* Files (a, ap) <-> (b, bp), the far side of the connection whose side
 * `inside` (its entry) a router's conntrack entry with tuples orig and
 * reply translates, as an alias of that connection; the alias. */
static const SimConnEnds *
join(SimConnIndex *index, const SimConnEnds *inside, const CtTuple *orig, const CtTuple *reply,
     const NetNode *router, NetAddr a, guint16 ap, NetAddr b, guint16 bp)
{
  Alias *alias = g_new0(Alias, 1);
  alias->ends.number = inside->number;
  /* The originator's end is reply->dst beyond the NAT, the far end reply->src. */
  for (int k = 0; k < 2; k++) {
    gboolean originator = inside->addr[k] == orig->src && inside->port[k] == orig->sport;
    alias->ends.addr[k] = originator ? reply->dst : reply->src;
    alias->ends.port[k] = originator ? reply->dport : reply->sport;
  }
  alias->key = key_of(a, ap, b, bp);
  alias->via = router;
  g_ptr_array_add(index->aliases, alias);
  if (index->beyond->len < inside->number) g_ptr_array_set_size(index->beyond, inside->number);
  g_ptr_array_index(index->beyond, inside->number - 1) = alias;
  g_hash_table_replace(index->by_ends, &alias->key, alias);
  return &alias->ends;
}

/* The entry of the 4-tuple (a, ap) <-> (b, bp) (NULL if none), after
 * joining it to the connection a NAT translates it for: looked up when the
 * tuple is new, or `fresh` (a SYN, a side's first state), when a NAT may
 * have given a reused outside port to a new connection. */
static const SimConnEnds *
entry_joined(SimConnIndex *index, NetAddr a, guint16 ap, NetAddr b, guint16 bp, gboolean fresh)
{
  const SimConnEnds *e = entry_current(index, a, ap, b, bp);
  if (e && !fresh) return e;
  NetWorld *net = nat_net(index);
  CtTuple seen = { a, b, ap, bp }, orig, reply;
  const NetNode *router;
  if (net == NULL || !nat_world_find_flow(net, &seen, &orig, &reply, &router)) return e;
  gboolean is_orig = (a == orig.src && ap == orig.sport && b == orig.dst && bp == orig.dport) ||
                     (b == orig.src && bp == orig.sport && a == orig.dst && ap == orig.dport);
  if (is_orig) return e;                /* the originator's side: numbered by itself */
  const SimConnEnds *inside = entry_current(index, orig.src, orig.sport, orig.dst, orig.dport);
  if (inside == NULL)
    inside = &conn_add(index, orig.src, orig.sport, orig.dst, orig.dport)->ends;
  if (e && e->number == inside->number) return e;
  return join(index, inside, &orig, &reply, router, a, ap, b, bp);
}

/* ---- noting events -------------------------------------------------------- */

void
sim_conn_index_note_state(SimConnIndex *index, const TcpStateEvent *ev)
{
  const TcpTuple *t = &ev->tuple;
  if (t->rport == 0) return;
  gboolean opens = ev->from == TCP_STATE_CLOSED || ev->from == TCP_STATE_LISTEN;
  gboolean fresh = ev->to == TCP_STATE_SYN_SENT || ev->to == TCP_STATE_SYN_RECEIVED;
  const SimConnEnds *e = entry_joined(index, t->laddr, t->lport, t->raddr, t->rport, fresh);
  if (e == NULL || (opens && (conn_of(index, e)->opened & 1u << entry_side(e, t->laddr, t->lport))))
    e = &conn_add(index, t->laddr, t->lport, t->raddr, t->rport)->ends;
  if (opens) conn_of(index, e)->opened |= (guint8)(1u << entry_side(e, t->laddr, t->lport));
}

void
sim_conn_index_note_segment(SimConnIndex *index, const Packet *pkt, gboolean sent)
{
  const TcpSegment *seg = &pkt->tcp;
  const SimConnEnds *e = entry_joined(index, pkt->src, seg->sport, pkt->dst, seg->dport,
                                      (seg->flags & TCP_FLAG_SYN) != 0);
  if (e == NULL) e = &conn_add(index, pkt->src, seg->sport, pkt->dst, seg->dport)->ends;
  if (!sent || (seg->flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) != TCP_FLAG_SYN) return;
  Conn *c = conn_of(index, e);
  int side = entry_side(e, pkt->src, seg->sport);
  if ((c->have_isn & 1u << side) && c->isn[side] != seg->seq) {
    c = conn_add(index, pkt->src, seg->sport, pkt->dst, seg->dport);
    side = 0;
  }
  c->have_isn |= (guint8)(1u << side);
  c->isn[side] = seg->seq;
}

/* ---- lookups -------------------------------------------------------------- */

const SimConnEnds *
sim_conn_index_find(SimConnIndex *index, NetAddr a, guint16 ap, NetAddr b, guint16 bp,
                    gboolean create, int *side)
{
  const SimConnEnds *e = entry_current(index, a, ap, b, bp);
  if (e == NULL) {
    if (!create) return NULL;
    e = &conn_add(index, a, ap, b, bp)->ends;
  }
  if (side) *side = entry_side(e, a, ap);
  return e;
}

const SimConnEnds *
sim_conn_index_get(const SimConnIndex *index, guint number)
{
  if (number == 0 || number > index->conns->len) return NULL;
  const Conn *c = g_ptr_array_index(index->conns, number - 1);
  return &c->ends;
}

guint
sim_conn_index_count(const SimConnIndex *index)
{
  return index->conns->len;
}

const SimConnEnds *
sim_conn_index_beyond(const SimConnIndex *index, guint number, const NetNode **via)
{
  const Alias *alias = number == 0 || number > index->beyond->len
                     ? NULL : g_ptr_array_index(index->beyond, number - 1);
  if (via) *via = alias ? alias->via : NULL;
  return alias ? &alias->ends : NULL;
}
