/* The world of one run: the engine, the scenario's Lua state, the run's
 * options, writers and outcome; and the plumbing every Lua type shares:
 * metatables, usage errors, calls into observers, option checks.  The base
 * of the Lua layer: every file of sim/lua/ includes it, and it includes
 * none of them (only the layers below: engine, models, outputs).
 *
 * Every Lua thread's extra space (LUA_EXTRASPACE) points at a SimThreadCtx,
 * so a C function finds its world, and whether it runs inside a process,
 * in O(1): the main thread's names no process; a process's thread names its
 * process; other coroutines copy the main thread's, so a blocking call made
 * from a plain coroutine is refused like one made outside any process. */
#pragma once
#include "engine.h"
#include "rng.h"
#include "trace.h"
#include "records.h"
#include "run-view.h"
#include "outputs.h"
#include "lua-pool.h"
#include <lua.h>
#include <lauxlib.h>
#include <signal.h>
#include <stdatomic.h>
#include <time.h>
#include "check.h"


/* What the command line asked for. */
typedef struct {
  char      *scenario;       /* path as given */
  guint64    seed;
  SimTime    until;          /* SIM_TIME_MAX when not given */
  guint64    max_events;     /* 0: none */
  guint64    stop_at_event;  /* stop (exit 0) right after this event, 0: none */
  double     timeout;        /* wall-clock seconds, 0: none */
  gsize      max_memory;     /* bytes the scenario may hold (its Lua state and
                              * what twsim made for it), 0: none */
  guint64    fail_alloc;     /* tests: refuse the Nth allocation of the Lua
                              * state or charge, and every one after it
                              * (out of memory, exit 3); 0: none */
  gboolean   sandbox;
  gboolean   check;          /* --check: model invariants after every event */
  gboolean   quiet;
  gboolean   text_to_stderr; /* print and sim.log to stderr (stdout is a capture) */
  GPtrArray *set_pairs;      /* "KEY=VALUE" strings in command-line order */
  GHashTable *params;        /* KEY -> VALUE from --set (last one wins) */
  const char *pcap_at;       /* --pcap-at HOST, or NULL */
} SimRunOptions;

typedef struct SimWorld SimWorld;
typedef struct SimProcess SimProcess;

typedef struct {
  SimWorld   *world;
  SimProcess *process;   /* NULL outside a process */
} SimThreadCtx;

/* twsim's userdata types.  Each has a metatable registered under its name
 * (sim_lua_newmetatable, as luaL_newmetatable does), which the world also
 * keeps by address and by registry reference, so a type check is a pointer
 * compare (sim_lua_testudata) rather than a lookup of the name in the
 * registry: luaL_checkudata was about an eighth of the instructions of the
 * churn benchmark (docs/performance.md). */
typedef enum {
  SIM_LUA_SOCKET,
  SIM_LUA_TIMER,
  SIM_LUA_HOST,
  SIM_LUA_ROUTER,
  SIM_LUA_LINK,
  SIM_LUA_N_TYPES,
} SimLuaType;

/* Kinds of observers sim.on() registers. */
typedef enum {
  SIM_OBSERVE_STATE,
  SIM_OBSERVE_SEGMENT,
  SIM_OBSERVE_N,
} SimObserveKind;

struct SimWorld {
  lua_State       *L;
  SimRunView       run;             /* engine, network, scenario, seed */
  const SimRunOptions *opts;
  SimThreadCtx     main_ctx;
  SimRng           scenario_rng;    /* sim.random's stream */
  SimWriters       out;             /* trace, pcap, metrics, ladder: each NULL unless asked for */
  SimRecords      *records;         /* sim.record's values */
  FILE            *text;            /* where print and sim.log write */

  /* Outcome.  The first error wins; `invalid` and `limit` are sticky even if
   * the scenario catches the error with pcall.  Once `limit` is set the run
   * is stopping: every Lua instruction raises the limit error again (the
   * count hook, world.c) and sim.run refuses to go on, so no pcall can keep
   * the scenario running. */
  gboolean         invalid;         /* a bad argument to a twsim call */
  gboolean         limit;           /* a limit or signal stopped the run */
  const char      *limit_why;       /* why, a static string; NULL until `limit` */
  gboolean         failed;          /* the scenario's own code failed */
  char            *message;         /* the first error, one line */
  guint64          message_event;   /* event number when it happened */
  SimTime          message_time;

  gboolean         running;         /* inside sim.run */
  gboolean         in_observer;     /* inside a callback from the models */
  gboolean         sockets_ok;      /* ... one that may make socket calls that do not
                                     * block (a sim.on("state") observer, told once the
                                     * stack is whole) */
  const char      *callback;        /* which ("a sim.on callback"), for messages */
  lua_State       *running_L;       /* the Lua thread running now */
  gboolean         closing;         /* sim_world_free has begun */
  gboolean         ran;             /* sim.run was called */
  gboolean         stopped;         /* --stop-at-event ended the run */
  gint64           deadline_us;     /* monotonic wall clock, 0: none */
  timer_t          deadline_timer;  /* signals the deadline (world.c), when `timed` */
  gboolean         timed;
  int              signal_number;   /* SIGINT/SIGTERM received, 0: none */

  GArray          *observers[SIM_OBSERVE_N];  /* Lua registry refs */
  GQueue           processes;       /* every SimProcess, idle ones too (process.c) */
  GQueue           idle_processes;  /* finished ones kept for reuse (process.c) */
  GQueue           plain_servers;   /* load.server's servers run in C (plain-server.c) */
  const void      *metatables[SIM_LUA_N_TYPES];     /* by address, NULL until registered */
  int              metatable_refs[SIM_LUA_N_TYPES]; /* the same, as registry refs */
  guint64          next_process_id;
  SimLuaPool       lua_pool;        /* the Lua state's small blocks (lua-pool.h) */
  TcpConnPool     *conn_pool;       /* the TCP stacks' freed connections, shared by all */
  gboolean         counted;         /* --max-memory or --fail-alloc: the allocator and
                                     * sim_lua_charge count (fixed for the run) */
  gsize            lua_bytes;       /* held by the Lua state */
  gsize            model_bytes;     /* charged for what twsim made for the scenario */
  guint64          allocs;          /* allocations so far, counted for opts->fail_alloc */
  struct {
    gboolean       pending;         /* an allocation was refused, Lua may retry it */
    void          *ptr;             /* the refused call's block and new size */
    gsize          nsize;
  }                refused;
  gpointer         check_state;     /* outputs/check.c's, or NULL; owned */
  GHashTable      *params_read;     /* names sim.param was asked for (a set) */
  GHashTable      *warned;          /* warnings already printed (a set of lines) */
  GArray          *listing;         /* h:sockets' scratch (TcpSockInfo), reused: held by
                                     * the world, so a Lua error cannot leak it */
};

/* The flag a signal handler sets; polled by the run loop, the Lua hook
 * and the watchdog (sim/cli/watchdog.c). */
extern volatile sig_atomic_t sim_world_signal_received;

/* How a limit stops Lua code that never yields.  No hook is set while no
 * limit is due: with any count hook, Lua 5.4's VM traps at every
 * instruction.  When one becomes due the count hook is armed, at one
 * instruction, on the thread that runs then (sim_world_interrupt, from a
 * signal handler: a signal, or the world's timer at the --timeout
 * deadline; sim_world_set_limit for the limits hit in twsim's own code),
 * and on every thread that runs after it (sim_world_switch_thread), so
 * the thread running a loop is always the one stopped.  Lua hooks are per
 * thread, hence world->running_L must name the thread that runs, exactly:
 * every resume and close of a coroutine goes through
 * sim_world_switch_thread (process.c). */

/* Set by sim_world_interrupt: a limit may be due (the hook polls which),
 * until the hook finds none. */
extern volatile sig_atomic_t sim_world_limit_due;

/* The signal the world's timer sends at the --timeout deadline (its
 * handler, installed by sim_world_new, calls sim_world_interrupt on the
 * thread that made the world). */
#define SIM_WORLD_DEADLINE_SIGNAL SIGRTMIN

/* Async-signal-safe: notes that a limit may be due and arms the hook on
 * the running Lua thread of the world made last (the one of `twsim run`).
 * Call it from the main thread only: lua_sethook may interrupt the VM from
 * a signal handler, not from another OS thread. */
void
sim_world_interrupt(void);

/* Arms the hook on L: its next instruction polls the limits. */
void
sim_world_arm_hook(lua_State *L);

/* Creates the world and its empty Lua state (api.c opens the libraries,
 * protected).  NULL with error (SIM_ERROR_MEMORY) when the Lua state
 * cannot be made. */
SimWorld *
sim_world_new(const SimRunOptions *opts, GError **error);

/* Closes the Lua state (running its finalizers while the world is still
 * whole) and marks the world closing.  Idempotent. */
void
sim_world_close_lua(SimWorld *world);

/* Closes the Lua state, then frees the network and the engine (api.c's
 * sim_lua_world_free frees the processes in between). */
void
sim_world_free(SimWorld *world);

static inline SimThreadCtx *
sim_thread_ctx(lua_State *L)
{
  return *(SimThreadCtx **)lua_getextraspace(L);
}

static inline SimWorld *
sim_world_from_lua(lua_State *L)
{
  return sim_thread_ctx(L)->world;
}

/* luaL_newmetatable(L, tname), remembered as the metatable of `type`;
 * leaves it on the stack. */
void
sim_lua_newmetatable(lua_State *L, SimLuaType type, const char *tname);

/* luaL_setmetatable for `type`: sets the metatable of the value on top. */
static inline void
sim_lua_setmetatable(lua_State *L, SimLuaType type)
{
  lua_rawgeti(L, LUA_REGISTRYINDEX, sim_world_from_lua(L)->metatable_refs[type]);
  lua_setmetatable(L, -2);
}

/* luaL_testudata for `type`: the userdata at `arg` if it is one, or NULL. */
static inline void *
sim_lua_testudata(lua_State *L, int arg, SimLuaType type)
{
  void *p = lua_touserdata(L, arg);
  if (p == NULL || !lua_getmetatable(L, arg)) return NULL;
  gboolean same = lua_topointer(L, -1) == sim_world_from_lua(L)->metatables[type];
  lua_pop(L, 1);
  return same ? p : NULL;
}

/* luaL_checkudata for `type` (named `tname`): the userdata at `arg`, or
 * luaL_checkudata's own error ("twsim.Socket expected, got ..."). */
static inline void *
sim_lua_checkudata(lua_State *L, int arg, SimLuaType type, const char *tname)
{
  void *p = sim_lua_testudata(L, arg, type);
  if (p == NULL) luaL_typeerror(L, arg, tname);
  return p;
}

/* Pushes "FILE:LINE: " of the scenario line that made the running call
 * (or "" when there is none): where a usage error or a warning points. */
void
sim_lua_push_where(lua_State *L);

/* Records the first error of the run (copies msg). */
void
sim_world_note_error(SimWorld *world, const char *msg);

/* A mistake that does not stop the run (loss = 1, a --set nobody read):
 * prints "twsim: FILE:LINE: warning: MESSAGE" on stderr, naming the
 * scenario line that made the call, once per distinct line.  The run's
 * outputs are those of a run without the warning. */
G_GNUC_PRINTF(2, 3) void
sim_lua_warning(lua_State *L, const char *fmt, ...);

/* The same without a scenario line: "twsim: WHERE: warning: MESSAGE"
 * (WHERE a file or an option), once per distinct line. */
G_GNUC_PRINTF(3, 4) void
sim_world_warning(SimWorld *world, const char *where, const char *fmt, ...);

/* Raises the "stopped by a limit" error (marks the run as limited, see
 * sim_world_set_limit). */
G_NORETURN int
sim_lua_limit_error(lua_State *L, const char *why);

/* Marks the run as stopped by a limit (`why`, a static string; the first
 * wins) and makes the Lua state raise at every instruction from now on. */
void
sim_world_set_limit(SimWorld *world, const char *why);

/* sim_world_charge in a run that counts. */
gboolean
sim_world_charge_counted(SimWorld *world, gssize bytes);

/* Charges `bytes` that twsim allocates on the scenario's behalf (a socket,
 * a host) to --max-memory's budget, or gives them back (negative).  FALSE
 * when the budget is exceeded, with the limit set (sim_world_set_limit,
 * which stops the run).  Inline: a run without a cap counts nothing, and
 * a socket is charged when made and given back when closed. */
static inline gboolean
sim_world_charge(SimWorld *world, gssize bytes)
{
  return !world->counted || sim_world_charge_counted(world, bytes);
}

/* sim_world_charge() from a Lua call: the memory limit error raised when
 * the budget is exceeded. */
static inline void
sim_lua_charge(lua_State *L, gssize bytes)
{
  SimWorld *world = sim_world_from_lua(L);
  if (!sim_world_charge(world, bytes)) sim_lua_limit_error(L, world->limit_why);
}

/* Settles a refused allocation Lua never retried (end of the run): it
 * stood, so the memory limit was hit. */
void
sim_world_settle_memory(SimWorld *world);

/* luaL_unref of a reference held by twsim, or nothing once the Lua state
 * is closed (the world's teardown frees models after the state). */
void
sim_lua_unref(SimWorld *world, int ref);

/* The status the run ends with, from the sticky flags. */
SimExit
sim_world_exit_status(const SimWorld *world);

/* Makes the table at `idx` (a type's methods, or the sim table) refuse a
 * name it does not hold: `x:conect(...)` is then a usage error "s:conect:
 * no such method (did you mean 'connect'?)" rather than Lua's "attempt to
 * call a nil value".  `self` is how a call is written: "s:", "sim.".  A
 * name it holds costs nothing more: Lua finds it before the metatable. */
void
sim_lua_guard_methods(lua_State *L, int idx, const char *self);

/* Reads a duration argument: a number of seconds or a string with a unit.
 * `what` names the argument in the error ("NAME: duration: ..."). */
SimTime
sim_lua_check_duration(lua_State *L, int arg, const char *what);

/* The same without raising: FALSE with a SIM_ERROR saying what is wrong
 * (for callers that name the argument their own way). */
gboolean
sim_lua_to_duration(lua_State *L, int arg, SimTime *t, GError **error);

/* lua_checkstack for a call from the models into Lua (an observer, a
 * predicate), where no Lua error may be raised: when there is no room the
 * run fails with a message naming `what`, the engine stops, and FALSE is
 * returned. */
gboolean
sim_world_checkstack(SimWorld *world, lua_State *L, int n, const char *what);

/* Calls the function registered as `ref` with the value at `arg_index` of
 * L's stack, as a callback from inside the models (sim.on, link:drop): it
 * may neither block nor use sockets.  `what` names it in messages ("a
 * link:drop predicate").  An error fails the run (exit 1, or 2 for a usage
 * error) and stops the engine.  Returns the call's result's truthiness. */
gboolean
sim_lua_call_ref(SimWorld *world, lua_State *L, int ref, int arg_index, const char *what);

/* A callback from the models (an observer, a predicate) is on, from the
 * moment its argument is made (a finalizer may run then) until it
 * returns: blocking calls are refused meanwhile, and socket calls too
 * unless `sockets_ok` (a state observer: the stack is whole when it is
 * told; a segment observer or a drop predicate runs in the middle of the
 * network's work). */
typedef struct {
  gboolean    in_observer;
  gboolean    sockets_ok;
  const char *callback;
} SimCallbackScope;

static inline SimCallbackScope
sim_world_enter_callback(SimWorld *world, const char *what, gboolean sockets_ok)
{
  SimCallbackScope was = { world->in_observer, world->sockets_ok, world->callback };
  world->in_observer = TRUE;
  world->sockets_ok = sockets_ok;
  world->callback = what;
  return was;
}

static inline void
sim_world_leave_callback(SimWorld *world, SimCallbackScope was)
{
  world->in_observer = was.in_observer;
  world->sockets_ok = was.sockets_ok;
  world->callback = was.callback;
}

/* Pushes the error object at `idx` as one line of text and returns it:
 * strings as they are, other values through their __tostring (protected)
 * or by type; prefixed with the innermost scenario line found on `from`'s
 * stack from `level` up when the message does not start with that file
 * (`from` NULL: no prefix).  For a thread whose resume failed, its stack is
 * still whole: level 0. */
const char *
sim_lua_error_text(lua_State *L, int idx, lua_State *from, int level);

/* A message handler for lua_pcall: the error as sim_lua_error_text makes
 * it, with the line where it was raised (the stack is still whole there). */
int
sim_lua_error_handler(lua_State *L);

/* Runs fn(L) with the light userdata `ud` as its argument, protected, and
 * leaves its one result on L's stack: how a callback from the models makes
 * Lua values (an event table, a process).  A Lua error there (out of
 * memory, a stopping run) must not unwind through the models' C frames:
 * it fails the run and stops the engine, and FALSE is returned with
 * nothing pushed. */
gboolean
sim_lua_protected_push(SimWorld *world, lua_State *L, lua_CFunction fn, void *ud);

/* Calls every observer of `kind` with the value at `ev_index` of the
 * running thread's stack (pushed there by the caller with
 * sim_world_lua()).  Observers may not block or use sockets; an error in one
 * fails the run and stops the engine. */
void
sim_lua_call_observers(SimWorld *world, SimObserveKind kind, int ev_index);

/* t[key] = v, for the table on top of the stack. */
static inline void
sim_lua_set_int(lua_State *L, const char *key, lua_Integer v)
{
  lua_pushinteger(L, v);
  lua_setfield(L, -2, key);
}

/* The Lua thread that is running now: where model callbacks push values. */
static inline lua_State *
sim_world_lua(SimWorld *world)
{
  return world->running_L;
}

/* Makes `to` the running Lua thread, before it is resumed or closed, and
 * back to the one returned, after: the hook is armed on it when a limit
 * is due or set.  The flags are read after running_L is stored, so a
 * signal in between, which arms the thread running_L names, is not
 * missed either. */
static inline lua_State *
sim_world_switch_thread(SimWorld *world, lua_State *to)
{
  lua_State *was = world->running_L;
  world->running_L = to;
  atomic_signal_fence(memory_order_seq_cst);
  if (G_UNLIKELY(world->limit || sim_world_limit_due)) sim_world_arm_hook(to);
  return was;
}

/* Polls the wall-clock deadline and signals: FALSE when the run must stop
 * (the limit is then set). */
gboolean
sim_world_poll_limits(SimWorld *world);
