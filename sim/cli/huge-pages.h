/* Huge pages for the heap.  A run with many hosts or a million TIME_WAIT
 * records touches hundreds of megabytes of small allocations (hosts,
 * sockets, Lua's objects) in no order a cache line's neighbours can
 * predict, and with 4 KiB pages nearly every such touch also misses the
 * TLB.  glibc gives its heap transparent huge pages only when told so at
 * start-up, by the tunable glibc.malloc.hugetlb=1 in GLIBC_TUNABLES (read
 * by the dynamic loader before main, glibc 2.35 and later; unknown
 * tunables are ignored by older ones).  So twsim starts itself once more
 * with the tunable added, unless the environment already names it or the
 * machine has no transparent huge pages.  Only where memory comes from
 * changes: every output is the same with or without it
 * (docs/performance.md, "Huge pages for the heap"). */
#pragma once
#include <glib.h>

/* Starts this program again, with `argv` and the tunable added to
 * GLIBC_TUNABLES, when that does not name glibc.malloc.hugetlb already
 * (the user's choice, or this is the restart), the kernel has transparent
 * huge pages and the process is not under valgrind.  Returns when it does
 * not, or when the exec fails: the run then goes on with small pages. */
void
huge_pages_restart(char **argv);
