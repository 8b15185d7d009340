/* What a socket call leaves in the outputs: its trace record ("call",
 * docs/trace-format.md) and its ladder row.  Shared by the socket methods
 * (lsocket.c) and the servers twsim runs in C (plain-server.c), so that a
 * call writes the same whoever makes it.  Each is a test inline when its
 * output is not written: no call on the hot path. */
#pragma once
#include "world.h"
#include "tcp-stack.h"

void
sim_socket_record_traced(SimWorld *world, TcpSocket *sock, const char *host, const char *call,
                         const char *result);
void
sim_socket_record_count_traced(SimWorld *world, TcpSocket *sock, const char *host,
                               const char *call, gsize n);
void
sim_socket_draw_laddered(SimWorld *world, TcpSocket *sock, const char *host, const char *text);

/* The "call" trace record of `call` (its result "ok", a byte count or an
 * errno name), made on `host` through sock (NULL once closed: no
 * addresses). */
static inline void
sim_socket_record(SimWorld *world, TcpSocket *sock, const char *host, const char *call,
                  const char *result)
{
  if (world->out.trace) sim_socket_record_traced(world, sock, host, call, result);
}

/* The same with a byte count for the result. */
static inline void
sim_socket_record_count(SimWorld *world, TcpSocket *sock, const char *host, const char *call,
                        gsize n)
{
  if (world->out.trace) sim_socket_record_count_traced(world, sock, host, call, n);
}

/* The call's ladder row, `text` as drawn ("close()"). */
static inline void
sim_socket_draw(SimWorld *world, TcpSocket *sock, const char *host, const char *text)
{
  if (world->out.ladder) sim_socket_draw_laddered(world, sock, host, text);
}
