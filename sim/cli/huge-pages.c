/* Huge pages for the heap (see huge-pages.h). */
#include "huge-pages.h"
#include <string.h>
#include <unistd.h>

#define HUGETLB_TUNABLE "glibc.malloc.hugetlb"

/* The GLIBC_TUNABLES value that asks for huge pages, given the current one
 * (NULL: unset), or NULL when `current` sets glibc.malloc.hugetlb already,
 * to any value. */
static char *
huge_pages_tunables(const char *current)
{
  if (current == NULL || *current == '\0') return g_strdup(HUGETLB_TUNABLE "=1");
  /* Tunables are NAME=VALUE items separated by colons. */
  g_auto(GStrv) items = g_strsplit(current, ":", -1);
  for (char **item = items; *item; item++)
    if (g_str_has_prefix(*item, HUGETLB_TUNABLE "=")) return NULL;
  return g_strconcat(current, ":" HUGETLB_TUNABLE "=1", NULL);
}

/* Whether transparent huge pages can back memory that asks for them:
 * `enabled` is the text of /sys/kernel/mm/transparent_hugepage/enabled,
 * whose mode in force is the bracketed word ("always [madvise] never"). */
static gboolean
huge_pages_available(const char *enabled)
{
  return enabled != NULL && strstr(enabled, "[never]") == NULL && strchr(enabled, '[') != NULL;
}

/* valgrind puts its preload library in the environment of the program it
 * runs; an exec there would leave valgrind's report covering nothing but
 * these few lines. */
static gboolean
under_valgrind(void)
{
  const char *preload = g_getenv("LD_PRELOAD");
  return preload != NULL && strstr(preload, "vgpreload") != NULL;
}

void
huge_pages_restart(char **argv)
{
  g_autofree char *tunables = huge_pages_tunables(g_getenv("GLIBC_TUNABLES"));
  if (tunables == NULL || under_valgrind()) return;
  g_autofree char *enabled = NULL;
  if (!g_file_get_contents("/sys/kernel/mm/transparent_hugepage/enabled", &enabled, NULL, NULL) ||
      !huge_pages_available(enabled))
    return;
  g_auto(GStrv) env = g_environ_setenv(g_get_environ(), "GLIBC_TUNABLES", tunables, TRUE);
  execve("/proc/self/exe", argv, env);
  /* No /proc, or no exec allowed: the run goes on with 4 KiB pages. */
}
