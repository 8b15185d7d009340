/* Local ports of one host: who uses each port, and ephemeral port choice
 * for connect() modelled on Linux's __inet_hash_connect().
 *
 * Data flow: tcp-stack.c asks here on bind(), listen() and connect(), and
 * reports every connection or TIME_WAIT record that takes or frees a port.
 *
 * Axioms: a port has an entry in `uses` exactly when some count in its
 * TcpPortUse is non-zero; counts change in O(1).  `uses` is open
 * addressing (open-table.h) with the counts inline (no allocation per
 * port): an entry's key is port + 1 (0: empty), it lies in the run of used
 * entries from its home onward, at most 3/4 of the entries are used, and
 * deletion shifts later entries back (no tombstones).  A TcpPortUse pointer is therefore
 * valid only until the next tcp_ports_use(.., TRUE) or tcp_ports_tidy(). */
#pragma once
#include "hash.h"
#include "open-table.h"
#include "profile.h"
#include "rng.h"
#include "segment.h"

typedef struct {
  guint32 binders;          /* sockets bound by bind() (listeners included) */
  guint32 binders_reuse;    /* of which with SO_REUSEADDR */
  guint32 listeners;
  guint32 users;            /* connections and TIME_WAIT records */
} TcpPortUse;

/* A destination (local address, remote address, remote port) and the
 * ports whose 4-tuple towards it a connection or TIME_WAIT record holds,
 * one bit each.  Kept only for destinations whose connect() scans have
 * grown long (port exhaustion), so that a scan can pass over a held port
 * with a bit test instead of two hash lookups. */
typedef struct {
  NetAddr laddr, raddr;
  guint16 rport;
  guint64 held[65536 / 64];
} TcpPortDest;

typedef struct {
  guint32    key;           /* port + 1, 0 for an empty entry */
  TcpPortUse use;
} TcpPortEntry;

/* The entries of `uses` (open-table.h). */
typedef struct {
  TcpPortEntry *slots;      /* mask + 1 entries, or NULL */
  guint32       mask;
} TcpPortEntries;

typedef struct {
  TcpPortEntries uses;
  guint32     n_uses;       /* ports with an entry */
  GHashTable *perturb;      /* table_perturb[] entries that moved; NULL: none yet */
  /* The entry of table_perturb[] the last connect moved, held here rather
   * than in `perturb` until a connect moves another: a client connects to
   * one destination again and again, so its connects read and move one
   * entry, without a hash table operation. */
  guint32     moved_index, moved_value;
  gboolean    moved_known;
  GHashTable *dests;        /* TcpPortDest (keyed by itself) -> same; NULL: none yet */
  TcpHashKey  key;
  SimRng      rng;
  /* The last destination's port offset (a SipHash of it): a client
   * connects to one destination again and again. */
  NetAddr     offset_saddr, offset_daddr;
  guint16     offset_dport;
  gboolean    offset_known;
  guint64     offset;
} TcpPorts;

void
tcp_ports_init(TcpPorts *ports, guint64 run_seed, const char *host_name);
void
tcp_ports_clear(TcpPorts *ports);

/* The use counts of `port`; created (zeroed) if `create`, else may be NULL.
 * The pointer is good until the table next changes (see above). */
TcpPortUse *
tcp_ports_use(TcpPorts *ports, guint16 port, gboolean create);

/* Drops the entry of `port` if all its counts are zero. */
void
tcp_ports_tidy(TcpPorts *ports, guint16 port);

/* A connection or TIME_WAIT record takes, or gives back, local port lport
 * towards (raddr, rport) from laddr: its `users` count and the
 * destination's bitmap, if it has one. */
void
tcp_ports_hold(TcpPorts *ports, NetAddr laddr, guint16 lport, NetAddr raddr, guint16 rport);
void
tcp_ports_release(TcpPorts *ports, NetAddr laddr, guint16 lport, NetAddr raddr, guint16 rport);

/* What a connect may do with a candidate port (tcp-stack.c decides). */
typedef enum {
  TCP_PORT_BUSY,
  TCP_PORT_FREE,
  TCP_PORT_TW_REUSE,         /* free after taking over a TIME_WAIT record */
} TcpPortVerdict;

typedef TcpPortVerdict (*TcpPortCheck)(gpointer user, guint16 port);

/* Whether a connection or TIME_WAIT record holds the 4-tuple with local
 * port `port` (to build a destination's bitmap). */
typedef gboolean (*TcpPortHeld)(gpointer user, guint16 port);

/* Linux's __inet_hash_connect(): a starting offset from a keyed hash of
 * (saddr, daddr, dport) plus a per-destination counter (table_perturb),
 * ports of the range's low parity first, then the others.  FALSE when no
 * port is usable (EADDRNOTAVAIL).
 *
 * `held_is_busy` says that check() answers TCP_PORT_BUSY for every held
 * 4-tuple (no TIME_WAIT can be taken over): the scan may then skip held
 * ports by the destination's bitmap, with the same result.  `held` builds
 * that bitmap the first time a scan for the destination grows long. */
gboolean
tcp_ports_connect(TcpPorts *ports, const TcpProfile *profile, NetAddr saddr,
                  NetAddr daddr, guint16 dport, TcpPortCheck check, TcpPortHeld held,
                  gboolean held_is_busy, gpointer user, guint16 *out,
                  TcpPortVerdict *verdict);

/* bind(port 0): a port of the range that nothing uses, from a random
 * start.  FALSE if none. */
gboolean
tcp_ports_any_free(TcpPorts *ports, const TcpProfile *profile, guint16 *out);

/* Iteration over the ports with use counts: the entry at *pos or the
 * first after it, *pos then past it; NULL at the end.  Start with *pos = 0;
 * the table must not change meanwhile.  Slot order: sort before showing. */
const TcpPortEntry *
tcp_ports_next(const TcpPorts *ports, guint32 *pos);
