/* The TIME_WAIT churn workload of DESIGN.md: two hosts 1 ms apart, 1,000
 * new connections per second for 100 simulated seconds, a 100-byte
 * request and a 100-byte response, the server closes first (so the server
 * holds the TIME_WAIT).  Prints wall time, events and the TIME_WAIT peak.
 *
 *   bench-tcp-churn [RATE [SECONDS]]   (defaults 1000 100) */
#include "tcp-harness.h"
#include "churn-work.h"
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int
main(int argc, char **argv)
{
  long rate = argc > 1 ? atol(argv[1]) : 1000;
  long seconds = argc > 2 ? atol(argv[2]) : 100;
  TestNet *net = test_net_new(FALSE, SIM_MS);
  ChurnWork b = {
    .engine = net->engine, .client = net->host[0].stack, .server = net->host[1].stack,
    .server_addr = TEST_ADDR_B, .every = SIM_S / rate, .until = seconds * SIM_S,
  };
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  churn_work_start(&b);
  sim_engine_run(net->engine, b.until);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double wall = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  const TcpStats *ss = tcp_stack_stats(net->host[1].stack);
  const TcpStats *cs = tcp_stack_stats(net->host[0].stack);
  printf("%ld conn/s for %ld s: %.3f s wall, %" G_GUINT64_FORMAT " events, "
         "%" G_GUINT64_FORMAT " completed, connect_ok %" G_GUINT64_FORMAT
         ", server TIME_WAIT now %" G_GUINT64_FORMAT " peak %" G_GUINT64_FORMAT
         " reused %" G_GUINT64_FORMAT "\n",
         rate, seconds, wall, (guint64)sim_engine_events(net->engine), b.done,
         cs->connect_ok, tcp_stack_count(net->host[1].stack, TCP_STATE_TIME_WAIT),
         ss->tw_peak, ss->tw_reused);
  test_net_free(net);
  return 0;
}
