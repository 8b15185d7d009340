/* The event queue's work per connection of the churn workload: the
 * scenario scripts/bench/churn.lua run through the Lua layer as `twsim run`
 * runs it, then the engine's counts divided by the connections the
 * scenario records.  A push into the heap is a future event (a segment's
 * arrival, a sleep); an event due now goes to the FIFO beside it; the TCP
 * timers of a host are one engine timer, moved in place.
 *
 *   bench-queue-ops [SECONDS [CLIENTS]]   (defaults 10 1; run from the
 *                                          source root) */
#include "api.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
set_param(SimRunOptions *opts, const char *key, const char *value)
{
  g_ptr_array_add(opts->set_pairs, g_strdup_printf("%s=%s", key, value));
  g_hash_table_replace(opts->params, g_strdup(key), g_strdup(value));
}

static double
record(const SimRecords *records, const char *name)
{
  for (guint i = 0; i < sim_records_count(records); i++)
    if (strcmp(sim_records_name(records, i), name) == 0) return sim_records_value(records, i);
  return 0;
}

int
main(int argc, char **argv)
{
  const char *seconds = argc > 1 ? argv[1] : "10";
  const char *clients = argc > 2 ? argv[2] : "1";
  SimRunOptions opts = {
    .scenario = "scripts/bench/churn.lua", .seed = 1, .until = SIM_TIME_MAX,
    .quiet = TRUE, .text_to_stderr = TRUE,
    .set_pairs = g_ptr_array_new_with_free_func(g_free),
    .params = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free),
  };
  set_param(&opts, "seconds", seconds);
  set_param(&opts, "clients", clients);
  GError *error = NULL;
  SimWorld *world = sim_lua_world_new(&opts, &error);
  if (world == NULL) {
    fprintf(stderr, "bench-queue-ops: %s\n", error->message);
    return 2;
  }
  lua_State *L = sim_world_lua(world);
  if (luaL_dofile(L, opts.scenario) != LUA_OK || world->message) {
    fprintf(stderr, "bench-queue-ops: %s\n",
                world->message ? world->message : lua_tostring(L, -1));
    return 1;
  }
  double conns = record(world->records, "connections");
  if (conns <= 0) {
    fprintf(stderr, "bench-queue-ops: the scenario recorded no connections\n");
    return 1;
  }
  SimEngineStats st;
  sim_engine_stats(world->run.engine, &st);
  printf("churn-heap-pushes-per-conn %.2f pushes\n", (double)st.queue.heap_pushes / conns);
  printf("churn-fifo-pushes-per-conn %.2f pushes\n", (double)st.queue.fifo_pushes / conns);
  printf("churn-cancels-per-conn %.2f cancels\n", (double)st.queue.cancels / conns);
  printf("churn-timer-sets-per-conn %.2f sets\n", (double)st.timer_sets / conns);
  printf("churn-timers-fired-per-conn %.2f timers\n", (double)st.timers_fired / conns);
  sim_lua_world_free(world);
  g_ptr_array_free(opts.set_pairs, TRUE);
  g_hash_table_destroy(opts.params);
  return 0;
}
