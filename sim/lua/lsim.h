/* The `sim` table: the scenario's world API (DESIGN.md, "Lua API").
 * One file per Lua type: ltimer.c for the timers sim.at/sim.every return;
 * hosts, links and sockets register their own types. */
#pragma once
#include "world.h"

/* Pushes the sim table. */
int
sim_lua_open(lua_State *L);

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

/* Registers the timer type and pushes nothing. */
void
sim_lua_timer_register(lua_State *L);

/* sim.at and sim.every. */
int
sim_lua_at(lua_State *L);
int
sim_lua_every(lua_State *L);
