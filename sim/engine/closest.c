/* The closest known name to a mistyped one (see closest.h). */
#include "closest.h"
#include <string.h>

/* Optimal string alignment distance between a and b (Damerau's swaps of
 * neighbours, no edit of a substring twice), in O(|a| |b|) time and three
 * rows of memory.  Names are short: this runs only on an error's path. */
static gsize
osa_distance(const char *a, const char *b)
{
  gsize la = strlen(a), lb = strlen(b);
  gsize *prev2 = g_new(gsize, lb + 1), *prev = g_new(gsize, lb + 1);
  gsize *cur = g_new(gsize, lb + 1);
  for (gsize j = 0; j <= lb; j++) prev[j] = j;
  for (gsize i = 1; i <= la; i++) {
    cur[0] = i;
    for (gsize j = 1; j <= lb; j++) {
      gsize cost = a[i - 1] == b[j - 1] ? 0 : 1;
      gsize d = MIN(MIN(prev[j] + 1, cur[j - 1] + 1), prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d = MIN(d, prev2[j - 2] + 1);
      cur[j] = d;
    }
    gsize *t = prev2; prev2 = prev; prev = cur; cur = t;
  }
  gsize d = prev[lb];
  g_free(prev2); g_free(prev); g_free(cur);
  return d;
}

const char *
sim_closest_name(const char *name, const char *const *candidates, gssize n)
{
  const char *best = NULL;
  gsize best_d = G_MAXSIZE;
  gsize len = strlen(name);
  for (gssize i = 0; n < 0 ? candidates[i] != NULL : i < n; i++) {
    const char *c = candidates[i];
    gsize lc = strlen(c);
    gsize d = osa_distance(name, c);
    /* One name inside the other (a prefix such as "tcp_" added or left
     * out) is as likely a slip as a typo of the same length. */
    gboolean inside = MIN(len, lc) >= 3 && (strstr(name, c) || strstr(c, name));
    if (!inside && d > MAX((gsize)1, MAX(len, lc) / 3)) continue;
    if (d < best_d) {
      best = c;
      best_d = d;
    }
  }
  return best;
}

char *
sim_closest_hint(const char *name, const char *const *candidates, gssize n)
{
  const char *best = sim_closest_name(name, candidates, n);
  return best ? g_strdup_printf(" (did you mean '%s'?)", best) : g_strdup("");
}
