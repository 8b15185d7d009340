/* Trace writers (sim/engine/trace.h): both forms carry the same fields. */
#include "trace.h"
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

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/trace/text", test_text);
  g_test_add_func("/trace/jsonl", test_jsonl);
  g_test_add_func("/trace/window", test_window);
  return g_test_run();
}
