/* The teaching labs (docs/labs/NN-*.md) checked against the simulator.
 *
 * A lab states its answers' figures in fenced blocks marked `expect`:
 *
 *     ```expect
 *     $ build/twsim run scenarios/client-closes-first.lua --quiet
 *     the client held TIME_WAIT for 60.000 s
 *     ```
 *
 * Lines starting with "$ " are commands, run with /bin/sh in a fresh
 * folder holding links to the build's twsim (build/twsim), scenarios/ and
 * scripts/, so they are exactly what a reader types from the source tree.
 * Every command must exit 0; every other non-empty line must appear, as a
 * substring, in what the block's commands printed on stdout.  One test per
 * block: /labs/NN-name/K.  docs/user-guide.md pastes real outputs the same
 * way: /guide/K.
 *
 * And /labs/answers-are-checked: every number written in a lab's
 * "## Answers" section (outside code) appears in one of that lab's expect
 * blocks, so an answer cannot state a figure no test checks.  Numbers
 * that are names are left aside: list markers, and numbers right after
 * "RFC ", "lab " or "section ". */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

typedef struct {
  char   *lab;          /* "01-handshake" */
  guint   index;        /* 1-based, within the lab */
  GPtrArray *commands;  /* char* */
  GPtrArray *expect;    /* char* */
} ExpectBlock;

static GPtrArray *blocks;   /* ExpectBlock*, for the whole run */

static const char *
labs_dir(void)
{
  static char *dir;
  if (!dir) dir = g_build_filename(g_getenv("TWSIM_SOURCE_ROOT"), "docs", "labs", NULL);
  return dir;
}

static gint
compare_names(gconstpointer a, gconstpointer b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The lab files, sorted: NN-*.md. */
static GPtrArray *
lab_files(void)
{
  GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
  GDir *dir = g_dir_open(labs_dir(), 0, NULL);
  g_assert_nonnull(dir);
  const char *name;
  while ((name = g_dir_read_name(dir)) != NULL)
    if (g_ascii_isdigit(name[0]) && g_ascii_isdigit(name[1]) && name[2] == '-' &&
        g_str_has_suffix(name, ".md"))
      g_ptr_array_add(files, g_strdup(name));
  g_dir_close(dir);
  g_ptr_array_sort(files, compare_names);
  return files;
}

static char *
read_lab(const char *name)
{
  char *path = g_build_filename(labs_dir(), name, NULL);
  char *text = NULL;
  g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
  g_free(path);
  return text;
}

/* Appends the lab's expect blocks to `out`. */
static void
parse_blocks(const char *lab, const char *text, GPtrArray *out)
{
  char **lines = g_strsplit(text, "\n", -1);
  ExpectBlock *b = NULL;
  guint n = 0;
  gsize indent = 0;               /* the fence's indentation (in a list) */
  for (char **l = lines; *l; l++) {
    char *line = g_strchomp(*l);
    if (b == NULL) {
      indent = strspn(line, " ");
      if (strcmp(line + indent, "```expect") == 0) {
        b = g_new0(ExpectBlock, 1);
        b->lab = g_strndup(lab, strlen(lab) - 3);
        b->index = ++n;
        b->commands = g_ptr_array_new_with_free_func(g_free);
        b->expect = g_ptr_array_new_with_free_func(g_free);
      }
      continue;
    }
    line += MIN(indent, strspn(line, " "));
    if (strncmp(line, "```", 3) == 0) {
      g_ptr_array_add(out, b);
      b = NULL;
    } else if (g_str_has_prefix(line, "$ ")) {
      g_ptr_array_add(b->commands, g_strdup(line + 2));
    } else if (*line) {
      g_ptr_array_add(b->expect, g_strdup(line));
    }
  }
  g_assert_null(b);                       /* every block is closed */
  g_strfreev(lines);
}

/* A fresh folder with build/twsim, scenarios/ and scripts/ as links. */
static char *
make_workdir(void)
{
  GError *error = NULL;
  char *dir = g_dir_make_tmp("twsim-lab-XXXXXX", &error);
  g_assert_no_error(error);
  const char *root = g_getenv("TWSIM_SOURCE_ROOT");
  char *build = g_build_filename(dir, "build", NULL);
  g_assert_cmpint(g_mkdir(build, 0755), ==, 0);
  char *exe = g_build_filename(build, "twsim", NULL);
  g_assert_cmpint(symlink(g_getenv("TWSIM"), exe), ==, 0);
  const char *links[] = { "scenarios", "scripts" };
  for (gsize i = 0; i < G_N_ELEMENTS(links); i++) {
    char *target = g_build_filename(root, links[i], NULL);
    char *link = g_build_filename(dir, links[i], NULL);
    g_assert_cmpint(symlink(target, link), ==, 0);
    g_free(target);
    g_free(link);
  }
  g_free(exe);
  g_free(build);
  return dir;
}

static void
remove_tree(const char *path)
{
  char *argv[] = { "rm", "-rf", (char *)path, NULL };
  g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
               NULL, NULL, NULL, NULL, NULL, NULL);
}

/* A tool a command needs that may be missing (tshark, gnuplot). */
static const char *
missing_tool(const char *command)
{
  static const char *const optional[] = { "tshark", "gnuplot", "scripts/plot" };
  for (gsize i = 0; i < G_N_ELEMENTS(optional); i++) {
    if (strstr(command, optional[i]) == NULL) continue;
    const char *prog = strcmp(optional[i], "scripts/plot") == 0 ? "gnuplot" : optional[i];
    char *found = g_find_program_in_path(prog);
    gboolean missing = found == NULL;
    g_free(found);
    if (missing) return prog;
  }
  return NULL;
}

static void
run_block(gconstpointer data)
{
  const ExpectBlock *b = data;
  g_assert_cmpuint(b->commands->len, >, 0);
  g_assert_cmpuint(b->expect->len, >, 0);
  for (guint i = 0; i < b->commands->len; i++) {
    const char *tool = missing_tool(g_ptr_array_index(b->commands, i));
    if (tool) {
      char *msg = g_strdup_printf("%s is not installed", tool);
      g_test_skip(msg);
      g_free(msg);
      return;
    }
  }
  char *dir = make_workdir();
  GString *out = g_string_new(NULL);
  for (guint i = 0; i < b->commands->len; i++) {
    const char *cmd = g_ptr_array_index(b->commands, i);
    char *argv[] = { "/bin/sh", "-c", (char *)cmd, NULL };
    char *so = NULL, *se = NULL;
    int wait = 0;
    GError *error = NULL;
    g_test_message("$ %s", cmd);
    g_assert_true(g_spawn_sync(dir, argv, NULL, 0, NULL, NULL, &so, &se, &wait, &error));
    g_assert_no_error(error);
    if (!g_spawn_check_wait_status(wait, NULL)) g_test_message("stderr: %s", se);
    g_assert_true(g_spawn_check_wait_status(wait, NULL));
    g_string_append(out, so);
    g_free(so);
    g_free(se);
  }
  for (guint i = 0; i < b->expect->len; i++) {
    const char *want = g_ptr_array_index(b->expect, i);
    if (strstr(out->str, want) == NULL) {
      g_test_message("expected: %s", want);
      g_test_message("stdout: %s", out->str);
    }
    g_assert_nonnull(strstr(out->str, want));
  }
  g_string_free(out, TRUE);
  remove_tree(dir);
  g_free(dir);
}

/* Removes fenced code blocks, `inline code` and link targets from a
 * section. */
static char *
strip_code(const char *text)
{
  GString *s = g_string_new(NULL);
  gboolean fenced = FALSE, inline_code = FALSE;
  for (const char *p = text; *p; p++) {
    if ((p == text || p[-1] == '\n') && strncmp(p + strspn(p, " "), "```", 3) == 0) {
      p += strspn(p, " ");
      fenced = !fenced;
      p += 2;
      continue;
    }
    if (fenced) continue;
    if (*p == '`') { inline_code = !inline_code; continue; }
    if (!inline_code && p[0] == ']' && p[1] == '(') {   /* a link's target */
      const char *close = strchr(p, ')');
      if (close) { p = close; continue; }
    }
    if (!inline_code) g_string_append_c(s, *p);
  }
  return g_string_free(s, FALSE);
}

/* Every number in the Answers section (outside code; thousands separators
 * dropped; list markers, RFC and lab numbers aside) appears in the lab's
 * expect lines or commands. */
static void
check_answers(const char *name, const char *text)
{
  const char *answers = strstr(text, "\n## Answers");
  g_assert_nonnull(answers);
  const char *next = strstr(answers + 1, "\n## ");
  char *section = next ? g_strndup(answers, (gsize)(next - answers)) : g_strdup(answers);
  GString *checked = g_string_new(NULL);
  for (guint i = 0; i < blocks->len; i++) {
    ExpectBlock *b = g_ptr_array_index(blocks, i);
    if (!g_str_has_prefix(name, b->lab)) continue;
    for (guint k = 0; k < b->expect->len; k++)
      g_string_append_printf(checked, "%s\n", (char *)g_ptr_array_index(b->expect, k));
    for (guint k = 0; k < b->commands->len; k++)
      g_string_append_printf(checked, "%s\n", (char *)g_ptr_array_index(b->commands, k));
  }
  char *prose = strip_code(section);
  GRegex *re = g_regex_new("(?<![\\w.,-])(\\d{1,3}(,\\d{3})+|\\d+)(\\.\\d+)?(?![\\w])",
                           0, 0, NULL);
  GMatchInfo *mi;
  g_regex_match(re, prose, 0, &mi);
  guint numbers = 0;
  while (g_match_info_matches(mi)) {
    int start, end;
    g_match_info_fetch_pos(mi, 0, &start, &end);
    gboolean list_marker = (start == 0 || prose[start - 1] == '\n') && prose[end] == '.';
    gboolean named = (start >= 4 && strncmp(prose + start - 4, "RFC ", 4) == 0) ||
                     (start >= 4 && strncmp(prose + start - 4, "Lab ", 4) == 0) ||
                     (start >= 4 && strncmp(prose + start - 4, "lab ", 4) == 0) ||
                     (start >= 8 && strncmp(prose + start - 8, "section ", 8) == 0);
    if (!list_marker && !named) {
      char *num = g_match_info_fetch(mi, 0);
      char **parts = g_strsplit(num, ",", -1);
      char *plain = g_strjoinv("", parts);
      if (strstr(checked->str, plain) == NULL)
        g_test_message("%s: the answer's figure %s is in no expect block", name, num);
      g_assert_nonnull(strstr(checked->str, plain));
      numbers++;
      g_strfreev(parts);
      g_free(plain);
      g_free(num);
    }
    g_match_info_next(mi, NULL);
  }
  g_assert_cmpuint(numbers, >, 0);        /* answers give figures */
  g_match_info_free(mi);
  g_regex_unref(re);
  g_free(prose);
  g_string_free(checked, TRUE);
  g_free(section);
}

static void
test_answers_checked(void)
{
  GPtrArray *files = lab_files();
  for (guint i = 0; i < files->len; i++) {
    char *text = read_lab(g_ptr_array_index(files, i));
    check_answers(g_ptr_array_index(files, i), text);
    g_free(text);
  }
  g_ptr_array_unref(files);
}

/* At least seven labs, numbered from 01 without gaps, each with
 * questions and expect blocks, naming scenarios that all exist. */
static void
test_labs_complete(void)
{
  GPtrArray *files = lab_files();
  g_assert_cmpuint(files->len, >=, 7);
  for (guint i = 0; i < files->len; i++) {
    const char *name = g_ptr_array_index(files, i);
    char *num = g_strdup_printf("%02u-", i + 1);
    g_assert_true(g_str_has_prefix(name, num));
    g_free(num);
    char *text = read_lab(name);
    g_assert_nonnull(strstr(text, "```expect"));
    g_assert_nonnull(strstr(text, "## Questions"));
    GRegex *re = g_regex_new("scenarios/([\\w.-]+\\.lua)", 0, 0, NULL);
    GMatchInfo *mi;
    guint named = 0;
    g_regex_match(re, text, 0, &mi);
    for (; g_match_info_matches(mi); g_match_info_next(mi, NULL), named++) {
      char *file = g_match_info_fetch(mi, 1);
      char *path = g_build_filename(g_getenv("TWSIM_SOURCE_ROOT"), "scenarios", file, NULL);
      if (!g_file_test(path, G_FILE_TEST_IS_REGULAR)) g_test_message("%s: no %s", name, path);
      g_assert_true(g_file_test(path, G_FILE_TEST_IS_REGULAR));
      g_free(path);
      g_free(file);
    }
    g_assert_cmpuint(named, >, 0);
    g_match_info_free(mi);
    g_regex_unref(re);
    g_free(text);
  }
  g_ptr_array_unref(files);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  blocks = g_ptr_array_new();
  GPtrArray *files = lab_files();
  for (guint i = 0; i < files->len; i++) {
    const char *name = g_ptr_array_index(files, i);
    char *text = read_lab(name);
    guint before = blocks->len;
    parse_blocks(name, text, blocks);
    for (guint k = before; k < blocks->len; k++) {
      ExpectBlock *b = g_ptr_array_index(blocks, k);
      char *path = g_strdup_printf("/labs/%s/%u", b->lab, b->index);
      g_test_add_data_func(path, b, run_block);
      g_free(path);
    }
    g_free(text);
  }
  g_ptr_array_unref(files);
  /* The user guide's pasted outputs are expect blocks too: /guide/K. */
  char *guide = g_build_filename(g_getenv("TWSIM_SOURCE_ROOT"), "docs", "user-guide.md", NULL);
  char *text = NULL;
  g_assert_true(g_file_get_contents(guide, &text, NULL, NULL));
  guint before = blocks->len;
  parse_blocks("guide.md", text, blocks);
  g_assert_cmpuint(blocks->len, >, before);
  for (guint k = before; k < blocks->len; k++) {
    ExpectBlock *b = g_ptr_array_index(blocks, k);
    char *path = g_strdup_printf("/guide/%u", b->index);
    g_test_add_data_func(path, b, run_block);
    g_free(path);
  }
  g_free(text);
  g_free(guide);
  g_test_add_func("/labs/complete", test_labs_complete);
  g_test_add_func("/labs/answers-are-checked", test_answers_checked);
  return g_test_run();
}
