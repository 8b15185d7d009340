/* Helpers to run the twsim command from tests (see twsim-run.h). */
#include "twsim-run.h"
#include <glib/gstdio.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>

static char *
expand(const char *arg)
{
  if (arg[0] == '@')
    return g_build_filename(g_getenv("TWSIM_TEST_SCENARIOS"), arg + 1, NULL);
  if (arg[0] == '%')
    return g_build_filename(g_getenv("TWSIM_SCENARIOS"), arg + 1, NULL);
  return g_strdup(arg);
}

TwsimResult
twsim_run(const char *first, ...)
{
  GPtrArray *argv = g_ptr_array_new_with_free_func(g_free);
  const char *bin = g_getenv("TWSIM");
  g_assert_nonnull(bin);
  g_ptr_array_add(argv, g_strdup(bin));
  va_list ap;
  va_start(ap, first);
  for (const char *a = first; a; a = va_arg(ap, const char *))
    g_ptr_array_add(argv, expand(a));
  va_end(ap);
  g_ptr_array_add(argv, NULL);

  TwsimResult r = { 0 };
  int wait_status = 0;
  GError *error = NULL;
  gboolean ok = g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT,
                             NULL, NULL, &r.out, &r.err, &wait_status, &error);
  g_assert_no_error(error);
  g_assert_true(ok);
  if (WIFEXITED(wait_status)) r.status = WEXITSTATUS(wait_status);
  else r.status = 128 + WTERMSIG(wait_status);
  g_ptr_array_free(argv, TRUE);
  return r;
}

GPid
twsim_start(const char *const *argv, char **envp)
{
  GPid pid;
  GError *error = NULL;
  g_spawn_async(NULL, (char **)argv, envp,
                G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                NULL, NULL, &pid, &error);
  g_assert_no_error(error);
  return pid;
}

int
twsim_stop(GPid pid, int sig)
{
  kill(pid, sig);
  int status = 0;
  g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
  g_spawn_close_pid(pid);
  return status;
}

int
twsim_run_and_signal(const char *const *argv, gulong delay_us, int sig)
{
  GPid pid = twsim_start(argv, NULL);
  g_usleep(delay_us);
  return twsim_stop(pid, sig);
}

void
twsim_result_clear(TwsimResult *r)
{
  g_free(r->out);
  g_free(r->err);
  r->out = r->err = NULL;
}

static char *temp_dir;

static void
remove_temp_dir(void)
{
  GDir *dir = g_dir_open(temp_dir, 0, NULL);
  const char *name;
  while (dir && (name = g_dir_read_name(dir)) != NULL) {
    char *p = g_build_filename(temp_dir, name, NULL);
    g_unlink(p);
    g_free(p);
  }
  if (dir) g_dir_close(dir);
  g_rmdir(temp_dir);
}

char *
twsim_temp_path(const char *name)
{
  if (temp_dir == NULL) {
    temp_dir = g_dir_make_tmp("twsim-test-XXXXXX", NULL);
    g_assert_nonnull(temp_dir);
    atexit(remove_temp_dir);
  }
  return g_build_filename(temp_dir, name, NULL);
}

char *
twsim_read_file(const char *path, gsize *len)
{
  char *text = NULL;
  GError *error = NULL;
  g_file_get_contents(path, &text, len, &error);
  g_assert_no_error(error);
  return text;
}

guint
twsim_count(const char *hay, const char *needle)
{
  guint n = 0;
  for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle)) n++;
  return n;
}
