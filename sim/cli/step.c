/* twsim step: runs a scenario one event at a time, for labs and for
 * finding out what a connection does.  It is `twsim run` (run.c) with a
 * text trace on stdout, so that each event prints its records as it
 * fires, and a function the engine calls after every event
 * (sim_engine_set_after, chained to the invariant checks' one): when the
 * command being run is done (the next event, the next segment, the next
 * state change, a time, a breakpoint), it reads commands from stdin, a
 * terminal or a pipe, until one lets the run go on.
 *
 * What the run did comes from the writers' feed (SimWatch, watch.h);
 * a connection's variables from its hosts' stacks (tcp_stack_conn_info). */
#include "step.h"
#include "run.h"
#include "outputs.h"
#include "watch.h"
#include "net.h"
#include "lnet.h"
#include <string.h>
#include <unistd.h>

typedef enum {
  GO_EVENTS,      /* n [N]: `count` events */
  GO_SEGMENT,     /* s: an event that sent, received or dropped a segment */
  GO_STATE,       /* c: an event that changed a state */
  GO_TIME,        /* t TIME: every event at or before `until` */
  GO_BREAK,       /* r: until a breakpoint or the end */
} GoKind;

typedef struct {
  SimWorld      *world;
  SimRunOptions *opts;
  SimWatch      *watch;
  SimAfterFn     chained;       /* the after-event function set before ours */
  gpointer       chained_user;
  GoKind         go;
  guint64        count;
  SimTime        until;
  char          *last;          /* the last command: an empty line repeats it */
} Stepper;

static const char help_text[] =
  "  n [N]       the next event (or the next N)\n"
  "  s           run to the next segment sent, received or dropped\n"
  "  c           run to the next state change\n"
  "  t TIME      run every event up to virtual time TIME (\"1.5\", \"250ms\")\n"
  "  r           run until a breakpoint or the end\n"
  "  b STATE     stop when a connection enters STATE (again: remove it)\n"
  "  b N         stop at every event of connection #N (again: remove it)\n"
  "  b           list the breakpoints\n"
  "  p [N]       both ends of connection #N (default: the last one seen)\n"
  "  q           stop the run here (the outputs are written up to now)\n"
  "  h, ?        this help; an empty line repeats the last command\n";

/* A connection number: "3" or "#3"; 0 if it is not one. */
static guint
parse_conn(const char *arg)
{
  guint64 n;
  if (arg[0] == '#') arg++;
  if (!g_ascii_string_to_unsigned(arg, 10, 1, G_MAXUINT, &n, NULL)) return 0;
  return (guint)n;
}

static void
print_time_field(const char *name, SimTime at)
{
  char buf[SIM_TIME_BUF];
  if (at != SIM_TIME_MAX) printf(" %s@%s", name, sim_time_format(at, buf));
}

/* One end of a connection: its state and variables, relative to the
 * ISNs as the ladder shows them (a TIME_WAIT record keeps no ISNs: the
 * SYNs the stepper saw give them, else its numbers are absolute). */
static void
print_end(Stepper *st, guint number, const SimConnEnds *e, int side)
{
  NetNode *node = net_world_find_addr(st->world->run.net, e->addr[side]);
  TcpTuple t = { .laddr = e->addr[side], .lport = e->port[side],
                 .raddr = e->addr[1 - side], .rport = e->port[1 - side] };
  TcpConnInfo ci;
  /* Beyond a NAT the end has the addresses its far side sees (conns.h),
   * unless a later connection holds them now. */
  const SimConnEnds *far = sim_watch_conn_beyond(st->watch, number);
  if (far && sim_conn_index_find(sim_writers_conns(&st->world->out, &st->world->run),
                                 far->addr[0], far->port[0], far->addr[1], far->port[1], FALSE,
                                 NULL) != far)
    far = NULL;
  if (far && (node == NULL || node->transport == NULL ||
              !tcp_stack_conn_info(node->transport, &t, &ci))) {
    node = net_world_find_addr(st->world->run.net, far->addr[side]);
    t = (TcpTuple){ .laddr = far->addr[side], .lport = far->port[side],
                    .raddr = far->addr[1 - side], .rport = far->port[1 - side] };
  }
  if (node == NULL || node->transport == NULL ||
      !tcp_stack_conn_info(node->transport, &t, &ci)) {
    printf("  %-10s no connection (not yet, or no more)\n", node ? node->name : "?");
    return;
  }
  printf("  %-10s %s", node->name, tcp_state_name(ci.state));
  if (ci.record) {
    guint32 iss = 0, irs = 0;
    gboolean known = sim_watch_isn(st->watch, number, side, &iss) &&
                     sim_watch_isn(st->watch, number, 1 - side, &irs);
    printf(" (a TIME_WAIT record%s) SND.NXT=%u RCV.NXT=%u\n  %10s timers:",
           known ? "" : ", absolute numbers", ci.snd_nxt - iss, ci.rcv_nxt - irs, "");
    print_time_field("time_wait-ends", ci.state_at);
    printf("\n");
    return;
  }
  char rto[SIM_TIME_BUF], ssthresh[16] = "inf";   /* infinite until a loss */
  if (ci.ssthresh < G_MAXINT32) g_snprintf(ssthresh, sizeof ssthresh, "%u", ci.ssthresh);
  printf(" SND.UNA=%u SND.NXT=%u RCV.NXT=%u SND.WND=%u RCV.WND=%u cwnd=%u ssthresh=%s\n"
         "  %10s RTO=%s timers:", ci.snd_una - ci.iss, ci.snd_nxt - ci.iss,
         ci.rcv_nxt - ci.irs, ci.snd_wnd, ci.rcv_wnd, ci.cwnd, ssthresh, "",
         sim_time_format(ci.rto, rto));
  if (ci.rtx_at == SIM_TIME_MAX && ci.ack_at == SIM_TIME_MAX && ci.state_at == SIM_TIME_MAX)
    printf(" none");
  print_time_field("retransmit", ci.rtx_at);
  print_time_field("delayed-ack", ci.ack_at);
  print_time_field("fin_wait_2", ci.state_at);
  printf("\n");
}

static void
print_conn(Stepper *st, const char *arg)
{
  guint n = *arg ? parse_conn(arg) : sim_watch_last_conn(st->watch);
  const SimConnEnds *e = n ? sim_watch_conn(st->watch, n) : NULL;
  if (e == NULL) {
    if (*arg && n == 0) fprintf(stderr, "twsim step: p: '%s' is not a connection number\n", arg);
    else printf("no connection #%u yet\n", n);
    return;
  }
  char a[NET_ADDR_BUF], b[NET_ADDR_BUF];
  NetNode *left = net_world_find_addr(st->world->run.net, e->addr[0]);
  NetNode *right = net_world_find_addr(st->world->run.net, e->addr[1]);
  printf("#%u  %s %s:%u  <->  %s %s:%u\n", n, left ? left->name : "?",
         net_addr_format(e->addr[0], a), e->port[0], right ? right->name : "?",
         net_addr_format(e->addr[1], b), e->port[1]);
  /* The sockets are found by 4-tuple: a later connection may hold it now. */
  SimConnIndex *conns = sim_writers_conns(&st->world->out, &st->world->run);
  const SimConnEnds *now = sim_conn_index_find(conns, e->addr[0], e->port[0], e->addr[1],
                                               e->port[1], FALSE, NULL);
  if (now && now->number != n) {
    printf("  (this 4-tuple is #%u's now: the ends below are #%u's)\n", now->number,
           now->number);
    n = now->number;
    e = now;
  }
  print_end(st, n, e, 0);
  print_end(st, n, e, 1);
}

static void
toggle_break(Stepper *st, const char *arg)
{
  TcpState state;
  guint n;
  if (*arg == '\0') {
    g_autoptr(GString) list = g_string_new(NULL);
    sim_watch_describe(st->watch, list);
    printf("breakpoints: %s\n", list->len ? list->str : "none");
  } else if (tcp_state_parse(arg, &state)) {
    printf("breakpoint %s %s\n", arg, sim_watch_toggle_state(st->watch, state) ? "set" : "removed");
  } else if ((n = parse_conn(arg)) != 0) {
    printf("breakpoint #%u %s\n", n, sim_watch_toggle_conn(st->watch, n) ? "set" : "removed");
  } else {
    fprintf(stderr, "twsim step: b: '%s' is neither a state (TIME_WAIT) nor a connection (#1)\n",
            arg);
  }
}

/* A virtual time for `t`: seconds or a duration with a unit. */
static gboolean
parse_time(const char *arg, SimTime *out)
{
  char *end;
  double secs = g_ascii_strtod(arg, &end);
  GError *error = NULL;
  gboolean ok = *end == '\0' && end != arg ? sim_time_from_seconds(secs, out, &error)
                                           : sim_time_parse(arg, out, &error);
  if (!ok) {
    fprintf(stderr, "twsim step: t: %s\n", error->message);
    g_error_free(error);
  }
  return ok;
}

/* Runs one command; TRUE if it lets the run go on. */
static gboolean
command(Stepper *st, const char *cmd, const char *arg)
{
  if (strcmp(cmd, "n") == 0) {
    guint64 n = 1;
    if (*arg && !g_ascii_string_to_unsigned(arg, 10, 1, G_MAXUINT64, &n, NULL)) {
      fprintf(stderr, "twsim step: n: expected a count of events, got '%s'\n", arg);
      return FALSE;
    }
    st->go = GO_EVENTS;
    st->count = n;
  } else if (strcmp(cmd, "s") == 0) {
    st->go = GO_SEGMENT;
  } else if (strcmp(cmd, "c") == 0) {
    st->go = GO_STATE;
  } else if (strcmp(cmd, "r") == 0) {
    st->go = GO_BREAK;
  } else if (strcmp(cmd, "t") == 0) {
    if (*arg == '\0') {
      fprintf(stderr, "twsim step: t: expected a time (t 1.5, t 250ms)\n");
      return FALSE;
    }
    if (!parse_time(arg, &st->until)) return FALSE;
    st->go = GO_TIME;
  } else if (strcmp(cmd, "b") == 0) {
    toggle_break(st, arg);
    return FALSE;
  } else if (strcmp(cmd, "p") == 0) {
    print_conn(st, arg);
    return FALSE;
  } else if (strcmp(cmd, "h") == 0 || strcmp(cmd, "?") == 0) {
    fputs(help_text, stdout);
    return FALSE;
  } else {
    fprintf(stderr, "twsim step: unknown command '%s' (h for help)\n", cmd);
    return FALSE;
  }
  return TRUE;
}

/* Ends the run after this event, as --stop-at-event does: outputs are
 * written up to here and the exit status is 0. */
static void
quit(Stepper *st)
{
  guint64 events = sim_engine_events(st->world->run.engine);
  st->opts->stop_at_event = events;
  sim_engine_set_max_events(st->world->run.engine, events);
}

/* Reads commands until one lets the run go on, or q, or the end of the
 * input (which quits too). */
static void
prompt(Stepper *st)
{
  char line[512];
  gboolean echo = !isatty(STDIN_FILENO);   /* a script: show what it said */
  for (;;) {
    printf("step> ");
    fflush(stdout);
    if (fgets(line, sizeof line, stdin) == NULL) {
      printf("\n");
      quit(st);
      return;
    }
    g_strstrip(line);
    if (echo) printf("%s\n", line);
    if (line[0] == '\0' && st->last) g_strlcpy(line, st->last, sizeof line);
    if (line[0] == '\0') continue;
    g_free(st->last);
    st->last = g_strdup(line);
    char *arg = line + strcspn(line, " \t");
    if (*arg) *arg++ = '\0';
    arg = g_strchug(arg);
    if (strcmp(line, "q") == 0) {
      quit(st);
      return;
    }
    if (command(st, line, arg)) return;
  }
}

/* Whether the command being run is done after this event. */
static gboolean
done(Stepper *st)
{
  SimEngine *engine = st->world->run.engine;
  switch (st->go) {
  case GO_EVENTS: return --st->count == 0;
  case GO_SEGMENT: return sim_watch_segments(st->watch) > 0;
  case GO_STATE: return sim_watch_states(st->watch) > 0;
  case GO_TIME: return sim_engine_next_time(engine) > st->until;
  case GO_BREAK: return FALSE;
  }
  return TRUE;
}

static void
after_event(gpointer user)
{
  Stepper *st = user;
  if (st->chained) st->chained(st->chained_user);
  gboolean hit = sim_watch_hit(st->watch);
  if (!done(st) && !hit) return;
  SimEngine *engine = st->world->run.engine;
  char buf[SIM_TIME_BUF];
  fflush(stdout);
  printf("-- event %" G_GUINT64_FORMAT " at %s s%s\n", sim_engine_events(engine),
         sim_time_format(sim_engine_now(engine), buf), hit ? " (breakpoint)" : "");
  sim_watch_reset(st->watch);
  prompt(st);
}

static void
attach(gpointer user, SimWorld *world, SimRunOptions *opts)
{
  Stepper *st = user;
  st->world = world;
  st->opts = opts;
  st->watch = sim_watch_new(sim_writers_conns(&world->out, &world->run));
  world->out.watch = st->watch;
  st->chained = sim_engine_get_after(world->run.engine, &st->chained_user);
  sim_engine_set_after(world->run.engine, after_event, st);
}

static void
detach(gpointer user, SimWorld *world)
{
  Stepper *st = user;
  sim_engine_set_after(world->run.engine, st->chained, st->chained_user);
  world->out.watch = NULL;
  if (world->run.net) sim_lua_net_update_observer(world);
  sim_watch_free(st->watch);
  g_free(st->last);
}

int
step_command(int argc, char **argv)
{
  Stepper st = { .go = GO_EVENTS, .count = 1 };
  const RunDriver driver = {
    .summary = "SCENARIO.lua - run a scenario one event at a time (h: the commands)",
    .trace_stdout = TRUE,
    .attach = attach,
    .detach = detach,
    .user = &st,
  };
  return run_command_driven(argc, argv, &driver);
}
