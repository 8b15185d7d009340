/* "Did you mean": the known name closest to a mistyped one, for the
 * messages about unknown option keys, methods, TCP settings and --set
 * keys.  One helper, so every such message suggests in the same way. */
#pragma once
#include <glib.h>

/* The name among `candidates` (n of them, or NULL-terminated when n < 0)
 * closest to `name` by optimal string alignment distance (insertions,
 * deletions, substitutions and swaps of two neighbours, each costing 1),
 * when it is close enough to be a likely typo: at most a third of the
 * longer name's length, and at least 1.  A candidate that contains `name`
 * or is contained in it ("tw_reuse" in "tcp_tw_reuse") counts as close.
 * Ties go to the earlier candidate.  NULL when none is close; the result
 * points into `candidates`. */
const char *
sim_closest_name(const char *name, const char *const *candidates, gssize n);

/* " (did you mean 'X'?)" for the closest candidate, or "" when none is
 * close: to append to an error message.  Free with g_free. */
char *
sim_closest_hint(const char *name, const char *const *candidates, gssize n);
