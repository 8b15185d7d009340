/* Bad input: every file in tests/bad-input/ is a scenario that makes one
 * mistake and says, in its first two lines, what twsim must answer:
 *
 *   -- expect: 2
 *   -- says: sim.sleep: duration: negative duration
 *
 * Each becomes a test: the exit status, a first stderr line that names the
 * file and the line of the mistake (line 3: the line after the header), and
 * the message.  docs/bad-input.md lists them all (scripts/bad-input-table
 * writes it); /bad-input/docs-list-every-case keeps it complete. */
#include "twsim-run.h"
#include <stdlib.h>
#include <string.h>

typedef struct {
  char *path, *name, *says;
  int   expect;
} BadCase;

static void
bad_case_free(gpointer data)
{
  BadCase *c = data;
  g_free(c->path); g_free(c->name); g_free(c->says);
  g_free(c);
}

static BadCase *
bad_case_load(const char *dir, const char *file)
{
  BadCase *c = g_new0(BadCase, 1);
  c->path = g_build_filename(dir, file, NULL);
  c->name = g_strndup(file, strlen(file) - 4);
  char *text = twsim_read_file(c->path, NULL);
  char **lines = g_strsplit(text, "\n", 3);
  g_assert_true(g_str_has_prefix(lines[0], "-- expect: "));
  g_assert_true(g_str_has_prefix(lines[1], "-- says: "));
  c->expect = atoi(lines[0] + strlen("-- expect: "));
  c->says = g_strdup(lines[1] + strlen("-- says: "));
  g_strfreev(lines);
  g_free(text);
  return c;
}

static void
test_case(gconstpointer data)
{
  const BadCase *c = data;
  TwsimResult r = twsim_run("run", c->path, "--quiet", NULL);
  g_assert_cmpint(r.status, ==, c->expect);
  const char *nl = strchr(r.err, '\n');
  char *first = nl ? g_strndup(r.err, (gsize)(nl - r.err)) : g_strdup(r.err);
  char *where = g_strdup_printf("%s.lua:3: ", c->name);
  if (strstr(first, where) == NULL || strstr(first, c->says) == NULL)
    g_test_message("got: %s", first);
  g_assert_nonnull(strstr(first, where));
  g_assert_nonnull(strstr(first, c->says));
  g_free(where);
  g_free(first);
  twsim_result_clear(&r);
}

static void
test_docs_list_every_case(gconstpointer data)
{
  const GPtrArray *cases = data;
  char *doc = g_build_filename(g_getenv("TWSIM_SOURCE_ROOT"), "docs", "bad-input.md", NULL);
  char *text = twsim_read_file(doc, NULL);
  for (guint i = 0; i < cases->len; i++) {
    const BadCase *c = g_ptr_array_index(cases, i);
    char *row = g_strdup_printf("| `%s` |", c->name);
    if (strstr(text, row) == NULL) g_test_message("docs/bad-input.md lacks %s", c->name);
    g_assert_nonnull(strstr(text, row));
    g_free(row);
  }
  g_free(text);
  g_free(doc);
}

static gint
compare_names(gconstpointer a, gconstpointer b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  const char *dir = g_getenv("TWSIM_BAD_INPUT");
  GDir *d = g_dir_open(dir, 0, NULL);
  g_assert_nonnull(d);
  GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
  const char *file;
  while ((file = g_dir_read_name(d)) != NULL)
    if (g_str_has_suffix(file, ".lua")) g_ptr_array_add(names, g_strdup(file));
  g_dir_close(d);
  g_ptr_array_sort(names, compare_names);
  GPtrArray *cases = g_ptr_array_new_with_free_func(bad_case_free);
  for (guint i = 0; i < names->len; i++) {
    BadCase *c = bad_case_load(dir, g_ptr_array_index(names, i));
    g_ptr_array_add(cases, c);
    char *path = g_strdup_printf("/bad-input/%s", c->name);
    g_test_add_data_func(path, c, test_case);
    g_free(path);
  }
  g_test_add_data_func("/bad-input/docs-list-every-case", cases, test_docs_list_every_case);
  int status = g_test_run();
  g_ptr_array_free(cases, TRUE);
  g_ptr_array_free(names, TRUE);
  return status;
}
