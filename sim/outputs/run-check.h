/* Invariant checks after every event (engine.h's after-event hook): every
 * host's TCP (models/tcp-check.h) and the network (models/net-check.h).
 *
 * On in builds with TWSIM_INVARIANTS (meson option `invariants`), where a
 * large world is checked in full every few events so that the checks cost
 * O(1) amortised per event; `--check` checks everything after every event
 * in any build.  A broken invariant is a bug of twsim: the run aborts
 * with the description (STYLE.md, "Errors, four kinds"). */
#pragma once
#include "run-view.h"

/* Installs the hook on the run's engine when the build or the view ask for
 * checks.  Returns the hook's state, to be freed with g_free after the
 * engine, or NULL when no hook was installed. */
gpointer
sim_run_install_checks(const SimRunView *view);

/* Checks everything now.  TRUE if all holds; else FALSE with the first
 * broken invariant in `why` (may be NULL). */
gboolean
sim_run_check(const SimRunView *view, GString *why);
