/* Connections numbered as a reader sees them: #1, #2 ... in the order a
 * 4-tuple is first seen (its first segment or state change), the same from
 * either end.  The ladder and the stepper number connections this way, so
 * `--ladder-conn 3` and the stepper's `p 3` name the same one.
 *
 * The end seen first (usually the one that sent the SYN) is end 0, drawn
 * on the left.  A 4-tuple reused after its connection ended keeps its
 * number. */
#pragma once
#include "segment.h"
#include "net.h"

typedef struct {
  guint   number;            /* from 1 */
  NetAddr addr[2];
  guint16 port[2];
} SimConnEnds;

typedef struct SimConnIndex SimConnIndex;

SimConnIndex *
sim_conn_index_new(void);

void
sim_conn_index_free(SimConnIndex *index);

/* The connection between (a, ap) and (b, bp), numbered now if new and
 * `create`; NULL if it is new and not `create`.  *side (may be NULL) is 0
 * if (a, ap) is its end 0, else 1.  Owned by the index. */
const SimConnEnds *
sim_conn_index_find(SimConnIndex *index, NetAddr a, guint16 ap, NetAddr b, guint16 bp,
                    gboolean create, int *side);

/* Connection `number`, or NULL if no connection has it yet. */
const SimConnEnds *
sim_conn_index_get(const SimConnIndex *index, guint number);

/* How many connections are numbered. */
guint
sim_conn_index_count(const SimConnIndex *index);

/* The connection a flow seen as (a, ap) <-> (b, bp) belongs to, joining
 * the two sides of a NAT: when a router of `net` (may be NULL) translates
 * the flow, the side beyond the router (the addresses its far end sees) is
 * the same connection as the originator's side, numbered once, by the
 * originator's addresses.  The conntrack entry is looked up when the flow
 * is first seen, and again when `fresh` (a SYN, a new connection's first
 * state): a NAT may give a reused outside port to a new connection.  When
 * this call joins a side anew, *via is the router and *beyond the
 * connection's ends as the far side has them (end k of the result is
 * beyond->addr[k]:port[k] there); else *via is NULL.  *side as for
 * sim_conn_index_find. */
const SimConnEnds *
sim_conn_index_find_joined(SimConnIndex *index, NetWorld *net, NetAddr a, guint16 ap,
                           NetAddr b, guint16 bp, gboolean fresh, const NetNode **via,
                           const SimConnEnds **beyond, int *side);

/* The ends of connection `number` as the far side of the NAT that
 * translates it sees them (those of the side joined last), or NULL if no
 * side was joined to it. */
const SimConnEnds *
sim_conn_index_beyond(const SimConnIndex *index, guint number);
