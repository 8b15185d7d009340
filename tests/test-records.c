/* sim.record's figures (sim/outputs/records.h): the last value, and the
 * distribution of every value recorded under a name, with nearest-rank
 * percentiles. */
#include "records.h"
#include <glib/gstdio.h>
#include <string.h>

static void
test_nearest_rank(void)
{
  SimRecords *r = sim_records_new();
  /* 100 down to 1: the order recorded does not matter to percentiles. */
  for (int i = 100; i >= 1; i--) sim_records_set(r, "lat", i);
  SimRecordStats st;
  sim_records_stats(r, 0, &st);
  g_assert_cmpuint(st.count, ==, 100);
  g_assert_cmpfloat(st.last, ==, 1);
  g_assert_cmpfloat(st.min, ==, 1);
  g_assert_cmpfloat(st.max, ==, 100);
  g_assert_cmpfloat(st.mean, ==, 50.5);
  g_assert_cmpfloat(st.p50, ==, 50);
  g_assert_cmpfloat(st.p90, ==, 90);
  g_assert_cmpfloat(st.p99, ==, 99);
  sim_records_free(r);
}

static void
test_few_values(void)
{
  SimRecords *r = sim_records_new();
  for (int i = 1; i <= 10; i++) sim_records_set(r, "ten", i);
  sim_records_set(r, "one", -3.5);
  SimRecordStats st;
  sim_records_stats(r, 0, &st);
  /* Rank ceil(p n / 100): 5, 9 and 10 of 10. */
  g_assert_cmpfloat(st.p50, ==, 5);
  g_assert_cmpfloat(st.p90, ==, 9);
  g_assert_cmpfloat(st.p99, ==, 10);
  sim_records_stats(r, 1, &st);
  g_assert_cmpuint(st.count, ==, 1);
  g_assert_cmpfloat(st.p50, ==, -3.5);
  g_assert_cmpfloat(st.p99, ==, -3.5);
  g_assert_cmpfloat(st.mean, ==, -3.5);
  g_assert_cmpuint(sim_records_count(r), ==, 2);
  g_assert_cmpstr(sim_records_name(r, 1), ==, "one");
  sim_records_free(r);
}

static void
test_huge_values(void)
{
  SimRecords *r = sim_records_new();
  sim_records_set(r, "big", G_MAXDOUBLE);
  sim_records_set(r, "big", G_MAXDOUBLE);
  SimRecordStats st;
  sim_records_stats(r, 0, &st);
  g_assert_cmpfloat(st.mean, ==, G_MAXDOUBLE);
  sim_records_free(r);
}

/* The records file: the last value under the name, and for a name recorded
 * more than once its distribution under NAME.count, NAME.mean, ... */
static void
test_file(void)
{
  SimRecords *r = sim_records_new();
  sim_records_set(r, "x", 2);
  sim_records_set(r, "x", 4);
  sim_records_set(r, "y", 0.1);
  char *dir = g_dir_make_tmp("twsim-records-XXXXXX", NULL);
  char *path = g_build_filename(dir, "r", NULL);
  GError *error = NULL;
  g_assert_true(sim_records_write(r, path, &error));
  g_assert_no_error(error);
  char *text = NULL;
  g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
  g_assert_cmpstr(text, ==, "x\t4\nx.count\t2\nx.mean\t3\nx.min\t2\nx.max\t4\n"
                            "x.p50\t2\nx.p90\t4\nx.p99\t4\ny\t0.1\n");
  g_free(text);
  g_remove(path);
  g_rmdir(dir);
  g_free(path);
  g_free(dir);
  sim_records_free(r);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/records/nearest-rank", test_nearest_rank);
  g_test_add_func("/records/few-values", test_few_values);
  g_test_add_func("/records/huge-values", test_huge_values);
  g_test_add_func("/records/file", test_file);
  return g_test_run();
}
