/* One number format and one CSV field writer (see value.h). */
#include "value.h"
#include <math.h>
#include <string.h>

const char *
sim_num_format(double value, char buf[SIM_NUM_BUF])
{
  if (isnan(value)) return strcpy(buf, "nan");
  if (isinf(value)) return strcpy(buf, value > 0 ? "inf" : "-inf");
  /* g_ascii_formatd prints in the C locale whatever the process's is; the
   * first precision that reads back exactly is the shortest (17 always
   * does, for an IEEE double). */
  for (int digits = 15; digits <= 17; digits++) {
    char fmt[8];
    g_snprintf(fmt, sizeof fmt, "%%.%dg", digits);
    g_ascii_formatd(buf, SIM_NUM_BUF, fmt, value);
    if (g_ascii_strtod(buf, NULL) == value) break;
  }
  return buf;
}

void
sim_csv_write_field(FILE *out, const char *text)
{
  gsize len = strlen(text);
  gboolean quote = strpbrk(text, ",\"\r\n") != NULL ||
                   (len > 0 && (text[0] == ' ' || text[len - 1] == ' '));
  if (!quote) {
    fputs(text, out);
    return;
  }
  fputc('"', out);
  for (const char *p = text; *p; p++) {
    if (*p == '"') fputc('"', out);
    fputc(*p, out);
  }
  fputc('"', out);
}
