/* Output files that are whole or absent.
 *
 * An output is written to a temporary file beside its final name and renamed
 * into place only when the run commits it, so a run that is killed or
 * invalid never leaves a truncated file that looks whole.  "-" means
 * standard output, which is written directly; so is a path that names a
 * FIFO or a device (it cannot be renamed over). */
#pragma once
#include <glib.h>
#include <stdio.h>

typedef struct SimOutput SimOutput;

/* Opens `path` for writing (binary).  NULL with error if the directory is
 * not writable.  `option` names the command-line option, for messages. */
SimOutput *
sim_output_open(const char *path, const char *option, GError **error);

FILE *
sim_output_stream(SimOutput *out);

/* Flushes, closes and renames into place.  FALSE with error if any write
 * failed (the temporary file is then removed).  Frees out. */
gboolean
sim_output_commit(SimOutput *out, GError **error);

/* Closes and removes the temporary file.  Frees out.  NULL is ignored. */
void
sim_output_abandon(SimOutput *out);

/* Removes every temporary file of the outputs open now, leaving them
 * absent: for an exit that cannot finish them (the watchdog).  Safe from
 * another thread. */
void
sim_output_remove_partial(void);

/* Whether two output paths name the same file ("-" only matches "-"):
 * the same existing file, or the same path once made absolute. */
gboolean
sim_output_same_file(const char *a, const char *b);

/* Opens /dev/null on any of descriptors 0, 1 and 2 that is closed (read
 * only, so writes to a closed stdout or stderr fail and are reported). */
void
sim_output_guard_std_fds(void);
