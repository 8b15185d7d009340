/* load.server's plain server (sim/lua/modules/load.lua), run in C.
 *
 * The plain server answers each connection's first read with `response`
 * bytes and closes.  In Lua that was a process per connection, three
 * resumes and two yields: about 3,500 of the churn workload's 28,500
 * instructions a connection, two fifths of what the Lua layer spent on it
 * (docs/performance.md).  Nothing of it is the scenario's, so it runs
 * here, making the same socket calls at the same instants in the same
 * order as its Lua form did: each step that was a process's wake-up is
 * one engine event here too, scheduled at the same point, so the run
 * (every output, event numbers included) is what it was.  load.lua binds
 * and listens from its own process, then hands the listening socket over
 * (sim_plain_serve). */
#pragma once
#include "world.h"
#include "tcp-stack.h"

/* Serves `listener` (listening, owned by the stack; `host` names its host
 * for the outputs) from now on: accepts as the Lua loop did, at once and
 * then whenever a connection is ready, and serves each connection in its
 * own steps: a read of the request, `response` bytes sent (none if 0),
 * then the close, after the client's FIN when `client_closes` (unless the
 * request's read met it already).  The socket stays open, served until
 * the run ends or an accept fails. */
void
sim_plain_serve(SimWorld *world, TcpSocket *listener, const char *host, gsize response,
                gboolean client_closes);

/* Frees every server and connection state (at the end of the run; the
 * sockets are the stack's). */
void
sim_plain_servers_free_all(SimWorld *world);
