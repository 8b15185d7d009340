/* What every twsim command writes the same way: the one-line usage error
 * and the shell-quoted words of a command to reproduce a run. */
#pragma once
#include <glib.h>
#include <stdarg.h>

/* Prints "twsim: MESSAGE" on stderr (unless quiet: a sweep's ranks other
 * than 0 stay silent) and returns SIM_EXIT_INVALID, the status of an
 * invalid command line or scenario. */
G_GNUC_PRINTF(2, 0) int
cli_usage_errorv(gboolean quiet, const char *fmt, va_list ap);

/* Appends arg to cmd, quoted for a POSIX shell only when it needs it, so
 * that a printed command reads as a user would type it. */
void
cli_append_shell_word(GString *cmd, const char *arg);
