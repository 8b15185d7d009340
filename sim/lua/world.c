/* The world of one run (see world.h). */
#include "world.h"
#include "run-check.h"
#include "tcp-ss.h"
#include "net.h"
#include "simerror.h"
#include "closest.h"
#include "output.h"
#include <lualib.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

volatile sig_atomic_t sim_world_signal_received;
volatile sig_atomic_t sim_world_limit_due;

/* The world sim_world_interrupt reaches from a signal handler: the one
 * made last, while its Lua state is open; and the thread that runs it. */
static SimWorld *volatile interrupted_world;
static pthread_t world_thread;

#define MEMORY_LIMIT_WHY "memory limit reached (--max-memory)"
#define OUT_OF_MEMORY_WHY "out of memory"

/* Whether the allocation about to be made is refused by --fail-alloc (a
 * test's way to prove every allocation failure ends the run cleanly):
 * the Nth and every one after it. */
static gboolean
injected_failure(SimWorld *world)
{
  if (world->opts->fail_alloc == 0 || ++world->allocs < world->opts->fail_alloc) return FALSE;
  sim_world_set_limit(world, OUT_OF_MEMORY_WHY);
  return TRUE;
}

/* Lua's allocator (counting_alloc) allocating when a cap or --fail-alloc
 * is set: it counts what the state holds so --max-memory (and the
 * sandbox's default cap) can refuse more, with what twsim made for the
 * scenario (world->model_bytes).
 *
 * A refusal is not yet a limit: Lua answers it with an emergency full
 * collection and asks again for the same block and size, and if the
 * collector freed enough the run goes on as if nothing happened (its
 * result must not turn into exit 3).  The limit is hit when that retry is
 * refused too, or when the next request is another one (Lua could not
 * retry, and raised "not enough memory"). */
static G_GNUC_NO_INLINE void *
checked_alloc(SimWorld *world, void *ptr, size_t osize, size_t nsize)
{
  gsize old = ptr ? osize : 0;
  if (world->opts->fail_alloc && nsize > old && injected_failure(world)) return NULL;
  gboolean retry = FALSE;
  if (world->refused.pending) {
    world->refused.pending = FALSE;
    retry = world->refused.ptr == ptr && world->refused.nsize == nsize;
    if (!retry) sim_world_set_limit(world, MEMORY_LIMIT_WHY);
  }
  gsize cap = world->opts->max_memory;
  if (cap && nsize > old && world->lua_bytes + world->model_bytes + (nsize - old) > cap) {
    if (retry || world->limit) {
      sim_world_set_limit(world, MEMORY_LIMIT_WHY);
    } else {
      world->refused.pending = TRUE;
      world->refused.ptr = ptr;
      world->refused.nsize = nsize;
    }
    return NULL;
  }
  void *p = ptr ? sim_lua_pool_resize(&world->lua_pool, ptr, osize, nsize)
                : sim_lua_pool_alloc(&world->lua_pool, nsize);    /* most calls: inline */
  if (p) world->lua_bytes = world->lua_bytes - old + nsize;
  return p;
}

/* Lua's allocator in a run with neither --max-memory nor --fail-alloc:
 * nothing can be refused and nothing reads what the state holds
 * (world->lua_bytes counts only for the cap), so the pool alone.  Lua
 * makes and frees a dozen objects per connection of the churn benchmark,
 * each through here. */
static void *
pool_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
  SimLuaPool *pool = ud;
  if (nsize == 0) {
    if (ptr) sim_lua_pool_release(pool, ptr, osize);
    return NULL;
  }
  return ptr ? sim_lua_pool_resize(pool, ptr, osize, nsize) : sim_lua_pool_alloc(pool, nsize);
}

/* Lua's allocator in a run with --max-memory or --fail-alloc: frees take
 * the short way; the rest is checked_alloc's. */
static void *
counting_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
  SimWorld *world = ud;
  gsize old = ptr ? osize : 0;
  if (nsize == 0) {
    if (ptr) sim_lua_pool_release(&world->lua_pool, ptr, osize);
    world->lua_bytes -= old;
    return NULL;
  }
  return checked_alloc(world, ptr, osize, nsize);
}

void
sim_world_settle_memory(SimWorld *world)
{
  if (!world->refused.pending) return;
  world->refused.pending = FALSE;
  sim_world_set_limit(world, MEMORY_LIMIT_WHY);
}

gboolean
sim_world_charge_counted(SimWorld *world, gssize bytes)
{
  if (bytes > 0 && injected_failure(world)) return FALSE;
  world->model_bytes += (gsize)bytes;
  gsize cap = world->opts->max_memory;
  if (bytes > 0 && cap && world->lua_bytes + world->model_bytes > cap) {
    sim_world_set_limit(world, MEMORY_LIMIT_WHY);
    return FALSE;
  }
  return TRUE;
}

/* Armed (at one instruction) when a limit may be due, on the thread that
 * runs then and on every thread that runs after it (see world.h).  Once a
 * limit is set it stays armed and raises at every instruction of the
 * thread, so a loop around pcall cannot outlive it: the instructions that
 * call pcall raise too. */
static void
limit_hook(lua_State *L, lua_Debug *ar)
{
  SimWorld *world = sim_world_from_lua(L);
  if (!world->limit) {
    /* Nothing set yet: poll.  Off first, so that a signal arriving from
     * here on arms the hook anew and raises the flag the poll reads;
     * when nothing is due (a stray alarm) the thread runs on unhooked. */
    sim_world_limit_due = 0;
    lua_sethook(L, NULL, 0, 0);
    atomic_signal_fence(memory_order_seq_cst);
    if (sim_world_poll_limits(world)) return;
  }
  lua_sethook(L, limit_hook, LUA_MASKCOUNT, 1);
  sim_lua_limit_error(L, world->limit_why);
}

void
sim_world_arm_hook(lua_State *L)
{
  lua_sethook(L, limit_hook, LUA_MASKCOUNT, 1);
}

void
sim_world_interrupt(void)
{
  sim_world_limit_due = 1;
  SimWorld *world = interrupted_world;
  if (world == NULL) return;
  lua_State *L = world->running_L;
  if (L) lua_sethook(L, limit_hook, LUA_MASKCOUNT, 1);
}

/* The deadline's signal.  A timer's signal goes to any thread that does
 * not block it: taken by another, it is passed on to the world's (a Lua
 * hook must be set from the thread that runs Lua). */
static void
on_deadline(int signum)
{
  int saved = errno;
  if (pthread_equal(pthread_self(), world_thread)) sim_world_interrupt();
  else pthread_kill(world_thread, signum);
  errno = saved;
}

/* With --timeout: a timer that sends SIM_WORLD_DEADLINE_SIGNAL at the
 * deadline, on the clock g_get_monotonic_time reads (CLOCK_MONOTONIC), so
 * the hook it arms finds the deadline passed.  Without one (no timer
 * left) the engine's poll and the watchdog still stop the run. */
static void
start_deadline_timer(SimWorld *world)
{
  struct sigaction sa = { 0 };
  sa.sa_handler = on_deadline;
  sa.sa_flags = SA_RESTART;        /* a system call it interrupts goes on */
  sigemptyset(&sa.sa_mask);
  sigaction(SIM_WORLD_DEADLINE_SIGNAL, &sa, NULL);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIM_WORLD_DEADLINE_SIGNAL);
  pthread_sigmask(SIG_UNBLOCK, &set, NULL);
  struct sigevent ev = { 0 };
  ev.sigev_notify = SIGEV_SIGNAL;
  ev.sigev_signo = SIM_WORLD_DEADLINE_SIGNAL;
  if (timer_create(CLOCK_MONOTONIC, &ev, &world->deadline_timer) != 0) return;
  struct itimerspec at = { 0 };
  at.it_value.tv_sec = world->deadline_us / G_USEC_PER_SEC;
  at.it_value.tv_nsec = (long)(world->deadline_us % G_USEC_PER_SEC) * 1000;
  world->timed = timer_settime(world->deadline_timer, TIMER_ABSTIME, &at, NULL) == 0;
  if (!world->timed) timer_delete(world->deadline_timer);
}

void
sim_world_set_limit(SimWorld *world, const char *why)
{
  if (!world->limit) {
    world->limit = TRUE;
    world->limit_why = why;
  }
  sim_world_note_error(world, world->limit_why);
  /* The thread running now stops at its next instruction, and the main
   * thread; any other when it is switched to (sim_world_switch_thread). */
  if (world->L) {
    lua_sethook(world->L, limit_hook, LUA_MASKCOUNT, 1);
    if (world->running_L) lua_sethook(world->running_L, limit_hook, LUA_MASKCOUNT, 1);
  }
  if (world->run.engine) sim_engine_stop(world->run.engine);
}

void
sim_lua_unref(SimWorld *world, int ref)
{
  if (world->L) luaL_unref(world->L, LUA_REGISTRYINDEX, ref);
}

gboolean
sim_world_poll_limits(SimWorld *world)
{
  if (sim_world_signal_received) {
    world->signal_number = sim_world_signal_received;
    sim_world_set_limit(world, "interrupted by a signal");
    return FALSE;
  }
  if (world->deadline_us && g_get_monotonic_time() >= world->deadline_us) {
    sim_world_set_limit(world, "wall-clock limit reached (--timeout)");
    return FALSE;
  }
  return TRUE;
}

static gboolean
engine_poll(gpointer user)
{
  return sim_world_poll_limits(user);
}

/* A Lua error outside any protected call: a bug of twsim (every call into
 * Lua from C is protected), but it must not leave half-written outputs
 * under their temporary names: they are removed, and the process ends
 * (abort, so a test or fuzzer sees it as the crash it is). */
static int
on_panic(lua_State *L)
{
  const char *msg = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "?";
  fprintf(stderr, "twsim: internal error: unprotected Lua error: %s\n", msg);
  sim_output_remove_partial();
  abort();
}

SimWorld *
sim_world_new(const SimRunOptions *opts, GError **error)
{
  SimWorld *world = g_new0(SimWorld, 1);
  world->opts = opts;
  world->run.engine = sim_engine_new();
  world->run.scenario = opts->scenario;
  world->run.seed = opts->seed;
  world->run.check_every = opts->check;
  world->main_ctx.world = world;
  world->records = sim_records_new();
  world->run.records = world->records;
  world->text = opts->text_to_stderr ? stderr : stdout;
  for (int k = 0; k < SIM_OBSERVE_N; k++)
    world->observers[k] = g_array_new(FALSE, FALSE, sizeof(int));
  world->params_read = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  world->warned = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  world->listing = g_array_new(FALSE, FALSE, sizeof(TcpSockInfo));
  world->conn_pool = tcp_conn_pool_new(TCP_CONN_POOL_SHARED_MAX);
  sim_rng_init_stream(&world->scenario_rng, opts->seed, "scenario");
  if (opts->timeout > 0)
    world->deadline_us = g_get_monotonic_time() + (gint64)(opts->timeout * 1e6);
  guint64 max_events = opts->max_events;
  if (opts->stop_at_event && (max_events == 0 || opts->stop_at_event < max_events))
    max_events = opts->stop_at_event;
  sim_engine_set_max_events(world->run.engine, max_events);
  sim_engine_set_poll(world->run.engine, engine_poll, world);
  world->check_state = sim_run_install_checks(&world->run);

  sim_lua_pool_init(&world->lua_pool);
  /* The options are fixed for the run: which allocator is chosen once. */
  world->counted = opts->fail_alloc || opts->max_memory;
  lua_State *L = world->counted ? lua_newstate(counting_alloc, world)
                                : lua_newstate(pool_alloc, &world->lua_pool);
  if (L == NULL) {
    g_set_error(error, SIM_ERROR, SIM_ERROR_MEMORY, "cannot create the Lua state: out of memory");
    sim_world_free(world);
    return NULL;
  }
  world->L = L;
  world->running_L = L;
  *(SimThreadCtx **)lua_getextraspace(L) = &world->main_ctx;
  lua_atpanic(L, on_panic);
  /* The generational collector: a scenario's objects are mostly young
   * (a socket, a process's frames and strings per connection) while its
   * hosts, links and functions live for the whole run.  Measured with
   * callgrind on scripts/bench/churn.lua (10 s less 2 s of churn, per
   * connection): 49,354 instructions incremental (pause 200, step
   * multiplier 100, Lua's default), 49,081 with pause 400, 49,379 with
   * step multiplier 400, 48,852 generational (minor multiplier 20 or 60
   * alike); peak RSS 4.7-5.0 MiB in every case.  Measured again with
   * Lua linked statically: 42,467 with Lua's parameters, 42,625 with minor
   * multiplier 100, 42,581 with major multiplier 400.  Measured again on
   * a longer run (42 s less 2 s, over 40,000 connections), each setting
   * in a build that read it at start: Lua's parameters (minor 20, major
   * 100) 34,583-34,632 in three runs; minor 30 34,419 and 34,426, minor
   * 40 34,433-34,519, minor 50 34,413 and 34,570, minor 60 34,538, minor
   * 100 34,765, minor 10 34,608; major 50 34,528, 200 34,604; incremental
   * (pause/step multiplier) 200/100 34,801, 400/100 34,601, 300/400
   * 34,659.  Minor 30 built in gave 34,544, and 34,669-34,693 on the 10 s
   * run (Lua's: 34,584): within the spread from run to run (about 100),
   * so Lua's parameters stay. */
  lua_gc(L, LUA_GCGEN, 0, 0);
  /* No hook until a limit is due (see world.h): with a count hook set,
   * whatever the count, Lua 5.4's VM stops in luaG_traceexec at every
   * instruction, about 2,050 instructions per connection of the churn
   * benchmark, 4.8 % (docs/performance.md). */
  world_thread = pthread_self();
  atomic_signal_fence(memory_order_seq_cst);
  interrupted_world = world;
  if (sim_world_limit_due) sim_world_arm_hook(L);    /* a signal came first */
  if (world->deadline_us) start_deadline_timer(world);
  return world;
}

void
sim_world_close_lua(SimWorld *world)
{
  world->closing = TRUE;
  if (world->L == NULL) return;
  /* No signal handler reaches the state while it is freed (a finalizer
   * runs without hooks anyway: the watchdog ends one that never returns). */
  if (interrupted_world == world) interrupted_world = NULL;
  atomic_signal_fence(memory_order_seq_cst);
  /* lua_close runs every pending finalizer (__gc): the network and the
   * engine are still whole, so whatever twsim call a finalizer makes finds
   * a valid world (sim.run refuses, as the world is closing). */
  lua_close(world->L);
  sim_lua_pool_clear(&world->lua_pool);
  world->L = NULL;
  world->running_L = NULL;
}

void
sim_world_free(SimWorld *world)
{
  if (world == NULL) return;
  if (world->timed) timer_delete(world->deadline_timer);
  sim_world_close_lua(world);
  sim_lua_pool_clear(&world->lua_pool);     /* also when no state was made */
  /* The network before the engine (transports cancel their timers).  The
   * references they hold into the closed Lua state are dropped without a
   * call into it (sim_lua_unref). */
  net_world_free(world->run.net);
  world->run.net = NULL;
  tcp_conn_pool_free(world->conn_pool);     /* after the stacks, which give it theirs */
  sim_engine_free(world->run.engine);
  world->run.engine = NULL;
  for (int k = 0; k < SIM_OBSERVE_N; k++) g_array_free(world->observers[k], TRUE);
  sim_records_free(world->records);
  g_hash_table_destroy(world->params_read);
  g_hash_table_destroy(world->warned);
  g_array_free(world->listing, TRUE);
  g_free(world->check_state);
  g_free(world->message);
  g_free(world);
}

void
sim_lua_newmetatable(lua_State *L, SimLuaType type, const char *tname)
{
  SimWorld *world = sim_world_from_lua(L);
  g_assert(world->metatables[type] == NULL);
  luaL_newmetatable(L, tname);
  /* getmetatable(obj) gives the name, not the table: a scenario cannot
   * give twsim's objects a finalizer or change their methods. */
  lua_pushstring(L, tname);
  lua_setfield(L, -2, "__metatable");
  world->metatables[type] = lua_topointer(L, -1);
  lua_pushvalue(L, -1);
  world->metatable_refs[type] = luaL_ref(L, LUA_REGISTRYINDEX);
}

void
sim_world_note_error(SimWorld *world, const char *msg)
{
  /* An error while a refused allocation is pending is Lua's "not enough
   * memory": the refusal stood, and the limit is what stopped the run. */
  sim_world_settle_memory(world);
  if (world->message) return;
  /* One line: the first line of what Lua said. */
  const char *nl = strchr(msg, '\n');
  world->message = nl ? g_strndup(msg, (gsize)(nl - msg)) : g_strdup(msg);
  world->message_event = sim_engine_events(world->run.engine);
  world->message_time = sim_engine_now(world->run.engine);
}

/* Pushes "file:line: " of the innermost Lua function on `from`'s call
 * stack, from `level` up: the scenario line that made the bad call, even
 * through pcall or another C function. */
static gboolean
find_scenario_where(lua_State *from, lua_State *L, int level)
{
  lua_Debug ar;
  for (; lua_getstack(from, level, &ar); level++) {
    lua_getinfo(from, "Sl", &ar);
    /* A module twsim ships ("=twsim/load.lua") is not where the mistake
     * is: the scenario line that called it is. */
    if (ar.currentline > 0 && strncmp(ar.source, "=twsim/", 7) != 0) {
      lua_pushfstring(L, "%s:%d: ", ar.short_src, ar.currentline);
      return TRUE;
    }
  }
  return FALSE;
}

/* A C function run as a coroutine's body (coroutine.wrap(sim.sleep)) has
 * no Lua caller on its own thread: the line is then the one that resumed
 * it, in the thread running when it was resumed. */
void
sim_lua_push_where(lua_State *L)
{
  SimWorld *world = sim_world_from_lua(L);
  if (find_scenario_where(L, L, 1)) return;
  if (world->running_L && world->running_L != L && find_scenario_where(world->running_L, L, 1))
    return;
  if (world->L != L && find_scenario_where(world->L, L, 1)) return;
  lua_pushliteral(L, "");
}

const char *
sim_lua_error_text(lua_State *L, int idx, lua_State *from, int level)
{
  idx = lua_absindex(L, idx);
  if (lua_type(L, idx) == LUA_TSTRING || lua_type(L, idx) == LUA_TNUMBER) {
    lua_pushvalue(L, idx);
    lua_tostring(L, -1);
  } else if (luaL_getmetafield(L, idx, "__tostring") != LUA_TNIL) {
    /* The scenario's own __tostring, protected: it may fail or return
     * anything. */
    lua_pushvalue(L, idx);
    if (lua_pcall(L, 1, 1, 0) != LUA_OK || lua_type(L, -1) != LUA_TSTRING) {
      lua_pop(L, 1);
      lua_pushfstring(L, "(error object is a %s value whose __tostring failed)",
                      luaL_typename(L, idx));
    }
  } else {
    lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, idx));
  }
  /* Every error names a scenario line: the innermost one, unless the
   * message already starts with the same file (Lua's own position). */
  if (from && find_scenario_where(from, L, level)) {
    const char *where = lua_tostring(L, -1);
    const char *colon = strchr(where, ':');
    const char *msg = lua_tostring(L, -2);
    if (colon && strncmp(msg, where, (gsize)(colon - where + 1)) == 0) {
      lua_pop(L, 1);
    } else {
      lua_insert(L, -2);
      lua_concat(L, 2);
    }
  }
  return lua_tostring(L, -1);
}

int
sim_lua_error_handler(lua_State *L)
{
  if (lua_type(L, 1) == LUA_TLIGHTUSERDATA) return 1;   /* --stop-at-event's marker */
  sim_lua_error_text(L, 1, L, 1);
  return 1;
}

/* Prints the warning `line` unless it was printed before; takes it. */
static void
warn_once(SimWorld *world, char *line)
{
  if (!g_hash_table_add(world->warned, line)) return;
  fflush(stdout);   /* after what the run printed so far, when both go to a terminal */
  fprintf(stderr, "twsim: %s\n", line);
}

void
sim_lua_warning(lua_State *L, const char *fmt, ...)
{
  /* Made on the Lua stack (a raise there leaks nothing), copied once
   * whole. */
  sim_lua_push_where(L);
  lua_pushliteral(L, "warning: ");
  va_list ap;
  va_start(ap, fmt);
  sim_lua_pushvformat(L, fmt, ap);
  va_end(ap);
  lua_concat(L, 3);
  warn_once(sim_world_from_lua(L), g_strdup(lua_tostring(L, -1)));
  lua_pop(L, 1);
}

void
sim_world_warning(SimWorld *world, const char *where, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  char *text = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  char *line = g_strdup_printf("%s: warning: %s", where, text);
  g_free(text);
  warn_once(world, line);
}

int
sim_lua_limit_error(lua_State *L, const char *why)
{
  SimWorld *world = sim_world_from_lua(L);
  sim_world_set_limit(world, why);
  luaL_error(L, "%s", world->limit_why);
  g_assert_not_reached();
}

SimExit
sim_world_exit_status(const SimWorld *world)
{
  if (world->invalid) return SIM_EXIT_INVALID;
  if (world->limit) return SIM_EXIT_LIMIT;
  if (world->failed || world->message) return SIM_EXIT_FAILED;
  return SIM_EXIT_OK;
}

gboolean
sim_lua_call_ref(SimWorld *world, lua_State *L, int ref, int arg_index, const char *what)
{
  if (!sim_world_checkstack(world, L, 4, what)) return FALSE;
  SimCallbackScope was = sim_world_enter_callback(world, what, world->sockets_ok);
  arg_index = lua_absindex(L, arg_index);
  lua_pushcfunction(L, sim_lua_error_handler);
  lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
  lua_pushvalue(L, arg_index);
  int status = lua_pcall(L, 1, 1, -3);
  sim_world_leave_callback(world, was);
  if (status != LUA_OK) {
    world->failed = TRUE;
    sim_world_note_error(world, sim_lua_error_text(L, -1, NULL, 0));
    sim_engine_stop(world->run.engine);
    lua_pop(L, 3);
    return FALSE;
  }
  gboolean truth = lua_toboolean(L, -1);
  lua_pop(L, 2);
  return truth;
}

gboolean
sim_lua_protected_push(SimWorld *world, lua_State *L, lua_CFunction fn, void *ud)
{
  if (!sim_world_checkstack(world, L, 3, "a callback")) return FALSE;
  lua_pushcfunction(L, fn);
  lua_pushlightuserdata(L, ud);
  if (lua_pcall(L, 1, 1, 0) == LUA_OK) return TRUE;
  world->failed = TRUE;
  sim_world_note_error(world, sim_lua_error_text(L, -1, NULL, 0));
  sim_engine_stop(world->run.engine);
  lua_pop(L, 2);
  return FALSE;
}

void
sim_lua_call_observers(SimWorld *world, SimObserveKind kind, int ev_index)
{
  lua_State *L = sim_world_lua(world);
  GArray *observers = world->observers[kind];
  for (guint i = 0; i < observers->len && !world->message; i++)
    sim_lua_call_ref(world, L, g_array_index(observers, int, i), ev_index,
                     "a sim.on callback");
}

static int
compare_names(const void *a, const void *b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* __index of a methods table: a name it does not hold is a usage error,
 * with the closest method's name.  Upvalue 1: how a call is written
 * ("s:" for a socket's methods, "sim." for sim's functions). */
static int
unknown_method(lua_State *L)
{
  const char *self = lua_tostring(L, lua_upvalueindex(1));
  const char *kind = strcmp(self, "sim.") == 0 ? "function" : "method";
  if (lua_type(L, 2) != LUA_TSTRING)
    sim_lua_usage_error(L, "%s[%s]: no such %s", self, luaL_typename(L, 2), kind);
  /* The names, sorted (lua_next's order changes from process to process;
   * the hint must not), in a userdata: Lua owns the scratch, and the
   * strings are the table's own keys. */
  gsize n = 0;
  lua_pushnil(L);
  while (lua_next(L, 1)) {
    lua_pop(L, 1);
    n += lua_type(L, -1) == LUA_TSTRING;
  }
  const char **names = lua_newuserdatauv(L, (n + 1) * sizeof *names, 0);
  gsize i = 0;
  lua_pushnil(L);
  while (lua_next(L, 1)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) == LUA_TSTRING) names[i++] = lua_tostring(L, -1);
  }
  qsort(names, n, sizeof *names, compare_names);
  const char *close = sim_closest_name(lua_tostring(L, 2), names, (gssize)n);
  if (close)
    sim_lua_usage_error(L, "%s%s: no such %s (did you mean '%s'?)", self, lua_tostring(L, 2),
                        kind, close);
  sim_lua_usage_error(L, "%s%s: no such %s", self, lua_tostring(L, 2), kind);
}

void
sim_lua_guard_methods(lua_State *L, int idx, const char *self)
{
  idx = lua_absindex(L, idx);
  lua_createtable(L, 0, 1);
  lua_pushstring(L, self);
  lua_pushcclosure(L, unknown_method, 1);
  lua_setfield(L, -2, "__index");
  lua_setmetatable(L, idx);
  sim_lua_name_functions(L, idx, self);
}

gboolean
sim_lua_to_duration(lua_State *L, int arg, SimTime *t, GError **error)
{
  *t = 0;
  switch (lua_type(L, arg)) {
  case LUA_TNUMBER:
    return sim_time_from_seconds(lua_tonumber(L, arg), t, error);
  case LUA_TSTRING:
    return sim_time_parse(lua_tostring(L, arg), t, error);
  default:
    g_set_error(error, SIM_ERROR, SIM_ERROR_INVALID, "expected a duration (seconds, or a "
                "string like \"250ms\"), got %s", luaL_typename(L, arg));
    return FALSE;
  }
}

SimTime
sim_lua_check_duration(lua_State *L, int arg, const char *what)
{
  GError *error = NULL;
  SimTime t;
  if (!sim_lua_to_duration(L, arg, &t, &error)) sim_lua_gerror(L, what, error);
  return t;
}

gboolean
sim_world_checkstack(SimWorld *world, lua_State *L, int n, const char *what)
{
  if (lua_checkstack(L, n)) return TRUE;
  /* No room on the Lua stack for the call (a deep recursion under the
   * callback): the run fails and says why, rather than skipping it. */
  char msg[200];
  g_snprintf(msg, sizeof msg, "stack overflow: no room on the Lua stack to call %s", what);
  world->failed = TRUE;
  sim_world_note_error(world, msg);
  sim_engine_stop(world->run.engine);
  return FALSE;
}
