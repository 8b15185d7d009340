/* --html: the report is one well-formed, self-contained file, the same
 * bytes for the same run; it keeps the connections asked for; a bad
 * option or an unwritable path is one line and exit 2 with nothing left;
 * its connection numbers are the ladder's.
 * Then in headless Chromium (Debian's `chromium`, which scripts/setup
 * installs; without it these tests fail): the page draws without a
 * console message, the figures it shows equal the run's --summary-json
 * and the transitions it counts agree with them, and its screenshot is a
 * picture, not a blank page. */
#include "twsim-run.h"
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <zlib.h>

/* ---- the file ------------------------------------------------------------ */

/* The text between the element with id `id`'s start tag and `end`. */
static char *
element_text(const char *page, const char *id, const char *end)
{
  char *open = g_strdup_printf("id=\"%s\"", id);
  const char *at = strstr(page, open);
  g_free(open);
  g_assert_nonnull(at);
  at = strchr(at, '>') + 1;
  const char *stop = strstr(at, end);
  g_assert_nonnull(stop);
  return g_strndup(at, (gsize)(stop - at));
}

static JsonNode *
parse_json(const char *text)
{
  JsonParser *parser = json_parser_new();
  GError *error = NULL;
  if (!json_parser_load_from_data(parser, text, -1, &error))
    g_error("not JSON: %s", error->message);
  JsonNode *root = json_node_copy(json_parser_get_root(parser));
  g_object_unref(parser);
  return root;
}

static gboolean
is_void_element(const char *name)
{
  static const char *const names[] = { "meta", "br", "hr", "img", "input", "link", NULL };
  return g_strv_contains(names, name);
}

/* Every start tag has its end tag, properly nested; the text of script and
 * style elements, comments and the doctype are skipped as a parser does. */
static void
assert_balanced(const char *page)
{
  GPtrArray *open = g_ptr_array_new_with_free_func(g_free);
  const char *p = page;
  while ((p = strchr(p, '<'))) {
    if (g_str_has_prefix(p, "<!--")) {
      p = strstr(p, "-->");
      g_assert_nonnull(p);
      continue;
    }
    if (g_str_has_prefix(p, "<!")) {
      p = strchr(p, '>');
      continue;
    }
    gboolean closing = p[1] == '/';
    const char *name_at = p + 1 + closing;
    gsize n = strspn(name_at, "abcdefghijklmnopqrstuvwxyz0123456789-");
    g_assert_cmpuint(n, >, 0);
    char *name = g_strndup(name_at, n);
    const char *end = strchr(name_at, '>');
    g_assert_nonnull(end);
    if (closing) {
      g_assert_cmpuint(open->len, >, 0);
      g_assert_cmpstr(g_ptr_array_index(open, open->len - 1), ==, name);
      g_ptr_array_remove_index(open, open->len - 1);
      g_free(name);
    } else if (is_void_element(name) || end[-1] == '/') {
      g_free(name);
    } else if (strcmp(name, "script") == 0 || strcmp(name, "style") == 0) {
      char *close = g_strdup_printf("</%s>", name);
      end = strstr(end, close);   /* raw text: the first end tag ends it */
      g_assert_nonnull(end);
      end += strlen(close) - 1;
      g_free(close);
      g_free(name);
    } else {
      g_ptr_array_add(open, name);
    }
    p = end + 1;
  }
  g_assert_cmpuint(open->len, ==, 0);
  g_ptr_array_free(open, TRUE);
}

/* Nothing is fetched: the only address in the page is SVG's namespace,
 * which names and loads nothing. */
static void
assert_self_contained(const char *page)
{
  for (const char *p = page; (p = strstr(p, "http")); p++)
    g_assert_true(g_str_has_prefix(p, "http://www.w3.org/2000/svg\""));
  g_assert_null(strstr(page, " src="));
  g_assert_null(strstr(page, "@import"));
  g_assert_null(strstr(page, "url(http"));
}

static char *
run_html(const char *scenario, const char *html, const char *summary, const char *extra)
{
  TwsimResult r = extra
    ? twsim_run("run", scenario, "--quiet", "--html", html, "--summary-json", summary, "--html-conn", extra, NULL)
    : twsim_run("run", scenario, "--quiet", "--html", html, "--summary-json", summary, NULL);
  g_assert_cmpint(r.status, ==, 0);
  twsim_result_clear(&r);
  return twsim_read_file(html, NULL);
}

static void
test_file(void)
{
  char *a = twsim_temp_path("a.html"), *b = twsim_temp_path("b.html");
  char *summary = twsim_temp_path("summary.json");
  char *page = run_html("%lossy-link.lua", a, summary, NULL);
  char *again = run_html("%lossy-link.lua", b, summary, NULL);
  g_assert_cmpstr(page, ==, again);                 /* byte-identical */
  assert_balanced(page);
  assert_self_contained(page);
  g_assert_nonnull(strstr(page, "<title>twsim: "));
  /* The summary in the page is --summary-json's, word for word. */
  char *data_text = element_text(page, "twsim-data", "</script>");
  char *summary_text = twsim_read_file(summary, NULL);
  g_strchomp(summary_text);
  g_assert_nonnull(strstr(data_text, summary_text));
  /* The first SYN-ACK is dropped by the scenario, then sent again, and the
   * link loses some data: the page has drops and retransmissions. */
  JsonNode *root = parse_json(data_text);
  JsonObject *data = json_node_get_object(root);
  JsonArray *conns = json_object_get_array_member(data, "conns");
  g_assert_cmpuint(json_array_get_length(conns), ==, 1);
  JsonArray *segs = json_object_get_array_member(json_array_get_object_element(conns, 0), "segs");
  guint drops = 0, pred = 0, rtx = 0;
  for (guint i = 0; i < json_array_get_length(segs); i++) {
    JsonArray *s = json_array_get_array_element(segs, i);
    if (json_array_get_int_element(s, 3) == 2) drops++;
    if (g_strcmp0(json_array_get_string_element(s, 4), "pred") == 0) {
      pred++;
      g_assert_cmpstr(json_array_get_string_element(s, 5), ==, "SA");
    }
    rtx += json_array_get_int_element(s, 10);
  }
  g_assert_cmpuint(json_array_get_length(segs), ==, 255);   /* as the scenario counts */
  g_assert_cmpuint(drops, ==, 6);
  g_assert_cmpuint(pred, ==, 1);
  g_assert_cmpuint(rtx, >=, 5);
  /* What the report saw leave and arrive at each host is what its stack
   * counted. */
  JsonNode *sum_root = parse_json(summary_text);
  JsonArray *want = json_object_get_array_member(json_node_get_object(sum_root), "hosts");
  JsonArray *hosts = json_object_get_array_member(data, "hosts");
  g_assert_cmpuint(json_array_get_length(hosts), ==, json_array_get_length(want));
  for (guint i = 0; i < json_array_get_length(hosts); i++) {
    JsonObject *h = json_array_get_object_element(hosts, i);
    JsonObject *w = json_array_get_object_element(want, i);
    JsonObject *st = json_object_get_object_member(w, "stats");
    g_assert_cmpstr(json_object_get_string_member(h, "name"), ==,
                    json_object_get_string_member(w, "name"));
    g_assert_cmpint(json_object_get_int_member(h, "sent"), ==,
                    json_object_get_int_member(st, "segments_sent"));
    g_assert_cmpint(json_object_get_int_member(h, "received"), ==,
                    json_object_get_int_member(st, "segments_received"));
  }
  json_node_unref(sum_root);
  json_node_unref(root);
  g_free(summary_text);
  g_free(data_text);
  g_free(again);
  g_free(page);
  g_free(a);
  g_free(b);
  g_free(summary);
}

/* --html-limit and --html-conn: the first N and the chosen ones. */
static void
test_keeps_chosen(void)
{
  char *path = twsim_temp_path("chosen.html"), *summary = twsim_temp_path("chosen.json");
  TwsimResult r = twsim_run("run", "%server-closes-first.lua", "--quiet", "--html", path,
                            "--html-limit", "2", "--html-conn", "7,9", "--html-conn", "30",
                            NULL);
  g_assert_cmpint(r.status, ==, 0);
  twsim_result_clear(&r);
  char *page = twsim_read_file(path, NULL);
  char *data_text = element_text(page, "twsim-data", "</script>");
  JsonNode *root = parse_json(data_text);
  JsonObject *data = json_node_get_object(root);
  g_assert_cmpint(json_object_get_int_member(data, "conns_seen"), ==, 20);
  JsonArray *conns = json_object_get_array_member(data, "conns");
  static const gint64 want[] = { 1, 2, 7, 9 };
  g_assert_cmpuint(json_array_get_length(conns), ==, G_N_ELEMENTS(want));
  for (guint i = 0; i < G_N_ELEMENTS(want); i++) {
    JsonObject *c = json_array_get_object_element(conns, i);
    g_assert_cmpint(json_object_get_int_member(c, "n"), ==, want[i]);
    /* Each whole: 10 segments (the FIN's ACK rides on the FIN-ACK: Linux's delayed
     * ACK of a FIN), 11 state changes (server closes first). */
    g_assert_cmpuint(json_array_get_length(json_object_get_array_member(c, "segs")), ==, 10);
    g_assert_cmpuint(json_array_get_length(json_object_get_array_member(c, "changes")), ==, 11);
  }
  json_node_unref(root);
  g_free(data_text);
  g_free(page);
  g_free(path);
  g_free(summary);
}

/* The ladder's "#N  host addr:port  <->  host addr:port" headers, as
 * "addr:port addr:port" at index N (NULL where none). */
static GPtrArray *
ladder_conns(const char *ladder)
{
  GPtrArray *conns = g_ptr_array_new_with_free_func(g_free);
  GRegex *re = g_regex_new("^#(\\d+)  \\S+ (\\S+)  <->  \\S+ (\\S+)$", G_REGEX_MULTILINE,
                           0, NULL);
  GMatchInfo *mi;
  for (g_regex_match(re, ladder, 0, &mi); g_match_info_matches(mi); g_match_info_next(mi, NULL)) {
    char *num = g_match_info_fetch(mi, 1), *a = g_match_info_fetch(mi, 2);
    char *b = g_match_info_fetch(mi, 3);
    guint n = (guint)g_ascii_strtoull(num, NULL, 10);
    if (n >= conns->len) g_ptr_array_set_size(conns, n + 1);
    g_assert_null(g_ptr_array_index(conns, n));           /* one header each */
    g_ptr_array_index(conns, n) = g_strdup_printf("%s %s", a, b);
    g_free(num); g_free(a); g_free(b);
  }
  g_match_info_free(mi);
  g_regex_unref(re);
  return conns;
}

/* The report's data at `path`, parsed (free with json_node_unref). */
static JsonNode *
report_data(const char *path)
{
  char *page = twsim_read_file(path, NULL);
  char *text = element_text(page, "twsim-data", "</script>");
  JsonNode *root = parse_json(text);
  g_free(text);
  g_free(page);
  return root;
}

/* A connection of the report as ladder_conns() gives its ends:
 * "addr:port addr:port", end 0 first. */
static char *
report_conn_tuple(JsonObject *c)
{
  JsonArray *ends = json_object_get_array_member(c, "ends");
  JsonArray *e0 = json_array_get_array_element(ends, 0), *e1 = json_array_get_array_element(ends, 1);
  return g_strdup_printf("%s:%" G_GINT64_FORMAT " %s:%" G_GINT64_FORMAT,
                         json_array_get_string_element(e0, 1), json_array_get_int_element(e0, 2),
                         json_array_get_string_element(e1, 1), json_array_get_int_element(e1, 2));
}

/* The HTML report, the ladder, --ladder-conn and the stepper number
 * connections alike: the same run's #N joins the same two ends, end 0
 * first.  Where a client port comes back while the server still holds
 * TIME_WAIT, a 4-tuple carries many connections, each with its own
 * number. */
static void
test_same_numbers(void)
{
  char *path = twsim_temp_path("numbers.html");
  TwsimResult r = twsim_run("run", "%tw-reuse.lua", "--quiet", "--set", "closer=server",
                            "--html", path, "--html-limit", "2000", "--ladder",
                            "--ladder-limit", "2000", NULL);
  g_assert_cmpint(r.status, ==, 0);
  GPtrArray *ladder = ladder_conns(r.out);
  JsonNode *root = report_data(path);
  JsonObject *data = json_node_get_object(root);
  JsonArray *conns = json_object_get_array_member(data, "conns");
  guint n = json_array_get_length(conns);
  g_assert_cmpuint(n, ==, 1000);                  /* as the scenario connects */
  g_assert_cmpint(json_object_get_int_member(data, "conns_seen"), ==, n);
  g_assert_cmpuint(ladder->len, ==, n + 1);
  GHashTable *tuples = g_hash_table_new(g_str_hash, g_str_equal);
  for (guint i = 0; i < n; i++) {
    JsonObject *c = json_array_get_object_element(conns, i);
    guint number = (guint)json_object_get_int_member(c, "n");
    g_assert_cmpuint(number, ==, i + 1);
    char *tuple = report_conn_tuple(c);
    g_assert_cmpstr(g_ptr_array_index(ladder, number), ==, tuple);
    g_hash_table_add(tuples, g_ptr_array_index(ladder, number));
    g_free(tuple);
  }
  g_assert_cmpuint(g_hash_table_size(tuples), <, n / 10);   /* the ports came back */
  /* --ladder-conn 300 draws the connection the report calls #300. */
  TwsimResult one = twsim_run("run", "%tw-reuse.lua", "--quiet", "--set", "closer=server",
                              "--ladder", "--ladder-conn", "300", NULL);
  g_assert_cmpint(one.status, ==, 0);
  GPtrArray *only = ladder_conns(one.out);
  g_assert_cmpuint(only->len, ==, 301);
  g_assert_cmpstr(g_ptr_array_index(only, 300), ==, g_ptr_array_index(ladder, 300));
  g_ptr_array_unref(only);
  twsim_result_clear(&one);
  /* The stepper's p 30, at 1 s, names the same ends; a later connection
   * holds that 4-tuple by then, and p says so. */
  char *script = g_build_filename(g_getenv("TWSIM_SCENARIOS"), "tw-reuse.lua", NULL);
  char *cmd = g_strdup_printf("printf 't 1s\\np 30\\nq\\n' | '%s' step '%s' --quiet "
                              "--set closer=server", g_getenv("TWSIM"), script);
  char *argv[] = { "/bin/sh", "-c", cmd, NULL };
  char *stepped_out = NULL;
  int wait = 0;
  g_assert_true(g_spawn_sync(NULL, argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                             &stepped_out, NULL, &wait, NULL));
  g_assert_true(g_spawn_check_wait_status(wait, NULL));
  GPtrArray *stepped = ladder_conns(stepped_out);
  g_assert_cmpuint(stepped->len, ==, 31);
  g_assert_cmpstr(g_ptr_array_index(stepped, 30), ==, g_ptr_array_index(ladder, 30));
  g_assert_nonnull(strstr(stepped_out, "  (this 4-tuple is #"));
  g_ptr_array_unref(stepped);
  g_free(stepped_out);
  g_free(cmd);
  g_free(script);
  g_hash_table_destroy(tuples);
  json_node_unref(root);
  g_ptr_array_unref(ladder);
  twsim_result_clear(&r);
  g_free(path);
}

/* Through a SNAT gateway the report numbers connections as the ladder
 * does: one number each, by the client's addresses, the server's side
 * (addressed to the gateway's outside port) in the same connection, and a
 * reused outside port joined to its new connection (the ladder's one "via"
 * row each names it). */
static void
test_nat_numbers(void)
{
  char *path = twsim_temp_path("nat.html");
  TwsimResult r = twsim_run("run", "@nat-flows.lua", "--quiet", "--set", "clients=2", "--set",
                            "ports=61000-61001", "--set", "ct_tw=1s", "--set", "again=5",
                            "--set", "until=10s", "--html", path, "--ladder", NULL);
  g_assert_cmpint(r.status, ==, 0);
  GPtrArray *ladder = ladder_conns(r.out);
  g_assert_cmpuint(ladder->len, ==, 5);            /* two connections a client */
  JsonNode *root = report_data(path);
  JsonObject *data = json_node_get_object(root);
  JsonArray *conns = json_object_get_array_member(data, "conns");
  g_assert_cmpuint(json_array_get_length(conns), ==, 4);
  g_assert_cmpint(json_object_get_int_member(data, "conns_seen"), ==, 4);
  for (guint i = 0; i < 4; i++) {
    JsonObject *c = json_array_get_object_element(conns, i);
    g_assert_cmpint(json_object_get_int_member(c, "n"), ==, i + 1);
    char *tuple = report_conn_tuple(c);
    g_assert_cmpstr(g_ptr_array_index(ladder, i + 1), ==, tuple);
    g_assert_true(g_str_has_prefix(tuple, "10.0.0."));
    g_free(tuple);
    /* The server's SYN-ACK, sent beyond the gateway, is this connection's. */
    JsonArray *segs = json_object_get_array_member(c, "segs");
    gboolean syn_ack = FALSE;
    for (guint k = 0; k < json_array_get_length(segs); k++) {
      JsonArray *seg = json_array_get_array_element(segs, k);
      syn_ack |= json_array_get_int_element(seg, 0) == 1 &&
                 g_strcmp0(json_array_get_string_element(seg, 5), "SA") == 0;
    }
    g_assert_true(syn_ack);
  }
  /* One "via" row a connection; the second of each client takes the
   * outside port its first had. */
  GRegex *via = g_regex_new("^ +[0-9.]+ #([0-9]+) +via gw: \\S+ is 203\\.0\\.113\\.1:([0-9]+) "
                            "beyond it$", G_REGEX_MULTILINE, 0, NULL);
  GMatchInfo *mi;
  guint port[5] = { 0 };
  for (g_regex_match(via, r.out, 0, &mi); g_match_info_matches(mi); g_match_info_next(mi, NULL)) {
    char *n = g_match_info_fetch(mi, 1), *p = g_match_info_fetch(mi, 2);
    guint number = (guint)g_ascii_strtoull(n, NULL, 10);
    g_assert_cmpuint(number, >=, 1);
    g_assert_cmpuint(number, <=, 4);
    g_assert_cmpuint(port[number], ==, 0);
    port[number] = (guint)g_ascii_strtoull(p, NULL, 10);
    g_free(n);
    g_free(p);
  }
  g_match_info_free(mi);
  g_regex_unref(via);
  for (guint n = 1; n <= 4; n++) g_assert_cmpuint(port[n], !=, 0);
  g_assert_cmpuint(port[1], ==, port[3]);
  g_assert_cmpuint(port[2], ==, port[4]);
  g_assert_cmpuint(port[1], !=, port[2]);
  /* --ladder-conn 3 draws the report's #3, with its own "via" row. */
  TwsimResult one = twsim_run("run", "@nat-flows.lua", "--quiet", "--set", "clients=2", "--set",
                              "ports=61000-61001", "--set", "ct_tw=1s", "--set", "again=5",
                              "--set", "until=10s", "--ladder", "--ladder-conn", "3", NULL);
  g_assert_cmpint(one.status, ==, 0);
  GPtrArray *only = ladder_conns(one.out);
  g_assert_cmpuint(only->len, ==, 4);
  g_assert_cmpstr(g_ptr_array_index(only, 3), ==, g_ptr_array_index(ladder, 3));
  g_assert_cmpuint(twsim_count(one.out, " #3   via gw: "), ==, 1);
  g_ptr_array_unref(only);
  twsim_result_clear(&one);
  json_node_unref(root);
  g_ptr_array_unref(ladder);
  twsim_result_clear(&r);
  g_free(path);
}

static void
test_bad_input(void)
{
  static const char *const cases[][4] = {
    { "--html", "/nonexistent-folder/report.html", NULL, "--html" },
    { "--html-limit", "5", NULL, "--html-limit" },
    { "--html", "@", "--html-conn", "--html-conn" },     /* @: a temporary path */
  };
  static const char *const conn_values[] = { "0", "x", "3,,4" };
  char *dir = g_dir_make_tmp("twsim-html-XXXXXX", NULL);   /* holds nothing else */
  char *path = g_build_filename(dir, "bad.html", NULL);
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    for (gsize k = 0; k < (cases[i][2] ? G_N_ELEMENTS(conn_values) : 1); k++) {
      const char *value = strcmp(cases[i][1], "@") == 0 ? path : cases[i][1];
      TwsimResult r = cases[i][2]
        ? twsim_run("run", "@determinism.lua", cases[i][0], value, cases[i][2], conn_values[k], NULL)
        : twsim_run("run", "@determinism.lua", cases[i][0], value, NULL);
      g_assert_cmpint(r.status, ==, 2);
      g_assert_cmpstr(r.out, ==, "");
      g_assert_nonnull(strstr(r.err, cases[i][3]));
      g_assert_cmpuint(strlen(r.err), ==, strcspn(r.err, "\n") + 1);   /* one line */
      g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
      twsim_result_clear(&r);
    }
  }
  /* No report of an invalid run; nothing half-written in the folder. */
  TwsimResult r = twsim_run("run", "@bad-argument.lua", "--html", path, NULL);
  g_assert_cmpint(r.status, ==, 2);
  g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
  twsim_result_clear(&r);
  GDir *d = g_dir_open(dir, 0, NULL);
  g_assert_nonnull(d);
  g_assert_null(g_dir_read_name(d));
  g_dir_close(d);
  g_rmdir(dir);
  g_free(dir);
  g_free(path);
}

/* A sweep passes --html on to each run, which needs {seed} in its name. */
static void
test_sweep(void)
{
  char *pattern = twsim_temp_path("sweep-{seed}.html");
  TwsimResult r = twsim_run("sweep", "@flaky.lua", "--seeds", "2..3", "--html", pattern, NULL);
  for (int seed = 2; seed <= 3; seed++) {
    char *name = g_strdup_printf("sweep-%d.html", seed);
    char *path = twsim_temp_path(name);
    char *page = twsim_read_file(path, NULL);
    char *title = g_strdup_printf("flaky.lua, seed %d</title>", seed);
    g_assert_nonnull(strstr(page, title));
    assert_balanced(page);
    g_free(title); g_free(page); g_free(path); g_free(name);
  }
  twsim_result_clear(&r);
  char *fixed = twsim_temp_path("sweep.html");
  r = twsim_run("sweep", "@flaky.lua", "--seeds", "2..3", "--html", fixed, NULL);
  g_assert_cmpint(r.status, ==, 2);
  g_assert_nonnull(strstr(r.err, "--html: in a sweep, a per-run output needs {seed}"));
  g_assert_false(g_file_test(fixed, G_FILE_TEST_EXISTS));
  twsim_result_clear(&r);
  g_free(fixed);
  g_free(pattern);
}

/* ---- in the browser ---------------------------------------------------- */

/* Runs headless Chromium on the page with `args`; stdout, and stderr's
 * console lines (a page's console messages and uncaught errors) in
 * *console. */
static char *
chromium(const char *page, const char *arg, char **console)
{
  const char *bin = g_getenv("CHROMIUM");
  if (bin == NULL || *bin == '\0')
    g_error("chromium is not installed: the HTML report is tested in it "
            "(scripts/setup installs Debian's chromium package)");
  char *profile = g_dir_make_tmp("twsim-chromium-XXXXXX", NULL);
  char *profile_arg = g_strdup_printf("--user-data-dir=%s", profile);
  char *url = g_strdup_printf("file://%s", page);
  const char *argv[] = {
    bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars", "--window-size=1140,2400", "--enable-logging=stderr", "--v=0",
    profile_arg, arg, url, NULL,
  };
  char *out = NULL, *err = NULL;
  int status = 0;
  GError *error = NULL;
  if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                    &status, &error))
    g_error("cannot run %s: %s", bin, error->message);
  g_assert_true(g_spawn_check_wait_status(status, NULL));
  GString *lines = g_string_new(NULL);
  char **all = g_strsplit(err, "\n", -1);
  for (char **l = all; *l; l++)
    if (strstr(*l, ":CONSOLE")) g_string_append_printf(lines, "%s\n", *l);
  g_strfreev(all);
  *console = g_string_free(lines, FALSE);
  char *rm[] = { "rm", "-rf", profile, NULL };
  g_spawn_sync(NULL, rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
  g_free(err);
  g_free(url);
  g_free(profile_arg);
  g_free(profile);
  return out;
}

static guint32
be32(const guint8 *p)
{
  return (guint32)p[0] << 24 | (guint32)p[1] << 16 | (guint32)p[2] << 8 | p[3];
}

/* The number of distinct colours in an 8-bit RGB or RGBA PNG (after
 * undoing each row's filter, PNG 1.2 section 6), at most `enough`. */
static guint
png_colours(const guint8 *png, gsize len, guint enough)
{
  g_assert_cmpmem(png, 8, "\x89PNG\r\n\x1a\n", 8);
  guint32 width = 0, height = 0;
  guint channels = 0;
  GByteArray *idat = g_byte_array_new();
  for (gsize at = 8; at + 12 <= len;) {
    guint32 n = be32(png + at);
    const guint8 *type = png + at + 4, *body = png + at + 8;
    if (memcmp(type, "IHDR", 4) == 0) {
      width = be32(body);
      height = be32(body + 4);
      g_assert_cmpuint(body[8], ==, 8);                   /* bit depth */
      channels = body[9] == 6 ? 4 : body[9] == 2 ? 3 : 0;
      g_assert_cmpuint(channels, >, 0);
      g_assert_cmpuint(body[12], ==, 0);                  /* not interlaced */
    } else if (memcmp(type, "IDAT", 4) == 0) {
      g_byte_array_append(idat, body, n);
    }
    at += 12 + (gsize)n;
  }
  gsize stride = (gsize)width * channels;
  uLongf raw_len = (uLongf)((stride + 1) * height);
  guint8 *raw = g_malloc(raw_len);
  g_assert_cmpint(uncompress(raw, &raw_len, idat->data, idat->len), ==, Z_OK);
  g_assert_cmpuint(raw_len, ==, (stride + 1) * height);
  GHashTable *seen = g_hash_table_new(g_direct_hash, g_direct_equal);
  guint8 *prev = g_malloc0(stride);
  for (guint32 y = 0; y < height && g_hash_table_size(seen) < enough; y++) {
    guint8 filter = raw[y * (stride + 1)], *row = raw + y * (stride + 1) + 1;
    for (gsize i = 0; i < stride; i++) {
      int a = i >= channels ? row[i - channels] : 0, b = prev[i];
      int c = i >= channels ? prev[i - channels] : 0;
      int pa = ABS(b - c), pb = ABS(a - c), pc = ABS(a + b - 2 * c);
      int paeth = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      int add[] = { 0, a, b, (a + b) / 2, paeth };
      g_assert_cmpuint(filter, <=, 4);
      row[i] = (guint8)(row[i] + add[filter]);
    }
    for (gsize i = 0; i < stride; i += channels)
      g_hash_table_add(seen, GUINT_TO_POINTER(row[i] << 16 | row[i + 1] << 8 | row[i + 2]));
    memcpy(prev, row, stride);
  }
  guint n = g_hash_table_size(seen);
  g_hash_table_destroy(seen);
  g_free(prev);
  g_free(raw);
  g_byte_array_free(idat, TRUE);
  return n;
}

static gint64
member_int(JsonObject *o, const char *name)
{
  g_assert_true(json_object_has_member(o, name));
  return json_object_get_int_member(o, name);
}

/* The figures the page shows (its script reads them back from the tables
 * and the state diagram it drew) against --summary-json. */
static void
assert_page_agrees(JsonObject *shown, JsonObject *summary)
{
  JsonObject *stats = json_object_get_object_member(shown, "stats");
  JsonObject *states = json_object_get_object_member(shown, "states");
  JsonObject *tr = json_object_get_object_member(shown, "transitions");
  JsonArray *hosts = json_object_get_array_member(summary, "hosts");
  gint64 connect_ok = 0, tw_entered = 0, tw_killed = 0, tw_held = 0;
  g_assert_cmpuint(json_object_get_size(stats), ==, json_array_get_length(hosts));
  for (guint i = 0; i < json_array_get_length(hosts); i++) {
    JsonObject *h = json_array_get_object_element(hosts, i);
    const char *name = json_object_get_string_member(h, "name");
    JsonObject *want = json_object_get_object_member(h, "stats");
    JsonObject *got = json_object_get_object_member(stats, name);
    g_assert_cmpuint(json_object_get_size(got), ==, json_object_get_size(want));
    GList *keys = json_object_get_members(want);
    for (GList *k = keys; k; k = k->next)
      g_assert_cmpint(member_int(got, k->data), ==, member_int(want, k->data));
    g_list_free(keys);
    JsonObject *want_states = json_object_get_object_member(h, "states");
    JsonObject *got_states = json_object_get_object_member(states, name);
    keys = json_object_get_members(want_states);
    for (GList *k = keys; k; k = k->next)
      g_assert_cmpint(member_int(got_states, k->data), ==, member_int(want_states, k->data));
    g_list_free(keys);
    connect_ok += member_int(want, "connect_ok");
    tw_entered += member_int(want, "tw_entered");
    tw_killed += member_int(want, "tw_killed");
    tw_held += member_int(want_states, "TIME_WAIT");
  }
  /* The diagram's counts, from the state changes the page saw, agree with
   * the hosts' own counters: every connect that succeeded took SYN_SENT ->
   * ESTABLISHED (these scenarios have no simultaneous open); every socket
   * that entered TIME_WAIT left it or is there still. */
  gint64 into_tw = member_int(tr, "FIN_WAIT_2:TIME_WAIT") + member_int(tr, "CLOSING:TIME_WAIT")
                 + member_int(tr, "FIN_WAIT_1:TIME_WAIT");
  g_assert_cmpint(member_int(tr, "SYN_SENT:ESTABLISHED"), ==, connect_ok);
  g_assert_cmpint(member_int(tr, "SYN_SENT:ESTABLISHED"), >, 0);
  g_assert_cmpint(into_tw, ==, tw_entered + tw_killed);
  g_assert_cmpint(member_int(tr, "TIME_WAIT:CLOSED"), ==, into_tw - tw_held);
}

static void
check_in_browser(const char *scenario, guint64 max_bytes)
{
  char *path = twsim_temp_path("page.html"), *summary_path = twsim_temp_path("page.json");
  char *page = run_html(scenario, path, summary_path, NULL);
  g_assert_cmpuint(strlen(page), <, max_bytes);
  char *console = NULL;
  char *dom = chromium(path, "--dump-dom", &console);
  if (*console) g_test_message("console:\n%s", console);
  g_assert_cmpstr(console, ==, "");
  char *error_text = element_text(dom, "twsim-error", "</p>");
  g_assert_cmpstr(error_text, ==, "");
  g_free(error_text);
  char *shown_text = element_text(dom, "twsim-check", "</pre>");
  JsonNode *shown = parse_json(shown_text);
  char *summary_text = twsim_read_file(summary_path, NULL);
  JsonNode *summary = parse_json(summary_text);
  JsonObject *s = json_node_get_object(shown);
  g_assert_true(json_object_get_boolean_member(s, "ready"));
  g_assert_cmpint(member_int(s, "segments_drawn"), >, 0);
  assert_page_agrees(s, json_node_get_object(summary));
  /* The screenshot is a picture: more than a few colours. */
  char *shot = twsim_temp_path("page.png");
  char *arg = g_strdup_printf("--screenshot=%s", shot);
  g_free(console);
  g_free(chromium(path, arg, &console));
  g_assert_cmpstr(console, ==, "");
  gsize len;
  char *png = twsim_read_file(shot, &len);
  g_assert_cmpuint(png_colours((const guint8 *)png, len, 64), >=, 32);
  g_free(png);
  g_free(arg);
  g_free(shot);
  json_node_unref(summary);
  json_node_unref(shown);
  g_free(summary_text);
  g_free(shown_text);
  g_free(dom);
  g_free(console);
  g_free(page);
  g_free(summary_path);
  g_free(path);
}

static void
test_browser_lossy(void)
{
  check_in_browser("%lossy-link.lua", 1 << 20);
}

/* 120,000 connections from 100 clients: the page keeps 50, stays small
 * and draws. */
static void
test_browser_load(void)
{
  check_in_browser("%server-closes-first-load.lua", 3 << 20);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/html/file", test_file);
  g_test_add_func("/html/keeps-chosen", test_keeps_chosen);
  g_test_add_func("/html/same-numbers-as-ladder", test_same_numbers);
  g_test_add_func("/html/nat-same-numbers-as-ladder", test_nat_numbers);
  g_test_add_func("/html/bad-input", test_bad_input);
  g_test_add_func("/html/sweep", test_sweep);
  g_test_add_func("/html/browser/lossy-link", test_browser_lossy);
  g_test_add_func("/html/browser/load", test_browser_load);
  return g_test_run();
}
