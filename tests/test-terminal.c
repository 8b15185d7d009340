/* twsim in a terminal, driven through tmux (a private server per test):
 * the ladder takes the terminal's width and shows exactly the golden
 * ladders of tests/golden/ (scripts/update-ladder-goldens) with no line
 * wrapped, at 80 and 120 columns; `twsim step` answers keys typed into
 * the terminal (send-keys, capture-pane) and commands read from a pipe. */
#include "twsim-run.h"
#include <string.h>
#include <unistd.h>

/* A tmux server of our own, so no user's session is touched. */
typedef struct {
  char *socket;
  char *tmux;       /* the tmux binary */
} Tmux;

static gboolean
tmux_open(Tmux *t)
{
  t->tmux = g_find_program_in_path("tmux");
  /* scripts/setup installs tmux: without it this test fails, never skips. */
  if (t->tmux == NULL) g_error("tmux is not installed (scripts/setup installs it)");
  static guint serial;
  t->socket = g_strdup_printf("twsim-test-%d-%u", (int)getpid(), ++serial);
  return TRUE;
}

/* Runs tmux -L socket ARGS...; returns its stdout. */
static char *
tmux(Tmux *t, const char *first, ...)
{
  GPtrArray *argv = g_ptr_array_new();
  g_ptr_array_add(argv, t->tmux);
  g_ptr_array_add(argv, "-L");
  g_ptr_array_add(argv, t->socket);
  va_list ap;
  va_start(ap, first);
  for (const char *a = first; a; a = va_arg(ap, const char *)) g_ptr_array_add(argv, (char *)a);
  va_end(ap);
  g_ptr_array_add(argv, NULL);
  char *out = NULL;
  int status = 0;
  GError *error = NULL;
  g_assert_true(g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_STDERR_TO_DEV_NULL,
                             NULL, NULL, &out, NULL, &status, &error));
  g_assert_no_error(error);
  g_ptr_array_free(argv, TRUE);
  return out;
}

static void
tmux_close(Tmux *t)
{
  g_free(tmux(t, "kill-server", NULL));
  g_free(t->socket);
  g_free(t->tmux);
}

/* Starts `command` (a shell command) in a detached window of the size
 * given; when it ends the window shows "[exit N]" and stays. */
static void
tmux_start(Tmux *t, guint width, guint height, const char *command)
{
  char w[16], h[16];
  g_snprintf(w, sizeof w, "%u", width);
  g_snprintf(h, sizeof h, "%u", height);
  char *shell = g_strdup_printf("%s; echo \"[exit $?]\"; sleep 600", command);
  g_free(tmux(t, "-f", "/dev/null", "new-session", "-d", "-s", "t", "-x", w, "-y", h,
              shell, NULL));
  g_free(tmux(t, "set-option", "-t", "t", "history-limit", "5000", NULL));
  g_free(shell);
}

/* What the pane shows, its history included, once it shows `want`
 * (waiting up to 30 s). */
static char *
tmux_wait_for(Tmux *t, const char *want)
{
  for (int i = 0; i < 600; i++) {
    char *screen = tmux(t, "capture-pane", "-p", "-t", "t", "-S", "-", "-E", "-", NULL);
    if (strstr(screen, want)) return screen;
    if (i == 599) g_test_message("the terminal shows:\n%s", screen);
    g_free(screen);
    g_usleep(50000);
  }
  g_assert_not_reached();
}

/* Tabs as a terminal shows them (stops every 8 columns). */
static char *
expand_tabs(const char *text)
{
  GString *s = g_string_new(NULL);
  gsize col = 0;
  for (const char *p = text; *p; p++) {
    if (*p == '\t') {
      do { g_string_append_c(s, ' '); col++; } while (col % 8);
    } else {
      g_string_append_c(s, *p);
      col = *p == '\n' ? 0 : col + 1;
    }
  }
  return g_string_free(s, FALSE);
}

static char *
golden_path(const char *name, guint width)
{
  char *file = g_strdup_printf("ladder-%s-%u.txt", name, width);
  char *path = g_build_filename(g_getenv("TWSIM_SOURCE_ROOT"), "tests", "golden", file, NULL);
  g_free(file);
  return path;
}

typedef struct {
  const char *name;      /* scenarios/NAME.lua */
  guint       width;
} LadderCase;

/* The ladder in a terminal of `width` columns (no --ladder-width): what
 * it shows is the golden ladder, line for line, none wrapped; and
 * --ladder-width gives the same bytes. */
static void
test_ladder_in_terminal(gconstpointer data)
{
  const LadderCase *c = data;
  char *path = golden_path(c->name, c->width);
  gsize len;
  char *golden = twsim_read_file(path, &len);
  char **lines = g_strsplit(golden, "\n", -1);
  for (char **l = lines; *l; l++) g_assert_cmpuint(strlen(*l), <=, c->width);
  g_strfreev(lines);
  char *scenario = g_strdup_printf("%%%s.lua", c->name);
  TwsimResult r = twsim_run("run", scenario, "--quiet", "--ladder", "--ladder-width",
                            c->width == 80 ? "80" : "120", NULL);
  g_assert_cmpint(r.status, ==, 0);
  if (strcmp(r.out, golden) != 0)
    g_test_message("rerun scripts/update-ladder-goldens and read the diff: %s", path);
  g_assert_cmpstr(r.out, ==, golden);
  twsim_result_clear(&r);

  Tmux t;
  if (!tmux_open(&t)) goto out;
  char *script = g_build_filename(g_getenv("TWSIM_SCENARIOS"), scenario + 1, NULL);
  char *cmd = g_strdup_printf("clear; '%s' run '%s' --quiet --ladder", g_getenv("TWSIM"), script);
  tmux_start(&t, c->width, 40, cmd);
  char *screen = tmux_wait_for(&t, "[exit 0]");
  char *want = expand_tabs(golden);
  /* The pane holds the output, then the exit line. */
  char *end = strstr(screen, "[exit 0]");
  *end = '\0';
  g_strchomp(screen);
  g_strchomp(want);
  char *start = screen;
  while (*start == '\n') start++;
  g_assert_cmpstr(start, ==, want);
  g_free(want);
  g_free(screen);
  g_free(cmd);
  g_free(script);
  tmux_close(&t);
out:
  g_free(scenario);
  g_free(golden);
  g_free(path);
}

/* Types a line into the terminal. */
static void
type_line(Tmux *t, const char *line)
{
  g_free(tmux(t, "send-keys", "-t", "t", "-l", line, NULL));
  g_free(tmux(t, "send-keys", "-t", "t", "Enter", NULL));
}

/* twsim step at a terminal: n, p, an unknown command, a breakpoint on a
 * state, r, q. */
static void
test_step_in_terminal(void)
{
  Tmux t;
  if (!tmux_open(&t)) return;
  char *script = g_build_filename(g_getenv("TWSIM_SCENARIOS"), "client-closes-first.lua", NULL);
  char *cmd = g_strdup_printf("'%s' step '%s' --quiet", g_getenv("TWSIM"), script);
  tmux_start(&t, 160, 50, cmd);
  g_free(tmux_wait_for(&t, "-- event 1 at 0.000000000 s\nstep>"));
  type_line(&t, "n");
  char *screen = tmux_wait_for(&t, "-- event 2 at 0.000000000 s\nstep>");
  g_assert_nonnull(strstr(screen, "send client ev=2 src=10.0.0.1:48424 dst=10.0.0.2:80 flags=S "));
  g_free(screen);
  type_line(&t, "p");
  screen = tmux_wait_for(&t, "  server     no connection");
  g_assert_nonnull(strstr(screen, "  client     SYN_SENT SND.UNA=0 SND.NXT=1 RCV.NXT=0"));
  g_assert_nonnull(strstr(screen, "timers: retransmit@1.000000000"));
  g_free(screen);
  type_line(&t, "frobnicate");
  g_free(tmux_wait_for(&t, "twsim step: unknown command 'frobnicate' (h for help)\nstep>"));
  type_line(&t, "b TIME_WAIT");
  g_free(tmux_wait_for(&t, "breakpoint TIME_WAIT set"));
  type_line(&t, "r");
  screen = tmux_wait_for(&t, "(breakpoint)\nstep>");
  g_assert_nonnull(strstr(screen, "state client ev=18 from=FIN_WAIT_2 to=TIME_WAIT"));
  g_assert_nonnull(strstr(screen, "-- event 18 at 0.030040480 s (breakpoint)"));
  g_free(screen);
  type_line(&t, "q");
  screen = tmux_wait_for(&t, "[exit 0]");
  g_assert_null(strstr(screen, "LAST_ACK to=CLOSED"));   /* stopped before it */
  g_free(screen);
  g_free(cmd);
  g_free(script);
  tmux_close(&t);
}

/* Runs `twsim step client-closes-first.lua --quiet` with `input` on its
 * stdin; the exit status in *status. */
static char *
step_with_input(const char *input, char **err, int *status)
{
  char *script = g_build_filename(g_getenv("TWSIM_SCENARIOS"), "client-closes-first.lua", NULL);
  char *in = g_shell_quote(input);
  char *cmd = g_strdup_printf("printf %%s %s | '%s' step '%s' --quiet", in, g_getenv("TWSIM"),
                              script);
  char *argv[] = { "/bin/sh", "-c", cmd, NULL };
  char *out = NULL;
  int wait = 0;
  GError *error = NULL;
  g_assert_true(g_spawn_sync(NULL, argv, NULL, 0, NULL, NULL, &out, err, &wait, &error));
  g_assert_no_error(error);
  *status = g_spawn_check_wait_status(wait, NULL) ? 0 : 1;
  g_free(cmd);
  g_free(in);
  g_free(script);
  return out;
}

/* Scripted through a pipe: s, c, t, n N, bad input, and the end of the
 * input, which stops the run (exit 0). */
static void
test_step_from_pipe(void)
{
  char *err = NULL;
  int status;
  char *out = step_with_input("s\nc\nt 0.02\nn 2\nt soon\nb FOO\nb 1\nb\nwhat\n", &err, &status);
  g_assert_cmpint(status, ==, 0);
  /* s: the SYN's send; c: the server's LISTEN -> SYN_RECEIVED */
  const char *s = strstr(out, "step> s\n");
  const char *syn = strstr(out, "send client ev=2 src=10.0.0.1:48424 dst=10.0.0.2:80 flags=S ");
  const char *c = strstr(out, "step> c\n");
  const char *synrcvd = strstr(out, "state server ev=3 from=LISTEN to=SYN_RECEIVED");
  g_assert_true(s && syn && c && synrcvd);
  g_assert_true(s < syn && syn < c && c < synrcvd);
  /* t 0.02: the last event at or before 0.020 s */
  g_assert_nonnull(strstr(out, "step> t 0.02\n"));
  g_assert_nonnull(strstr(out, "at 0.015018320 s\nstep> n 2\n"));
  g_assert_nonnull(strstr(out, "breakpoint #1 set\nstep> b\nbreakpoints: #1\n"));
  g_assert_nonnull(strstr(err, "twsim step: t: "));
  g_assert_nonnull(strstr(err, "twsim step: b: 'FOO' is neither a state (TIME_WAIT) nor a connection (#1)\n"));
  g_assert_nonnull(strstr(err, "twsim step: unknown command 'what' (h for help)\n"));
  g_assert_null(strstr(out, "to=TIME_WAIT"));      /* the input ended first */
  g_free(out);
  g_free(err);

  /* h lists every command; a run stepped to its end exits 0 with its
   * whole trace. */
  out = step_with_input("h\nr\n", &err, &status);
  g_assert_cmpint(status, ==, 0);
  static const char *const commands[] = { "  n [N] ", "  s  ", "  c  ", "  t TIME ", "  r  ",
                                          "  b STATE ", "  b N ", "  p [N] ", "  q  ", "  h, ? " };
  for (gsize i = 0; i < G_N_ELEMENTS(commands); i++) g_assert_nonnull(strstr(out, commands[i]));
  g_assert_nonnull(strstr(out, "state client ev=21 from=TIME_WAIT to=CLOSED"));
  g_assert_cmpstr(err, ==, "");
  g_free(out);
  g_free(err);

  /* A bad run option is refused as twsim run refuses it. */
  TwsimResult r = twsim_run("step", "%client-closes-first.lua", "--ladder-width", "10", NULL);
  g_assert_cmpint(r.status, ==, 2);
  g_assert_nonnull(strstr(r.err, "--ladder-width: given without --ladder"));
  twsim_result_clear(&r);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  static const LadderCase cases[] = {
    { "lost-final-ack", 80 }, { "lost-final-ack", 120 },
    { "simultaneous-open", 80 }, { "simultaneous-open", 120 },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    char *name = g_strdup_printf("/terminal/ladder/%s-%u", cases[i].name, cases[i].width);
    g_test_add_data_func(name, &cases[i], test_ladder_in_terminal);
    g_free(name);
  }
  g_test_add_func("/terminal/step", test_step_in_terminal);
  g_test_add_func("/terminal/step-from-pipe", test_step_from_pipe);
  return g_test_run();
}
