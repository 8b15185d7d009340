/* Connection numbering (see conns.h). */
#include "conns.h"

/* The two ends in a fixed order (the lower address and port first), so
 * that both ends find the same entry. */
typedef struct {
  NetAddr addr[2];
  guint16 port[2];
} EndsKey;

/* One connection: what is handed out, and what tells its next one apart.
 * Every connection of the run keeps one (about 40 bytes), so it is packed. */
typedef struct {
  SimConnEnds ends;          /* first: find and get hand out &ends */
  EndsKey     key;           /* by_ends' key while it is the tuple's current one */
  guint8      opened;        /* bit `side`: that end has left CLOSED or LISTEN */
  guint8      have_isn;      /* bit `side`: isn[side] is known */
  guint32     isn[2];        /* of the end's SYN without ACK */
} Conn;

/* Invariants: by_ends maps each 4-tuple seen to its latest connection;
 * conns holds every connection at number - 1 (nothing iterates the hash
 * table, so its order reaches no output). */
struct SimConnIndex {
  GHashTable *by_ends;       /* EndsKey* (inside the Conn) -> Conn* */
  GPtrArray  *conns;         /* Conn*, numbering order; owned */
};

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

static EndsKey
key_of(NetAddr a, guint16 ap, NetAddr b, guint16 bp)
{
  gboolean swap = a > b || (a == b && ap > bp);
  return (EndsKey){ { swap ? b : a, swap ? a : b }, { swap ? bp : ap, swap ? ap : bp } };
}

SimConnIndex *
sim_conn_index_new(void)
{
  SimConnIndex *index = g_rc_box_new0(SimConnIndex);
  index->by_ends = g_hash_table_new(key_hash, key_equal);
  index->conns = g_ptr_array_new_with_free_func(g_free);
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

static Conn *
conn_current(SimConnIndex *index, NetAddr a, guint16 ap, NetAddr b, guint16 bp)
{
  EndsKey key = key_of(a, ap, b, bp);
  return g_hash_table_lookup(index->by_ends, &key);
}

static int
conn_side(const Conn *c, NetAddr a, guint16 ap)
{
  return c->ends.addr[0] == a && c->ends.port[0] == ap ? 0 : 1;
}

void
sim_conn_index_note_state(SimConnIndex *index, const TcpStateEvent *ev)
{
  const TcpTuple *t = &ev->tuple;
  if (t->rport == 0) return;
  gboolean opens = ev->from == TCP_STATE_CLOSED || ev->from == TCP_STATE_LISTEN;
  Conn *c = conn_current(index, t->laddr, t->lport, t->raddr, t->rport);
  if (c == NULL || (opens && (c->opened & 1u << conn_side(c, t->laddr, t->lport))))
    c = conn_add(index, t->laddr, t->lport, t->raddr, t->rport);
  if (opens) c->opened |= (guint8)(1u << conn_side(c, t->laddr, t->lport));
}

void
sim_conn_index_note_segment(SimConnIndex *index, const Packet *pkt, gboolean sent)
{
  const TcpSegment *seg = &pkt->tcp;
  Conn *c = conn_current(index, pkt->src, seg->sport, pkt->dst, seg->dport);
  if (c == NULL) c = conn_add(index, pkt->src, seg->sport, pkt->dst, seg->dport);
  if (!sent || (seg->flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) != TCP_FLAG_SYN) return;
  int side = conn_side(c, pkt->src, seg->sport);
  if ((c->have_isn & 1u << side) && c->isn[side] != seg->seq) {
    c = conn_add(index, pkt->src, seg->sport, pkt->dst, seg->dport);
    side = 0;
  }
  c->have_isn |= (guint8)(1u << side);
  c->isn[side] = seg->seq;
}

const SimConnEnds *
sim_conn_index_find(SimConnIndex *index, NetAddr a, guint16 ap, NetAddr b, guint16 bp,
                    gboolean create, int *side)
{
  Conn *c = conn_current(index, a, ap, b, bp);
  if (c == NULL) {
    if (!create) return NULL;
    c = conn_add(index, a, ap, b, bp);
  }
  if (side) *side = conn_side(c, a, ap);
  return &c->ends;
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
