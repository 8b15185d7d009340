/* Processes: Lua coroutines suspended in virtual time.
 *
 * sim.spawn(fn) makes a process that starts at the current instant, after
 * what is already scheduled for it.  A blocking call (sim.sleep, accept,
 * connect, recv, ...) yields the coroutine; whatever it waits for wakes it
 * through an engine event at the instant it became ready, so Lua never runs
 * re-entrantly inside a model's callback, and wake-ups are ordered like any
 * other events. */
#pragma once
#include "world.h"

struct SimProcess {
  SimThreadCtx ctx;       /* extra space of `thread` points here */
  lua_State   *thread;
  int          ref;       /* registry ref keeping the thread alive */
  guint64      id;        /* creation order, from 1 */
  SimEventId   wake;      /* pending wake-up event, 0 if none */
  /* What the process waits in, when it can tell that a wake-up finds
   * nothing to do (sim_process_wait_in); NULL otherwise. */
  gboolean   (*waits_on)(gpointer ud);
  gpointer     waits_on_ud;
  GList        link;      /* in world->processes, from its making to its freeing */
  GList        idle_link; /* in world->idle_processes while it waits for reuse */
};

/* Starts fn (on the stack at `fn_index` of L) as a new process at `at`. */
SimProcess *
sim_process_spawn(SimWorld *world, lua_State *L, int fn_index, SimTime at);

/* The same for the function held as registry reference `fn_ref`, when a
 * finished process can be reused: then nothing is allocated and no Lua
 * error can be raised, so a caller in the engine's dispatch needs no
 * protected call.  NULL (nothing done) when none can. */
SimProcess *
sim_process_spawn_ref(SimWorld *world, int fn_ref, SimTime at);

/* sim_process_check's checks in full, raising the usage error that
 * applies. */
SimProcess *
sim_process_check_slow(lua_State *L);

/* The process running on L, or raises a usage error naming the call (a
 * blocking call outside a process, inside a callback from the models, or
 * where the process cannot be suspended).  Inline: every blocking socket
 * call makes it, and it passes but for a mistake of the scenario's. */
static inline SimProcess *
sim_process_check(lua_State *L)
{
  SimThreadCtx *ctx = sim_thread_ctx(L);
  SimProcess *p = ctx->process;
  if (G_LIKELY(p != NULL && p->thread == L && !ctx->world->in_observer && lua_isyieldable(L)))
    return p;
  return sim_process_check_slow(L);
}

/* Schedules p to resume at `at` (no-op if a wake-up is already pending). */
void
sim_process_wake_at(SimProcess *p, SimTime at);

/* Says that p, about to yield, waits until waits_on(ud) is FALSE: a
 * wake-up that finds it still TRUE leaves p suspended, as the retry would
 * have (the wake-up stays one engine event, so that event numbers and the
 * order of everything else do not change).  waits_on must change nothing.
 * It holds until p next resumes. */
static inline void
sim_process_wait_in(SimProcess *p, gboolean (*waits_on)(gpointer ud), gpointer ud)
{
  p->waits_on = waits_on;
  p->waits_on_ud = ud;
}

/* Schedules p to resume at the current instant (after events already
 * scheduled for it): how a model wakes a process blocked on it. */
void
sim_process_wake(SimProcess *p);

/* Frees every process still alive (at the end of the run). */
void
sim_process_free_all(SimWorld *world);

/* Sets `spawn` and `sleep` in the sim table on top of the stack. */
void
sim_lua_process_open(lua_State *L);
