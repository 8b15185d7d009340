/* Parsing of setting values (see setting-parse.h). */
#include "setting-parse.h"
#include <string.h>

gboolean
setting_parse_duration(const char *value, SimTime *out)
{
  char *end = NULL;
  if (g_ascii_isdigit(value[0])) {
    double seconds = g_ascii_strtod(value, &end);
    if (end && *end == '\0') return sim_time_from_seconds(seconds, out, NULL);
  }
  return sim_time_parse(value, out, NULL);
}

gboolean
setting_parse_int(const char *value, gint64 lo, gint64 hi, gint64 *out)
{
  char *end = NULL;
  if (!value[0]) return FALSE;
  gint64 v = g_ascii_strtoll(value, &end, 10);
  if (*end == '.' && strspn(end + 1, "0") == strlen(end + 1)) end += strlen(end);
  if (*end != '\0' || v < lo || v > hi) return FALSE;
  *out = v;
  return TRUE;
}

gboolean
setting_parse_bool(const char *value, gboolean *out)
{
  if (!strcmp(value, "true") || !strcmp(value, "1")) *out = TRUE;
  else if (!strcmp(value, "false") || !strcmp(value, "0")) *out = FALSE;
  else return FALSE;
  return TRUE;
}

gboolean
setting_parse_range(const char *value, guint16 *lo, guint16 *hi)
{
  const char *dash = strchr(value, '-');
  if (!dash) return FALSE;
  g_autofree char *first = g_strndup(value, (gsize)(dash - value));
  gint64 a, b;
  if (!setting_parse_int(first, 1, 65535, &a) || !setting_parse_int(dash + 1, 1, 65535, &b) || a > b)
    return FALSE;
  *lo = (guint16)a;
  *hi = (guint16)b;
  return TRUE;
}

