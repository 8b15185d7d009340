/* JSON string escaping (see json.h). */
#include "json.h"
#include "value.h"
#include <math.h>
#include <string.h>

void
sim_json_append_string(GString *out, const char *s, gssize len)
{
  g_string_append_c(out, '"');
  sim_json_append_escaped(out, s, len);
  g_string_append_c(out, '"');
}

void
sim_json_append_number(GString *out, double value)
{
  char buf[SIM_NUM_BUF];
  g_string_append(out, isfinite(value) ? sim_num_format(value, buf) : "null");
}

void
sim_json_append_escaped(GString *out, const char *s, gssize len)
{
  const char *end = s + (len < 0 ? (gssize)strlen(s) : len);
  const char *p = s;
  while (p < end) {
    unsigned char c = (unsigned char)*p;
    switch (c) {
    case '"':  g_string_append(out, "\\\""); p++; continue;
    case '\\': g_string_append(out, "\\\\"); p++; continue;
    case '\n': g_string_append(out, "\\n"); p++; continue;
    case '\r': g_string_append(out, "\\r"); p++; continue;
    case '\t': g_string_append(out, "\\t"); p++; continue;
    default: break;
    }
    if (c < 0x20) {
      g_string_append_printf(out, "\\u%04x", c);
      p++;
    } else if (c < 0x80) {
      g_string_append_c(out, (char)c);
      p++;
    } else {
      gunichar u = g_utf8_get_char_validated(p, end - p);
      if (u == (gunichar)-1 || u == (gunichar)-2) {
        g_string_append(out, "\\ufffd");     /* one byte that is not UTF-8 */
        p++;
      } else {
        const char *next = g_utf8_next_char(p);
        g_string_append_len(out, p, next - p);
        p = next;
      }
    }
  }
}
