/* The CHECK() macro of the invariant checkers (tcp-check.c, net-check.c):
 * a function returning gboolean with a `GString *why` in scope fails with a
 * description when a condition does not hold.  The message arguments are
 * evaluated only on failure. */
#pragma once
#include <glib.h>

#define CHECK(cond, ...)                                                  \
  do {                                                                    \
    if (G_UNLIKELY(!(cond))) {                                            \
      if (why) g_string_append_printf(why, __VA_ARGS__);                  \
      return FALSE;                                                       \
    }                                                                     \
  } while (0)
