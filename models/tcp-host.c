/* A host node's TCP (see tcp-host.h). */
#include "tcp-host.h"

static void
host_dropped(gpointer node, const Packet *pkt, TcpDropReason reason)
{
  net_host_dropped(node, pkt, reason == TCP_DROP_ACCEPT_QUEUE ? NET_DROP_BACKLOG
                                                              : NET_DROP_NO_LISTENER);
}

static void
host_receive(gpointer user, NetNode *node, Packet *pkt)
{
  tcp_stack_input(node->transport, pkt);
}

static void
stack_free(gpointer stack)
{
  tcp_stack_free(stack);
}

TcpStack *
tcp_host_attach(NetNode *node, const TcpStackEnv *base)
{
  TcpStackEnv env = *base;
  env.host_name = node->name;
  env.output = net_host_output;
  env.route = net_host_route;
  env.mtu = net_host_mtu;
  env.dropped = host_dropped;
  env.host = node;
  env.tx_refused = &node->tx_refuse;
  TcpStack *stack = tcp_stack_new(&env, (const NetAddr *)node->addrs->data, node->addrs->len);
  net_node_set_transport(node, stack, stack_free);
  net_node_set_receiver(node, host_receive, NULL);
  return stack;
}
