/* The TIME_WAIT churn workload of DESIGN.md through a router, without and
 * then with NAT: a client and a server 1 ms apart (500 us each side of the
 * router), 1,000 new connections per second for 100 simulated seconds, a
 * 100-byte request and response, the server closes first; the run goes on
 * until every TIME_WAIT and conntrack entry has expired, so each
 * connection is paid for in full.  With NAT the router SNATs the client
 * to an outside address and tracks every flow.  Prints each run's CPU
 * time and events, and their ratio.
 *
 *   bench-nat-churn [RATE [SECONDS]]   (defaults 1000 100) */
#include "nat.h"
#include "net.h"
#include "churn-work.h"
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define CLIENT  0x0a000001u
#define SERVER  0xc6336401u
#define OUTSIDE 0xcb007101u

static void
stack_free(gpointer s)
{
  tcp_stack_free(s);
}

static void
stack_receive(gpointer user, NetNode *node, Packet *pkt)
{
  tcp_stack_input(node->transport, pkt);
}

static TcpStack *
attach(SimEngine *engine, NetNode *node)
{
  TcpStackEnv env = {
    .engine = engine, .host_name = node->name, .run_seed = 1,
    .output = net_host_output, .route = net_host_route, .mtu = net_host_mtu, .host = node,
  };
  TcpStack *s = tcp_stack_new(&env, (const NetAddr *)node->addrs->data, node->addrs->len);
  net_node_set_transport(node, s, stack_free);
  net_node_set_receiver(node, stack_receive, NULL);
  return s;
}

/* One run; returns CPU seconds, and the events and completions. */
static double
run(long rate, long seconds, gboolean nat, guint64 *events, guint64 *done, guint64 *entries_peak)
{
  SimEngine *engine = sim_engine_new();
  NetWorld *net = net_world_new(engine, 1);
  NetAddr c = CLIENT, s = SERVER;
  NetNode *client = net_world_host_new(net, "client", &c, 1, NULL);
  NetNode *server = net_world_host_new(net, "server", &s, 1, NULL);
  NetNode *router = net_world_router_new(net, "router", NULL);
  NetLinkParams p;
  net_link_params_init(&p);
  p.delay = 500 * SIM_US;
  p.rate = 1000000000;
  net_world_link_new(net, client, router, &p, &p);
  net_world_link_new(net, router, server, &p, &p);
  if (nat) {
    NetAddr out = OUTSIDE;
    net_router_add_addr(router, OUTSIDE, NULL);
    nat_box_set_snat(net_router_nat(router), 0x0a000000u, 8, &out, 1, 0, 0);
  }
  ChurnWork b = {
    .engine = engine, .client = attach(engine, client), .server = attach(engine, server),
    .server_addr = SERVER, .every = SIM_S / rate, .until = seconds * SIM_S,
  };
  clock_t t0 = clock();
  churn_work_start(&b);
  sim_engine_run(engine, SIM_TIME_MAX);
  double cpu = (double)(clock() - t0) / CLOCKS_PER_SEC;
  *events = sim_engine_events(engine);
  *done = b.done;
  *entries_peak = router->nat ? router->nat->ct.c.peak : 0;
  net_world_free(net);
  sim_engine_free(engine);
  return cpu;
}

int
main(int argc, char **argv)
{
  long rate = argc > 1 ? atol(argv[1]) : 1000;
  long seconds = argc > 2 ? atol(argv[2]) : 100;
  if (rate <= 0 || seconds <= 0) {
    fprintf(stderr, "usage: bench-nat-churn [RATE>0 [SECONDS>0]]\n");
    return 2;
  }
  guint64 ev[2], done[2], peak[2];
  double cpu[2];
  for (int nat = 0; nat < 2; nat++) cpu[nat] = run(rate, seconds, nat, &ev[nat], &done[nat], &peak[nat]);
  if (done[0] != done[1] || done[0] != (guint64)(rate * seconds)) {
    fprintf(stderr, "bench-nat-churn: %" G_GUINT64_FORMAT " and %" G_GUINT64_FORMAT
            " connections, not %ld\n", done[0], done[1], rate * seconds);
    return 1;
  }
  printf("nat-churn-router-cpu %.3f s\n", cpu[0]);
  printf("nat-churn-nat-cpu %.3f s\n", cpu[1]);
  printf("nat-churn-cost-ratio %.3f x\n", cpu[1] / cpu[0]);
  printf("nat-churn-router-events-per-conn %.2f events\n", (double)ev[0] / done[0]);
  printf("nat-churn-nat-events-per-conn %.2f events\n", (double)ev[1] / done[1]);
  printf("nat-churn-conntrack-peak %" G_GUINT64_FORMAT " entries\n", peak[1]);
  return 0;
}
