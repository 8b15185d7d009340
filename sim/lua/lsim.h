/* The `sim` table: the scenario's world API (DESIGN.md, "Lua API"):
 * processes (spawn, sleep), time (now, run), parameters and randomness,
 * assert, log, record and observers (on).  The types add their own
 * constructors to it (lhost.c sim.host, lrouter.c sim.router, llink.c
 * sim.link, ltimer.c sim.at and sim.every): api.c puts it together. */
#pragma once
#include "world.h"

/* Pushes a new sim table with its own functions. */
void
sim_lua_sim_open(lua_State *L);

/* Runs the engine until `until` (the command line's --until wins): the body
 * of sim.run, also used when a scenario never calls it.  Raises the run's
 * first error if a process failed or a limit stopped it, and a marker
 * (sim_lua_error_is_stop) when --stop-at-event ends the run. */
void
sim_lua_run(lua_State *L, SimTime until);

/* Whether the error object at idx is the one sim_lua_run raises when
 * --stop-at-event ends the run: the end of the run, not a failure. */
gboolean
sim_lua_error_is_stop(lua_State *L, int idx);
