/* Making a Lua 5.4 state deterministic, and the sandbox.
 *
 * Lua seeds its string hash and math.random per process, so pairs() order
 * over string keys and math.random draws would change from run to run.
 * twsim replaces pairs() with one that visits keys in an order fixed by the
 * keys themselves (numbers by value, then strings bytewise, then booleans),
 * and seeds math.random from the run seed.  What stays outside the promise
 * is listed in docs/determinism.md. */
#pragma once
#include "world.h"

/* Installs the deterministic pairs() and math.random seeding. */
void
sim_determinism_install(lua_State *L, guint64 seed);

/* Removes what an untrusted scenario must not reach: io, os, require and
 * package, debug, dofile, loadfile, string.dump, and binary chunks in load. */
void
sim_sandbox_install(lua_State *L);
