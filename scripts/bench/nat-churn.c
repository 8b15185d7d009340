/* The TIME_WAIT churn workload of DESIGN.md (churn-work.h) three ways: a
 * client and a server on one 1 ms link; the same 1 ms through a router
 * (500 us each side); and through that router doing NAT (it SNATs the
 * client to an outside address and tracks every flow).  1,000 new
 * connections per second for 100 simulated seconds; each run goes on
 * until every TIME_WAIT and conntrack entry has expired, so each
 * connection is paid for in full.  Prints each run's CPU time and events,
 * and the cost of NAT: the NAT run's CPU over the plain router's (the same
 * workload on the same path without NAT), and over the direct link's.
 *
 *   bench-nat-churn [RATE [SECONDS [direct|router|nat]]]   (defaults 1000 100)
 *
 * With a third argument, only that run (for profiles: instruction counts
 * of one run under valgrind). */
#include "nat.h"
#include "net.h"
#include "churn-work.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

enum { DIRECT, ROUTER, NAT, RUNS };

/* One run; returns CPU seconds, and the events and completions. */
static double
run(long rate, long seconds, int how, guint64 *events, guint64 *done, guint64 *entries_peak)
{
  SimEngine *engine = sim_engine_new();
  NetWorld *net = net_world_new(engine, 1);
  NetAddr c = CLIENT, s = SERVER;
  NetNode *client = net_world_host_new(net, "client", &c, 1, NULL);
  NetNode *server = net_world_host_new(net, "server", &s, 1, NULL);
  NetNode *router = net_world_router_new(net, "router", NULL);
  NetLinkParams p;
  net_link_params_init(&p);
  p.delay = how == DIRECT ? SIM_MS : 500 * SIM_US;
  p.rate = 1000000000;
  if (how == DIRECT) {
    net_world_link_new(net, client, server, &p, &p);
  } else {
    net_world_link_new(net, client, router, &p, &p);
    net_world_link_new(net, router, server, &p, &p);
  }
  if (how == NAT) {
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
  static const char *const names[RUNS] = { "direct", "router", "nat" };
  int only = -1;
  for (int how = 0; argc > 3 && how < RUNS; how++)
    if (strcmp(argv[3], names[how]) == 0) only = how;
  if (rate <= 0 || seconds <= 0 || (argc > 3 && only < 0)) {
    fprintf(stderr, "usage: bench-nat-churn [RATE>0 [SECONDS>0 [direct|router|nat]]]\n");
    return 2;
  }
  if (only >= 0) {
    guint64 ev, done, peak;
    double cpu = run(rate, seconds, only, &ev, &done, &peak);
    printf("nat-churn-%s-cpu %.3f s\nnat-churn-%s-events-per-conn %.2f events\n",
           names[only], cpu, names[only], (double)ev / MAX(done, 1));
    return 0;
  }
  guint64 ev[RUNS], done[RUNS], peak[RUNS];
  double cpu[RUNS];
  /* A short run first, so that no measured run pays for warming the free
   * lists and the allocator. */
  run(rate, MAX(seconds / 10, 1), NAT, &ev[0], &done[0], &peak[0]);
  for (int how = 0; how < RUNS; how++) {
    cpu[how] = run(rate, seconds, how, &ev[how], &done[how], &peak[how]);
    if (done[how] != (guint64)(rate * seconds)) {
      fprintf(stderr, "bench-nat-churn: %s: %" G_GUINT64_FORMAT " connections, not %ld\n",
              names[how], done[how], rate * seconds);
      return 1;
    }
  }
  for (int how = 0; how < RUNS; how++) {
    printf("nat-churn-%s-cpu %.3f s\n", names[how], cpu[how]);
    printf("nat-churn-%s-events-per-conn %.2f events\n", names[how], (double)ev[how] / done[how]);
  }
  printf("nat-churn-conntrack-peak %" G_GUINT64_FORMAT " entries\n", peak[NAT]);
  printf("nat-churn-cost-ratio %.3f x\n", cpu[NAT] / cpu[ROUTER]);
  printf("nat-churn-cost-ratio-direct %.3f x\n", cpu[NAT] / cpu[DIRECT]);
  return 0;
}
