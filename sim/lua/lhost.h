/* The twsim.Host type (lhost.c). */
#pragma once
#include "world.h"

/* Registers the Host metatable and sets `host` in the sim table on top of
 * the stack. */
void
sim_lua_host_open(lua_State *L);
