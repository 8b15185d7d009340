/* require("twsim.load"): the generators (tests/scenarios/load.lua checks
 * its own figures with sim.assert: arrival rates, keep-alive, the pool's
 * size, who holds TIME_WAIT), with and without --sandbox, the same output
 * for the same seed; and its arguments' mistakes, one line with the
 * scenario's file and line, exit 2. */
#include "twsim-run.h"
#include <string.h>

static void
test_generators(void)
{
  const char *const modes[] = { "mode=open", "mode=closed", "mode=pool" };
  const char *const closers[] = { "closer=client", "closer=server" };
  for (gsize m = 0; m < G_N_ELEMENTS(modes); m++) {
    for (gsize c = 0; c < G_N_ELEMENTS(closers); c++) {
      TwsimResult r = twsim_run("run", "@load.lua", "--set", modes[m], "--set", closers[c],
                                NULL);
      if (r.status != 0) g_printerr("%s %s: %s", modes[m], closers[c], r.err);
      g_assert_cmpint(r.status, ==, 0);
      TwsimResult again = twsim_run("run", "@load.lua", "--set", modes[m], "--set",
                                    closers[c], "--sandbox", NULL);
      g_assert_cmpint(again.status, ==, 0);
      g_assert_cmpstr(again.out, ==, r.out);   /* the same run, sandboxed or not */
      twsim_result_clear(&again);
      twsim_result_clear(&r);
    }
  }
}

static void
test_plain_server(void)
{
  /* load.server with a response size and no protocol: the scenario checks
   * the bytes answered and who holds TIME_WAIT with sim.assert. */
  const char *const closers[] = { "closer=server", "closer=client" };
  for (gsize c = 0; c < G_N_ELEMENTS(closers); c++) {
    TwsimResult r = twsim_run("run", "@load-plain.lua", "--set", closers[c], "--quiet", NULL);
    if (r.status != 0) g_printerr("%s: %s", closers[c], r.err);
    g_assert_cmpint(r.status, ==, 0);
    g_assert_nonnull(strstr(r.out, "plain: answered 20, silent 20"));
    twsim_result_clear(&r);
  }
}

/* The line of the trace's first server "call" record of `call` with
 * `result`, on the connection with remote port `rport` if given; NULL if
 * there is none. */
static const char *
find_call(const char *trace, const char *call, const char *result, const char *rport)
{
  g_autofree char *want = g_strdup_printf(" call=%s result=%s ", call, result);
  g_autofree char *port = rport ? g_strdup_printf(" rport=%s\n", rport) : NULL;
  for (const char *hit = strstr(trace, want); hit; hit = strstr(hit + 1, want)) {
    const char *line = hit;
    while (line > trace && line[-1] != '\n') line--;
    const char *eol = strchr(hit, '\n');
    g_autofree char *text = g_strndup(line, eol ? (gsize)(eol - line + 1) : strlen(line));
    if (strstr(text, " call server ev=") && (port == NULL || strstr(text, port))) return line;
  }
  return NULL;
}

static void
test_plain_server_as_lua(void)
{
  /* The plain server runs in C: the same trace, byte for byte, as the Lua
   * loop it stands for, over every path the scenario's clients take. */
  char *traces[2];
  char *outs[2];
  const char *const forms[] = { "server=c", "server=lua" };
  for (gsize f = 0; f < G_N_ELEMENTS(forms); f++) {
    char *path = twsim_temp_path(f == 0 ? "plain-c.trace" : "plain-lua.trace");
    TwsimResult r = twsim_run("run", "@plain-as-lua.lua", "--set", forms[f], "--trace", path,
                              NULL);
    if (r.status != 0) g_printerr("%s: %s", forms[f], r.err);
    g_assert_cmpint(r.status, ==, 0);
    g_assert_true(g_file_get_contents(path, &traces[f], NULL, NULL));
    outs[f] = g_strdup(r.out);
    twsim_result_clear(&r);
    g_free(path);
  }
  /* The paths were taken: answers, a send that waited for the window (it
   * returned long after the request's read), the clients' EOF and resets
   * met by the server's reads and sends. */
  const char *big = find_call(traces[0], "send", "3000000", NULL);
  g_assert_nonnull(big);
  const char *big_rport = strstr(big, " rport=") + strlen(" rport=");
  g_autofree char *rport = g_strndup(big_rport, strcspn(big_rport, "\n"));
  const char *request = find_call(traces[0], "recv", "100", rport);
  g_assert_nonnull(request);
  g_assert_cmpfloat(g_ascii_strtod(big, NULL), >, g_ascii_strtod(request, NULL) + 0.1);
  g_assert_nonnull(find_call(traces[0], "send", "300", NULL));
  g_assert_nonnull(find_call(traces[0], "recv", "0", NULL));
  g_assert_nonnull(find_call(traces[0], "recv", "ECONNRESET", NULL));
  g_assert_nonnull(find_call(traces[0], "send", "EPIPE", NULL));
  g_assert_nonnull(find_call(traces[0], "close", "ok", NULL));
  g_assert_cmpstr(outs[0], ==, outs[1]);
  g_assert_true(strcmp(traces[0], traces[1]) == 0);
  for (gsize f = 0; f < 2; f++) {
    g_free(traces[f]);
    g_free(outs[f]);
  }
}

static void
test_bad_arguments(void)
{
  const struct { const char *call, *says; } cases[] = {
    { "load.open_loop{ from = c, to = s, port = 80, rte = 5, duration = 1 }",
      "load.open_loop: unknown option 'rte'" },
    { "load.open_loop{ from = c, to = s, port = 80, rate = -5, duration = 1 }",
      "load.open_loop: rate: -5 is outside" },
    { "load.open_loop{ from = c, to = s, port = 80, rate = 5 }",
      "load.open_loop: give duration or count" },
    { "load.open_loop{ from = c, to = s, port = 70000, rate = 5, count = 1 }",
      "load.open_loop: port: 70000 is outside" },
    { "load.closed_loop{ from = 'c', to = s, port = 80, count = 1 }",
      "load.closed_loop: from: expected a host" },
    { "load.closed_loop{ from = c, to = s, port = 80, count = 1, think = { exp = 'x' } }",
      "load.closed_loop: think.exp: bad duration 'x'" },
    { "load.pool{ from = c, to = s, port = 80, rate = 1, count = 1, closer = 'server' }",
      "load.pool: closer: a pool's client closes" },
    { "load.open_loop{ from = c, to = s, port = 80, rate = 1, count = 1, closer = 'both' }",
      "load.open_loop: closer: expected \"client\" or \"server\"" },
    { "load.server{ host = s }", "load.server: port is required" },
    { "load.server{ host = s, port = 80, closer = 'client' }",
      "load.server: closer needs response" },
    { "load.server{ host = s, port = 80, response = 1, max_requests = 2 }",
      "load.server: max_requests is for the protocol" },
    { "load.server{ host = s, port = 80, response = -1 }",
      "load.server: response: -1 is outside" },
    { "load.open_loop(5)", "load.open_loop: expected a table of options" },
  };
  char *path = twsim_temp_path("bad-load.lua");
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    char *text = g_strdup_printf("local load = require('twsim.load')\n"
                                 "local c, s = sim.host('c'), sim.host('s')\n"
                                 "sim.link(c, s, {})\n"
                                 "%s\n", cases[i].call);
    g_assert_true(g_file_set_contents(path, text, -1, NULL));
    const char *modes[] = { NULL, "--sandbox" };
    for (gsize m = 0; m < G_N_ELEMENTS(modes); m++) {
      TwsimResult r = twsim_run("run", path, "--quiet", modes[m], NULL);
      g_assert_cmpint(r.status, ==, 2);
      char *want = g_strdup_printf("twsim: %s:4: %s", path, cases[i].says);
      if (!g_str_has_prefix(r.err, want)) g_printerr("got: %s", r.err);
      g_assert_true(g_str_has_prefix(r.err, want));      /* the scenario's line */
      g_assert_cmpstr(strchr(r.err, '\n'), ==, "\n");
      g_free(want);
      twsim_result_clear(&r);
    }
    g_free(text);
  }
  g_free(path);
}

static void
test_sandbox_require(void)
{
  char *path = twsim_temp_path("require.lua");
  g_assert_true(g_file_set_contents(path, "local a = require('twsim.load')\n"
                                          "sim.assert(require('twsim.load') == a, 'loaded once')\n"
                                          "require('io')\n", -1, NULL));
  TwsimResult r = twsim_run("run", path, "--sandbox", NULL);
  g_assert_cmpint(r.status, ==, 1);                  /* refused, like any error of the scenario */
  g_assert_nonnull(strstr(r.err, ":3: require: no module 'io' under --sandbox"));
  twsim_result_clear(&r);
  g_free(path);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/load/generators", test_generators);
  g_test_add_func("/load/plain-server", test_plain_server);
  g_test_add_func("/load/plain-server-as-lua", test_plain_server_as_lua);
  g_test_add_func("/load/bad-arguments", test_bad_arguments);
  g_test_add_func("/load/sandbox-require", test_sandbox_require);
  return g_test_run();
}
