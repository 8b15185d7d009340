/* What the stepper (`twsim step`) watches of a run, fed like the other
 * writers: whether the event that just fired sent, received or dropped a
 * segment or changed a state, which connection it touched (in the run's
 * shared numbering, conns.h, as the ladder and the HTML report number
 * them), and the breakpoints: a state (stop when a connection enters it)
 * or a connection (stop at any of its segments or state changes). */
#pragma once
#include "run-view.h"
#include "net.h"
#include "tcp-stack.h"
#include "conns.h"

typedef struct SimWatch SimWatch;

/* A watch naming connections by `conns` (the run's shared numbering,
 * which joins the two sides of NAT'd connections; it takes a
 * reference). */
SimWatch *
sim_watch_new(SimConnIndex *conns);

void
sim_watch_free(SimWatch *watch);

/* What the models did (as sim_writers_segment and sim_writers_state). */
void
sim_watch_segment(SimWatch *watch, const NetEvent *ev);
void
sim_watch_state(SimWatch *watch, const TcpStateEvent *ev);

/* Since the last sim_watch_reset: segment events, state changes, and
 * whether a breakpoint was hit. */
guint
sim_watch_segments(const SimWatch *watch);
guint
sim_watch_states(const SimWatch *watch);
gboolean
sim_watch_hit(const SimWatch *watch);
void
sim_watch_reset(SimWatch *watch);

/* Turns a breakpoint on, or off if it was on; returns whether it is on. */
gboolean
sim_watch_toggle_state(SimWatch *watch, TcpState state);
gboolean
sim_watch_toggle_conn(SimWatch *watch, guint number);

/* Describes the breakpoints set ("TIME_WAIT #3"), "" if none. */
void
sim_watch_describe(const SimWatch *watch, GString *out);

/* The initial sequence number end `side` of connection `number` sent
 * in its SYN, if a SYN of it was seen. */
gboolean
sim_watch_isn(const SimWatch *watch, guint number, int side, guint32 *isn);

/* The ends of connection `number` beyond the NAT that translates it, as
 * its far side sees them, or NULL (conns.h). */
const SimConnEnds *
sim_watch_conn_beyond(const SimWatch *watch, guint number);

/* Connection `number` (NULL if not seen yet), and the number of the last
 * connection an event touched (0 if none). */
const SimConnEnds *
sim_watch_conn(const SimWatch *watch, guint number);
guint
sim_watch_last_conn(const SimWatch *watch);
