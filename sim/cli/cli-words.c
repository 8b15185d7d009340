#include "cli-words.h"
#include "run-view.h"
#include <stdio.h>
#include <string.h>

int
cli_usage_errorv(gboolean quiet, const char *fmt, va_list ap)
{
  if (!quiet) {
    char *msg = g_strdup_vprintf(fmt, ap);
    fprintf(stderr, "twsim: %s\n", msg);
    g_free(msg);
  }
  return SIM_EXIT_INVALID;
}

void
cli_append_shell_word(GString *cmd, const char *arg)
{
  gboolean plain = *arg != '\0';
  for (const char *p = arg; *p && plain; p++)
    plain = g_ascii_isalnum(*p) || strchr("_./=:,+-@%", *p);
  if (plain) {
    g_string_append(cmd, arg);
    return;
  }
  char *quoted = g_shell_quote(arg);
  g_string_append(cmd, quoted);
  g_free(quoted);
}
