/* The twsim.Link type (llink.c). */
#pragma once
#include "world.h"

/* Registers the Link metatable and sets `link` in the sim table on top of
 * the stack. */
void
sim_lua_link_open(lua_State *L);
