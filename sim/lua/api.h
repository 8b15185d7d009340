/* The Lua layer as the command uses it: a world whose Lua state has the
 * deterministic libraries, the sandbox if asked for, and the sim library
 * with every twsim type registered, each by its own file:
 *
 *   lsim.c     sim.now, run, param, random, seed, assert, log, record, on
 *   process.c  sim.spawn and sim.sleep: processes, coroutines in virtual
 *              time (also used by sockets and timers to block and wake)
 *   lhost.c    sim.host and twsim.Host
 *   lrouter.c  sim.router and twsim.Router
 *   llink.c    sim.link and twsim.Link
 *   lsocket.c  twsim.Socket (from h:socket())
 *   ltimer.c   sim.at, sim.every and twsim.Timer
 *
 * The type files share world.c (the world, errors, observers), lnet.c
 * (the network, nodes, segments) and determinism.c; none of those
 * includes a type file, and only this file
 * includes them all. */
#pragma once
#include "world.h"

/* sim_world_new, then the libraries above, with `sim` as a global.  NULL
 * with error (SIM_ERROR_MEMORY) when the Lua state cannot be made. */
SimWorld *
sim_lua_world_new(const SimRunOptions *opts, GError **error);

/* Ends every process, then frees the world.  NULL is fine. */
void
sim_lua_world_free(SimWorld *world);
