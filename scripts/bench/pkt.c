/* bench-pkt SCRIPT.pkt RUNS: parses and runs a packetdrill script RUNS
 * times in this process (sim/pkt/) and prints the median time of one
 * parse + run, in microseconds: `pkt-run-us N`.  The target
 * (docs/performance.md): a 100-line script in under 10 ms. */
#include "pkt-run.h"
#include <stdio.h>
#include <stdlib.h>

static int
compare_doubles(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int
main(int argc, char **argv)
{
  if (argc != 3) {
    fprintf(stderr, "usage: bench-pkt SCRIPT.pkt RUNS\n");
    return 2;
  }
  int runs = atoi(argv[2]);
  if (runs < 1) runs = 1;
  double *us = g_new(double, runs);
  for (int i = 0; i < runs; i++) {
    gint64 t0 = g_get_monotonic_time();
    GError *error = NULL;
    PktScript *script = pkt_script_load(argv[1], &error);
    if (script == NULL) {
      fprintf(stderr, "bench-pkt: %s\n", error->message);
      return 2;
    }
    PktRunOptions opts = { 0 };
    char *message = NULL;
    PktOutcome outcome = pkt_run(script, &opts, &message);
    us[i] = (double)(g_get_monotonic_time() - t0);
    pkt_script_free(script);
    if (outcome != PKT_PASS) {
      fprintf(stderr, "bench-pkt: %s\n", message);
      return 1;
    }
  }
  qsort(us, (size_t)runs, sizeof *us, compare_doubles);
  printf("pkt-run-us %.1f us\n", us[runs / 2]);
  g_free(us);
  return 0;
}
