/* NAT routers in a network: SNAT (address and port choice, clashes,
 * exhaustion, eviction of closing entries), nf_conntrack_max, DNAT, the
 * load balancer, valid checksums after translation, and, with TCP stacks
 * on the hosts, Little's law through a SNAT gateway: client-close churn to
 * one server completes at most P / 120 connections per second with P ports
 * and conntrack's 120 s TIME_WAIT. */
#include "nat.h"
#include "net.h"
#include "tcp-stack.h"
#include "wire.h"
#include <string.h>

#define CLIENT1  0x0a000001u   /* 10.0.0.1 */
#define CLIENT2  0x0a000002u   /* 10.0.0.2 */
#define SERVER   0xc6336401u   /* 198.51.100.1 */
#define OUTSIDE  0xcb007101u   /* 203.0.113.1 */
#define OUTSIDE2 0xcb007102u   /* 203.0.113.2 */

typedef struct {
  SimEngine *engine;
  NetWorld  *net;
  NetNode   *c1, *c2, *router, *server;
  NatBox    *box;
  GArray    *got;            /* Packet copies the server received */
  GArray    *back;           /* ... and the clients */
} Fixture;

static void
on_receive(gpointer user, NetNode *node, Packet *pkt)
{
  GArray *a = user;
  Packet copy = *pkt;
  copy.next = NULL;
  copy.tcp.payload.buf = NULL;
  g_array_append_val(a, copy);
  packet_free(pkt);
}

static NetNode *
host(Fixture *f, const char *name, NetAddr addr)
{
  GError *error = NULL;
  NetNode *n = net_world_host_new(f->net, name, &addr, 1, &error);
  g_assert_no_error(error);
  return n;
}

static void
link_nodes(Fixture *f, NetNode *a, NetNode *b)
{
  NetLinkParams p;
  net_link_params_init(&p);
  p.delay = SIM_MS;
  net_world_link_new(f->net, a, b, &p, &p);
}

/* c1, c2 - router - server; the router SNATs 10.0.0.0/24 to 203.0.113.1. */
static void
setup(Fixture *f, gconstpointer data)
{
  f->engine = sim_engine_new();
  f->net = net_world_new(f->engine, 1);
  f->c1 = host(f, "c1", CLIENT1);
  f->c2 = host(f, "c2", CLIENT2);
  f->server = host(f, "server", SERVER);
  f->router = net_world_router_new(f->net, "r", NULL);
  link_nodes(f, f->c1, f->router);
  link_nodes(f, f->c2, f->router);
  link_nodes(f, f->router, f->server);
  g_assert_true(net_router_add_addr(f->router, OUTSIDE, NULL));
  f->box = net_router_nat(f->router);
  NetAddr to = OUTSIDE;
  nat_box_set_snat(f->box, 0x0a000000u, 24, &to, 1, 0, 0);
  f->got = g_array_new(FALSE, FALSE, sizeof(Packet));
  f->back = g_array_new(FALSE, FALSE, sizeof(Packet));
  net_node_set_receiver(f->server, on_receive, f->got);
  net_node_set_receiver(f->c1, on_receive, f->back);
  net_node_set_receiver(f->c2, on_receive, f->back);
}

static void
teardown(Fixture *f, gconstpointer data)
{
  net_world_free(f->net);
  sim_engine_free(f->engine);
  g_array_free(f->got, TRUE);
  g_array_free(f->back, TRUE);
}

static void
send_pkt(Fixture *f, NetNode *from, NetAddr dst, guint16 sport, guint16 dport, guint8 flags,
         guint32 seq)
{
  Packet *p = packet_alloc();
  p->dst = dst;
  p->tcp.sport = sport;
  p->tcp.dport = dport;
  p->tcp.flags = flags;
  p->tcp.seq = seq;
  p->tcp.ack = 1;
  net_host_output(from, p);
  sim_engine_run(f->engine, sim_engine_now(f->engine) + 10 * SIM_MS);
}

static const Packet *
last(GArray *a)
{
  g_assert_cmpuint(a->len, >, 0);
  return &g_array_index(a, Packet, a->len - 1);
}

/* The source leaves as 203.0.113.1 with its port; the reply comes back to
 * the inside address. */
static void
test_snat(Fixture *f, gconstpointer data)
{
  send_pkt(f, f->c1, SERVER, 40000, 80, TCP_FLAG_SYN, 100);
  g_assert_cmphex(last(f->got)->src, ==, OUTSIDE);
  g_assert_cmpuint(last(f->got)->tcp.sport, ==, 40000);
  g_assert_cmphex(last(f->got)->dst, ==, SERVER);
  send_pkt(f, f->server, OUTSIDE, 80, 40000, TCP_FLAG_SYN | TCP_FLAG_ACK, 900);
  g_assert_cmphex(last(f->back)->src, ==, SERVER);
  g_assert_cmphex(last(f->back)->dst, ==, CLIENT1);
  g_assert_cmpuint(last(f->back)->tcp.dport, ==, 40000);
  g_assert_cmpuint(f->box->c.translated, ==, 2);
  g_assert_cmpuint(f->box->ct.by_state[CT_SYN_RECV], ==, 1);
  g_assert_cmpuint(nat_box_ports(f->box, FALSE), ==, 1);
}

/* Two clients from the same port to the same server: the second is
 * moved to another port of 1024-65535. */
static void
test_clash(Fixture *f, gconstpointer data)
{
  send_pkt(f, f->c1, SERVER, 40000, 80, TCP_FLAG_SYN, 100);
  send_pkt(f, f->c2, SERVER, 40000, 80, TCP_FLAG_SYN, 100);
  g_assert_cmpuint(f->got->len, ==, 2);
  guint16 p2 = last(f->got)->tcp.sport;
  g_assert_cmpuint(p2, !=, 40000);
  g_assert_cmpuint(p2, >=, 1024);
  g_assert_cmpuint(nat_box_ports(f->box, FALSE), ==, 2);
  /* Each flow's replies find their own client. */
  send_pkt(f, f->server, OUTSIDE, 80, p2, TCP_FLAG_SYN | TCP_FLAG_ACK, 900);
  g_assert_cmphex(last(f->back)->dst, ==, CLIENT2);
  g_assert_cmpuint(last(f->back)->tcp.dport, ==, 40000);
}

/* Four ports: the fifth flow is dropped and counted, and passes once the
 * SYN_SENT entries have expired (120 s). */
static void
test_exhaustion(Fixture *f, gconstpointer data)
{
  NetAddr to = OUTSIDE;
  nat_box_set_snat(f->box, 0x0a000000u, 24, &to, 1, 61000, 61003);
  for (guint i = 0; i < 5; i++) send_pkt(f, f->c1, SERVER, (guint16)(40000 + i), 80, TCP_FLAG_SYN, 1);
  g_assert_cmpuint(f->got->len, ==, 4);
  for (guint i = 0; i < 4; i++) {
    guint16 p = g_array_index(f->got, Packet, i).tcp.sport;
    g_assert_cmpuint(p, >=, 61000);
    g_assert_cmpuint(p, <=, 61003);
  }
  g_assert_cmpuint(f->box->c.drops_no_port, ==, 1);
  g_assert_cmpuint(f->router->c.forwarded, ==, 4);
  sim_engine_run(f->engine, 121 * SIM_S);
  g_assert_cmpuint(f->box->ct.count, ==, 0);
  g_assert_cmpuint(f->box->ct.c.expired, ==, 4);
  g_assert_cmpuint(nat_box_ports(f->box, FALSE), ==, 0);
  g_assert_cmpuint(nat_box_ports(f->box, TRUE), ==, 4);
  send_pkt(f, f->c1, SERVER, 40004, 80, TCP_FLAG_SYN, 1);
  g_assert_cmpuint(f->got->len, ==, 5);
}

/* A whole flow from client port `sport` closed by the client: the entry
 * ends in TIME_WAIT.  Returns the outside port. */
static guint16
closed_flow(Fixture *f, guint16 sport, guint32 isn)
{
  send_pkt(f, f->c1, SERVER, sport, 80, TCP_FLAG_SYN, isn);
  guint16 out = last(f->got)->tcp.sport;
  send_pkt(f, f->server, OUTSIDE, 80, out, TCP_FLAG_SYN | TCP_FLAG_ACK, 5000);
  send_pkt(f, f->c1, SERVER, sport, 80, TCP_FLAG_ACK, isn + 1);
  send_pkt(f, f->c1, SERVER, sport, 80, TCP_FLAG_FIN | TCP_FLAG_ACK, isn + 1);
  send_pkt(f, f->server, OUTSIDE, 80, out, TCP_FLAG_FIN | TCP_FLAG_ACK, 5001);
  send_pkt(f, f->c1, SERVER, sport, 80, TCP_FLAG_ACK, isn + 2);
  return out;
}

/* Both ports held by TIME_WAIT entries: Linux 6.5 evicts one for a SYN
 * whose sequence has advanced past it, not for one behind it; with
 * eviction off (earlier kernels) the SYN is dropped. */
static void
test_evict(Fixture *f, gconstpointer data)
{
  NetAddr to = OUTSIDE;
  nat_box_set_snat(f->box, 0x0a000000u, 24, &to, 1, 61000, 61001);
  closed_flow(f, 40000, 1000);
  closed_flow(f, 40001, 1000);
  g_assert_cmpuint(f->box->ct.by_state[CT_TIME_WAIT], ==, 2);
  guint before = f->got->len;
  send_pkt(f, f->c1, SERVER, 40002, 80, TCP_FLAG_SYN, 10);      /* behind */
  g_assert_cmpuint(f->got->len, ==, before);
  g_assert_cmpuint(f->box->c.drops_no_port, ==, 1);
  f->box->evict_closing = FALSE;
  send_pkt(f, f->c1, SERVER, 40003, 80, TCP_FLAG_SYN, 900000);  /* ahead, but off */
  g_assert_cmpuint(f->got->len, ==, before);
  f->box->evict_closing = TRUE;
  send_pkt(f, f->c1, SERVER, 40004, 80, TCP_FLAG_SYN, 900000);
  g_assert_cmpuint(f->got->len, ==, before + 1);
  g_assert_cmpuint(f->box->c.evicted, ==, 1);
  g_assert_cmpuint(f->box->ct.by_state[CT_TIME_WAIT], ==, 1);
}

/* A new SYN on the same inside tuple while conntrack holds it in
 * TIME_WAIT replaces the entry and keeps the mapping. */
static void
test_reopen(Fixture *f, gconstpointer data)
{
  guint16 out = closed_flow(f, 40000, 1000);
  send_pkt(f, f->c1, SERVER, 40000, 80, TCP_FLAG_SYN, 70000);
  g_assert_cmpuint(f->box->ct.c.reopened, ==, 1);
  g_assert_cmpuint(last(f->got)->tcp.sport, ==, out);
  g_assert_cmpuint(f->box->ct.by_state[CT_SYN_SENT], ==, 1);
  g_assert_cmpuint(f->box->ct.count, ==, 1);
}

/* nf_conntrack_max 2: with two assured flows the third is dropped and
 * counted; a flow that is only a SYN may be evicted by early drop. */
static void
test_max(Fixture *f, gconstpointer data)
{
  f->box->ct.cfg.max = 2;
  for (guint16 p = 40000; p < 40002; p++) {
    send_pkt(f, f->c1, SERVER, p, 80, TCP_FLAG_SYN, 1);
    send_pkt(f, f->server, OUTSIDE, 80, p, TCP_FLAG_SYN | TCP_FLAG_ACK, 1);
    send_pkt(f, f->c1, SERVER, p, 80, TCP_FLAG_ACK, 2);
  }
  g_assert_cmpuint(f->box->ct.by_state[CT_ESTABLISHED], ==, 2);
  guint before = f->got->len;
  for (guint16 p = 50000; p < 50010; p++) send_pkt(f, f->c2, SERVER, p, 80, TCP_FLAG_SYN, 1);
  g_assert_cmpuint(f->got->len, ==, before);
  g_assert_cmpuint(f->box->c.drops_full, ==, 10);
  g_assert_cmpuint(f->box->ct.count, ==, 2);
}

/* Port forwarding: 203.0.113.1:8080 reaches the inside 10.0.0.2:80, and
 * its replies leave as 203.0.113.1:8080. */
static void
test_dnat(Fixture *f, gconstpointer data)
{
  NatDnat rule = { OUTSIDE, 8080, CLIENT2, 80 };
  nat_box_add_dnat(f->box, &rule);
  send_pkt(f, f->server, OUTSIDE, 5555, 8080, TCP_FLAG_SYN, 1);
  g_assert_cmphex(last(f->back)->dst, ==, CLIENT2);
  g_assert_cmpuint(last(f->back)->tcp.dport, ==, 80);
  g_assert_cmphex(last(f->back)->src, ==, SERVER);
  send_pkt(f, f->c2, SERVER, 80, 5555, TCP_FLAG_SYN | TCP_FLAG_ACK, 1);
  g_assert_cmphex(last(f->got)->src, ==, OUTSIDE);
  g_assert_cmpuint(last(f->got)->tcp.sport, ==, 8080);
}

/* A virtual address over c1 and c2: round robin alternates; with SNAT
 * the backends see the virtual address as the source. */
static void
test_lb(Fixture *f, gconstpointer data)
{
  g_assert_true(net_router_add_addr(f->router, OUTSIDE2, NULL));
  LbService *svc = lb_service_new(OUTSIDE2, 80, LB_ROUND_ROBIN, TRUE);
  lb_service_add(svc, CLIENT1, 8000);
  lb_service_add(svc, CLIENT2, 8000);
  nat_box_add_lb(f->box, svc);
  for (guint i = 0; i < 4; i++) {
    send_pkt(f, f->server, OUTSIDE2, (guint16)(3000 + i), 80, TCP_FLAG_SYN, 1);
    const Packet *p = last(f->back);
    g_assert_cmphex(p->dst, ==, i % 2 ? CLIENT2 : CLIENT1);
    g_assert_cmpuint(p->tcp.dport, ==, 8000);
    g_assert_cmphex(p->src, ==, OUTSIDE2);
  }
  g_assert_cmpuint(svc->picked[0], ==, 2);
  g_assert_cmpuint(svc->picked[1], ==, 2);
  /* The backend's reply reaches the client from the virtual address. */
  const Packet *p = last(f->back);
  send_pkt(f, f->c2, OUTSIDE2, 8000, p->tcp.sport, TCP_FLAG_SYN | TCP_FLAG_ACK, 1);
  g_assert_cmphex(last(f->got)->src, ==, OUTSIDE2);
  g_assert_cmpuint(last(f->got)->tcp.sport, ==, 80);
  g_assert_cmpuint(last(f->got)->tcp.dport, ==, 3003);
}

/* The hash mode: a tuple always maps to the same backend, and many
 * tuples reach every backend. */
static void
test_lb_hash(void)
{
  LbService *svc = lb_service_new(OUTSIDE2, 80, LB_HASH, FALSE);
  for (guint i = 0; i < 3; i++) lb_service_add(svc, CLIENT1 + i, 80);
  TcpHashKey key = tcp_hash_key(1, "lb");
  CtTuple t = { SERVER, OUTSIDE2, 1234, 80 };
  const LbBackend *b = lb_pick(svc, &t, &key);
  for (guint i = 0; i < 10; i++) g_assert_true(lb_pick(svc, &t, &key) == b);
  for (guint i = 0; i < 300; i++) {
    t.sport = (guint16)(2000 + i);
    lb_pick(svc, &t, &key);
  }
  for (guint i = 0; i < 3; i++) g_assert_cmpuint(svc->picked[i], >, 50);
  lb_service_free(svc);
}

/* A translated packet encodes to bytes whose checksums hold. */
static void
test_checksums(Fixture *f, gconstpointer data)
{
  send_pkt(f, f->c1, SERVER, 40000, 80, TCP_FLAG_SYN, 100);
  Packet p = *last(f->got);
  guint8 buf[128];
  guint n = net_wire_encode(&p, buf);
  Packet back;
  GError *error = NULL;
  g_assert_true(net_wire_decode(buf, n, &back, &error));
  g_assert_no_error(error);
  g_assert_cmphex(back.src, ==, OUTSIDE);
  tcp_segment_clear(&back.tcp);
}

/* Unsolicited traffic to the outside address matches no flow: an ACK is
 * picked up (loose) but has nowhere to go; a FIN is invalid. */
static void
test_unsolicited(Fixture *f, gconstpointer data)
{
  send_pkt(f, f->server, OUTSIDE, 80, 40000, TCP_FLAG_FIN | TCP_FLAG_ACK, 1);
  g_assert_cmpuint(f->box->c.drops_invalid, ==, 1);
  g_assert_cmpuint(f->back->len, ==, 0);
}

/* r:set{} keys: values applied, bad ones refused with a message naming
 * the key, the box unchanged. */
static void
test_settings(Fixture *f, gconstpointer data)
{
  GError *error = NULL;
  g_assert_true(nat_box_set(f->box, "timeout_time_wait", "30s", &error));
  g_assert_cmpint(f->box->ct.cfg.timeout[CT_TIME_WAIT], ==, 30 * SIM_S);
  g_assert_true(nat_box_set(f->box, "conntrack_max", "1000", &error));
  g_assert_cmpuint(f->box->ct.cfg.max, ==, 1000);
  g_assert_true(nat_box_set(f->box, "evict_closing", "false", &error));
  g_assert_false(f->box->evict_closing);
  g_assert_no_error(error);
  g_assert_false(nat_box_set(f->box, "timeout_time_wait", "0s", &error));
  g_assert_nonnull(strstr(error->message, "timeout_time_wait"));
  g_clear_error(&error);
  g_assert_cmpint(f->box->ct.cfg.timeout[CT_TIME_WAIT], ==, 30 * SIM_S);
  g_assert_false(nat_box_set(f->box, "conntrack_max", "-1", &error));
  g_clear_error(&error);
  g_assert_false(nat_box_set(f->box, "conntrack_maxx", "1", &error));
  g_assert_nonnull(strstr(error->message, "unknown router setting 'conntrack_maxx'"));
  g_clear_error(&error);
  NetAddr a;
  guint bits;
  guint16 port, lo, hi;
  g_assert_true(nat_parse_prefix("10.1.0.0/16", &a, &bits, NULL));
  g_assert_cmphex(a, ==, 0x0a010000u);
  g_assert_cmpuint(bits, ==, 16);
  g_assert_false(nat_parse_prefix("10.1.0.0/33", &a, &bits, NULL));
  g_assert_true(nat_parse_endpoint("10.0.0.5:8080", &a, &port, NULL));
  g_assert_cmpuint(port, ==, 8080);
  g_assert_false(nat_parse_endpoint("10.0.0.5", &a, &port, NULL));
  g_assert_false(nat_parse_endpoint("10.0.0.5:0", &a, &port, NULL));
  g_assert_true(nat_parse_ports("1024-2047", &lo, &hi, NULL));
  g_assert_false(nat_parse_ports("2047-1024", &lo, &hi, NULL));
  NatStat st[NAT_STATS_N];
  g_assert_cmpuint(nat_box_stats(f->box, st), ==, NAT_STATS_N);
  g_assert_cmpstr(st[0].name, ==, "entries");
}

/* ---- Little's law through the gateway ----------------------------------- */

typedef struct {
  Fixture  *f;
  TcpStack *client, *server;
  TcpSocket *ls;
  guint64   done, failed;
  SimTime   every, until;
  guint64   done_at_warmup;
  SimTime   warmup;
  GPtrArray *conns;         /* every Conn, freed at the end (some never finish) */
} Churn;

typedef struct {
  Churn     *ch;
  TcpSocket *s;
  gboolean   sent;
  gboolean   closed;        /* s is no longer ours to use */
} Conn;

static void
server_conn_wake(gpointer ud)
{
  TcpSocket *s = ud;
  GBytes *b = NULL;
  gssize n;
  while ((n = tcp_socket_recv(s, 65536, &b)) > 0) {
    g_bytes_unref(b);
    b = NULL;
    tcp_socket_send(s, NULL, 100);
  }
  if (b) g_bytes_unref(b);
  if (n != -TCP_EAGAIN) tcp_socket_close(s);   /* after the client's FIN */
}

static void
server_wake(gpointer ud)
{
  Churn *ch = ud;
  int err;
  TcpSocket *s;
  while ((s = tcp_socket_accept(ch->ls, &err))) {
    tcp_socket_set_waiter(s, server_conn_wake, s);
    server_conn_wake(s);
  }
}

static void
client_wake(gpointer ud)
{
  Conn *c = ud;
  TcpState st = tcp_socket_state(c->s);
  if (st == TCP_STATE_SYN_SENT) return;
  if (st != TCP_STATE_ESTABLISHED && !c->sent) {
    c->ch->failed++;
    tcp_socket_close(c->s);
    c->closed = TRUE;
    return;
  }
  if (!c->sent) {
    tcp_socket_send(c->s, NULL, 100);
    c->sent = TRUE;
    return;
  }
  GBytes *b = NULL;
  gssize n = tcp_socket_recv(c->s, 65536, &b);
  if (b) g_bytes_unref(b);
  if (n == -TCP_EAGAIN) return;
  c->ch->done++;
  tcp_socket_close(c->s);                       /* the client closes first */
  c->closed = TRUE;
}

static void
churn_tick(SimEngine *engine, gpointer data)
{
  Churn *ch = data;
  Conn *c = g_new0(Conn, 1);
  g_ptr_array_add(ch->conns, c);
  c->ch = ch;
  c->s = tcp_socket_new(ch->client);
  tcp_socket_set_waiter(c->s, client_wake, c);
  if (tcp_socket_connect(c->s, SERVER, 80) != TCP_EINPROGRESS) {
    tcp_socket_close(c->s);
    c->closed = TRUE;
  }
  if (sim_engine_now(engine) + ch->every < ch->until)
    sim_engine_schedule_in(engine, ch->every, churn_tick, ch, NULL);
}

static void
note_warmup(SimEngine *engine, gpointer data)
{
  Churn *ch = data;
  ch->done_at_warmup = ch->done;
}

static void
stack_free(gpointer s)
{
  tcp_stack_free(s);
}

static TcpStack *
attach_stack(Fixture *f, NetNode *node)
{
  TcpStackEnv env = {
    .engine = f->engine, .host_name = node->name, .run_seed = 1,
    .output = net_host_output, .route = net_host_route, .mtu = net_host_mtu, .host = node,
  };
  TcpStack *s = tcp_stack_new(&env, (const NetAddr *)node->addrs->data, node->addrs->len);
  net_node_set_transport(node, s, stack_free);
  return s;
}

static void
stack_receive(gpointer user, NetNode *node, Packet *pkt)
{
  tcp_stack_input(node->transport, pkt);
}

/* P ports, 2 connections offered a second for 1,200 s: from 240 s on (two
 * TIME_WAIT lengths), completions run at P / 120 a second, no faster
 * (each port serves one connection per 120 s and a little), and not much
 * slower (waiting SYNs take a freed port within seconds).  Returns the
 * rate over [240 s, 1,200 s]. */
static double
churn_rate(Fixture *f, guint ports, gboolean evict)
{
  NetAddr to = OUTSIDE;
  nat_box_set_snat(f->box, 0x0a000000u, 24, &to, 1, 61000, (guint16)(61000 + ports - 1));
  f->box->evict_closing = evict;
  Churn ch = { .f = f, .conns = g_ptr_array_new_with_free_func(g_free) };
  ch.client = attach_stack(f, f->c1);
  ch.server = attach_stack(f, f->server);
  net_node_set_receiver(f->c1, stack_receive, NULL);
  net_node_set_receiver(f->server, stack_receive, NULL);
  ch.ls = tcp_socket_new(ch.server);
  g_assert_cmpint(tcp_socket_bind(ch.ls, 0, 80), ==, 0);
  g_assert_cmpint(tcp_socket_listen(ch.ls, 4096), ==, 0);
  tcp_socket_set_waiter(ch.ls, server_wake, &ch);
  ch.every = SIM_S / 2;
  ch.until = 1200 * SIM_S;
  ch.warmup = 240 * SIM_S;
  sim_engine_schedule(f->engine, 0, churn_tick, &ch, NULL);
  sim_engine_schedule(f->engine, ch.warmup, note_warmup, &ch, NULL);
  sim_engine_run(f->engine, ch.until);
  double rate = (double)(ch.done - ch.done_at_warmup) / (double)((ch.until - ch.warmup) / SIM_S);
  /* Nothing may call back into this run's Conns or its Churn once it is
   * over: sockets still connecting lose their waiter. */
  for (guint i = 0; i < ch.conns->len; i++) {
    Conn *c = g_ptr_array_index(ch.conns, i);
    if (!c->closed) tcp_socket_set_waiter(c->s, NULL, NULL);
  }
  tcp_socket_set_waiter(ch.ls, NULL, NULL);
  g_ptr_array_free(ch.conns, TRUE);
  if (g_test_verbose())
    g_test_message("ports %u evict %d: %" G_GUINT64_FORMAT " done, %" G_GUINT64_FORMAT
                   " failed, %.4f/s (P/120 = %.4f), drops %" G_GUINT64_FORMAT,
                   ports, evict, ch.done, ch.failed, rate, ports / 120.0, f->box->c.drops_no_port);
  return rate;
}

static void
test_littles_law(Fixture *f, gconstpointer data)
{
  guint ports = 60;
  double rate = churn_rate(f, ports, FALSE);
  double bound = ports / 120.0;
  g_assert_cmpfloat(rate, <=, bound * 1.02);
  g_assert_cmpfloat(rate, >=, bound * 0.9);
  g_assert_cmpuint(f->box->c.drops_no_port, >, 0);
  g_assert_cmpuint(nat_box_ports(f->box, TRUE), ==, ports);
}

/* Linux 6.5's eviction of closing entries lifts the limit. */
static void
test_littles_law_evict(Fixture *f, gconstpointer data)
{
  guint ports = 60;
  double rate = churn_rate(f, ports, TRUE);
  g_assert_cmpfloat(rate, >, 1.5 * ports / 120.0);
  g_assert_cmpuint(f->box->c.evicted, >, 0);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, setup, fn, teardown)
  ADD("/nat/snat", test_snat);
  ADD("/nat/snat/clash", test_clash);
  ADD("/nat/snat/exhaustion", test_exhaustion);
  ADD("/nat/snat/evict", test_evict);
  ADD("/nat/reopen", test_reopen);
  ADD("/nat/conntrack-max", test_max);
  ADD("/nat/dnat", test_dnat);
  ADD("/nat/lb", test_lb);
  ADD("/nat/checksums", test_checksums);
  ADD("/nat/unsolicited", test_unsolicited);
  ADD("/nat/settings", test_settings);
  ADD("/nat/littles-law", test_littles_law);
  ADD("/nat/littles-law/evict", test_littles_law_evict);
  g_test_add_func("/nat/lb/hash", test_lb_hash);
  return g_test_run();
}
