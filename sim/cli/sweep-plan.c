/* What a sweep's runs share (see sweep.h): the words for a run's status,
 * {seed} in run options, the command that reproduces one seed, and the
 * clearing of a result.  Used by the command (sweep.c), the runner and
 * the report alike, and using none of them. */
#include "sweep.h"
#include <string.h>

const char *
sweep_status_word(SweepStatus status)
{
  static const char *const words[SWEEP_N_STATUS] = {
    "passed", "failed", "invalid", "limit", "crashed",
  };
  return words[status];
}

char *
sweep_arg_expand(const char *arg, guint64 seed)
{
  if (strstr(arg, "{seed}") == NULL) return g_strdup(arg);
  char **parts = g_strsplit(arg, "{seed}", -1);
  char *num = g_strdup_printf("%" G_GUINT64_FORMAT, seed);
  char *joined = g_strjoinv(num, parts);
  g_free(num);
  g_strfreev(parts);
  return joined;
}

/* Appends arg to cmd, quoted for a POSIX shell only when it needs it (as
 * `twsim run` quotes its own reproduce line). */
static void
append_shell_word(GString *cmd, const char *arg)
{
  gboolean plain = *arg != '\0';
  for (const char *p = arg; *p && plain; p++)
    plain = g_ascii_isalnum(*p) || strchr("_./=:,+-@%", *p);
  char *q = plain ? g_strdup(arg) : g_shell_quote(arg);
  g_string_append(cmd, q);
  g_free(q);
}

char *
sweep_repro_build(const SweepPlan *plan, guint64 seed)
{
  GString *cmd = g_string_new("twsim run ");
  append_shell_word(cmd, plan->scenario);
  g_string_append_printf(cmd, " --seed %" G_GUINT64_FORMAT, seed);
  for (guint i = 0; i < plan->run_args->len; i++) {
    char *arg = sweep_arg_expand(g_ptr_array_index(plan->run_args, i), seed);
    g_string_append_c(cmd, ' ');
    append_shell_word(cmd, arg);
    g_free(arg);
  }
  return g_string_free(cmd, FALSE);
}

void
sweep_result_clear(SweepResult *result)
{
  g_free(result->error_line);
  g_free(result->repro);
  g_free(result->records);
  result->error_line = result->repro = result->records = NULL;
}
