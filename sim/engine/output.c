/* Temporary-then-rename output files (see output.h). */
#include "output.h"
#include "simerror.h"
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <unistd.h>

struct SimOutput {
  FILE *stream;
  char *path;       /* final name; NULL for standard output */
  char *tmp_path;
  char *option;
};

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
  out->tmp_path = g_strdup_printf("%s.partial-XXXXXX", path);
  int fd = g_mkstemp_full(out->tmp_path, O_WRONLY, 0644);
  if (fd < 0 || (out->stream = fdopen(fd, "wb")) == NULL) {
    int saved = errno;
    g_set_error(error, SIM_ERROR, SIM_ERROR_IO, "%s %s: cannot create: %s",
                option, path, g_strerror(saved));
    if (fd >= 0) close(fd);
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
    g_unlink(out->tmp_path);
    ok = FALSE;
  } else if (g_rename(out->tmp_path, out->path) != 0) {
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
    g_unlink(out->tmp_path);
  }
  sim_output_free(out);
}
