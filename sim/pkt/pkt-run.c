/* The runner's world and event loop (see pkt-run.h): one host with a TCP
 * stack and one peer node that stands for the script, joined by a link
 * without delay; each script event runs at its script time, which is the
 * virtual time. */
#include "pkt-run-internal.h"
#include "ladder.h"
#include "tcp-host.h"
#include "simerror.h"
#include <stdarg.h>
#include <stdio.h>

#define PKT_DEFAULT_TOLERANCE (4 * SIM_MS)   /* packetdrill's --tolerance_usecs */

void
pkt_run_fail(PktRun *run, PktOutcome outcome, int line, const char *fmt, ...)
{
  if (run->outcome != PKT_PASS) return;
  va_list ap;
  va_start(ap, fmt);
  char *text = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  run->outcome = outcome;
  run->message = g_strdup_printf("%s:%d: %s", run->script->path, line, text);
  g_free(text);
  sim_engine_stop(run->engine);
}

char *
pkt_run_when(PktRun *run)
{
  char buf[SIM_TIME_BUF];
  return g_strdup_printf(" (t=%s s)", sim_time_format(sim_engine_now(run->engine), buf));
}

/* ---- the host and the peer ------------------------------------------------ */

/* What the host sends arrives here: queued for the outbound events. */
static void
peer_receive(gpointer user, NetNode *node, Packet *pkt)
{
  PktRun *run = user;
  PktSent s = { pkt, sim_engine_now(run->engine) };
  g_array_append_val(run->sent, s);
  if (run->opts->verbose) {
    char *text = pkt_packet_format_actual(run, pkt);
    char buf[SIM_TIME_BUF];
    fprintf(run->opts->log, "%s host sent %s\n", sim_time_format(s.time, buf), text);
    g_free(text);
  }
  if (run->waiting) sim_engine_stop(run->engine);
}

static void
stack_state_changed(gpointer user, const TcpStateEvent *ev)
{
  PktRun *run = user;
  sim_writers_state(&run->w, sim_engine_now(run->engine), ev);
}

static void
on_net_event(gpointer user, const NetEvent *ev)
{
  PktRun *run = user;
  sim_writers_segment(&run->w, ev);
}

/* The host "host" (192.168.0.1) and the peer "script" (192.0.2.1).  The
 * peer-to-host direction has no MTU: packetdrill injects segments of any
 * size through its tun device. */
static gboolean
world_build(PktRun *run, GError **error)
{
  run->net = net_world_new(run->engine, 1);
  run->view.net = run->net;
  NetAddr la = run->local_addr, ra = run->remote_addr;
  run->host = net_world_host_new(run->net, "host", &la, 1, error);
  run->peer = net_world_host_new(run->net, "script", &ra, 1, error);
  NetLinkParams out, in;
  net_link_params_init(&out);
  net_link_params_init(&in);
  in.mtu = 0;
  net_world_link_new(run->net, run->host, run->peer, &out, &in);
  net_world_compute_routes(run->net);
  SimWriters *w = &run->w;
  TcpStackEnv env = {
    .engine = run->engine, .run_seed = 1, .trace = w->trace,
    .state_changed = stack_state_changed, .state_user = run,
  };
  run->stack = tcp_host_attach(run->host, &env);
  net_node_set_receiver(run->peer, peer_receive, run);
  run->net->trace = w->trace;
  net_world_set_pcap(run->net, w->pcap, NULL);
  if (w->ladder) net_world_set_observer(run->net, on_net_event, run);
  const char *profile = run->opts->profile ? run->opts->profile : "linux";
  return tcp_stack_set_profile(run->stack, profile, error);
}

/* ---- the event loop ------------------------------------------------------------ */

/* Runs the simulation up to virtual time t (events at t included). */
static void
run_until(PktRun *run, SimTime t)
{
  if (t > sim_engine_now(run->engine)) sim_engine_run(run->engine, t);
  else sim_engine_run(run->engine, sim_engine_now(run->engine));
}

/* Linux hands a TSO/GSO super-segment to packetdrill's tun device as one
 * packet, where twsim sends MSS-sized segments.  So when the script expects
 * more payload than the host's next segment holds, the segments the host
 * sent at the same instant right after it, contiguous and alike, are taken
 * together as that one packet (the last one's PSH and FIN with them). */
static void
coalesce(PktRun *run, PktSent *s, guint32 want_len)
{
  TcpSegment *a = &s->pkt->tcp;
  if (a->payload.len >= want_len || a->payload.buf) return;
  run_until(run, s->time);     /* the rest of that instant's packets */
  const guint8 tail = TCP_FLAG_PSH | TCP_FLAG_FIN;
  while (a->payload.len < want_len && run->sent_head < run->sent->len) {
    PktSent *n = &g_array_index(run->sent, PktSent, run->sent_head);
    const TcpSegment *b = &n->pkt->tcp;
    if (n->time != s->time || b->payload.buf || b->payload.len == 0 ||
        b->seq != a->seq + a->payload.len || b->ack != a->ack || (a->flags & tail) ||
        (a->flags & ~tail) != (b->flags & ~tail) || (a->flags & (TCP_FLAG_SYN | TCP_FLAG_RST)))
      break;
    a->payload.len += b->payload.len;
    a->flags |= b->flags & tail;
    packet_free(n->pkt);
    run->sent_head++;
  }
}

/* An outbound event: the next packet the host sends, waited for until the
 * end of the event's time window plus the tolerance. */
static void
expect_packet(PktRun *run, const PktEvent *ev, SimTime lo, SimTime hi)
{
  SimTime deadline = hi == SIM_TIME_MAX ? SIM_TIME_MAX : hi + run->tolerance;
  if (ev->time_kind == PKT_TIME_ANY) deadline = sim_engine_now(run->engine) + 3600 * SIM_S;
  run->waiting = TRUE;
  while (run->sent_head == run->sent->len && run->outcome == PKT_PASS &&
         sim_engine_now(run->engine) < deadline) {
    if (sim_engine_run(run->engine, deadline) == SIM_RUN_EMPTY) break;
  }
  run->waiting = FALSE;
  if (run->outcome != PKT_PASS) return;
  if (run->sent_head == run->sent->len) {
    char *when = pkt_run_when(run);
    pkt_run_fail(run, PKT_FAIL, ev->line, "expected an outbound packet, got none%s", when);
    g_free(when);
    return;
  }
  PktSent s = g_array_index(run->sent, PktSent, run->sent_head);
  run->sent_head++;
  coalesce(run, &s, ev->pkt.len);
  pkt_packet_expect(run, ev, s.pkt, lo, hi, s.time);
  packet_free(s.pkt);
}

/* The event's window [lo, hi] in script time from its time spec. */
static void
event_window(PktRun *run, const PktEvent *ev, SimTime *lo, SimTime *hi)
{
  switch (ev->time_kind) {
  case PKT_TIME_ABS: *lo = *hi = ev->time; break;
  case PKT_TIME_REL: *lo = *hi = run->last + ev->time; break;   /* a blocking call's end too */
  case PKT_TIME_ANY: *lo = sim_engine_now(run->engine); *hi = SIM_TIME_MAX; break;
  case PKT_TIME_RANGE_ABS: *lo = ev->time; *hi = ev->time_end; break;
  case PKT_TIME_RANGE_REL: *lo = run->last + ev->time; *hi = run->last + ev->time_end; break;
  }
}

/* Script times stay under 10^9 s (each time is, pkt-parse.c), so that
 * adding them and the tolerance never overflows. */
#define PKT_TIME_LIMIT (1000000000 * SIM_S)

static void
run_event(PktRun *run, const PktEvent *ev)
{
  SimTime lo = 0, hi = 0;
  event_window(run, ev, &lo, &hi);
  SimTime end = ev->call.end + (ev->time_kind == PKT_TIME_REL ? run->last : 0);
  if (lo > PKT_TIME_LIMIT || (hi > PKT_TIME_LIMIT && hi != SIM_TIME_MAX) || end > PKT_TIME_LIMIT) {
    pkt_run_fail(run, PKT_INVALID, ev->line, "the script's time goes beyond 10^9 s");
    return;
  }
  if (run->opts->verbose) {
    char buf[SIM_TIME_BUF];
    fprintf(run->opts->log, "%s line %d\n", sim_time_format(MAX(lo, sim_engine_now(run->engine)), buf),
            ev->line);
  }
  if (ev->kind == PKT_EV_PACKET && !ev->pkt.inbound) {
    expect_packet(run, ev, lo, hi);
  } else {
    run_until(run, lo);
    switch (ev->kind) {
    case PKT_EV_PACKET: pkt_packet_inject(run, ev); break;
    case PKT_EV_SYSCALL: pkt_call_start(run, ev, end); break;
    case PKT_EV_COMMAND: pkt_host_command(run, ev); break;
    case PKT_EV_CODE: pkt_host_code(run, ev); break;
    case PKT_EV_UNSUPPORTED:
      pkt_run_fail(run, PKT_UNSUPPORTED, ev->line, "unsupported: %s", ev->text);
      break;
    }
    run_until(run, sim_engine_now(run->engine));
  }
  run->last = ev->time_kind == PKT_TIME_ANY ? sim_engine_now(run->engine) : lo;
}

/* At the end: a blocking call still pending must return by its end. */
static void
finish_blocked(PktRun *run)
{
  if (run->outcome != PKT_PASS || run->blocked.ev == NULL) return;
  run_until(run, run->blocked.end + run->tolerance);
  if (run->outcome != PKT_PASS || run->blocked.ev == NULL) return;
  char *when = pkt_run_when(run);
  pkt_run_fail(run, PKT_FAIL, run->blocked.ev->line, "expected %s() to return, it still blocks%s",
               run->blocked.ev->call.name, when);
  g_free(when);
}

/* Closes the outputs: kept for a run that ran (its files show what the
 * host did up to the end or the failure), removed for a malformed script. */
static void
close_outputs(PktRun *run)
{
  if (run->opts->outputs == NULL) return;
  SimExit status = run->outcome == PKT_PASS ? SIM_EXIT_OK
                 : run->outcome == PKT_INVALID ? SIM_EXIT_INVALID : SIM_EXIT_FAILED;
  if (sim_run_outputs_close(run->opts->outputs, &run->view, &run->w, status) != status)
    pkt_run_fail(run, PKT_FAIL, 1, "an output file could not be written");
}

PktOutcome
pkt_run(const PktScript *script, const PktRunOptions *opts, char **message)
{
  PktRun run = { .script = script, .opts = opts, .last_fd = -1, .tolerance = PKT_DEFAULT_TOLERANCE,
                 .lport = PKT_SERVER_PORT, .rport = PKT_REMOTE_PORT,
                 .local_addr = PKT_LOCAL_ADDR, .remote_addr = PKT_REMOTE_ADDR };
  run.engine = sim_engine_new();
  run.view.engine = run.engine;
  run.view.scenario = script->path;
  run.view.seed = 1;
  if (opts->outputs) sim_run_outputs_attach(opts->outputs, &run.view, &run.w);
  run.sent = g_array_new(FALSE, FALSE, sizeof(PktSent));
  run.fds = g_ptr_array_new();
  run.ts_map = g_hash_table_new(g_direct_hash, g_direct_equal);
  GError *error = NULL;
  if (pkt_host_options(&run) && !world_build(&run, &error)) {
    pkt_run_fail(&run, PKT_INVALID, 1, "%s", error->message);
    g_error_free(error);
  }
  if (run.outcome == PKT_PASS) {
    for (guint i = 0; i < script->events->len && run.outcome == PKT_PASS; i++)
      run_event(&run, script->events->pdata[i]);
    finish_blocked(&run);
  }
  close_outputs(&run);
  if (run.net) net_world_set_observer(run.net, NULL, NULL);
  pkt_call_close_all(&run);
  for (guint i = run.sent_head; i < run.sent->len; i++)
    packet_free(g_array_index(run.sent, PktSent, i).pkt);
  g_array_free(run.sent, TRUE);
  g_ptr_array_free(run.fds, TRUE);
  g_hash_table_destroy(run.ts_map);
  if (run.net) net_world_free(run.net);
  sim_engine_free(run.engine);
  *message = run.message;
  return run.outcome;
}
