/* Parsing and formatting of durations and rates (see time.h). */
#include "simtime.h"
#include "simerror.h"
#include <math.h>
#include <string.h>

typedef struct {
  const char *name;
  uint64_t    scale;   /* base units (ns, or bps) per unit */
} SimUnit;

static const SimUnit duration_units[] = {
  { "ns", 1 }, { "us", 1000 }, { "ms", 1000000 },
  { "s", 1000000000 }, { "min", 60000000000ULL }, { NULL, 0 },
};

static const SimUnit rate_units[] = {
  { "bps", 1 }, { "kbps", 1000 }, { "Mbps", 1000000 },
  { "Gbps", 1000000000 }, { NULL, 0 },
};

/* Parses "<digits>[.<digits>]<unit>" exactly: value = int * scale +
 * frac * scale / 10^k, all in 128-bit integers so nothing rounds silently.
 * `what` names the kind of value for messages ("duration", "rate"). */
static gboolean
parse_decimal_with_unit(const char *text, const SimUnit *units,
                        const char *what, const char *examples,
                        uint64_t limit, uint64_t *out, GError **error)
{
  const char *p = text;
  unsigned __int128 whole = 0, frac = 0, frac_div = 1;
  gboolean digits = FALSE;

  if (text == NULL || *text == '\0') {
    g_set_error(error, SIM_ERROR, SIM_ERROR_INVALID,
                "empty %s (write e.g. %s)", what, examples);
    return FALSE;
  }
  if (*p == '-') {
    g_set_error(error, SIM_ERROR, SIM_ERROR_RANGE,
                "negative %s '%s'", what, text);
    return FALSE;
  }
  for (; g_ascii_isdigit(*p); p++) {
    digits = TRUE;
    whole = whole * 10 + (unsigned)(*p - '0');
    if (whole > limit) goto overflow;
  }
  if (*p == '.') {
    for (p++; g_ascii_isdigit(*p); p++) {
      digits = TRUE;
      if (frac_div < (unsigned __int128)1000000000000000000ULL) {
        frac = frac * 10 + (unsigned)(*p - '0');
        frac_div *= 10;
      }
    }
  }
  if (!digits) {
    g_set_error(error, SIM_ERROR, SIM_ERROR_INVALID,
                "bad %s '%s' (write e.g. %s)", what, text, examples);
    return FALSE;
  }
  for (const SimUnit *u = units; u->name; u++) {
    if (strcmp(p, u->name) != 0) continue;
    unsigned __int128 v = whole * u->scale + (frac * u->scale + frac_div / 2) / frac_div;
    if (v > limit) goto overflow;
    *out = (uint64_t)v;
    return TRUE;
  }
  g_set_error(error, SIM_ERROR, SIM_ERROR_INVALID,
              *p ? "unknown unit '%s' in %s '%s' (write e.g. %s)"
                 : "%s%s '%s' has no unit (write e.g. %s)",
              p, what, text, examples);
  return FALSE;

overflow:
  g_set_error(error, SIM_ERROR, SIM_ERROR_RANGE, "%s '%s' is too large", what, text);
  return FALSE;
}

gboolean
sim_time_parse(const char *text, SimTime *out, GError **error)
{
  uint64_t v;
  if (!parse_decimal_with_unit(text, duration_units, "duration",
                               "\"250us\", \"1ms\", \"60s\", \"2min\"",
                               (uint64_t)SIM_TIME_MAX, &v, error))
    return FALSE;
  *out = (SimTime)v;
  return TRUE;
}

gboolean
sim_time_from_seconds(double seconds, SimTime *out, GError **error)
{
  if (isnan(seconds) || isinf(seconds)) {
    g_set_error(error, SIM_ERROR, SIM_ERROR_INVALID, "duration is not a finite number");
    return FALSE;
  }
  if (seconds < 0) {
    g_set_error(error, SIM_ERROR, SIM_ERROR_RANGE, "negative duration %g", seconds);
    return FALSE;
  }
  if (seconds >= 9.2e9) {
    g_set_error(error, SIM_ERROR, SIM_ERROR_RANGE, "duration %g s is too large", seconds);
    return FALSE;
  }
  *out = (SimTime)llround(seconds * 1e9);
  return TRUE;
}

char *
sim_time_format(SimTime t, char *buf)
{
  const char *sign = "";
  uint64_t u = (uint64_t)t;
  if (t < 0) {
    sign = "-";
    u = (uint64_t)0 - u;
  }
  g_snprintf(buf, SIM_TIME_BUF, "%s%" G_GUINT64_FORMAT ".%09" G_GUINT64_FORMAT,
             sign, u / 1000000000u, u % 1000000000u);
  return buf;
}

gboolean
sim_rate_parse(const char *text, uint64_t *bits_per_second, GError **error)
{
  return parse_decimal_with_unit(text, rate_units, "rate",
                                 "\"9600bps\", \"64kbps\", \"100Mbps\", \"10Gbps\"",
                                 UINT64_C(10000000000000), bits_per_second, error);
}

SimTime
sim_time_serialization(uint64_t bytes, uint64_t bits_per_second)
{
  if (bits_per_second == 0) return 0;
  unsigned __int128 bits_ns = (unsigned __int128)bytes * 8u * 1000000000u;
  return (SimTime)((bits_ns + bits_per_second - 1) / bits_per_second);
}

void
sim_serializer_init(SimSerializer *ser, uint64_t bits_per_second)
{
  g_assert(bits_per_second > 0);
  ser->rate = bits_per_second;
  ser->ns_per_byte = UINT64_C(8000000000) / bits_per_second;
  ser->rem = UINT64_C(8000000000) % bits_per_second;
}
