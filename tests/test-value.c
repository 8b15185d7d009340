/* One way to write a value (sim/engine/value.h, json.h): the number
 * format every output uses, the CSV field writer, JSON numbers, and the
 * trace's number field in both forms. */
#include "value.h"
#include "json.h"
#include "trace.h"
#include "rng.h"
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *
num(double v)
{
  static char buf[SIM_NUM_BUF];
  return sim_num_format(v, buf);
}

static void
test_number_examples(void)
{
  g_assert_cmpstr(num(1.0 / 3.0), ==, "0.3333333333333333");
  g_assert_cmpstr(num(0.1), ==, "0.1");
  g_assert_cmpstr(num(5), ==, "5");
  g_assert_cmpstr(num(100), ==, "100");
  g_assert_cmpstr(num(-2.5), ==, "-2.5");
  g_assert_cmpstr(num(470.53333333333336), ==, "470.53333333333336");
  g_assert_cmpstr(num(1e21), ==, "1e+21");
  g_assert_cmpstr(num(123456789012345678.0), ==, "1.2345678901234568e+17");
  g_assert_cmpstr(num(5e-324), ==, "4.94065645841247e-324");   /* 15 digits read back */
  g_assert_cmpstr(num(-0.0), ==, "-0");
  g_assert_cmpstr(num(NAN), ==, "nan");
  g_assert_cmpstr(num(INFINITY), ==, "inf");
  g_assert_cmpstr(num(-INFINITY), ==, "-inf");
}

/* Every finite double reads back exactly, and one digit fewer would not
 * (above the 15 digits every number gets). */
static void
test_number_round_trip(void)
{
  SimRng rng;
  sim_rng_init_stream(&rng, 1, "test-value");
  for (int i = 0; i < 100000; i++) {
    guint64 bits = sim_rng_next(&rng);
    double v;
    memcpy(&v, &bits, sizeof v);
    if (!isfinite(v)) continue;
    char buf[SIM_NUM_BUF];
    sim_num_format(v, buf);
    g_assert_true(g_ascii_strtod(buf, NULL) == v);
    g_assert_null(strchr(buf, ','));
    char shorter[64];
    const char *e = strpbrk(buf, "eE");
    gsize digits = 0;     /* significant: from the first that is not 0 */
    for (const char *p = buf; *p && p != e; p++)
      digits += g_ascii_isdigit(*p) && (digits > 0 || *p != '0');
    if (digits > 15) {
      g_snprintf(shorter, sizeof shorter, "%.*g", (int)digits - 1, v);
      g_assert_false(g_ascii_strtod(shorter, NULL) == v);
    }
  }
}

/* A locale whose decimal mark is a comma changes nothing. */
static void
test_number_locale(void)
{
  const char *const locales[] = { "de_DE.UTF-8", "fr_FR.UTF-8", "C.UTF-8", NULL };
  char *was = g_strdup(setlocale(LC_NUMERIC, NULL));
  for (int i = 0; locales[i]; i++) {
    if (setlocale(LC_NUMERIC, locales[i]) == NULL) continue;
    g_assert_cmpstr(num(0.25), ==, "0.25");
    g_assert_cmpstr(num(1.0 / 3.0), ==, "0.3333333333333333");
  }
  setlocale(LC_NUMERIC, was);
  g_free(was);
}

static char *
csv(const char *field)
{
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  sim_csv_write_field(f, field);
  fclose(f);
  return text;
}

static void
test_csv_field(void)
{
  static const struct { const char *in, *out; } cases[] = {
    { "plain", "plain" },
    { "", "" },
    { "a,b", "\"a,b\"" },
    { "say \"hi\"", "\"say \"\"hi\"\"\"" },
    { "two\nlines", "\"two\nlines\"" },
    { "cr\rhere", "\"cr\rhere\"" },
    { " lead", "\" lead\"" },
    { "trail ", "\"trail \"" },
    { "in side", "in side" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    char *got = csv(cases[i].in);
    g_assert_cmpstr(got, ==, cases[i].out);
    free(got);
  }
}

static void
test_json(void)
{
  GString *s = g_string_new(NULL);
  sim_json_append_number(s, 1.0 / 3.0);
  g_string_append_c(s, ' ');
  sim_json_append_number(s, NAN);
  g_string_append_c(s, ' ');
  sim_json_append_number(s, -INFINITY);
  g_string_append_c(s, ' ');
  sim_json_append_string(s, "a\"b\nc\x01", -1);
  g_assert_cmpstr(s->str, ==, "0.3333333333333333 null null \"a\\\"b\\nc\\u0001\"");
  g_string_free(s, TRUE);
}

static char *
trace_number(SimTraceFormat format, double v)
{
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  SimTrace *t = sim_trace_new(f, format);
  sim_trace_begin(t, 0, "record", NULL);
  sim_trace_str(t, "name", "third");
  sim_trace_num(t, "value", v);
  sim_trace_end(t);
  g_assert_true(sim_trace_flush(t, NULL));
  sim_trace_free(t);
  fclose(f);
  return text;
}

/* The trace writes a recorded value as the other outputs do: a JSON
 * number in jsonl, not a string of 14 digits. */
static void
test_trace_number(void)
{
  char *jsonl = trace_number(SIM_TRACE_JSONL, 1.0 / 3.0);
  g_assert_cmpstr(jsonl, ==, "{\"t\":0.000000000,\"kind\":\"record\",\"name\":\"third\","
                             "\"value\":0.3333333333333333}\n");
  free(jsonl);
  char *text = trace_number(SIM_TRACE_TEXT, 1.0 / 3.0);
  g_assert_cmpstr(text, ==, "0.000000000 record - name=third value=0.3333333333333333\n");
  free(text);
  char *inf = trace_number(SIM_TRACE_JSONL, INFINITY);
  g_assert_nonnull(strstr(inf, "\"value\":null}"));
  free(inf);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/value/number-examples", test_number_examples);
  g_test_add_func("/value/number-round-trip", test_number_round_trip);
  g_test_add_func("/value/number-locale", test_number_locale);
  g_test_add_func("/value/csv-field", test_csv_field);
  g_test_add_func("/value/json", test_json);
  g_test_add_func("/value/trace-number", test_trace_number);
  return g_test_run();
}
