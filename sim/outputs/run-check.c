/* Invariant checks after every event (see run-check.h). */
#include "run-check.h"
#include "net-check.h"
#include "tcp-check.h"
#include "net.h"
#include <stdlib.h>

/* Objects a build-time check may walk per event, on average: past it,
 * full checks are spread out so that their cost stays linear in events. */
#define CHECK_BUDGET 8

typedef struct {
  const SimRunView *view;
  gboolean  every;      /* --check: a full check after every event */
  guint64   credit;     /* objects walked so far may reach this */
  guint64   last_size;  /* objects walked by the last full check */
} CheckState;

gboolean
sim_run_check(const SimRunView *view, GString *why)
{
  NetWorld *net = view->net;
  if (net == NULL) return TRUE;
  if (!net_world_check(net, why)) return FALSE;
  for (guint i = 0; i < net->nodes->len; i++) {
    NetNode *node = g_ptr_array_index(net->nodes, i);
    if (node->kind != NET_NODE_HOST || node->transport == NULL) continue;
    if (!tcp_stack_check(node->transport, why)) {
      if (why) g_string_prepend(why, ": "), g_string_prepend(why, node->name);
      return FALSE;
    }
  }
  return TRUE;
}

static gsize
run_check_size(const SimRunView *view)
{
  NetWorld *net = view->net;
  gsize n = net ? net->nodes->len + net->links->len : 0;
  for (guint i = 0; net && i < net->nodes->len; i++) {
    NetNode *node = g_ptr_array_index(net->nodes, i);
    if (node->kind == NET_NODE_HOST && node->transport)
      n += tcp_stack_check_size(node->transport);
  }
  return n;
}

static void
after_event(gpointer user)
{
  CheckState *cs = user;
  if (!cs->every) {
    cs->credit += CHECK_BUDGET;
    if (cs->credit < cs->last_size) return;
    cs->credit = 0;
  }
  g_autoptr(GString) why = g_string_new(NULL);
  if (!sim_run_check(cs->view, why)) {
    g_printerr("invariant broken after event %" G_GUINT64_FORMAT " (t=%" G_GINT64_FORMAT
            " ns, seed %" G_GUINT64_FORMAT "): %s\n", sim_engine_events(cs->view->engine),
            sim_engine_now(cs->view->engine), cs->view->seed, why->str);
    abort();
  }
  if (!cs->every) cs->last_size = run_check_size(cs->view);
}

gpointer
sim_run_install_checks(const SimRunView *view)
{
#ifdef TWSIM_INVARIANTS
  gboolean built_in = TRUE;
#else
  gboolean built_in = FALSE;
#endif
  if (!built_in && !view->check_every) return NULL;
  CheckState *cs = g_new0(CheckState, 1);
  cs->view = view;
  cs->every = view->check_every;
  sim_engine_set_after(view->engine, after_event, cs);
  return cs;
}
