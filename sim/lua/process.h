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
#include "wakeup.h"

struct SimProcess {
  SimThreadCtx ctx;       /* extra space of `thread` points here */
  lua_State   *thread;
  int          ref;       /* registry ref keeping the thread alive */
  guint64      id;        /* creation order, from 1 */
  SimWakeup    wake;      /* its resumption, and the test of what it waits in */
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

/* Says that p, about to yield, waits until still_blocked(ud) is FALSE: a
 * wake-up that finds it still TRUE leaves p suspended, as the retry would
 * have (wakeup.h).  It holds until p next resumes. */
static inline void
sim_process_wait_in(SimProcess *p, gboolean (*still_blocked)(gpointer ud), gpointer ud)
{
  sim_wakeup_wait_in(&p->wake, still_blocked, ud);
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
