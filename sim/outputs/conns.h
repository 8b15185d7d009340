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
