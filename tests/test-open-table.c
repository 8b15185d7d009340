/* The open-addressing table template (models/open-table.h), instantiated
 * here for a slot of its own: a key, a value, and a hash that the test
 * chooses (a weak one, so that runs of used slots form and wrap around).
 * The tables made from it (tuple-table, ports, TIME_WAIT's index,
 * slot-index) have their own tests in test-tcp-stack.c and
 * test-conntrack.c. */
#include "open-table.h"
#include "rng.h"
#include <string.h>

typedef struct {
  guint32 key;               /* 0: empty */
  guint32 value;
} TestSlot;

typedef struct {
  TestSlot *slots;
  guint32   mask;
} TestTable;

/* The context: the hash's modulus (how many distinct homes keys have) and
 * a count of the hashes taken. */
typedef struct {
  guint32 homes;
  guint   hashes;
} TestCtx;

static inline gboolean
test_slots_used(const TestSlot *s)
{
  return s->key != 0;
}

static inline void
test_slots_vacate(TestSlot *s)
{
  s->key = 0;
}

static inline guint32
test_key_hash(const TestCtx *ctx, guint32 key)
{
  return (key % ctx->homes) * 0x9e3779b1u;
}

static inline guint32
test_slots_hash(TestCtx *ctx, const TestSlot *s)
{
  ctx->hashes++;
  return test_key_hash(ctx, s->key);
}

static inline gboolean
test_match_key(TestCtx *ctx, const TestSlot *s, guint32 h, guint32 key)
{
  (void)ctx;
  (void)h;
  return s->key == key;
}

static inline gboolean
test_match_value(TestCtx *ctx, const TestSlot *s, guint32 h, guint32 value)
{
  (void)ctx;
  (void)h;
  return s->value == value;
}

OPEN_TABLE_DEFINE(test_slots, TestTable, TestSlot, TestCtx *, 4)
OPEN_TABLE_DEFINE_FIND(test_slots, test_find, TestTable, TestSlot, TestCtx *, guint32,
                       test_match_key)
OPEN_TABLE_DEFINE_FIND(test_slots, test_find_value, TestTable, TestSlot, TestCtx *, guint32,
                       test_match_value)

/* Every axiom of open-table.h: `count` entries, at most 3/4 of the slots
 * used, and each entry reachable from its home without an empty slot. */
static void
check_table(TestTable *t, TestCtx *ctx, guint count)
{
  guint32 n = test_slots_size(t), used = 0;
  for (guint32 i = 0; i < n; i++) {
    if (!test_slots_used(&t->slots[i])) continue;
    used++;
    for (guint32 j = test_key_hash(ctx, t->slots[i].key) & t->mask; j != i;
         j = (j + 1) & t->mask)
      g_assert_true(test_slots_used(&t->slots[j]));
  }
  g_assert_cmpuint(used, ==, count);
  g_assert_cmpuint((guint64)used * 4, <=, (guint64)n * 3);
}

static void
insert(TestTable *t, TestCtx *ctx, guint *count, guint32 key, guint32 value)
{
  test_slots_reserve(t, ctx, (guint64)*count + 1);
  TestSlot s = { .key = key, .value = value };
  TestSlot *at = test_slots_put(t, ctx, &s);
  g_assert_cmpuint(at->key, ==, key);
  g_assert_cmpuint(at->value, ==, value);
  (*count)++;
}

static void
test_empty(void)
{
  TestTable t = { 0 };
  TestCtx ctx = { .homes = 1000 };
  g_assert_cmpuint(test_slots_size(&t), ==, 0);
  guint32 pos = 0;
  g_assert_null(test_slots_next(&t, &pos));
  /* A reserve makes slots, all empty, and a lookup finds nothing. */
  test_slots_reserve(&t, &ctx, 0);
  g_assert_cmpuint(test_slots_size(&t), ==, 4);
  g_assert_null(test_find(&t, &ctx, test_key_hash(&ctx, 5), 5));
  pos = 0;
  g_assert_null(test_slots_next(&t, &pos));
  test_slots_free(&t);
  g_assert_null(t.slots);
  g_assert_cmpuint(test_slots_size(&t), ==, 0);
}

static void
test_growth(void)
{
  /* FIRST slots at the first insertion, then doubling as the fourth of
   * every four slots would be used; a reserve for many grows in one step. */
  TestTable t = { 0 };
  TestCtx ctx = { .homes = 1 << 20 };
  guint count = 0;
  insert(&t, &ctx, &count, 1, 1);
  g_assert_cmpuint(test_slots_size(&t), ==, 4);
  insert(&t, &ctx, &count, 2, 2);
  insert(&t, &ctx, &count, 3, 3);
  g_assert_cmpuint(test_slots_size(&t), ==, 4);
  insert(&t, &ctx, &count, 4, 4);
  g_assert_cmpuint(test_slots_size(&t), ==, 8);
  test_slots_reserve(&t, &ctx, 100);
  g_assert_cmpuint(test_slots_size(&t), ==, 256);
  for (guint32 k = 1; k <= 4; k++)
    g_assert_cmpuint(test_find(&t, &ctx, test_key_hash(&ctx, k), k)->value, ==, k);
  g_assert_null(test_find(&t, &ctx, test_key_hash(&ctx, 5), 5));
  check_table(&t, &ctx, count);
  /* A reserve that fits changes nothing. */
  TestSlot *before = t.slots;
  test_slots_reserve(&t, &ctx, 192);
  g_assert_true(t.slots == before);
  test_slots_free(&t);
}

static void
test_wrap_delete(void)
{
  /* Keys whose homes are the last slots: their run wraps to slot 0; the
   * deletion of the first must shift the wrapped ones back over the end. */
  TestTable t = { 0 };
  TestCtx ctx = { .homes = 1000 };
  guint count = 0;
  test_slots_reserve(&t, &ctx, 12);   /* 16 slots */
  g_assert_cmpuint(test_slots_size(&t), ==, 16);
  guint32 keys[5], n = 0;
  for (guint32 k = 1; n < 5; k++)
    if ((test_key_hash(&ctx, k) & t.mask) == t.mask) keys[n++] = k;
  for (guint i = 0; i < 5; i++) insert(&t, &ctx, &count, keys[i], 100 + i);
  g_assert_cmpuint(t.slots[t.mask].key, ==, keys[0]);
  g_assert_cmpuint(t.slots[3].key, ==, keys[4]);
  test_slots_delete(&t, &ctx, test_find(&t, &ctx, test_key_hash(&ctx, keys[0]), keys[0]));
  count--;
  check_table(&t, &ctx, count);
  g_assert_cmpuint(t.slots[t.mask].key, ==, keys[1]);
  g_assert_false(test_slots_used(&t.slots[3]));
  for (guint i = 1; i < 5; i++) {
    TestSlot *s = test_find(&t, &ctx, test_key_hash(&ctx, keys[i]), keys[i]);
    g_assert_nonnull(s);
    g_assert_cmpuint(s->value, ==, 100 + i);
  }
  g_assert_null(test_find(&t, &ctx, test_key_hash(&ctx, keys[0]), keys[0]));
  /* A second kind of key: by value. */
  TestSlot *s = test_find_value(&t, &ctx, test_key_hash(&ctx, keys[3]), 103);
  g_assert_nonnull(s);
  g_assert_cmpuint(s->key, ==, keys[3]);
  test_slots_free(&t);
}

static void
test_random(void)
{
  /* Against a reference array: random insertions, deletions and lookups
   * over 3,000 keys with 700 homes, so that long runs form, wrap, and
   * shift back on deletion; the axioms checked as the table grows. */
  enum { K = 3000 };
  static guint32 present[K + 1];
  memset(present, 0, sizeof present);
  TestTable t = { 0 };
  TestCtx ctx = { .homes = 700 };
  SimRng rng;
  sim_rng_init_stream(&rng, 5, "open-table");
  guint count = 0;
  for (int op = 0; op < 300000; op++) {
    guint32 k = 1 + (guint32)sim_rng_below(&rng, K);
    /* A lookup needs slots: the first insertion makes them. */
    TestSlot *s = t.slots ? test_find(&t, &ctx, test_key_hash(&ctx, k), k) : NULL;
    g_assert_cmpuint(s ? s->value : 0, ==, present[k]);
    if (s && sim_rng_chance(&rng, 0.5)) {
      test_slots_delete(&t, &ctx, s);
      present[k] = 0;
      count--;
    } else if (!s && sim_rng_chance(&rng, 0.6)) {
      present[k] = (guint32)op + 1;
      insert(&t, &ctx, &count, k, present[k]);
    }
    if (op % 10000 == 0) check_table(&t, &ctx, count);
  }
  check_table(&t, &ctx, count);
  /* Iteration visits every entry once. */
  guint32 pos = 0, seen = 0;
  for (TestSlot *s; (s = test_slots_next(&t, &pos)); seen++) {
    g_assert_cmpuint(present[s->key], ==, s->value);
    present[s->key] = 0;
  }
  g_assert_cmpuint(seen, ==, count);
  g_assert_cmpuint(ctx.hashes, >, 0);
  test_slots_free(&t);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/open-table/empty", test_empty);
  g_test_add_func("/open-table/growth", test_growth);
  g_test_add_func("/open-table/wrap-delete", test_wrap_delete);
  g_test_add_func("/open-table/random", test_random);
  return g_test_run();
}
