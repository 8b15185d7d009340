/* The teaching labs (docs/labs/NN-*.md, their answers in
 * docs/labs/NN-*.answers.md, and the same in Simplified Chinese under
 * docs/zh/labs/) checked against the simulator.
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
 * block: /labs/NN-name/K, numbered through the lab and then its answers;
 * /zh/labs/NN-name/K for the Chinese ones.  docs/user-guide.md and
 * docs/zh/user-guide.md paste real outputs the same way: /guide/K and
 * /zh/guide/K.  twsim is deterministic (tests/test-cli.c checks it), so a
 * block whose commands were already run by an earlier block, as a
 * translation's blocks are, is checked against that run's output.
 *
 * And /labs/answers-are-checked: every number written in a lab's answers
 * file (outside code) appears in one of that lab's expect blocks in the
 * same language, so an answer cannot state a figure no test checks.
 * Numbers that are names are left aside: list markers, and numbers right
 * after "RFC ", "lab ", "section " or "实验 ", or right before "节". */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

/* One language's labs and guide. */
typedef struct {
  const char *labs;         /* folder, under the source root */
  const char *guide;        /* the user guide, under the source root */
  const char *prefix;       /* of the test paths: "" or "/zh" */
  const char *questions;    /* the heading a lab's questions start with */
} Language;

static const Language languages[] = {
  { "docs/labs", "docs/user-guide.md", "", "## Questions" },
  { "docs/zh/labs", "docs/zh/user-guide.md", "/zh", "## 问题" },
};

typedef struct {
  const Language *language;
  char   *lab;          /* "01-handshake" */
  guint   index;        /* 1-based, through the lab and then its answers */
  GPtrArray *commands;  /* char* */
  GPtrArray *expect;    /* char* */
} ExpectBlock;

static GPtrArray *blocks;   /* ExpectBlock*, for the whole run */
static GHashTable *outputs; /* a block's commands, joined -> their stdout */

/* What a block's first command left: its stdout and a copy of the folder
 * after it (the files it wrote), so that a later block starting with the
 * same command (a long run, then a grep of its metrics) goes on from
 * there. */
typedef struct {
  char *out;
  char *dir;
} FirstRun;
static GHashTable *first_runs;   /* command -> FirstRun* */

static char *
source_path(const char *relative, const char *name)
{
  return g_build_filename(g_getenv("TWSIM_SOURCE_ROOT"), relative, name, NULL);
}

static gint
compare_names(gconstpointer a, gconstpointer b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The lab files of a language, sorted: NN-*.md, not their answers. */
static GPtrArray *
lab_files(const Language *lang)
{
  GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
  char *path = source_path(lang->labs, NULL);
  GDir *dir = g_dir_open(path, 0, NULL);
  g_assert_nonnull(dir);
  const char *name;
  while ((name = g_dir_read_name(dir)) != NULL)
    if (g_ascii_isdigit(name[0]) && g_ascii_isdigit(name[1]) && name[2] == '-' &&
        g_str_has_suffix(name, ".md") && !g_str_has_suffix(name, ".answers.md"))
      g_ptr_array_add(files, g_strdup(name));
  g_dir_close(dir);
  g_free(path);
  g_ptr_array_sort(files, compare_names);
  return files;
}

/* "01-x.md" -> "01-x.answers.md" */
static char *
answers_name(const char *lab_file)
{
  return g_strdup_printf("%.*s.answers.md", (int)(strlen(lab_file) - 3), lab_file);
}

/* The file's text, or NULL when it does not exist. */
static char *
read_doc(const char *folder, const char *name)
{
  char *path = source_path(folder, name);
  char *text = NULL;
  if (!g_file_get_contents(path, &text, NULL, NULL)) text = NULL;
  g_free(path);
  return text;
}

/* Appends the expect blocks of a lab's file to `out`, numbering them on
 * from *n. */
static void
parse_blocks(const Language *lang, const char *lab, const char *text, guint *n,
             GPtrArray *out)
{
  char **lines = g_strsplit(text, "\n", -1);
  ExpectBlock *b = NULL;
  gsize indent = 0;               /* the fence's indentation (in a list) */
  for (char **l = lines; *l; l++) {
    char *line = g_strchomp(*l);
    if (b == NULL) {
      indent = strspn(line, " ");
      if (strcmp(line + indent, "```expect") == 0) {
        b = g_new0(ExpectBlock, 1);
        b->language = lang;
        b->lab = g_strdup(lab);
        b->index = ++*n;
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

/* Copies the folder `from` into `to` (which must not exist). */
static void
copy_tree(const char *from, const char *to)
{
  char *argv[] = { "cp", "-a", (char *)from, (char *)to, NULL };
  int wait = 0;
  g_assert_true(g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
                             &wait, NULL));
  g_assert_true(g_spawn_check_wait_status(wait, NULL));
}

/* A fresh folder for the block, and the stdout so far: after the first
 * command's run when a block already ran it (*first is then 1). */
static char *
start_block(const ExpectBlock *b, GString *out, guint *first)
{
  FirstRun *run = g_hash_table_lookup(first_runs, g_ptr_array_index(b->commands, 0));
  if (run == NULL) {
    *first = 0;
    return make_workdir();
  }
  g_test_message("$ %s (ran in an earlier block: going on from its folder and output)",
                 (char *)g_ptr_array_index(b->commands, 0));
  char *dir = g_dir_make_tmp("twsim-lab-XXXXXX", NULL);
  g_assert_nonnull(dir);
  g_assert_cmpint(g_rmdir(dir), ==, 0);  /* a name for the copy */
  copy_tree(run->dir, dir);
  g_string_append(out, run->out);
  *first = 1;
  return dir;
}

/* Runs the block's commands in a fresh folder; their stdout, joined. */
static char *
run_commands(const ExpectBlock *b)
{
  GString *out = g_string_new(NULL);
  guint first;
  char *dir = start_block(b, out, &first);
  for (guint i = first; i < b->commands->len; i++) {
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
    if (i == 0) {                         /* keep what it left for later blocks */
      FirstRun *run = g_new0(FirstRun, 1);
      run->out = g_strdup(out->str);
      run->dir = g_strconcat(dir, "-first", NULL);
      copy_tree(dir, run->dir);
      g_hash_table_insert(first_runs, g_strdup(cmd), run);
    }
  }
  remove_tree(dir);
  g_free(dir);
  return g_string_free(out, FALSE);
}

static void
first_run_free(gpointer data)
{
  FirstRun *run = data;
  remove_tree(run->dir);
  g_free(run->dir);
  g_free(run->out);
  g_free(run);
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
  GString *joined = g_string_new(NULL);
  for (guint i = 0; i < b->commands->len; i++)
    g_string_append_printf(joined, "%s\n", (char *)g_ptr_array_index(b->commands, i));
  char *key = g_string_free(joined, FALSE);
  const char *out = g_hash_table_lookup(outputs, key);
  if (out == NULL) {
    out = run_commands(b);
    g_hash_table_insert(outputs, key, (char *)out);
  } else {
    g_test_message("these commands ran in an earlier block: checking that output");
    g_free(key);
  }
  for (guint i = 0; i < b->expect->len; i++) {
    const char *want = g_ptr_array_index(b->expect, i);
    if (strstr(out, want) == NULL) {
      g_test_message("expected: %s", want);
      g_test_message("stdout: %s", out);
    }
    g_assert_nonnull(strstr(out, want));
  }
}

/* Removes fenced code blocks, `inline code` and link targets from a
 * text. */
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

/* Whether the number at prose[start, end) is a name, not a figure. */
static gboolean
number_is_name(const char *prose, int start, int end)
{
  static const char *const before[] = { "RFC ", "Lab ", "lab ", "section ", "实验 " };
  if ((start == 0 || prose[start - 1] == '\n') && prose[end] == '.')
    return TRUE;                                      /* a list marker */
  for (gsize i = 0; i < G_N_ELEMENTS(before); i++) {
    int len = (int)strlen(before[i]);
    if (start >= len && strncmp(prose + start - len, before[i], (gsize)len) == 0)
      return TRUE;
  }
  /* A section named after the number: "3.4.2 节" (the match stopped at
   * "3.4"). */
  end += (int)strspn(prose + end, "0123456789.");
  return g_str_has_prefix(prose + end, " 节") || g_str_has_prefix(prose + end, "节");
}

/* Every number in a lab's answers file (outside code; thousands
 * separators dropped; names aside) appears in the lab's expect lines or
 * commands, in the same language.  The neighbours that make a number part
 * of a word are ASCII only: a figure next to a Chinese character is still
 * a figure. */
static void
check_answers(const Language *lang, const char *lab, const char *text)
{
  GString *checked = g_string_new(NULL);
  for (guint i = 0; i < blocks->len; i++) {
    ExpectBlock *b = g_ptr_array_index(blocks, i);
    if (b->language != lang || strcmp(b->lab, lab) != 0) continue;
    for (guint k = 0; k < b->expect->len; k++)
      g_string_append_printf(checked, "%s\n", (char *)g_ptr_array_index(b->expect, k));
    for (guint k = 0; k < b->commands->len; k++)
      g_string_append_printf(checked, "%s\n", (char *)g_ptr_array_index(b->commands, k));
  }
  char *prose = strip_code(text);
  GRegex *re = g_regex_new("(?<![A-Za-z0-9_.,-])(\\d{1,3}(,\\d{3})+|\\d+)(\\.\\d+)?"
                           "(?![A-Za-z0-9_])", 0, 0, NULL);
  GMatchInfo *mi;
  g_regex_match(re, prose, 0, &mi);
  guint numbers = 0;
  while (g_match_info_matches(mi)) {
    int start, end;
    g_match_info_fetch_pos(mi, 0, &start, &end);
    if (!number_is_name(prose, start, end)) {
      char *num = g_match_info_fetch(mi, 0);
      char **parts = g_strsplit(num, ",", -1);
      char *plain = g_strjoinv("", parts);
      if (strstr(checked->str, plain) == NULL)
        g_test_message("%s/labs/%s: the answer's figure %s is in no expect block",
                       lang->prefix, lab, num);
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
}

static void
test_answers_checked(void)
{
  for (gsize l = 0; l < G_N_ELEMENTS(languages); l++) {
    GPtrArray *files = lab_files(&languages[l]);
    for (guint i = 0; i < files->len; i++) {
      const char *name = g_ptr_array_index(files, i);
      char *answers = answers_name(name);
      char *text = read_doc(languages[l].labs, answers);
      g_assert_nonnull(text);
      char *lab = g_strndup(name, strlen(name) - 3);
      check_answers(&languages[l], lab, text);
      g_free(lab);
      g_free(text);
      g_free(answers);
    }
    g_ptr_array_unref(files);
  }
}

/* The lab's scenarios named in `text` all exist; how many were named. */
static guint
check_scenarios(const char *name, const char *text)
{
  GRegex *re = g_regex_new("scenarios/([\\w.-]+\\.lua)", 0, 0, NULL);
  GMatchInfo *mi;
  guint named = 0;
  g_regex_match(re, text, 0, &mi);
  for (; g_match_info_matches(mi); g_match_info_next(mi, NULL), named++) {
    char *file = g_match_info_fetch(mi, 1);
    char *path = source_path("scenarios", file);
    if (!g_file_test(path, G_FILE_TEST_IS_REGULAR)) g_test_message("%s: no %s", name, path);
    g_assert_true(g_file_test(path, G_FILE_TEST_IS_REGULAR));
    g_free(path);
    g_free(file);
  }
  g_match_info_free(mi);
  g_regex_unref(re);
  return named;
}

static guint
count_blocks(const Language *lang, const char *lab)
{
  guint n = 0;
  for (guint i = 0; i < blocks->len; i++) {
    ExpectBlock *b = g_ptr_array_index(blocks, i);
    n += b->language == lang && strcmp(b->lab, lab) == 0;
  }
  return n;
}

/* At least ten labs, numbered from 01 without gaps, each with questions,
 * an answers file (so the lab can be handed out alone), expect blocks,
 * and named scenarios that all exist; every lab also in Chinese, with as
 * many expect blocks. */
static void
test_labs_complete(void)
{
  GPtrArray *english = lab_files(&languages[0]);
  g_assert_cmpuint(english->len, >=, 10);
  for (gsize l = 0; l < G_N_ELEMENTS(languages); l++) {
    const Language *lang = &languages[l];
    GPtrArray *files = lab_files(lang);
    g_assert_cmpuint(files->len, ==, english->len);
    for (guint i = 0; i < files->len; i++) {
      const char *name = g_ptr_array_index(files, i);
      char *num = g_strdup_printf("%02u-", i + 1);
      g_assert_true(g_str_has_prefix(name, num));
      g_assert_cmpstr(name, ==, g_ptr_array_index(english, i));
      g_free(num);
      char *text = read_doc(lang->labs, name);
      char *answers_file = answers_name(name);
      char *answers = read_doc(lang->labs, answers_file);
      if (answers == NULL) g_test_message("%s/%s: missing", lang->labs, answers_file);
      g_assert_nonnull(answers);
      g_assert_nonnull(strstr(text, lang->questions));
      g_assert_nonnull(strstr(answers, "```expect"));
      g_assert_cmpuint(check_scenarios(name, text), >, 0);
      char *lab = g_strndup(name, strlen(name) - 3);
      g_assert_cmpuint(count_blocks(lang, lab), ==, count_blocks(&languages[0], lab));
      g_free(lab);
      g_free(answers);
      g_free(answers_file);
      g_free(text);
    }
    g_ptr_array_unref(files);
  }
  g_ptr_array_unref(english);
}

/* Registers a test per expect block of every lab and guide, in both
 * languages. */
static void
add_block_tests(const Language *lang)
{
  GPtrArray *files = lab_files(lang);
  for (guint i = 0; i < files->len; i++) {
    const char *name = g_ptr_array_index(files, i);
    char *lab = g_strndup(name, strlen(name) - 3);
    char *answers_file = answers_name(name);
    const char *parts[] = { name, answers_file };
    guint before = blocks->len, n = 0;
    for (gsize k = 0; k < G_N_ELEMENTS(parts); k++) {
      char *text = read_doc(lang->labs, parts[k]);
      if (text) parse_blocks(lang, lab, text, &n, blocks);
      g_free(text);
    }
    for (guint k = before; k < blocks->len; k++) {
      ExpectBlock *b = g_ptr_array_index(blocks, k);
      char *path = g_strdup_printf("%s/labs/%s/%u", lang->prefix, b->lab, b->index);
      g_test_add_data_func(path, b, run_block);
      g_free(path);
    }
    g_free(answers_file);
    g_free(lab);
  }
  g_ptr_array_unref(files);
  /* The user guide's pasted outputs are expect blocks too: /guide/K. */
  char *text = read_doc(lang->guide, NULL);
  g_assert_nonnull(text);
  guint before = blocks->len, n = 0;
  parse_blocks(lang, "guide", text, &n, blocks);
  g_assert_cmpuint(blocks->len, >, before);
  for (guint k = before; k < blocks->len; k++) {
    ExpectBlock *b = g_ptr_array_index(blocks, k);
    char *path = g_strdup_printf("%s/guide/%u", lang->prefix, b->index);
    g_test_add_data_func(path, b, run_block);
    g_free(path);
  }
  g_free(text);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  blocks = g_ptr_array_new();
  outputs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  first_runs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, first_run_free);
  for (gsize l = 0; l < G_N_ELEMENTS(languages); l++) add_block_tests(&languages[l]);
  g_test_add_func("/labs/complete", test_labs_complete);
  g_test_add_func("/labs/answers-are-checked", test_answers_checked);
  int status = g_test_run();
  g_hash_table_destroy(first_runs);       /* removes the folders kept */
  return status;
}
