/* A host node's TCP: the stack wired to the node it runs on.
 *
 * Data flow: the node receives a packet -> tcp_stack_input(); the stack
 * sends, routes and sizes its MSS through the node (net_host_output,
 * net_host_route, net_host_mtu), and the segments it discards are the
 * node's drops (net_host_dropped).  Both drivers of the models, the Lua
 * layer's sim.host and `twsim pkt`'s host, attach their stacks here. */
#pragma once
#include "net.h"
#include "tcp-stack.h"

/* Gives the host `node` a TCP stack, owned by the node.  From `env` it
 * takes the engine, run_seed, trace, state_changed and state_settled (with
 * settled_wanted) and their state_user;
 * the rest (host_name, output, route, mtu, dropped, host) is the node's. */
TcpStack *
tcp_host_attach(NetNode *node, const TcpStackEnv *env);
