/* The twsim.Router type (lrouter.c). */
#pragma once
#include "world.h"

/* Registers the Router metatable and sets `router` in the sim table on
 * top of the stack. */
void
sim_lua_router_open(lua_State *L);
