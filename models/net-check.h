/* Invariant checks of the network (see tcp-check.h for the hosts' TCP):
 * the name and address indexes, interfaces and links, link counters, a
 * NAT router's conntrack counts.
 *
 * Data flow: none; the Lua layer's after-event hook calls it in test
 * builds and with --check. */
#pragma once
#include "net.h"

/* TRUE if every axiom holds; else FALSE with the first broken one
 * appended to `why` (may be NULL).  O(nodes + links + addresses). */
gboolean
net_world_check(const NetWorld *net, GString *why);
