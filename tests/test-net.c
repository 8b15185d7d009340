/* The network: routing (shortest paths, creation-order ties, a 1,000-host
 * star), TTL, unreachable destinations, source addresses, IP IDs, hosts
 * that do not forward, receivers; the routing table's own lookups. */
#include "net.h"
#include <string.h>

static SimEngine *engine;
static NetWorld *net;

static void
setup(void)
{
  engine = sim_engine_new();
  net = net_world_new(engine, 1);
}

static void
teardown(void)
{
  net_world_free(net);
  sim_engine_free(engine);
}

static NetNode *
host(const char *name, NetAddr addr)
{
  GError *error = NULL;
  NetNode *n = net_world_host_new(net, name, &addr, 1, &error);
  g_assert_no_error(error);
  return n;
}

static NetNode *
router(const char *name)
{
  return net_world_router_new(net, name, NULL);
}

static NetLink *
connect_nodes(NetNode *a, NetNode *b)
{
  NetLinkParams p;
  net_link_params_init(&p);
  p.delay = SIM_MS;
  return net_world_link_new(net, a, b, &p, &p);
}

static void
send_to(NetNode *from, NetAddr dst, guint32 seq)
{
  Packet *p = packet_alloc();
  p->dst = dst;
  p->tcp.seq = seq;
  p->tcp.flags = TCP_FLAG_SYN;
  net_host_output(from, p);
}

typedef struct {
  guint   count;
  guint8  last_ttl;
  NetAddr last_src;
  guint16 last_id;
} Received;

static void
on_receive(gpointer user, NetNode *node, Packet *pkt)
{
  Received *r = user;
  r->count++;
  r->last_ttl = pkt->ttl;
  r->last_src = pkt->src;
  r->last_id = pkt->ip_id;
  packet_free(pkt);
}

/* h1 - r1 - {r2, r3} - r4 - h2: two equal paths; the one through the link
 * created first (r1-r2, then r2-r4 before r3-r4) wins, both ways. */
static void
test_ties(void)
{
  setup();
  NetNode *h1 = host("h1", 0x0a000001), *h2 = host("h2", 0x0a000002);
  NetNode *r1 = router("r1"), *r2 = router("r2"), *r3 = router("r3"), *r4 = router("r4");
  connect_nodes(h1, r1);
  connect_nodes(r1, r2);
  connect_nodes(r1, r3);
  connect_nodes(r3, r4);     /* created before r2-r4: from r4, r3 wins */
  connect_nodes(r2, r4);
  connect_nodes(r4, h2);
  Received got = { 0 };
  net_node_set_receiver(h2, on_receive, &got);
  Received back = { 0 };
  net_node_set_receiver(h1, on_receive, &back);
  send_to(h1, 0x0a000002, 1);
  send_to(h2, 0x0a000001, 2);
  sim_engine_run(engine, SIM_TIME_MAX);
  g_assert_cmpuint(got.count, ==, 1);
  g_assert_cmpuint(back.count, ==, 1);
  g_assert_cmpuint(got.last_ttl, ==, NET_DEFAULT_TTL - 3);
  g_assert_cmpuint(r2->c.forwarded, ==, 1);   /* h1 -> h2 went via r2 */
  g_assert_cmpuint(r3->c.forwarded, ==, 1);   /* h2 -> h1 went via r3 */
  g_assert_cmpuint(r1->c.forwarded + r4->c.forwarded, ==, 4);
  teardown();
}

/* A shorter path wins over an earlier-created longer one. */
static void
test_shortest(void)
{
  setup();
  NetNode *h1 = host("h1", 0x0a000001), *h2 = host("h2", 0x0a000002);
  NetNode *r1 = router("r1"), *r2 = router("r2"), *r3 = router("r3");
  connect_nodes(h1, r1);
  connect_nodes(r1, r2);
  connect_nodes(r2, r3);
  connect_nodes(r1, r3);
  connect_nodes(r3, h2);
  send_to(h1, 0x0a000002, 1);
  sim_engine_run(engine, SIM_TIME_MAX);
  g_assert_cmpuint(r2->c.forwarded, ==, 0);
  g_assert_cmpuint(r3->c.forwarded, ==, 1);
  g_assert_cmpuint(h2->c.received, ==, 1);
  teardown();
}

static void
test_star(void)
{
  setup();
  enum { N = 1000 };
  NetNode *hub = router("hub"), *hosts[N];
  gint64 t0 = g_get_monotonic_time();
  for (guint i = 0; i < N; i++) {
    char name[16];
    g_snprintf(name, sizeof name, "h%u", i);
    hosts[i] = host(name, 0x0a010000 + i + 1);
    connect_nodes(hosts[i], hub);
  }
  net_world_compute_routes(net);
  for (guint i = 0; i < N; i++) send_to(hosts[i], 0x0a010000 + (i + 1) % N + 1, i);
  sim_engine_run(engine, SIM_TIME_MAX);
  double secs = (double)(g_get_monotonic_time() - t0) / 1e6;
  g_test_message("1,000-host star: built, routed and crossed in %.3f s", secs);
  g_assert_cmpfloat(secs, <, 5.0);
  for (guint i = 0; i < N; i++) {
    g_assert_cmpuint(hosts[i]->c.received, ==, 1);
    g_assert_null(hosts[i]->routes);    /* one interface: no table */
  }
  g_assert_cmpuint(hub->routes->len, ==, N);
  g_assert_cmpuint(hub->c.forwarded, ==, N);
  teardown();
}

/* h1 - r1 - ... - rN - h2: with N = 63 routers a packet arrives with TTL 1;
 * with 64 the last router drops it. */
static void
test_ttl(void)
{
  for (guint n = 63; n <= 64; n++) {
    setup();
    NetNode *h1 = host("h1", 0x0a000001), *h2 = host("h2", 0x0a000002);
    NetNode *prev = h1, *routers[64];
    for (guint i = 0; i < n; i++) {
      char name[16];
      g_snprintf(name, sizeof name, "r%u", i + 1);
      routers[i] = router(name);
      connect_nodes(prev, routers[i]);
      prev = routers[i];
    }
    connect_nodes(prev, h2);
    Received got = { 0 };
    net_node_set_receiver(h2, on_receive, &got);
    send_to(h1, 0x0a000002, 1);
    sim_engine_run(engine, SIM_TIME_MAX);
    if (n == 63) {
      g_assert_cmpuint(got.count, ==, 1);
      g_assert_cmpuint(got.last_ttl, ==, 1);
    } else {
      g_assert_cmpuint(got.count, ==, 0);
      g_assert_cmpuint(routers[63]->c.ttl_drops, ==, 1);
      g_assert_cmpuint(routers[62]->c.ttl_drops, ==, 0);
      g_assert_cmpint(sim_engine_now(engine), ==, 64 * SIM_MS);
    }
    teardown();
  }
}

/* Hosts do not relay: h1 - h2 - h3 leaves h3 unreachable from h1. */
static void
test_unreachable(void)
{
  setup();
  NetNode *h1 = host("h1", 0x0a000001), *h2 = host("h2", 0x0a000002);
  NetNode *h3 = host("h3", 0x0a000003), *lonely = host("lonely", 0x0a000009);
  connect_nodes(h1, h2);
  connect_nodes(h2, h3);
  NetAddr src = 0;
  g_assert_true(net_host_route(h1, 0x0a000002, &src));
  g_assert_cmphex(src, ==, 0x0a000001);
  g_assert_false(net_host_route(h1, 0x0a000003, NULL));
  g_assert_false(net_host_route(h1, 0x0a0000ff, NULL));   /* nobody's */
  g_assert_false(net_host_route(lonely, 0x0a000001, NULL));
  g_assert_true(net_host_route(h2, 0x0a000003, NULL));
  send_to(h1, 0x0a000003, 1);
  send_to(lonely, 0x0a000001, 1);
  sim_engine_run(engine, SIM_TIME_MAX);
  g_assert_cmpuint(h1->c.noroute_drops, ==, 1);
  g_assert_cmpuint(lonely->c.noroute_drops, ==, 1);
  g_assert_cmpuint(h3->c.received, ==, 0);
  teardown();
}

/* A host with an address per interface sends from the one it leaves by;
 * IP IDs count up per host; the topology may grow after routes exist. */
static void
test_source_and_ids(void)
{
  setup();
  NetAddr addrs[2] = { 0x0a000101, 0x0a000201 };
  NetNode *multi = net_world_host_new(net, "multi", addrs, 2, NULL);
  NetNode *x = host("x", 0x0a000102), *y = host("y", 0x0a000202);
  connect_nodes(multi, x);
  connect_nodes(multi, y);
  NetAddr src;
  g_assert_true(net_host_route(multi, 0x0a000202, &src));
  g_assert_cmphex(src, ==, 0x0a000201);
  Received rx = { 0 }, ry = { 0 };
  net_node_set_receiver(x, on_receive, &rx);
  net_node_set_receiver(y, on_receive, &ry);
  send_to(multi, 0x0a000102, 1);
  send_to(multi, 0x0a000202, 2);
  sim_engine_run(engine, SIM_TIME_MAX);
  g_assert_cmphex(rx.last_src, ==, 0x0a000101);
  g_assert_cmphex(ry.last_src, ==, 0x0a000201);
  g_assert_cmpuint(rx.last_id, ==, 0);
  g_assert_cmpuint(ry.last_id, ==, 1);
  NetNode *z = host("z", 0x0a000301);     /* added after routes were computed */
  g_assert_false(net_host_route(multi, 0x0a000301, NULL));
  connect_nodes(multi, z);
  g_assert_true(net_host_route(multi, 0x0a000301, &src));
  g_assert_cmphex(src, ==, 0x0a000101);   /* more links than addresses: the first */
  teardown();
}

static void
test_names_and_addresses(void)
{
  setup();
  host("a", 0x0a000001);
  GError *error = NULL;
  NetAddr other = 0x0a000002, same = 0x0a000001;
  g_assert_null(net_world_host_new(net, "a", &other, 1, &error));
  g_assert_nonnull(strstr(error->message, "'a'"));
  g_clear_error(&error);
  g_assert_null(net_world_host_new(net, "b", &same, 1, &error));
  g_assert_nonnull(strstr(error->message, "10.0.0.1"));
  g_clear_error(&error);
  g_assert_null(net_world_router_new(net, "a", &error));
  g_clear_error(&error);
  g_assert_cmphex(net_world_free_addr(net), ==, 0x0a000002);
  teardown();
}

static void
test_no_receiver(void)
{
  setup();
  NetNode *a = host("a", 0x0a000001), *b = host("b", 0x0a000002);
  connect_nodes(a, b);
  send_to(a, 0x0a000002, 1);
  sim_engine_run(engine, SIM_TIME_MAX);
  g_assert_cmpuint(b->c.received, ==, 1);
  g_assert_cmpuint(b->c.no_receiver, ==, 1);
  teardown();
}

static void
count_destroy(gpointer data)
{
  (*(int *)data)++;
}

/* Freeing the network with packets in flight and a transport attached:
 * the transport is freed once, in-flight packets go back to the free list
 * when the engine is freed after it (sanitizer builds check the memory). */
static void
test_free_in_flight(void)
{
  setup();
  NetNode *a = host("a", 0x0a000001), *b = host("b", 0x0a000002);
  connect_nodes(a, b);
  int destroyed = 0;
  net_node_set_transport(b, &destroyed, count_destroy);
  for (guint32 i = 0; i < 10; i++) send_to(a, 0x0a000002, i);
  sim_engine_run(engine, SIM_MS / 2);
  g_assert_cmpuint(sim_engine_pending(engine), ==, 10);
  g_assert_true(b->transport == &destroyed);
  teardown();
  g_assert_cmpint(destroyed, ==, 1);
}

/* The flat routing table: every address set is found with its answer
 * after the table has grown many times (neighbouring addresses, which
 * the hash must spread), a second set replaces, an absent one is not
 * found, and it stays at most half full. */
static void
test_route_table(void)
{
  NetRouteTable *t = net_route_table_new();
  NetLinkDir dirs[3];
  for (guint32 i = 0; i < 5000; i++)
    net_route_table_set(t, 0x0a010001 + i, (int)(i % 3), &dirs[i % 3]);
  net_route_table_set(t, 0x0a010001 + 7, 2, &dirs[2]);   /* replaces i = 7 */
  g_assert_cmpuint(t->len, ==, 5000);
  g_assert_cmpuint(2 * t->len, <=, t->mask + 1);
  for (guint32 i = 0; i < 5000; i++) {
    const NetRoute *r = net_route_table_find(t, 0x0a010001 + i);
    g_assert_nonnull(r);
    int want = i == 7 ? 2 : (int)(i % 3);
    g_assert_cmpint(r->iface, ==, want);
    g_assert_true(r->out == &dirs[want]);
  }
  g_assert_null(net_route_table_find(t, 0x0a000001));
  g_assert_null(net_route_table_find(t, 0x0a010001 + 5000));
  net_route_table_free(t);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/net/routing/ties", test_ties);
  g_test_add_func("/net/routing/shortest", test_shortest);
  g_test_add_func("/net/routing/star-1000", test_star);
  g_test_add_func("/net/ttl", test_ttl);
  g_test_add_func("/net/unreachable", test_unreachable);
  g_test_add_func("/net/source-and-ids", test_source_and_ids);
  g_test_add_func("/net/names-and-addresses", test_names_and_addresses);
  g_test_add_func("/net/no-receiver", test_no_receiver);
  g_test_add_func("/net/free-in-flight", test_free_in_flight);
  g_test_add_func("/net/route-table", test_route_table);
  return g_test_run();
}
