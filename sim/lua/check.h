/* Argument checks and usage errors: the one path by which every
 * Lua-facing function of twsim refuses a bad call, shaped like Lua's own
 * lauxlib (luaL_argerror, luaL_checkoption) but in twsim's format:
 *
 *   FILE:LINE: NAME: WHAT
 *
 * FILE:LINE is the innermost scenario line on the stack (a module twsim
 * ships is skipped: the line that called it is the mistake), NAME is how
 * the scenario writes the call ("s:bind", "sim.host"), found from the
 * running function as luaL_argerror finds it, and WHAT says what is wrong.
 * Each such error marks the run invalid: exit status 2, whatever pcall
 * made of it.  docs/lua-api.md ("Errors") describes the format.
 *
 * Nothing here takes heap memory across a call that can raise: a message
 * is formatted into a luaL_Buffer (owned by Lua), so an out-of-memory
 * error on the way leaks nothing. */
#pragma once
#include <glib.h>
#include <lua.h>
#include <lauxlib.h>

/* Remembers how a scenario writes a call of each function of the table at
 * `idx` ("s:" + "bind"), for sim_lua_fname; `self` is "s:", "sim.".  A
 * function held under two prefixes (h:name and r:name) is named by the
 * type of its first argument. */
void
sim_lua_name_functions(lua_State *L, int idx, const char *self);

/* The name the scenario calls the running C function by: "s:bind",
 * "sim.host"; the frame's own name when twsim did not register it, "?"
 * when Lua cannot tell.  Valid while the function runs. */
const char *
sim_lua_fname(lua_State *L);

/* Pushes the text fmt/ap formats (printf's formats, unlike
 * lua_pushvfstring), built in a buffer Lua owns, so a raise on the way
 * leaks nothing; returns it. */
const char *
sim_lua_pushvformat(lua_State *L, const char *fmt, va_list ap);

/* Raises "FILE:LINE: MESSAGE" and marks the run invalid (exit 2).  For a
 * message that names its own subject (an option of the command line). */
G_GNUC_PRINTF(2, 3) G_NORETURN int
sim_lua_usage_error(lua_State *L, const char *fmt, ...);

/* Raises "FILE:LINE: NAME: MESSAGE" (NAME from sim_lua_fname), marking
 * the run invalid: the error of a bad argument to a twsim call. */
G_GNUC_PRINTF(2, 3) G_NORETURN int
sim_lua_argerror(lua_State *L, const char *fmt, ...);

/* "NAME: expected EXPECTED as argument ARG, got TYPE". */
G_NORETURN int
sim_lua_typeerror(lua_State *L, int arg, const char *expected);

/* Raises "NAME: WHAT: MESSAGE" (or "NAME: MESSAGE" when `what` is NULL)
 * from a GError of the models, which it frees first: the one place a
 * GError becomes a Lua error. */
G_NORETURN int
sim_lua_gerror(lua_State *L, const char *what, GError *error);

/* The same for a message that names its own subject: "SUBJECT: MESSAGE"
 * (a shipped module's call, "load.open_loop: rate"). */
G_NORETURN int
sim_lua_usage_gerror(lua_State *L, const char *subject, GError *error);

/* luaL_checkoption in twsim's voice: the index in `names` (NULL-ended) of
 * the string at `arg`, or of `def` when the argument is absent and `def`
 * is not NULL.  Otherwise a usage error "NAME: unknown WHAT 'x' (did you
 * mean 'y'?)", or with the list of names when none is close. */
int
sim_lua_checkoption(lua_State *L, int arg, const char *def, const char *const names[],
                    const char *what);

/* Raises a usage error naming an unknown key of the options table at
 * `arg` (the smallest, so the message is the same on every run), with the
 * closest allowed key: "NAME: WHAT: unknown option 'x'" (WHAT, the
 * table's path such as "nat.snat", may be NULL for the call's own). */
void
sim_lua_check_option_keys(lua_State *L, int arg, const char *what, const char *const *allowed);
