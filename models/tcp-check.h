/* Invariant checks of a host's TCP (STYLE.md "Errors, four kinds": a bug
 * is caught by *_check_invariants(), on in test builds).
 *
 * Data flow: nothing flows through here.  The Lua layer calls
 * tcp_stack_check_invariants() for every host after every event when the
 * build has TWSIM_INVARIANTS or the run has --check (engine.h's after-event
 * hook); tests call tcp_stack_check() on stacks they break on purpose. */
#pragma once
#include "tcp-stack.h"

/* Checks every axiom of tcp-stack-internal.h and each connection's own
 * (tcp.h): sequence variables, windows, buffers, timers, demux tables,
 * TIME_WAIT records, per-state counts and port use counts, by recounting.
 * O(connections + records + ports).  TRUE if all hold; else FALSE with the
 * first broken one described in `why` (appended; may be NULL). */
gboolean
tcp_stack_check(const TcpStack *stack, GString *why);

/* tcp_stack_check(), aborting with the description when one fails. */
void
tcp_stack_check_invariants(const TcpStack *stack);

/* The number of objects a check walks (connections, records, sockets,
 * ports): what it costs, for callers that spread checks of large stacks
 * over several events. */
gsize
tcp_stack_check_size(const TcpStack *stack);

/* Test support: the per-state count of `state`, to break on purpose. */
guint64 *
tcp_stack_count_slot(TcpStack *stack, TcpState state);
