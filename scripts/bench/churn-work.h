/* The TIME_WAIT churn workload of DESIGN.md, on any two TCP stacks: a new
 * connection from the client every `every` until `until`, a 100-byte
 * request and a 100-byte response, the server closes first (so the server
 * holds the TIME_WAIT).  Shared by the benchmarks that drive the stacks
 * without Lua (tcp-churn.c: back to back; nat-churn.c: through a router). */
#pragma once
#include "tcp-stack.h"

typedef struct {
  SimEngine *engine;
  TcpStack  *client, *server;
  NetAddr    server_addr;
  SimTime    every, until;
  TcpSocket *ls;            /* the server's listener, port 80 */
  guint64    done;          /* connections completed */
} ChurnWork;

/* Listens on the server and schedules the first connection at now. */
void
churn_work_start(ChurnWork *w);
