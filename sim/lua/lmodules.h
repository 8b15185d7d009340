/* The Lua modules shipped inside twsim (the files of sim/lua/modules/, embedded
 * at build time): `require("twsim.load")` finds them with or without
 * --sandbox, and never reads a file. */
#pragma once
#include "world.h"

/* Makes the modules loadable: package.preload entries, and under the
 * sandbox (which removes package and require) a require that loads these
 * modules and nothing else. */
void
sim_lua_modules_open(lua_State *L, gboolean sandbox);
