/* The TCP test harness (see tcp-harness.h). */
#include "tcp-harness.h"
#include "tcp-check.h"
#include <string.h>

typedef struct {
  TestNet *net;
  int      to;
  Packet  *pkt;
} Delivery;

static void
deliver(SimEngine *engine, gpointer data)
{
  Delivery *d = data;
  tcp_stack_input(d->net->host[d->to].stack, d->pkt);
  g_free(d);
}

/* After every event and every hand-made segment: both stacks' invariants
 * (tcp-check.h), in full while they are small, spread over events once
 * they hold thousands of objects (port exhaustion tests). */
static void
harness_check(gpointer user)
{
  TestNet *net = user;
  net->check_credit += 64;
  if (net->check_credit < net->check_size) return;
  net->check_credit = 0;
  net->check_size = 0;
  for (int i = 0; i < 2; i++) {
    if (net->host[i].stack == NULL) continue;
    tcp_stack_check_invariants(net->host[i].stack);
    net->check_size += tcp_stack_check_size(net->host[i].stack);
  }
}

static void
delivery_drop(gpointer data)
{
  Delivery *d = data;
  packet_free(d->pkt);
  g_free(d);
}

static void
host_output(gpointer host, Packet *pkt)
{
  TestHost *h = host;
  TestNet *net = h->net;
  int from = h == &net->host[0] ? 0 : 1;
  TestWire w = { sim_engine_now(net->engine), from, pkt->tcp.flags, pkt->tcp.seq,
                 pkt->tcp.ack, pkt->tcp.payload.len };
  g_array_append_val(net->wire, w);
  if (net->raw) {
    g_queue_push_tail(&h->tx, pkt);
    return;
  }
  if (net->drop && net->drop(net, from, pkt, net->drop_ud)) {
    packet_free(pkt);
    return;
  }
  int copies = 1;
  if (net->chaos && sim_rng_chance(net->chaos, net->dup)) copies = 2;
  for (int i = 0; i < copies; i++) {
    Delivery *d = g_new(Delivery, 1);
    d->net = net;
    d->to = 1 - from;
    d->pkt = i ? packet_clone(pkt) : pkt;
    SimTime extra = net->chaos && net->jitter > 0
                    ? (SimTime)sim_rng_below(net->chaos, (guint64)net->jitter) : 0;
    sim_engine_schedule_in(net->engine, net->delay + extra, deliver, d, delivery_drop);
  }
}

static gboolean
host_route(gpointer host, NetAddr dst, NetAddr *src)
{
  TestHost *h = host;
  *src = h->addr;
  return dst != 0x0b000000u;     /* 11.0.0.0 is unreachable */
}

static void
host_state_changed(gpointer host, const TcpStateEvent *ev)
{
  TestHost *h = host;
  g_string_append_printf(h->states, "%s>%s;", tcp_state_name(ev->from),
                         tcp_state_name(ev->to));
}

static void
host_init(TestNet *net, TestHost *h, const char *name, NetAddr addr, SimTrace *trace)
{
  h->net = net;
  h->name = name;
  h->addr = addr;
  h->states = g_string_new(NULL);
  g_queue_init(&h->tx);
  TcpStackEnv env = {
    .engine = net->engine, .host_name = name, .run_seed = 1, .trace = trace,
    .output = host_output, .route = host_route,
    .state_changed = host_state_changed, .state_user = h, .host = h,
    .pool = net->pool,
  };
  h->stack = tcp_stack_new(&env, &addr, 1);
}

TestNet *
test_net_new(gboolean raw, SimTime delay)
{
  return test_net_new_traced(raw, delay, NULL);
}

TestNet *
test_net_new_traced(gboolean raw, SimTime delay, SimTrace *trace)
{
  TestNet *net = g_new0(TestNet, 1);
  net->engine = sim_engine_new();
  net->delay = delay;
  net->raw = raw;
  net->wire = g_array_new(FALSE, FALSE, sizeof(TestWire));
  net->pool = tcp_conn_pool_new(TCP_CONN_POOL_SHARED_MAX);
  host_init(net, &net->host[0], "a", TEST_ADDR_A, trace);
  if (!raw) host_init(net, &net->host[1], "b", TEST_ADDR_B, trace);
  sim_engine_set_after(net->engine, harness_check, net);
  return net;
}

void
test_net_free(TestNet *net)
{
  for (int i = 0; i < 2; i++) {
    TestHost *h = &net->host[i];
    if (h->stack) tcp_stack_free(h->stack);
    g_queue_clear_full(&h->tx, (GDestroyNotify)packet_free);
    if (h->states) g_string_free(h->states, TRUE);
  }
  tcp_conn_pool_free(net->pool);
  sim_engine_free(net->engine);
  g_array_free(net->wire, TRUE);
  g_free(net);
}

void
test_net_run_until(TestNet *net, SimTime t)
{
  sim_engine_run(net->engine, t);
}

void
test_send_seg(TestNet *net, const TcpSegment *seg)
{
  Packet *pkt = packet_alloc();
  pkt->src = TEST_ADDR_B;
  pkt->dst = TEST_ADDR_A;
  pkt->tcp = *seg;
  net_buf_ref(pkt->tcp.payload.buf);
  tcp_stack_input(net->host[0].stack, pkt);
  harness_check(net);
}

void
test_send(TestNet *net, guint16 sport, guint16 dport, guint8 flags,
          guint32 seq, guint32 ack, guint32 len)
{
  TcpSegment seg = { .sport = sport, .dport = dport, .flags = flags, .seq = seq,
                     .ack = ack, .win = 65535 };
  seg.payload.len = len;               /* virtual zero bytes */
  if (flags & TCP_FLAG_SYN) {
    seg.opts = TCP_OPT_MSS;
    seg.mss = 1460;
  }
  test_send_seg(net, &seg);
}

Packet *
test_pop_tx(TestNet *net)
{
  return g_queue_pop_head(&net->host[0].tx);
}

Packet *
test_expect_tx(TestNet *net, guint8 flags, guint32 seq, guint32 ack)
{
  Packet *p = test_pop_tx(net);
  char want[9], got[9];
  if (p == NULL) g_error("expected a %s segment, none sent", tcp_flags_format(flags, want));
  if ((p->tcp.flags & ~TCP_FLAG_PSH) != (flags & ~TCP_FLAG_PSH))
    g_error("expected %s, got %s", tcp_flags_format(flags, want),
            tcp_flags_format(p->tcp.flags, got));
  if (seq != G_MAXUINT32) g_assert_cmphex(p->tcp.seq, ==, seq);
  if (ack != G_MAXUINT32) g_assert_cmphex(p->tcp.ack, ==, ack);
  return p;
}

guint
test_wire_count(TestNet *net, int from, guint8 flags)
{
  guint n = 0;
  for (guint i = 0; i < net->wire->len; i++) {
    TestWire *w = &g_array_index(net->wire, TestWire, i);
    if (w->from == from && (w->flags & flags) == flags) n++;
  }
  return n;
}
