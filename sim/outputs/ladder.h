/* --ladder: a terminal sequence diagram of each connection, for labs.
 *
 * Every connection gets a number (#1, #2 ... in the order its first segment
 * is seen) and a header naming its two ends; the end that sent the first
 * segment (usually the SYN) is drawn on the left.  Then, as they happen:
 *
 *   - a segment when it arrives, as an arrow from its sender to its
 *     receiver, labelled with its flags, seq/ack relative to each side's
 *     initial sequence number (as Wireshark shows them), length and window,
 *     and the time it was sent;
 *   - a lost segment when it is dropped, as an arrow ending in X with the
 *     reason (loss, queue, mtu, ttl, pred, noroute);
 *   - each side's state changes, in its own column.
 *
 * --ladder-limit N keeps it to the first N connections (default 20). */
#pragma once
#include "run-view.h"
#include "net.h"
#include "tcp-stack.h"

typedef struct SimLadder SimLadder;

/* A ladder written on `out` (borrowed) for the first `limit` connections
 * of the run's network (host names are looked up by address). */
SimLadder *
sim_ladder_new(FILE *out, guint limit, const SimRunView *view);

/* Prints a note about connections left out, and frees. */
void
sim_ladder_free(SimLadder *ladder);

/* A network event (only receptions and drops are drawn). */
void
sim_ladder_segment(SimLadder *ladder, const NetEvent *ev);

/* A TCP state change. */
void
sim_ladder_state(SimLadder *ladder, SimTime now, const TcpStateEvent *ev);
