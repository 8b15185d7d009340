/* --ladder: a terminal sequence diagram of each connection, for labs.
 *
 * Every connection gets a number (#1, #2 ... in the order it is first
 * seen, conns.h) and a header naming its two ends; the end seen first
 * (usually the one that sent the SYN) is drawn on the left.  Rows come in
 * time order, each at the time of what it draws (one convention, said in
 * the ladder's header):
 *
 *   - a segment at the time it was sent, as an arrow from its sender to its
 *     receiver labelled with its flags, seq/ack relative to each side's
 *     initial sequence number (as Wireshark shows them), length and
 *     window; it ends in > if it arrived and in X if it was dropped, with
 *     the reason in words beside it ("lost on the link", "accept queue
 *     full"...), and says why it was sent when the sender says so
 *     ("retransmission", "TIME_WAIT re-ACK"...);
 *   - each side's state changes and socket calls (listen, connect,
 *     accept, shutdown, close) in its own column, a call before the state
 *     change it causes.
 *
 * A segment's row waits until its fate is known, so the ladder holds the
 * rows of segments in flight (and those after them) and writes them as
 * they are settled; sim_ladder_free writes the rest.
 *
 * It fits `width` columns (72 and up): narrower ladders show only the new
 * state of a change, times in milliseconds, and shorter segment labels
 * (the window is dropped first). */
#pragma once
#include "run-view.h"
#include "net.h"
#include "tcp-stack.h"
#include "conns.h"

#define SIM_LADDER_MIN_WIDTH 72
#define SIM_LADDER_MAX_WIDTH 1000
#define SIM_LADDER_DEFAULT_WIDTH 100

typedef struct {
  guint   width;            /* columns, SIM_LADDER_MIN_WIDTH..MAX_WIDTH */
  guint   limit;            /* draw the first `limit` connections */
  guint   only_conn;        /* 0: every connection; N: only #N */
  SimTime from, until;      /* rows outside [from, until] are not drawn */
} SimLadderOptions;

typedef struct SimLadder SimLadder;

/* A ladder written on `out` (borrowed) over the run's network (host names
 * are looked up by address), numbering connections with `conns` (the run's
 * shared numbering, conns.h; the ladder takes a reference). */
SimLadder *
sim_ladder_new(FILE *out, const SimLadderOptions *opts, const SimRunView *view,
               SimConnIndex *conns);

/* Writes the rows still held (segments in flight drawn as such), a note
 * about connections left out, and frees. */
void
sim_ladder_free(SimLadder *ladder);

/* A network event: a send opens a segment's row, its arrival or drop
 * settles it. */
void
sim_ladder_segment(SimLadder *ladder, const NetEvent *ev);

/* A TCP state change. */
void
sim_ladder_state(SimLadder *ladder, SimTime now, const TcpStateEvent *ev);

/* A socket call about to run: the rows it causes are held until
 * sim_ladder_call() draws the call ahead of them. */
void
sim_ladder_call_begin(SimLadder *ladder);

/* Draws a socket call (`text`, e.g. "listen(128)") on `host`'s side of
 * the connection `tuple` names (a listener's call, with no remote end, on
 * a row of its own); after sim_ladder_call_begin, ahead of what the call
 * caused. */
void
sim_ladder_call(SimLadder *ladder, SimTime now, const char *host, const char *text,
                const TcpTuple *tuple);

/* The call is over: the held rows are let go. */
void
sim_ladder_call_end(SimLadder *ladder);
