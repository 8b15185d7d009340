/* The connection-tracking table and the TCP tracker (see conntrack.h). */
#include "conntrack.h"
#include "tcp-seq.h"
#include <string.h>

static const char *const state_names[CT_TIMEOUT_N] = {
  "NONE", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT", "CLOSE_WAIT",
  "LAST_ACK", "TIME_WAIT", "CLOSE", "SYN_SENT2", "UNACK",
};

const char *
ct_state_name(guint state)
{
  return state < CT_TIMEOUT_N ? state_names[state] : "?";
}

void
ct_config_init(CtConfig *cfg)
{
  /* nf_conntrack_proto_tcp.c, tcp_timeouts[] */
  memset(cfg, 0, sizeof *cfg);
  cfg->timeout[CT_SYN_SENT] = 120 * SIM_S;
  cfg->timeout[CT_SYN_RECV] = 60 * SIM_S;
  cfg->timeout[CT_ESTABLISHED] = 5 * 24 * 3600 * SIM_S;
  cfg->timeout[CT_FIN_WAIT] = 120 * SIM_S;
  cfg->timeout[CT_CLOSE_WAIT] = 60 * SIM_S;
  cfg->timeout[CT_LAST_ACK] = 30 * SIM_S;
  cfg->timeout[CT_TIME_WAIT] = 120 * SIM_S;
  cfg->timeout[CT_CLOSE] = 10 * SIM_S;
  cfg->timeout[CT_SYN_SENT2] = 120 * SIM_S;
  cfg->timeout[CT_TIMEOUT_UNACK] = 300 * SIM_S;
  /* nf_conntrack_core.c, nf_conntrack_init_start(): 262144 hash buckets
   * on a 64-bit machine with more than 4 GiB, times a max factor of 1. */
  cfg->max = 262144;
  cfg->loose = TRUE;   /* nf_conntrack_tcp_loose = 1 */
}

/* ---- the tracker's table ------------------------------------------------ */

/* Which flags a segment carries, as netfilter classes them
 * (get_conntrack_index(): RST first, then SYN, FIN, ACK). */
enum { CT_FLAGS_SYN, CT_FLAGS_SYNACK, CT_FLAGS_FIN, CT_FLAGS_ACK, CT_FLAGS_RST, CT_FLAGS_NONE, CT_FLAGS_N };

static guint
flags_index(guint8 f)
{
  if (f & TCP_FLAG_RST) return CT_FLAGS_RST;
  if (f & TCP_FLAG_SYN) return (f & TCP_FLAG_ACK) ? CT_FLAGS_SYNACK : CT_FLAGS_SYN;
  if (f & TCP_FLAG_FIN) return CT_FLAGS_FIN;
  if (f & TCP_FLAG_ACK) return CT_FLAGS_ACK;
  return CT_FLAGS_NONE;
}

/* Two pseudo-states of the table: invalid and ignored. */
#define IV CT_STATE_N
#define IG (CT_STATE_N + 1)
#define NO CT_NONE
#define SS CT_SYN_SENT
#define SR CT_SYN_RECV
#define ES CT_ESTABLISHED
#define FW CT_FIN_WAIT
#define CW CT_CLOSE_WAIT
#define LA CT_LAST_ACK
#define TW CT_TIME_WAIT
#define CL CT_CLOSE
#define S2 CT_SYN_SENT2

/* next[dir][flags][state]: netfilter's tcp_conntracks[][][]
 * (nf_conntrack_proto_tcp.c), its columns the old states NO SS SR ES FW CW
 * LA TW CL S2. */
static const guint8 next_state[2][CT_FLAGS_N][CT_STATE_N] = {
  { /* original direction */
    /* SYN    */ { SS, SS, IG, IG, IG, IG, IG, SS, SS, S2 },
    /* SYNACK */ { IV, IV, SR, IV, IV, IV, IV, IV, IV, SR },
    /* FIN    */ { IV, IV, FW, FW, LA, LA, LA, TW, CL, IV },
    /* ACK    */ { ES, IV, ES, ES, CW, CW, TW, TW, CL, IV },
    /* RST    */ { IV, CL, CL, CL, CL, CL, CL, CL, CL, CL },
    /* none   */ { IV, IV, IV, IV, IV, IV, IV, IV, IV, IV },
  },
  { /* reply direction */
    /* SYN    */ { IV, S2, IV, IV, IV, IV, IV, SS, IV, S2 },
    /* SYNACK */ { IV, SR, IG, IG, IG, IG, IG, IG, IG, SR },
    /* FIN    */ { IV, IV, FW, FW, LA, LA, LA, TW, CL, IV },
    /* ACK    */ { IV, IG, SR, ES, CW, CW, TW, TW, CL, IG },
    /* RST    */ { IV, CL, CL, CL, CL, CL, CL, CL, CL, CL },
    /* none   */ { IV, IV, IV, IV, IV, IV, IV, IV, IV, IV },
  },
};

CtState
ct_first_state(const CtConfig *cfg, const TcpSegment *seg)
{
  guint idx = flags_index(seg->flags);
  guint s = next_state[CT_DIR_ORIGINAL][idx][CT_NONE];
  /* tcp_new(): without nf_conntrack_tcp_loose only a SYN starts a flow. */
  if (s == CT_ESTABLISHED && !cfg->loose) return CT_STATE_N;
  return s < CT_STATE_N ? (CtState)s : CT_STATE_N;
}

/* ---- slabs and the index ------------------------------------------------ */

guint32
ct_tuple_hash(const CtTuple *t)
{
  guint64 x = ((guint64)t->src << 32 | t->dst) * UINT64_C(0x9e3779b97f4a7c15);
  x ^= ((guint64)t->sport << 16 | t->dport) * UINT64_C(0xc2b2ae3d27d4eb4f);
  x ^= x >> 29;
  x *= UINT64_C(0xbf58476d1ce4e5b9);
  return (guint32)(x ^ (x >> 32));
}

static inline gboolean
tuple_equal(const CtTuple *a, const CtTuple *b)
{
  return a->src == b->src && a->dst == b->dst && a->sport == b->sport && a->dport == b->dport;
}

static CtEntry *
entry_at(const CtTable *t, guint32 index1)
{
  guint32 i = index1 - 1;
  CtEntry *slab = g_ptr_array_index(t->slabs, i / CT_SLAB);
  return &slab[i % CT_SLAB];
}

/* The tuple a slot value names. */
static const CtTuple *
slot_tuple(const CtTable *t, guint32 v)
{
  return &entry_at(t, ((v - 1) >> 1) + 1)->tuple[(v - 1) & 1];
}

/* The index hashes a slot value by the tuple it names. */
static guint32
slot_hash(gconstpointer owner, guint32 v)
{
  return ct_tuple_hash(slot_tuple(owner, v));
}

void
ct_table_init(CtTable *t, const CtConfig *cfg)
{
  memset(t, 0, sizeof *t);
  t->cfg = *cfg;
  t->slabs = g_ptr_array_new_with_free_func(g_free);
  slot_index_init(&t->index, slot_hash, t);
}

void
ct_table_clear(CtTable *t)
{
  slot_index_clear(&t->index);
  g_ptr_array_free(t->slabs, TRUE);
  memset(t, 0, sizeof *t);
}

CtEntry *
ct_table_find(CtTable *t, const CtTuple *tuple, guint *dir)
{
  const SlotIndex *x = &t->index;
  if (x->slots == NULL) return NULL;
  guint32 h = ct_tuple_hash(tuple), i = slot_index_home(x, h);
  for (guint32 v; (v = slot_index_next(x, h, &i));) {
    if (!tuple_equal(slot_tuple(t, v), tuple)) continue;
    if (dir) *dir = (v - 1) & 1;
    return entry_at(t, ((v - 1) >> 1) + 1);
  }
  return NULL;
}

/* ---- FIFOs -------------------------------------------------------------- */

static void
fifo_unlink(CtTable *t, CtEntry *e)
{
  if (e->prev) entry_at(t, e->prev)->next = e->next;
  else t->head[e->fifo] = e->next;
  if (e->next) entry_at(t, e->next)->prev = e->prev;
  else t->tail[e->fifo] = e->prev;
  e->prev = e->next = 0;
}

static void
fifo_append(CtTable *t, CtEntry *e, guint fifo, SimTime expiry)
{
  guint32 tail = t->tail[fifo];
  e->fifo = (guint8)fifo;
  e->expiry = tail ? MAX(expiry, entry_at(t, tail)->expiry) : expiry;
  e->next = 0;
  e->prev = tail;
  if (tail) entry_at(t, tail)->next = e->self;
  else t->head[fifo] = e->self;
  t->tail[fifo] = e->self;
}

/* Renews e's timeout: class `fifo`, expiring at now + its timeout. */
static void
refresh(CtTable *t, CtEntry *e, guint fifo, SimTime now)
{
  fifo_unlink(t, e);
  fifo_append(t, e, fifo, now + t->cfg.timeout[fifo]);
}

CtEntry *
ct_table_next(CtTable *t)
{
  CtEntry *best = NULL;
  for (guint f = 0; f < CT_TIMEOUT_N; f++) {
    if (!t->head[f]) continue;
    CtEntry *e = entry_at(t, t->head[f]);
    if (best == NULL || e->expiry < best->expiry) best = e;
  }
  return best;
}

SimTime
ct_table_next_expiry(CtTable *t)
{
  CtEntry *e = ct_table_next(t);
  return e ? e->expiry : SIM_TIME_MAX;
}

/* ---- entries ------------------------------------------------------------ */

static guint32
entry_alloc(CtTable *t)
{
  if (t->free_list) {
    guint32 idx = t->free_list;
    t->free_list = entry_at(t, idx)->next;
    return idx;
  }
  if (t->used % CT_SLAB == 0 && t->used / CT_SLAB == t->slabs->len)
    g_ptr_array_add(t->slabs, g_new(CtEntry, CT_SLAB));
  return ++t->used;
}

CtEntry *
ct_table_insert(CtTable *t, const CtTuple *orig, const CtTuple *reply)
{
  g_assert(ct_table_find(t, orig, NULL) == NULL && ct_table_find(t, reply, NULL) == NULL);
  guint32 idx = entry_alloc(t);
  CtEntry *e = entry_at(t, idx);
  memset(e, 0, sizeof *e);
  e->self = idx;
  e->tuple[CT_DIR_ORIGINAL] = *orig;
  e->tuple[CT_DIR_REPLY] = *reply;
  e->state = CT_NONE;
  e->last_index = CT_FLAGS_NONE;
  fifo_append(t, e, CT_NONE, SIM_TIME_MAX);
  slot_index_reserve(&t->index, 2 * (t->count + 1));
  /* Slot values are (index << 1 | dir) + 1. */
  guint32 base = (idx - 1) << 1;
  slot_index_put(&t->index, base + 1 + CT_DIR_ORIGINAL);
  slot_index_put(&t->index, base + 1 + CT_DIR_REPLY);
  t->count++;
  t->by_state[CT_NONE]++;
  t->c.created++;
  t->c.peak = MAX(t->c.peak, t->count);
  return e;
}

void
ct_table_remove(CtTable *t, CtEntry *e)
{
  guint32 base = (e->self - 1) << 1;
  slot_index_remove(&t->index, base + 1 + CT_DIR_ORIGINAL);
  slot_index_remove(&t->index, base + 1 + CT_DIR_REPLY);
  fifo_unlink(t, e);
  t->by_state[e->state]--;
  t->count--;
  e->next = t->free_list;
  t->free_list = e->self;
  e->self = 0;
}

gboolean
ct_table_full(const CtTable *t)
{
  return t->cfg.max != 0 && t->count >= t->cfg.max;
}

CtEntry *
ct_table_early_drop(CtTable *t, const CtTuple *tuple)
{
  const SlotIndex *x = &t->index;
  if (x->slots == NULL) return NULL;
  guint32 mask = x->mask;
  guint32 i = slot_index_home(x, ct_tuple_hash(tuple));
  for (guint n = 0; n < 8; n++, i = (i + 1) & mask) {
    guint32 v = x->slots[i].n;
    if (v == 0) continue;
    CtEntry *e = entry_at(t, ((v - 1) >> 1) + 1);
    if (!(e->status & CT_ASSURED)) return e;
  }
  return NULL;
}

static void
set_state(CtTable *t, CtEntry *e, guint s)
{
  t->by_state[e->state]--;
  e->state = (guint8)s;
  t->by_state[s]++;
}

CtVerdict
ct_entry_packet(CtTable *t, CtEntry *e, guint dir, const TcpSegment *seg, SimTime now)
{
  guint idx = flags_index(seg->flags);
  guint old = e->state;
  guint s = next_state[dir][idx][old];
  if (dir == CT_DIR_ORIGINAL) {
    guint32 end = seg->seq + tcp_segment_seq_len(seg);
    if (e->state == CT_NONE || tcp_seq_gt(end, e->td_end)) e->td_end = end;
  }
  if (s == CT_SYN_SENT && old >= CT_TIME_WAIT) {
    /* A new SYN on a flow that has closed (FIN seen) or was reset from
     * this side: the old entry goes, the SYN starts a new one (RFC 1122
     * 4.2.2.13 lets TIME-WAIT be reopened). */
    if ((e->status & CT_CLOSE_INIT) || (e->last_dir == dir && e->last_index == CT_FLAGS_RST)) {
      t->c.reopened++;
      return CT_REOPEN;
    }
    s = IG;
  }
  if (s == IG) {
    e->last_dir = (guint8)dir;
    e->last_index = (guint8)idx;
    return CT_IGNORE;
  }
  if (s == IV) return CT_INVALID;
  e->last_dir = (guint8)dir;
  e->last_index = (guint8)idx;
  set_state(t, e, s);
  if (s == CT_FIN_WAIT && old != CT_FIN_WAIT) e->status |= CT_CLOSE_INIT;
  /* SEEN_REPLY is set once the first reply has been tracked, so the
   * decisions below see the flow as it was before this packet. */
  gboolean seen_reply = (e->status & CT_SEEN_REPLY) != 0;
  if (dir == CT_DIR_REPLY) e->status |= CT_SEEN_REPLY;
  guint fifo = idx == CT_FLAGS_RST ? CT_CLOSE : s;
  if (!seen_reply) {
    /* Only a RST came back, or the originator gave up: the flow never was. */
    if (idx == CT_FLAGS_RST) return CT_KILL;
    /* A retransmitted SYN does not renew the timeout, or a client reusing
     * its port could keep the entry alive for ever. */
    if (idx == CT_FLAGS_SYN && old == CT_SYN_SENT) return CT_ACCEPT;
    /* A flow picked up mid-stream waits at most UNACK for its reply. */
    if (s == CT_ESTABLISHED && t->cfg.timeout[CT_TIMEOUT_UNACK] < t->cfg.timeout[s])
      fifo = CT_TIMEOUT_UNACK;
  } else if (!(e->status & CT_ASSURED) && (old == CT_SYN_RECV || old == CT_ESTABLISHED) &&
             s == CT_ESTABLISHED) {
    e->status |= CT_ASSURED;
  }
  refresh(t, e, fifo, now);
  return CT_ACCEPT;
}
