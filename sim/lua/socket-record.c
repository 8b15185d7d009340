/* A socket call's trace record and ladder row (see socket-record.h), out
 * of line once the output is written. */
#include "socket-record.h"

void
sim_socket_record_traced(SimWorld *world, TcpSocket *sock, const char *host, const char *call,
                         const char *result)
{
  SimTime now = sim_engine_now(world->run.engine);
  if (!sim_trace_wants(world->out.trace, now)) return;   /* nothing held either */
  TcpTuple t = sock ? tcp_socket_tuple(sock) : (TcpTuple){ 0 };
  sim_writers_call(&world->out, now, host, call, result, &t);
}

void
sim_socket_record_count_traced(SimWorld *world, TcpSocket *sock, const char *host,
                               const char *call, gsize n)
{
  char buf[24];
  if (!sim_trace_wants(world->out.trace, sim_engine_now(world->run.engine))) return;
  g_snprintf(buf, sizeof buf, "%" G_GSIZE_FORMAT, n);
  sim_socket_record_traced(world, sock, host, call, buf);
}

void
sim_socket_draw_laddered(SimWorld *world, TcpSocket *sock, const char *host, const char *text)
{
  TcpTuple t = sock ? tcp_socket_tuple(sock) : (TcpTuple){ 0 };
  sim_writers_call_draw(&world->out, sim_engine_now(world->run.engine), host, text, &t);
}
