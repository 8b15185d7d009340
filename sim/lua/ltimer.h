/* The twsim.Timer type (ltimer.c). */
#pragma once
#include "world.h"

/* Registers the Timer metatable and sets `at` and `every` in the sim table
 * on top of the stack. */
void
sim_lua_timer_open(lua_State *L);
