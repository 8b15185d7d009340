/* Runs a sweep's runs as child processes, at most plan->jobs at a time
 * (see sweep.h).  Each child is `twsim run SCENARIO --seed N --quiet
 * --records FILE [run options] [--set KEY=V of its grid cell]` in its own
 * process group, with stdout to
 * /dev/null and stderr captured; a GMainLoop watches the children, their
 * stderr and their deadlines.  A child still running well after its
 * --timeout is killed, with its whole process group, and counted as stopped
 * by a limit.  Results land in the caller's array by run index, so the
 * order runs finish in never shows. */
#include "sweep.h"
#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define SWEEP_STDERR_CAP (64 * 1024)   /* bytes of a child's stderr kept */
#define SWEEP_LINE_CAP 1000            /* bytes of its first line kept */

typedef struct SweepRunner SweepRunner;

/* One running child.  Invariant: err_source != 0 iff err_fd is open. */
typedef struct {
  SweepRunner *runner;
  guint        index;          /* into runs and results */
  GPid         pid;
  int          err_fd;
  guint        err_source;     /* g_unix_fd_add on err_fd */
  guint        kill_source;    /* the overtime timer, 0: none */
  GString     *err;            /* stderr so far, at most SWEEP_STDERR_CAP */
  char        *records_path;
  gboolean     killed;         /* by the sweep, for overtime */
} SweepChild;

struct SweepRunner {
  const SweepPlan *plan;
  const guint     *runs;       /* run indexes (sweep.h) */
  SweepResult     *results;
  guint            n;
  guint            next;       /* next index to start */
  guint            running;
  guint            done;
  guint            not_passed;
  GHashTable      *children;   /* SweepChild * set, the running ones */
  GMainLoop       *loop;
  int              signal_number;
};

static void
child_setup(gpointer user)
{
  setpgid(0, 0);   /* own group: the overtime kill reaches its children too */
}

/* Appends what stderr has now; FALSE at end of file or error. */
static gboolean
child_read_stderr(SweepChild *c)
{
  char buf[4096];
  ssize_t got = read(c->err_fd, buf, sizeof buf);
  if (got < 0 && errno == EINTR) return TRUE;
  if (got <= 0) return FALSE;
  gsize room = SWEEP_STDERR_CAP - MIN(c->err->len, SWEEP_STDERR_CAP);
  g_string_append_len(c->err, buf, (gssize)MIN((gsize)got, room));
  return TRUE;
}

static void
child_close_stderr(SweepChild *c)
{
  if (c->err_source == 0) return;
  g_source_remove(c->err_source);
  c->err_source = 0;
  close(c->err_fd);
  c->err_fd = -1;
}

static gboolean
on_child_stderr(gint fd, GIOCondition cond, gpointer user)
{
  SweepChild *c = user;
  if (child_read_stderr(c)) return G_SOURCE_CONTINUE;
  c->err_source = 0;           /* removed by returning G_SOURCE_REMOVE */
  close(c->err_fd);
  c->err_fd = -1;
  return G_SOURCE_REMOVE;
}

static void
child_kill(SweepChild *c, int signum)
{
  kill(-c->pid, signum);
  kill(c->pid, signum);
}

static gboolean
on_child_overtime(gpointer user)
{
  SweepChild *c = user;
  c->kill_source = 0;
  c->killed = TRUE;
  child_kill(c, SIGKILL);
  return G_SOURCE_REMOVE;
}

/* The first line of s, control characters replaced, at most
 * SWEEP_LINE_CAP bytes. */
static char *
first_line(const char *s)
{
  gsize len = strcspn(s, "\n");
  char *line = g_strndup(s, MIN(len, SWEEP_LINE_CAP));
  for (char *p = line; *p; p++)
    if ((unsigned char)*p < 0x20 || *p == 0x7f) *p = '?';
  return line;
}

/* The command the run printed after "twsim: reproduce with: ", or NULL. */
static char *
find_repro(const char *err)
{
  static const char tag[] = "twsim: reproduce with: ";
  for (const char *p = err; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
    if (g_str_has_prefix(p, tag)) return first_line(p + strlen(tag));
  return NULL;
}

static const char *
signal_name(int signum)
{
  switch (signum) {
  case SIGSEGV: return "SIGSEGV";
  case SIGABRT: return "SIGABRT";
  case SIGBUS:  return "SIGBUS";
  case SIGFPE:  return "SIGFPE";
  case SIGILL:  return "SIGILL";
  case SIGKILL: return "SIGKILL";
  case SIGTERM: return "SIGTERM";
  case SIGINT:  return "SIGINT";
  case SIGHUP:  return "SIGHUP";
  default:      return "signal";
  }
}

/* Status and error line from how the child ended and what it said. */
static void
result_classify(SweepResult *r, const SweepChild *c, int wait_status, double timeout)
{
  char *line = first_line(c->err->str);
  static const SweepStatus by_exit[] = { SWEEP_PASSED, SWEEP_FAILED, SWEEP_INVALID, SWEEP_LIMIT };
  if (c->killed) {
    r->status = SWEEP_LIMIT;
    r->error_line = g_strdup_printf("twsim sweep: killed, still running well after "
                                    "its --timeout of %g s", timeout);
  } else if (WIFEXITED(wait_status) && WEXITSTATUS(wait_status) < 4) {
    r->status = by_exit[WEXITSTATUS(wait_status)];
    r->error_line = g_strdup(r->status == SWEEP_PASSED ? "" : line);
  } else {
    r->status = SWEEP_CRASHED;
    char *how = WIFSIGNALED(wait_status)
      ? g_strdup_printf("killed by signal %d (%s)", WTERMSIG(wait_status),
                        signal_name(WTERMSIG(wait_status)))
      : g_strdup_printf("exited with status %d", WEXITSTATUS(wait_status));
    r->error_line = *line ? g_strdup_printf("%s: %s", how, line) : g_strdup(how);
    g_free(how);
  }
  g_free(line);
}

/* Reads and removes the child's records file ("" when it wrote none). */
static char *
take_records(const char *path)
{
  char *text = NULL;
  if (!g_file_get_contents(path, &text, NULL, NULL)) return g_strdup("");
  g_unlink(path);
  return text;
}

static void runner_start_more(SweepRunner *runner);

static void
runner_show_progress(const SweepRunner *runner, gboolean final)
{
  if (!runner->plan->progress) return;
  if (final) {
    fputs("\r\033[K", stderr);
  } else {
    fprintf(stderr, "\rtwsim sweep: %u/%u runs done, %u not passed, %u running\033[K",
            runner->done, runner->n, runner->not_passed, runner->running);
  }
  fflush(stderr);
}

/* Which run results[index] is: its cell and seed. */
static void
result_identify(const SweepRunner *runner, guint index, SweepResult *r)
{
  guint run = runner->runs[index];
  r->cell = run / runner->plan->n_seeds;
  r->seed = runner->plan->first + run % runner->plan->n_seeds;
}

static void
on_child_exit(GPid pid, gint wait_status, gpointer user)
{
  SweepChild *c = user;
  SweepRunner *runner = c->runner;
  if (c->err_source) {   /* what the child wrote before it ended is in the pipe */
    g_unix_set_fd_nonblocking(c->err_fd, TRUE, NULL);
    while (child_read_stderr(c)) {}
    child_close_stderr(c);
  }
  if (c->kill_source) g_source_remove(c->kill_source);
  g_spawn_close_pid(pid);

  SweepResult *r = &runner->results[c->index];
  result_identify(runner, c->index, r);
  result_classify(r, c, wait_status, runner->plan->timeout);
  char *repro = r->status == SWEEP_PASSED ? g_strdup("") : find_repro(c->err->str);
  r->repro = repro ? repro : sweep_repro_build(runner->plan, r->cell, r->seed);
  r->records = take_records(c->records_path);

  g_hash_table_remove(runner->children, c);
  g_string_free(c->err, TRUE);
  g_free(c->records_path);
  g_free(c);
  runner->running--;
  runner->done++;
  if (r->status != SWEEP_PASSED) runner->not_passed++;
  runner_show_progress(runner, FALSE);
  runner_start_more(runner);
}

/* The child's argv: twsim run SCENARIO --seed N --quiet --records F ARGS
 * and the cell's --set KEY=V. */
static char **
child_argv(const SweepPlan *plan, guint cell, guint64 seed, const char *records_path)
{
  GPtrArray *a = g_ptr_array_new();
  g_ptr_array_add(a, g_strdup(plan->twsim));
  g_ptr_array_add(a, g_strdup("run"));
  g_ptr_array_add(a, g_strdup(plan->scenario));
  g_ptr_array_add(a, g_strdup("--seed"));
  g_ptr_array_add(a, g_strdup_printf("%" G_GUINT64_FORMAT, seed));
  g_ptr_array_add(a, g_strdup("--quiet"));
  g_ptr_array_add(a, g_strdup("--records"));
  g_ptr_array_add(a, g_strdup(records_path));
  for (guint i = 0; i < plan->run_args->len; i++)
    g_ptr_array_add(a, sweep_arg_expand(g_ptr_array_index(plan->run_args, i), seed));
  sweep_plan_cell_args(plan, cell, a);
  g_ptr_array_add(a, NULL);
  return (char **)g_ptr_array_free(a, FALSE);
}

/* A run that could not even start is reported as crashed. */
static void
result_not_started(SweepRunner *runner, guint index, const char *why)
{
  SweepResult *r = &runner->results[index];
  result_identify(runner, index, r);
  r->status = SWEEP_CRASHED;
  r->error_line = g_strdup_printf("cannot start the run: %s", why);
  r->repro = sweep_repro_build(runner->plan, r->cell, r->seed);
  r->records = g_strdup("");
  runner->done++;
  runner->not_passed++;
}

static void
runner_start_one(SweepRunner *runner, guint index)
{
  const SweepPlan *plan = runner->plan;
  SweepResult id;
  result_identify(runner, index, &id);
  SweepChild *c = g_new0(SweepChild, 1);
  c->runner = runner;
  c->index = index;
  c->err = g_string_new(NULL);
  c->records_path = g_strdup_printf("%s/%u.records", plan->records_dir, runner->runs[index]);
  char **argv = child_argv(plan, id.cell, id.seed, c->records_path);
  GError *error = NULL;
  gboolean ok = g_spawn_async_with_pipes(NULL, argv, NULL,
      G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL, child_setup, NULL,
      &c->pid, NULL, NULL, &c->err_fd, &error);
  g_strfreev(argv);
  if (!ok) {
    result_not_started(runner, index, error->message);
    g_error_free(error);
    g_string_free(c->err, TRUE);
    g_free(c->records_path);
    g_free(c);
    return;
  }
  runner->running++;
  g_hash_table_add(runner->children, c);
  c->err_source = g_unix_fd_add(c->err_fd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_child_stderr, c);
  if (plan->timeout > 0) {
    double grace = 1.0 + plan->timeout / 10;   /* the run's own limit comes first */
    c->kill_source = g_timeout_add((guint)((plan->timeout + grace) * 1000), on_child_overtime, c);
  }
  g_child_watch_add(c->pid, on_child_exit, c);
}

static void
runner_start_more(SweepRunner *runner)
{
  while (!runner->signal_number && runner->running < runner->plan->jobs &&
         runner->next < runner->n)
    runner_start_one(runner, runner->next++);
  if (runner->running == 0 && (runner->signal_number || runner->done == runner->n))
    g_main_loop_quit(runner->loop);
}

/* SIGINT, SIGTERM or SIGHUP (a closed terminal): start nothing more, stop
 * the runs going on, so none is left orphaned and still writing. */
static gboolean
on_signal(gpointer user)
{
  SweepRunner *runner = ((gpointer *)user)[0];
  runner->signal_number = GPOINTER_TO_INT(((gpointer *)user)[1]);
  GHashTableIter it;
  gpointer c;
  g_hash_table_iter_init(&it, runner->children);
  while (g_hash_table_iter_next(&it, &c, NULL))
    child_kill(c, SIGTERM);
  runner_start_more(runner);
  return G_SOURCE_CONTINUE;
}

int
sweep_runner_run(const SweepPlan *plan, const guint *runs, guint n,
                 SweepResult *results)
{
  SweepRunner runner = {
    .plan = plan, .runs = runs, .results = results, .n = n,
    .children = g_hash_table_new(g_direct_hash, g_direct_equal),
    .loop = g_main_loop_new(NULL, FALSE),
  };
  gpointer on_int[2] = { &runner, GINT_TO_POINTER(SIGINT) };
  gpointer on_term[2] = { &runner, GINT_TO_POINTER(SIGTERM) };
  guint int_source = g_unix_signal_add(SIGINT, on_signal, on_int);
  guint term_source = g_unix_signal_add(SIGTERM, on_signal, on_term);
  gpointer on_hup[2] = { &runner, GINT_TO_POINTER(SIGHUP) };
  guint hup_source = g_unix_signal_add(SIGHUP, on_signal, on_hup);
  runner_start_more(&runner);
  if (runner.running > 0 || runner.done < n) g_main_loop_run(runner.loop);
  runner_show_progress(&runner, TRUE);
  g_source_remove(int_source);
  g_source_remove(term_source);
  g_source_remove(hup_source);
  g_main_loop_unref(runner.loop);
  g_hash_table_destroy(runner.children);
  return runner.signal_number;
}
