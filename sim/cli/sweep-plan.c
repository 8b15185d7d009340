/* What a sweep's runs share (see sweep.h): the words for a run's status,
 * {seed} in run options, a grid cell's values, the command that
 * reproduces one run, and the clearing of a result.  Used by the command (sweep.c), the runner and
 * the report alike, and using none of them. */
#include "sweep.h"
#include "cli-words.h"
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

const char *
sweep_plan_cell_value(const SweepPlan *plan, guint cell, guint k)
{
  /* The last key varies fastest: divide by the sizes of the keys after k. */
  guint n_keys = plan->grid_keys->len;
  for (guint j = n_keys; j-- > k + 1; )
    cell /= g_strv_length(g_ptr_array_index(plan->grid_values, j));
  char **values = g_ptr_array_index(plan->grid_values, k);
  return values[cell % g_strv_length(values)];
}

char *
sweep_plan_cell_label(const SweepPlan *plan, guint cell)
{
  GString *label = g_string_new(NULL);
  for (guint k = 0; plan->grid_keys && k < plan->grid_keys->len; k++)
    g_string_append_printf(label, "%s%s=%s", k ? " " : "",
                           (const char *)g_ptr_array_index(plan->grid_keys, k),
                           sweep_plan_cell_value(plan, cell, k));
  return g_string_free(label, FALSE);
}

void
sweep_plan_cell_args(const SweepPlan *plan, guint cell, GPtrArray *words)
{
  for (guint k = 0; plan->grid_keys && k < plan->grid_keys->len; k++) {
    g_ptr_array_add(words, g_strdup("--set"));
    g_ptr_array_add(words, g_strdup_printf("%s=%s",
                                           (const char *)g_ptr_array_index(plan->grid_keys, k),
                                           sweep_plan_cell_value(plan, cell, k)));
  }
}

char *
sweep_repro_build(const SweepPlan *plan, guint cell, guint64 seed)
{
  GString *cmd = g_string_new("twsim run ");
  cli_append_shell_word(cmd, plan->scenario);
  g_string_append_printf(cmd, " --seed %" G_GUINT64_FORMAT, seed);
  GPtrArray *words = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; i < plan->run_args->len; i++)
    g_ptr_array_add(words, sweep_arg_expand(g_ptr_array_index(plan->run_args, i), seed));
  sweep_plan_cell_args(plan, cell, words);
  for (guint i = 0; i < words->len; i++) {
    g_string_append_c(cmd, ' ');
    cli_append_shell_word(cmd, g_ptr_array_index(words, i));
  }
  g_ptr_array_free(words, TRUE);
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
