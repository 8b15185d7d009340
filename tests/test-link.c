/* The link model: serialization and propagation arithmetic, loss models
 * (measured rates against their statistical bounds), FIFO under jitter,
 * reordering, duplication, the drop-tail queue, the MTU, and independent
 * random streams.  Traffic is built in C and put on the network with
 * net_host_output, as the TCP stack will. */
#include "net.h"
#include <math.h>

typedef struct {
  SimEngine *engine;
  NetWorld  *net;
  NetNode   *a, *b;
  NetLink   *link;
  GArray    *seqs;      /* seq of each arrival at b, in order */
  GArray    *times;     /* arrival time of each */
} Fixture;

static void
record(gpointer user, NetNode *node, Packet *pkt)
{
  Fixture *f = user;
  g_array_append_val(f->seqs, pkt->tcp.seq);
  SimTime now = sim_engine_now(f->engine);
  g_array_append_val(f->times, now);
  packet_free(pkt);
}

static void
fixture_init(Fixture *f, guint64 seed, const NetLinkParams *ab)
{
  f->engine = sim_engine_new();
  f->net = net_world_new(f->engine, seed);
  NetAddr a = 0x0a000001, b = 0x0a000002;
  f->a = net_world_host_new(f->net, "a", &a, 1, NULL);
  f->b = net_world_host_new(f->net, "b", &b, 1, NULL);
  NetLinkParams ba;
  net_link_params_init(&ba);
  f->link = net_world_link_new(f->net, f->a, f->b, ab, &ba);
  f->seqs = g_array_new(FALSE, FALSE, sizeof(guint32));
  f->times = g_array_new(FALSE, FALSE, sizeof(SimTime));
  net_node_set_receiver(f->b, record, f);
}

static void
fixture_clear(Fixture *f)
{
  net_world_free(f->net);
  sim_engine_free(f->engine);
  g_array_free(f->seqs, TRUE);
  g_array_free(f->times, TRUE);
}

/* A segment of `payload` virtual bytes from a to b numbered seq. */
static void
send_seg(Fixture *f, guint32 seq, guint32 payload)
{
  Packet *p = packet_alloc();
  p->dst = net_node_addr(f->b);
  p->tcp.sport = 1000;
  p->tcp.dport = 80;
  p->tcp.seq = seq;
  p->tcp.flags = TCP_FLAG_ACK;
  p->tcp.payload.len = payload;
  net_host_output(f->a, p);
}

typedef struct {
  Fixture *f;
  guint32  next, count, payload;
  SimTime  gap;
} Sender;

/* Sends `count` segments, one every `gap`, from the engine. */
static void
on_send(SimEngine *engine, gpointer data)
{
  Sender *s = data;
  send_seg(s->f, s->next++, s->payload);
  if (s->next < s->count) sim_engine_schedule_in(engine, s->gap, on_send, s, NULL);
}

static void
run_sender(Fixture *f, guint32 count, SimTime gap, guint32 payload)
{
  Sender s = { f, 0, count, payload, gap };
  sim_engine_schedule(f->engine, 0, on_send, &s, NULL);
  sim_engine_run(f->engine, SIM_TIME_MAX);
}

static void
test_serialization(void)
{
  NetLinkParams p;
  net_link_params_init(&p);
  p.rate = 1000000000;          /* 1 Gbps */
  p.delay = 5 * SIM_MS;
  Fixture f;
  fixture_init(&f, 1, &p);
  /* 1500 bytes on the wire: 20 + 20 + 1460. */
  send_seg(&f, 1, 1460);
  send_seg(&f, 2, 1460);
  sim_engine_run(f.engine, SIM_TIME_MAX);
  g_assert_cmpuint(f.times->len, ==, 2);
  g_assert_cmpint(g_array_index(f.times, SimTime, 0), ==, 5 * SIM_MS + 12 * SIM_US);
  g_assert_cmpint(g_array_index(f.times, SimTime, 1), ==, 5 * SIM_MS + 24 * SIM_US);
  fixture_clear(&f);

  net_link_params_init(&p);     /* infinite rate: delay only */
  p.delay = 250 * SIM_US;
  fixture_init(&f, 1, &p);
  send_seg(&f, 1, 1460);
  sim_engine_run(f.engine, SIM_TIME_MAX);
  g_assert_cmpint(g_array_index(f.times, SimTime, 0), ==, 250 * SIM_US);
  fixture_clear(&f);
}

/* |x - n p| within 5 standard deviations of a binomial(n, p). */
static void
assert_binomial(guint64 x, guint64 n, double p)
{
  double sd = sqrt((double)n * p * (1 - p));
  g_test_message("measured %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
                 " (expected %.1f +- %.1f)", x, n, n * p, 5 * sd);
  g_assert_cmpfloat(fabs((double)x - (double)n * p), <=, 5 * sd);
}

static void
test_loss_bernoulli(void)
{
  NetLinkParams p;
  net_link_params_init(&p);
  p.loss = 0.1;
  Fixture f;
  fixture_init(&f, 7, &p);
  run_sender(&f, 100000, SIM_US, 100);
  const NetLinkCounters *c = net_link_counters(f.link, 0);
  g_assert_cmpuint(c->sent, ==, 100000);
  g_assert_cmpuint(c->lost + f.seqs->len, ==, 100000);
  assert_binomial(c->lost, 100000, 0.1);
  g_assert_cmpuint(net_link_counters(f.link, 1)->sent, ==, 0);
  fixture_clear(&f);
}

/* Lengths of runs of consecutive lost seqs, from the arrivals. */
static void
loss_bursts(const GArray *seqs, guint32 count, guint64 *bursts, guint64 *lost)
{
  *bursts = *lost = 0;
  guint32 expect = 0;
  for (guint i = 0; i <= seqs->len; i++) {
    guint32 seq = i < seqs->len ? g_array_index(seqs, guint32, i) : count;
    if (seq > expect) {
      (*bursts)++;
      *lost += seq - expect;
    }
    expect = seq + 1;
  }
}

static void
test_loss_gilbert_elliott(void)
{
  NetLinkParams p;
  net_link_params_init(&p);
  p.ge = TRUE;
  p.ge_p = 0.01;
  p.ge_r = 0.25;              /* k = 1, h = 0: every bad-state packet is lost */
  Fixture f;
  fixture_init(&f, 3, &p);
  run_sender(&f, 100000, SIM_US, 100);
  guint64 bursts, lost;
  loss_bursts(f.seqs, 100000, &bursts, &lost);
  g_assert_cmpuint(lost, ==, net_link_counters(f.link, 0)->lost);
  double rate = (double)lost / 100000, expected = 0.01 / (0.01 + 0.25);
  double mean_burst = (double)lost / (double)bursts;
  g_test_message("GE loss %.4f (expected %.4f), mean burst %.2f (expected %.2f)",
                 rate, expected, mean_burst, 1 / 0.25);
  g_assert_cmpfloat(fabs(rate - expected), <=, 0.15 * expected);
  g_assert_cmpfloat(fabs(mean_burst - 4.0), <=, 0.4);
  fixture_clear(&f);

  /* With k < 1 and h > 0: loss = pi_good (1 - k) + pi_bad (1 - h). */
  net_link_params_init(&p);
  p.ge = TRUE;
  p.ge_p = 0.05; p.ge_r = 0.2; p.ge_k = 0.99; p.ge_h = 0.3;
  fixture_init(&f, 4, &p);
  run_sender(&f, 100000, SIM_US, 100);
  double pib = 0.05 / 0.25;
  expected = (1 - pib) * 0.01 + pib * 0.7;
  rate = (double)net_link_counters(f.link, 0)->lost / 100000;
  g_test_message("GE(k,h) loss %.4f (expected %.4f)", rate, expected);
  g_assert_cmpfloat(fabs(rate - expected), <=, 0.1 * expected);
  fixture_clear(&f);
}

static void
test_jitter_fifo(void)
{
  NetLinkParams p;
  net_link_params_init(&p);
  p.delay = SIM_MS;
  p.jitter = 10 * SIM_MS;
  Fixture f;
  fixture_init(&f, 5, &p);
  run_sender(&f, 10000, 100 * SIM_US, 100);
  g_assert_cmpuint(f.seqs->len, ==, 10000);
  SimTime max_extra = 0;
  for (guint i = 0; i < f.seqs->len; i++) {
    g_assert_cmpuint(g_array_index(f.seqs, guint32, i), ==, i);      /* never reordered */
    SimTime extra = g_array_index(f.times, SimTime, i) - (SimTime)i * 100 * SIM_US - SIM_MS;
    g_assert_cmpint(extra, >=, 0);
    max_extra = MAX(max_extra, extra);
  }
  g_assert_cmpint(max_extra, >, 5 * SIM_MS);       /* jitter did happen */
  g_assert_cmpuint(net_link_counters(f.link, 0)->reordered, ==, 0);
  fixture_clear(&f);
}

static void
test_reorder(void)
{
  NetLinkParams p;
  net_link_params_init(&p);
  p.delay = SIM_MS;
  p.reorder = 0.05;
  p.reorder_delay = 2 * SIM_MS;
  Fixture f;
  fixture_init(&f, 6, &p);
  run_sender(&f, 100000, 10 * SIM_US, 100);
  const NetLinkCounters *c = net_link_counters(f.link, 0);
  assert_binomial(c->reordered, 100000, 0.05);
  guint64 late = 0;
  guint32 highest = 0;
  for (guint i = 0; i < f.seqs->len; i++) {
    guint32 seq = g_array_index(f.seqs, guint32, i);
    if (i > 0 && seq < highest) late++;
    highest = MAX(highest, seq);
  }
  g_assert_cmpuint(late, ==, c->reordered);   /* 2 ms later: overtaken by the next ones */
  g_assert_cmpuint(f.seqs->len, ==, 100000);
  fixture_clear(&f);
}

static void
test_dup(void)
{
  NetLinkParams p;
  net_link_params_init(&p);
  p.dup = 0.02;
  Fixture f;
  fixture_init(&f, 8, &p);
  run_sender(&f, 100000, SIM_US, 100);
  const NetLinkCounters *c = net_link_counters(f.link, 0);
  assert_binomial(c->duplicated, 100000, 0.02);
  g_assert_cmpuint(c->delivered, ==, 100000 + c->duplicated);
  g_assert_cmpuint(f.seqs->len, ==, c->delivered);
  fixture_clear(&f);
}

static void
test_queue_overflow(void)
{
  NetLinkParams p;
  net_link_params_init(&p);
  p.rate = 1000000;   /* 1 Mbps: a 140-byte packet takes 1.12 ms */
  p.queue = 10;
  Fixture f;
  fixture_init(&f, 1, &p);
  for (guint32 i = 0; i < 50; i++) send_seg(&f, i, 100);
  sim_engine_run(f.engine, SIM_TIME_MAX);
  const NetLinkCounters *c = net_link_counters(f.link, 0);
  g_assert_cmpuint(c->queue_drops, ==, 39);    /* 1 on the wire + 10 waiting */
  g_assert_cmpuint(f.seqs->len, ==, 11);
  g_assert_cmpuint(g_array_index(f.seqs, guint32, 10), ==, 10);
  g_assert_cmpint(g_array_index(f.times, SimTime, 10), ==, 11 * 1120 * SIM_US);
  /* Once the queue drained, a new burst is admitted again. */
  for (guint32 i = 0; i < 5; i++) send_seg(&f, 100 + i, 100);
  sim_engine_run(f.engine, SIM_TIME_MAX);
  g_assert_cmpuint(c->queue_drops, ==, 39);
  g_assert_cmpuint(f.seqs->len, ==, 16);
  fixture_clear(&f);
}

static void
test_mtu(void)
{
  NetLinkParams p;
  net_link_params_init(&p);
  p.mtu = 576;
  Fixture f;
  fixture_init(&f, 1, &p);
  send_seg(&f, 1, 536);          /* 576 bytes: fits */
  send_seg(&f, 2, 537);          /* 577: dropped */
  sim_engine_run(f.engine, SIM_TIME_MAX);
  g_assert_cmpuint(f.seqs->len, ==, 1);
  g_assert_cmpuint(g_array_index(f.seqs, guint32, 0), ==, 1);
  g_assert_cmpuint(net_link_counters(f.link, 0)->mtu_drops, ==, 1);
  fixture_clear(&f);
}

/* The losses of link a-b are the same whether or not another link was
 * created before it. */
static void
test_streams_independent(void)
{
  GArray *runs[2];
  for (int extra = 0; extra < 2; extra++) {
    SimEngine *engine = sim_engine_new();
    NetWorld *net = net_world_new(engine, 42);
    NetLinkParams p;
    net_link_params_init(&p);
    p.loss = 0.3;
    p.jitter = SIM_MS;
    NetAddr addrs[4] = { 0x0a000001, 0x0a000002, 0x0a000003, 0x0a000004 };
    if (extra) {
      NetNode *c = net_world_host_new(net, "c", &addrs[2], 1, NULL);
      NetNode *d = net_world_host_new(net, "d", &addrs[3], 1, NULL);
      net_world_link_new(net, c, d, &p, &p);
    }
    Fixture f = { engine, net, NULL, NULL, NULL, NULL, NULL };
    f.a = net_world_host_new(net, "a", &addrs[0], 1, NULL);
    f.b = net_world_host_new(net, "b", &addrs[1], 1, NULL);
    f.link = net_world_link_new(net, f.a, f.b, &p, &p);
    f.seqs = g_array_new(FALSE, FALSE, sizeof(guint32));
    f.times = g_array_new(FALSE, FALSE, sizeof(SimTime));
    net_node_set_receiver(f.b, record, &f);
    run_sender(&f, 1000, 10 * SIM_US, 10);
    runs[extra] = f.times;
    g_array_free(f.seqs, TRUE);
    net_world_free(net);
    sim_engine_free(engine);
  }
  g_assert_cmpuint(runs[0]->len, ==, runs[1]->len);
  g_assert_cmpuint(runs[0]->len, <, 800);
  g_assert_cmpmem(runs[0]->data, runs[0]->len * sizeof(SimTime),
                  runs[1]->data, runs[1]->len * sizeof(SimTime));
  g_array_free(runs[0], TRUE);
  g_array_free(runs[1], TRUE);
}

/* Not a timed assertion: reports the link model's packet rate. */
static void
test_throughput(void)
{
  NetLinkParams p;
  net_link_params_init(&p);
  p.rate = 10000000000ull;
  p.delay = SIM_MS;
  p.loss = 0.01;
  p.jitter = 10 * SIM_US;
  Fixture f;
  fixture_init(&f, 1, &p);
  gint64 t0 = g_get_monotonic_time();
  run_sender(&f, 1000000, SIM_US, 1000);
  double secs = (double)(g_get_monotonic_time() - t0) / 1e6;
  g_test_message("link model: 1,000,000 packets in %.3f s: %.0f packets/s", secs, 1e6 / secs);
  g_assert_cmpuint(f.seqs->len + net_link_counters(f.link, 0)->lost, ==, 1000000);
  fixture_clear(&f);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/link/serialization", test_serialization);
  g_test_add_func("/link/loss-bernoulli", test_loss_bernoulli);
  g_test_add_func("/link/loss-gilbert-elliott", test_loss_gilbert_elliott);
  g_test_add_func("/link/jitter-fifo", test_jitter_fifo);
  g_test_add_func("/link/reorder", test_reorder);
  g_test_add_func("/link/dup", test_dup);
  g_test_add_func("/link/queue-overflow", test_queue_overflow);
  g_test_add_func("/link/mtu", test_mtu);
  g_test_add_func("/link/streams-independent", test_streams_independent);
  g_test_add_func("/link/throughput", test_throughput);
  return g_test_run();
}
