/* The socket API in Lua (DESIGN.md "Socket") and the TCP methods of hosts
 * (h:socket, h:count, h:states, h:stats, h:set), over models/tcp-stack.h.
 *
 * Blocking is built here: a tcp_socket_*() call that would block returns
 * EAGAIN/EINPROGRESS; the Lua method sets the socket's waiter to wake the
 * calling process and yields with a continuation that retries the call. */
#pragma once
#include "world.h"
#include "tcp-stack.h"
#include "net.h"

/* Registers the twsim.Socket type. */
void
sim_lua_socket_register(lua_State *L);

/* Pushes a new socket object for sock (owned by the stack) of host `host`
 * (a name that lives as long as the run). */
void
sim_lua_socket_push(lua_State *L, SimWorld *world, TcpSocket *sock, const char *host);

/* Adds the TCP methods (socket, count, states, stats, set) to hosts. */
void
sim_lua_socket_add_host_methods(lua_State *L);

/* Gives a new host its TCP stack (raises a usage error for a bad profile). */
void
sim_lua_host_attach_tcp(lua_State *L, NetNode *node);

/* The host's TCP stack and name, for the host userdata at `arg` (raises a
 * usage error if it is not a host).  Provided by the host binding. */
TcpStack *
sim_lua_host_tcp(lua_State *L, int arg, const char **name);

/* The TcpStackEnv.state_changed hook: traces nothing itself (the stack
 * does), calls the sim.on("state") observers.  `host` is the SimWorld. */
void
sim_lua_state_changed(gpointer world, const TcpStateEvent *ev);
