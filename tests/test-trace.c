/* Trace writers (sim/engine/trace.h): both forms carry the same fields. */
#include "trace.h"
#include "engine.h"
#include <stdlib.h>
#include <string.h>

static char *
write_record(SimTraceFormat format)
{
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  SimTrace *t = sim_trace_new(f, format);
  sim_trace_begin(t, 1500 * SIM_US, "state", "client");
  sim_trace_str(t, "from", "SYN_SENT");
  sim_trace_str(t, "to", "ESTABLISHED");
  sim_trace_int(t, "lport", 32768);
  sim_trace_time(t, "rto", SIM_S);
  sim_trace_str(t, "note", "two words \"quoted\"");
  sim_trace_end(t);
  g_assert_true(sim_trace_flush(t, NULL));
  sim_trace_free(t);
  fclose(f);
  return text;
}

static void
test_text(void)
{
  char *s = write_record(SIM_TRACE_TEXT);
  g_assert_cmpstr(s, ==, "0.001500000 state client from=SYN_SENT to=ESTABLISHED "
                         "lport=32768 rto=1.000000000 note=\"two words \\\"quoted\\\"\"\n");
  free(s);
}

static void
test_jsonl(void)
{
  char *s = write_record(SIM_TRACE_JSONL);
  g_assert_cmpstr(s, ==, "{\"t\":0.001500000,\"kind\":\"state\",\"host\":\"client\","
                         "\"from\":\"SYN_SENT\",\"to\":\"ESTABLISHED\",\"lport\":32768,"
                         "\"rto\":1.000000000,\"note\":\"two words \\\"quoted\\\"\"}\n");
  free(s);
}

static void
test_window(void)
{
  SimTrace *t = sim_trace_new(stdout, SIM_TRACE_TEXT);
  sim_trace_set_window(t, SIM_S, 2 * SIM_S);
  g_assert_false(sim_trace_wants(t, SIM_S - 1));
  g_assert_true(sim_trace_wants(t, SIM_S));
  g_assert_true(sim_trace_wants(t, 2 * SIM_S));
  g_assert_false(sim_trace_wants(t, 2 * SIM_S + 1));
  g_assert_false(sim_trace_wants(NULL, SIM_S));
  sim_trace_free(t);
}

static void
write_tick(SimEngine *engine, gpointer data)
{
  sim_trace_begin(data, sim_engine_now(engine), "log", NULL);
  sim_trace_str(data, "msg", "tick");
  sim_trace_end(data);
}

/* With an engine, every record carries the number of the event it belongs
 * to, right after the host, in both forms; before any event, 0. */
static void
test_event_numbers(void)
{
  for (int format = SIM_TRACE_TEXT; format <= SIM_TRACE_JSONL; format++) {
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    SimEngine *engine = sim_engine_new();
    SimTrace *t = sim_trace_new(f, format);
    sim_trace_set_engine(t, engine);
    write_tick(engine, t);
    for (int i = 1; i <= 3; i++) sim_engine_schedule(engine, i * SIM_MS, write_tick, t, NULL);
    sim_engine_run(engine, SIM_TIME_MAX);
    g_assert_true(sim_trace_flush(t, NULL));
    sim_trace_free(t);
    sim_engine_free(engine);
    fclose(f);
    if (format == SIM_TRACE_TEXT)
      g_assert_cmpstr(text, ==, "0.000000000 log - ev=0 msg=tick\n"
                                "0.001000000 log - ev=1 msg=tick\n"
                                "0.002000000 log - ev=2 msg=tick\n"
                                "0.003000000 log - ev=3 msg=tick\n");
    else
      g_assert_cmpstr(text + len - 51, ==, "{\"t\":0.003000000,\"kind\":\"log\",\"ev\":3,\"msg\":\"tick\"}\n");
    free(text);
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/trace/text", test_text);
  g_test_add_func("/trace/jsonl", test_jsonl);
  g_test_add_func("/trace/window", test_window);
  g_test_add_func("/trace/event-numbers", test_event_numbers);
  return g_test_run();
}
