/* sim.record's table (see records.h). */
#include "records.h"
#include "output.h"
#include <stdio.h>
#include <stdlib.h>

/* Invariant: names->len == values->len; index maps each name to its
 * position + 1 in names. */
struct SimRecords {
  GPtrArray  *names;    /* char *, first-recorded order */
  GArray     *values;   /* double, the last value of each name */
  GHashTable *index;    /* name (owned by names) -> GUINT_TO_POINTER(i + 1) */
};

SimRecords *
sim_records_new(void)
{
  SimRecords *r = g_new0(SimRecords, 1);
  r->names = g_ptr_array_new_with_free_func(g_free);
  r->values = g_array_new(FALSE, FALSE, sizeof(double));
  r->index = g_hash_table_new(g_str_hash, g_str_equal);
  return r;
}

void
sim_records_free(SimRecords *records)
{
  if (records == NULL) return;
  g_hash_table_destroy(records->index);
  g_ptr_array_free(records->names, TRUE);
  g_array_free(records->values, TRUE);
  g_free(records);
}

gboolean
sim_records_name_ok(const char *name, gsize len)
{
  if (len == 0 || !g_utf8_validate(name, (gssize)len, NULL)) return FALSE;
  for (gsize i = 0; i < len; i++)
    if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f) return FALSE;
  return TRUE;
}

void
sim_records_set(SimRecords *records, const char *name, double value)
{
  guint at = GPOINTER_TO_UINT(g_hash_table_lookup(records->index, name));
  if (at == 0) {
    char *copy = g_strdup(name);
    g_ptr_array_add(records->names, copy);
    g_array_append_val(records->values, value);
    g_hash_table_insert(records->index, copy, GUINT_TO_POINTER(records->names->len));
    return;
  }
  g_array_index(records->values, double, at - 1) = value;
}

guint
sim_records_count(const SimRecords *records)
{
  return records->names->len;
}

const char *
sim_records_name(const SimRecords *records, guint i)
{
  return g_ptr_array_index(records->names, i);
}

double
sim_records_value(const SimRecords *records, guint i)
{
  return g_array_index(records->values, double, i);
}

char *
sim_records_format_value(double value, char *buf)
{
  for (int digits = 15; digits <= 17; digits++) {
    snprintf(buf, SIM_RECORDS_NUM_BUF, "%.*g", digits, value);
    if (strtod(buf, NULL) == value) break;
  }
  return buf;
}

gboolean
sim_records_write(const SimRecords *records, const char *path, GError **error)
{
  SimOutput *out = sim_output_open(path, "--records", error);
  if (out == NULL) return FALSE;
  FILE *f = sim_output_stream(out);
  char buf[SIM_RECORDS_NUM_BUF];
  for (guint i = 0; i < sim_records_count(records); i++)
    fprintf(f, "%s\t%s\n", sim_records_name(records, i),
            sim_records_format_value(sim_records_value(records, i), buf));
  return sim_output_commit(out, error);
}
