/* Values of settings as scenarios give them (h:set{}, r:set{}): the Lua
 * layer passes every value as a string, and these read it.  Shared by the
 * TCP profiles (profile.c) and the NAT routers (nat-settings.c). */
#pragma once
#include <glib.h>
#include "simtime.h"

/* A number of seconds ("60", "0.5") or a duration with a unit ("2min"). */
gboolean
setting_parse_duration(const char *value, SimTime *out);

/* A whole number in [lo, hi] ("5", "5.0"). */
gboolean
setting_parse_int(const char *value, gint64 lo, gint64 hi, gint64 *out);

/* "true"/"1" or "false"/"0". */
gboolean
setting_parse_bool(const char *value, gboolean *out);

/* "LOW-HIGH" ports with 1 <= LOW <= HIGH <= 65535. */
gboolean
setting_parse_range(const char *value, guint16 *lo, guint16 *hi);
