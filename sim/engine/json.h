/* JSON string bodies, written the same way by every output (the jsonl
 * trace, the summary JSON, the text trace's quoted values): '"', '\\' and
 * control characters escaped, NUL as \u0000 (so nothing is cut short), and
 * every byte that is not part of valid UTF-8 as U+FFFD (so the output stays
 * valid JSON whatever bytes a scenario gave). */
#pragma once
#include <glib.h>

/* Appends the `len` bytes at s (len < 0: up to its NUL) as a JSON string
 * body, without the quotes. */
void
sim_json_append_escaped(GString *out, const char *s, gssize len);

/* Appends s (len < 0: up to its NUL) as a JSON string, quotes included. */
void
sim_json_append_string(GString *out, const char *s, gssize len);

/* Appends a double as a JSON number in the one number format (value.h),
 * or null when it is not finite (JSON cannot spell NaN or infinity). */
void
sim_json_append_number(GString *out, double value);
