/* Temporary-then-rename output files (see output.h). */
#include "output.h"
#include "simerror.h"
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct SimOutput {
  FILE *stream;
  char *path;       /* final name; NULL for standard output */
  char *tmp_path;   /* NULL for standard output and files written in place */
  char *option;
};

/* The temporary files open now, for sim_output_remove_partial (which may
 * run on the watchdog's thread). */
static GMutex partial_lock;
static GPtrArray *partial_paths;

static void
partial_add(const char *tmp_path)
{
  g_mutex_lock(&partial_lock);
  if (partial_paths == NULL) partial_paths = g_ptr_array_new();
  g_ptr_array_add(partial_paths, (gpointer)tmp_path);
  g_mutex_unlock(&partial_lock);
}

static void
partial_remove(const char *tmp_path)
{
  g_mutex_lock(&partial_lock);
  if (partial_paths) g_ptr_array_remove(partial_paths, (gpointer)tmp_path);
  g_mutex_unlock(&partial_lock);
}

void
sim_output_remove_partial(void)
{
  g_mutex_lock(&partial_lock);
  for (guint i = 0; partial_paths && i < partial_paths->len; i++)
    unlink(g_ptr_array_index(partial_paths, i));
  g_mutex_unlock(&partial_lock);
}

/* A FIFO, a device or a socket cannot be replaced by a renamed file (and
 * must not be: as root, `--trace /dev/full` would replace the device
 * node): such an output is opened and written in place. */
static gboolean
is_special_file(const char *path)
{
  GStatBuf st;
  return g_stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode);
}

SimOutput *
sim_output_open(const char *path, const char *option, GError **error)
{
  SimOutput *out = g_new0(SimOutput, 1);
  out->option = g_strdup(option);
  if (g_strcmp0(path, "-") == 0) {
    out->stream = stdout;
    return out;
  }
  out->path = g_strdup(path);
  int fd;
  if (is_special_file(path)) {
    fd = g_open(path, O_WRONLY, 0);
  } else {
    out->tmp_path = g_strdup_printf("%s.partial-XXXXXX", path);
    fd = g_mkstemp_full(out->tmp_path, O_WRONLY, 0644);
    if (fd >= 0) partial_add(out->tmp_path);
  }
  if (fd < 0 || (out->stream = fdopen(fd, "wb")) == NULL) {
    int saved = errno;
    g_set_error(error, SIM_ERROR, SIM_ERROR_IO, "%s %s: cannot create: %s",
                option, path, g_strerror(saved));
    if (fd >= 0) close(fd);
    if (fd >= 0 && out->tmp_path) {
      partial_remove(out->tmp_path);
      g_unlink(out->tmp_path);
    }
    g_free(out->path);
    g_free(out->tmp_path);
    g_free(out->option);
    g_free(out);
    return NULL;
  }
  return out;
}

FILE *
sim_output_stream(SimOutput *out)
{
  return out->stream;
}

static void
sim_output_free(SimOutput *out)
{
  if (out->tmp_path) partial_remove(out->tmp_path);
  g_free(out->path);
  g_free(out->tmp_path);
  g_free(out->option);
  g_free(out);
}

gboolean
sim_output_commit(SimOutput *out, GError **error)
{
  gboolean ok = TRUE;
  if (out->path == NULL) {
    ok = fflush(out->stream) == 0;
    if (!ok)
      g_set_error(error, SIM_ERROR, SIM_ERROR_IO, "%s -: cannot write: %s",
                  out->option, g_strerror(errno));
    sim_output_free(out);
    return ok;
  }
  gboolean failed = ferror(out->stream) != 0;
  if (fclose(out->stream) != 0 || failed) {
    g_set_error(error, SIM_ERROR, SIM_ERROR_IO, "%s %s: cannot write: %s",
                out->option, out->path, g_strerror(errno));
    if (out->tmp_path) g_unlink(out->tmp_path);
    ok = FALSE;
  } else if (out->tmp_path && g_rename(out->tmp_path, out->path) != 0) {
    g_set_error(error, SIM_ERROR, SIM_ERROR_IO, "%s %s: cannot rename into place: %s",
                out->option, out->path, g_strerror(errno));
    g_unlink(out->tmp_path);
    ok = FALSE;
  }
  sim_output_free(out);
  return ok;
}

void
sim_output_abandon(SimOutput *out)
{
  if (out == NULL) return;
  if (out->path) {
    fclose(out->stream);
    if (out->tmp_path) g_unlink(out->tmp_path);
  }
  sim_output_free(out);
}

gboolean
sim_output_same_file(const char *a, const char *b)
{
  if (g_strcmp0(a, "-") == 0 || g_strcmp0(b, "-") == 0) return g_strcmp0(a, b) == 0;
  GStatBuf sa, sb;
  if (g_stat(a, &sa) == 0 && g_stat(b, &sb) == 0)
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
  g_autofree char *ca = g_canonicalize_filename(a, NULL);
  g_autofree char *cb = g_canonicalize_filename(b, NULL);
  return strcmp(ca, cb) == 0;
}

void
sim_output_guard_std_fds(void)
{
  /* A closed standard stream's descriptor would be given to the first
   * file opened, and the summary written into a --trace file: hold each
   * with /dev/null, open for reading only on 1 and 2 so a write there
   * fails (and is reported) instead of vanishing. */
  for (int fd = 0; fd <= 2; fd++) {
    if (fcntl(fd, F_GETFD) >= 0) continue;
    int got = open("/dev/null", O_RDONLY);
    if (got >= 0 && got != fd) {
      dup2(got, fd);
      close(got);
    }
  }
}
