/* Port use counts and ephemeral port selection (see ports.h). */
#include "ports.h"

#define PERTURB_SIZE 65536       /* INET_TABLE_PERTURB_SIZE (1 << 16) */
#define DEST_BITMAP_AFTER 512    /* probes in one scan before a bitmap pays */

static guint
dest_hash(gconstpointer p)
{
  const TcpPortDest *d = p;
  return (guint)(d->laddr * 2654435761u) ^ (guint)(d->raddr * 40503u) ^ d->rport;
}

static gboolean
dest_equal(gconstpointer a, gconstpointer b)
{
  const TcpPortDest *x = a, *y = b;
  return x->laddr == y->laddr && x->raddr == y->raddr && x->rport == y->rport;
}

static TcpPortDest *
dest_find(TcpPorts *ports, NetAddr laddr, NetAddr raddr, guint16 rport)
{
  if (ports->dests == NULL || g_hash_table_size(ports->dests) == 0) return NULL;
  TcpPortDest probe = { .laddr = laddr, .raddr = raddr, .rport = rport };
  return g_hash_table_lookup(ports->dests, &probe);
}

static inline gboolean
dest_is_held(const TcpPortDest *d, guint16 port)
{
  return (d->held[port >> 6] >> (port & 63)) & 1;
}

/* The entries (open-table.h).  Their hash is Fibonacci hashing of the
 * port: consecutive ports (an ephemeral range) spread over the table. */
static inline gboolean
port_slots_used(const TcpPortEntry *e)
{
  return e->key != 0;
}

static inline void
port_slots_vacate(TcpPortEntry *e)
{
  e->key = 0;
}

static inline guint32
port_hash(guint16 port)
{
  return (guint32)port * 0x9e3779b1u >> 16;
}

static inline guint32
port_slots_hash(gconstpointer ctx, const TcpPortEntry *e)
{
  (void)ctx;
  return port_hash((guint16)(e->key - 1));
}

static inline gboolean
port_slots_match(gconstpointer ctx, const TcpPortEntry *e, guint32 h, guint32 key)
{
  (void)ctx;
  (void)h;
  return e->key == key;
}

/* 4 entries at first: most hosts use a port or two. */
OPEN_TABLE_DEFINE(port_slots, TcpPortEntries, TcpPortEntry, gconstpointer, 4)
OPEN_TABLE_DEFINE_FIND(port_slots, port_slots_find, TcpPortEntries, TcpPortEntry,
                       gconstpointer, guint32, port_slots_match)

void
tcp_ports_init(TcpPorts *ports, guint64 run_seed, const char *host_name)
{
  ports->uses.slots = NULL;
  ports->uses.mask = 0;
  ports->n_uses = 0;
  /* Both tables are made when first written: most hosts of a large
   * network never connect out, or never need a destination's bitmap. */
  ports->perturb = NULL;
  ports->moved_known = FALSE;
  ports->dests = NULL;
  ports->offset_known = FALSE;
  g_autofree char *name = g_strdup_printf("tcp-ports/%s", host_name ? host_name : "");
  ports->key = tcp_hash_key(run_seed, name);
  sim_rng_init_stream(&ports->rng, run_seed, name);
}

void
tcp_ports_clear(TcpPorts *ports)
{
  port_slots_free(&ports->uses);
  g_clear_pointer(&ports->perturb, g_hash_table_destroy);
  g_clear_pointer(&ports->dests, g_hash_table_destroy);
}

/* The entry of `port`, or NULL. */
static inline TcpPortEntry *
use_find(const TcpPorts *ports, guint16 port)
{
  if (ports->n_uses == 0) return NULL;
  return port_slots_find(&ports->uses, NULL, port_hash(port), (guint32)port + 1);
}

TcpPortUse *
tcp_ports_use(TcpPorts *ports, guint16 port, gboolean create)
{
  TcpPortEntry *e = use_find(ports, port);
  if (e) return &e->use;
  if (!create) return NULL;
  port_slots_reserve(&ports->uses, NULL, (guint64)ports->n_uses + 1);
  TcpPortEntry fresh = { .key = (guint32)port + 1 };
  ports->n_uses++;
  return &port_slots_put_hashed(&ports->uses, port_hash(port), &fresh)->use;
}

/* Drops entry e if all its counts are zero. */
static inline void
entry_tidy(TcpPorts *ports, TcpPortEntry *e)
{
  if (!e->use.binders && !e->use.listeners && !e->use.users) {
    port_slots_delete(&ports->uses, NULL, e);
    ports->n_uses--;
  }
}

void
tcp_ports_tidy(TcpPorts *ports, guint16 port)
{
  TcpPortEntry *e = use_find(ports, port);
  if (e) entry_tidy(ports, e);
}

const TcpPortEntry *
tcp_ports_next(const TcpPorts *ports, guint32 *pos)
{
  return port_slots_next(&ports->uses, pos);
}

void
tcp_ports_hold(TcpPorts *ports, NetAddr laddr, guint16 lport, NetAddr raddr, guint16 rport)
{
  tcp_ports_use(ports, lport, TRUE)->users++;
  TcpPortDest *d = dest_find(ports, laddr, raddr, rport);
  if (d) d->held[lport >> 6] |= G_GUINT64_CONSTANT(1) << (lport & 63);
}

void
tcp_ports_release(TcpPorts *ports, NetAddr laddr, guint16 lport, NetAddr raddr, guint16 rport)
{
  TcpPortEntry *e = use_find(ports, lport);     /* one probe for the count and the tidy */
  g_assert(e && e->use.users > 0);
  e->use.users--;
  entry_tidy(ports, e);
  TcpPortDest *d = dest_find(ports, laddr, raddr, rport);
  if (d) d->held[lport >> 6] &= ~(G_GUINT64_CONSTANT(1) << (lport & 63));
}

/* Builds the bitmap of a destination from the ports in use (their order
 * does not matter: the result is a set). */
static void
dest_build(TcpPorts *ports, NetAddr laddr, NetAddr raddr, guint16 rport,
           TcpPortHeld held, gpointer user)
{
  TcpPortDest *d = g_new0(TcpPortDest, 1);
  d->laddr = laddr;
  d->raddr = raddr;
  d->rport = rport;
  guint32 pos = 0;
  const TcpPortEntry *e;
  while ((e = tcp_ports_next(ports, &pos))) {
    guint16 port = (guint16)(e->key - 1);
    if (e->use.users && held(user, port))
      d->held[port >> 6] |= G_GUINT64_CONSTANT(1) << (port & 63);
  }
  if (ports->dests == NULL)
    ports->dests = g_hash_table_new_full(dest_hash, dest_equal, g_free, NULL);
  g_hash_table_add(ports->dests, d);
}

/* table_perturb[index]: random at boot in Linux; here a keyed hash of the
 * index until the first connect moves it. */
static guint32
perturb_get(TcpPorts *ports, guint32 index)
{
  if (ports->moved_known && ports->moved_index == index) return ports->moved_value;
  gpointer v;
  if (ports->perturb &&
      g_hash_table_lookup_extended(ports->perturb, GUINT_TO_POINTER(index), NULL, &v))
    return GPOINTER_TO_UINT(v);
  return (guint32)tcp_siphash_4u32(&ports->key, index, 0x70657274u, 0, 0);
}

/* table_perturb[index] = value: the entry held aside (see TcpPorts) goes
 * to the table when another one moves. */
static void
perturb_set(TcpPorts *ports, guint32 index, guint32 value)
{
  if (ports->moved_known && ports->moved_index != index) {
    if (ports->perturb == NULL)
      ports->perturb = g_hash_table_new(g_direct_hash, g_direct_equal);
    g_hash_table_insert(ports->perturb, GUINT_TO_POINTER(ports->moved_index),
                        GUINT_TO_POINTER(ports->moved_value));
  }
  ports->moved_index = index;
  ports->moved_value = value;
  ports->moved_known = TRUE;
}

gboolean
tcp_ports_connect(TcpPorts *ports, const TcpProfile *profile, NetAddr saddr,
                  NetAddr daddr, guint16 dport, TcpPortCheck check, TcpPortHeld held,
                  gboolean held_is_busy, gpointer user, guint16 *out,
                  TcpPortVerdict *verdict)
{
  if (!ports->offset_known || ports->offset_saddr != saddr || ports->offset_daddr != daddr ||
      ports->offset_dport != dport) {
    ports->offset = tcp_siphash_4u32(&ports->key, saddr, daddr, dport, 0);
    ports->offset_saddr = saddr;
    ports->offset_daddr = daddr;
    ports->offset_dport = dport;
    ports->offset_known = TRUE;
  }
  guint64 port_offset = ports->offset;
  guint32 low = profile->port_lo, high = (guint32)profile->port_hi + 1;
  guint32 remaining = high - low;
  const guint32 step = 2;
  if (remaining > 1) remaining &= ~1u;
  guint32 index = (guint32)(port_offset & (PERTURB_SIZE - 1));
  guint32 perturb = perturb_get(ports, index);
  guint32 offset = (perturb + (guint32)(port_offset >> 32)) % remaining;
  const TcpPortDest *dest = held_is_busy ? dest_find(ports, saddr, daddr, dport) : NULL;
  guint32 probes = 0;
  gboolean found = FALSE;
  offset &= ~1u;                 /* first pass: ports of low's parity */
  for (int pass = 0; pass < 2 && !found; pass++, offset++) {
    guint32 port = low + offset;
    for (guint32 i = 0; i < remaining; i += step, port += step) {
      if (port >= high) port -= remaining;
      if (dest && dest_is_held(dest, (guint16)port)) continue;   /* check() says BUSY */
      probes++;
      TcpPortVerdict v = check(user, (guint16)port);
      if (v == TCP_PORT_BUSY) continue;
      /* Linux: i = max(i, random(8) * step); perturb += i + step. */
      guint32 r = (guint32)sim_rng_below(&ports->rng, 8) * step;
      guint32 adv = MAX(i, r) + step;
      perturb_set(ports, index, perturb + adv);
      *out = (guint16)port;
      *verdict = v;
      found = TRUE;
      break;
    }
    if (remaining <= 1) break;
  }
  if (held_is_busy && dest == NULL && probes > DEST_BITMAP_AFTER)
    dest_build(ports, saddr, daddr, dport, held, user);
  return found;
}

gboolean
tcp_ports_any_free(TcpPorts *ports, const TcpProfile *profile, guint16 *out)
{
  guint32 n = (guint32)profile->port_hi - profile->port_lo + 1;
  guint32 start = (guint32)sim_rng_below(&ports->rng, n);
  for (guint32 i = 0; i < n; i++) {
    guint16 port = (guint16)(profile->port_lo + (start + i) % n);
    if (tcp_ports_use(ports, port, FALSE) == NULL) {
      *out = port;
      return TRUE;
    }
  }
  return FALSE;
}
