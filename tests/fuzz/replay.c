/* Replays a fuzz target's seed corpus and its saved crash inputs as an
 * ordinary test, in every build (no libFuzzer needed): each input found by
 * fuzzing stays a regression test.
 *
 *   fuzz-replay-TARGET DIR...   runs every file of each DIR through the
 *                               target; TAP output, one test per folder. */
#include <glib.h>
#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
replay_folder(gconstpointer path)
{
  GError *error = NULL;
  GDir *dir = g_dir_open(path, 0, &error);
  g_assert_no_error(error);
  const char *name;
  guint n = 0;
  while ((name = g_dir_read_name(dir)) != NULL) {
    if (name[0] == '.') continue;
    char *file = g_build_filename(path, name, NULL);
    char *data;
    gsize len;
    g_file_get_contents(file, &data, &len, &error);
    g_assert_no_error(error);
    LLVMFuzzerTestOneInput((const uint8_t *)data, len);   /* aborts on a finding */
    g_free(data);
    g_free(file);
    n++;
  }
  g_dir_close(dir);
  g_test_message("%u inputs replayed from %s", n, (const char *)path);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  for (int i = 1; i < argc; i++) {
    if (argv[i][0] == '-') continue;
    char *test = g_strdup_printf("/fuzz-replay/%s", argv[i]);
    g_test_add_data_func_full(test, g_strdup(argv[i]), replay_folder, g_free);
    g_free(test);
  }
  return g_test_run();
}
