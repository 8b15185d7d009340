/* The twsim.Socket type: the socket API in Lua (DESIGN.md "Socket") over
 * models/tcp-stack.h.
 *
 * Blocking is built here: a tcp_socket_*() call that would block returns
 * EAGAIN/EINPROGRESS; the Lua method sets the socket's waiter to wake the
 * calling process and yields with a continuation that retries the call. */
#pragma once
#include "world.h"
#include "tcp-stack.h"

/* Registers the Socket metatable (sockets are made by h:socket()). */
void
sim_lua_socket_open(lua_State *L);

/* Pushes a new socket object for sock (owned by the stack) of host `host`
 * (a name that lives as long as the run). */
void
sim_lua_socket_push(lua_State *L, SimWorld *world, TcpSocket *sock, const char *host);

/* Takes the socket at argument 1 from its object, which then reads as
 * closed, for twsim's own code to use: the shipped modules' servers run in
 * C (plain-server.h).  Sets *host to its host's name.  The checks of a
 * method call that does not block: an open socket, no process blocked on
 * it, not inside a model's callback. */
TcpSocket *
sim_lua_socket_take(lua_State *L, const char **host);
