/* The conntrack table alone: netfilter's TCP states for a whole flow, the
 * timeouts each state renews, expiry order, a SYN on a closed flow, RSTs,
 * invalid packets, early drop under nf_conntrack_max, and the index under
 * many inserts and removals. */
#include "conntrack.h"

static const CtTuple orig = { 0x0a000001u, 0xc6336401u, 40000, 80 };

static TcpSegment
seg(guint8 flags, guint32 seq)
{
  TcpSegment s = { 0 };
  s.flags = flags;
  s.seq = seq;
  return s;
}

static CtEntry *
new_flow(CtTable *t, const CtTuple *o, SimTime now)
{
  CtTuple reply = ct_tuple_invert(o);
  CtEntry *e = ct_table_insert(t, o, &reply);
  TcpSegment syn = seg(TCP_FLAG_SYN, 1000);
  g_assert_cmpint(ct_entry_packet(t, e, CT_DIR_ORIGINAL, &syn, now), ==, CT_ACCEPT);
  return e;
}

static void
feed(CtTable *t, CtEntry *e, guint dir, guint8 flags, SimTime now, CtState want)
{
  TcpSegment s = seg(flags, 2000);
  g_assert_cmpint(ct_entry_packet(t, e, dir, &s, now), ==, CT_ACCEPT);
  g_assert_cmpstr(ct_state_name(e->state), ==, ct_state_name(want));
  g_assert_cmpint(e->expiry, ==, now + t->cfg.timeout[want]);
}

static void
test_defaults(void)
{
  CtConfig cfg;
  ct_config_init(&cfg);
  g_assert_cmpint(cfg.timeout[CT_ESTABLISHED], ==, 432000 * SIM_S);
  g_assert_cmpint(cfg.timeout[CT_SYN_SENT], ==, 120 * SIM_S);
  g_assert_cmpint(cfg.timeout[CT_SYN_RECV], ==, 60 * SIM_S);
  g_assert_cmpint(cfg.timeout[CT_FIN_WAIT], ==, 120 * SIM_S);
  g_assert_cmpint(cfg.timeout[CT_CLOSE_WAIT], ==, 60 * SIM_S);
  g_assert_cmpint(cfg.timeout[CT_LAST_ACK], ==, 30 * SIM_S);
  g_assert_cmpint(cfg.timeout[CT_TIME_WAIT], ==, 120 * SIM_S);
  g_assert_cmpint(cfg.timeout[CT_CLOSE], ==, 10 * SIM_S);
  g_assert_cmpuint(cfg.max, ==, 262144);
}

/* SYN, SYN-ACK, ACK; the client's FIN, the server's ACK, its FIN and the
 * last ACK: SYN_SENT SYN_RECV ESTABLISHED FIN_WAIT CLOSE_WAIT LAST_ACK
 * TIME_WAIT, each with its timeout. */
static void
test_lifecycle(void)
{
  CtConfig cfg;
  ct_config_init(&cfg);
  CtTable t;
  ct_table_init(&t, &cfg);
  CtEntry *e = new_flow(&t, &orig, 0);
  g_assert_cmpint(e->state, ==, CT_SYN_SENT);
  g_assert_cmpint(e->expiry, ==, 120 * SIM_S);
  feed(&t, e, CT_DIR_REPLY, TCP_FLAG_SYN | TCP_FLAG_ACK, SIM_MS, CT_SYN_RECV);
  g_assert_false(e->status & CT_ASSURED);
  feed(&t, e, CT_DIR_ORIGINAL, TCP_FLAG_ACK, 2 * SIM_MS, CT_ESTABLISHED);
  g_assert_true(e->status & CT_ASSURED);
  feed(&t, e, CT_DIR_ORIGINAL, TCP_FLAG_FIN | TCP_FLAG_ACK, 3 * SIM_MS, CT_FIN_WAIT);
  g_assert_true(e->status & CT_CLOSE_INIT);
  feed(&t, e, CT_DIR_REPLY, TCP_FLAG_ACK, 4 * SIM_MS, CT_CLOSE_WAIT);
  feed(&t, e, CT_DIR_REPLY, TCP_FLAG_FIN | TCP_FLAG_ACK, 5 * SIM_MS, CT_LAST_ACK);
  feed(&t, e, CT_DIR_ORIGINAL, TCP_FLAG_ACK, 6 * SIM_MS, CT_TIME_WAIT);
  g_assert_cmpuint(t.by_state[CT_TIME_WAIT], ==, 1);
  g_assert_cmpuint(t.count, ==, 1);
  g_assert_true(ct_table_next(&t) == e);
  g_assert_cmpint(ct_table_next_expiry(&t), ==, 6 * SIM_MS + 120 * SIM_S);
  ct_table_clear(&t);
}

/* A new SYN on a flow in TIME_WAIT replaces it; a SYN on an established
 * flow is ignored (netfilter's sIG) and renews nothing. */
static void
test_syn_on_time_wait(void)
{
  CtConfig cfg;
  ct_config_init(&cfg);
  CtTable t;
  ct_table_init(&t, &cfg);
  CtEntry *e = new_flow(&t, &orig, 0);
  feed(&t, e, CT_DIR_REPLY, TCP_FLAG_SYN | TCP_FLAG_ACK, 0, CT_SYN_RECV);
  feed(&t, e, CT_DIR_ORIGINAL, TCP_FLAG_ACK, 0, CT_ESTABLISHED);
  TcpSegment syn = seg(TCP_FLAG_SYN, 5000);
  SimTime before = e->expiry;
  g_assert_cmpint(ct_entry_packet(&t, e, CT_DIR_ORIGINAL, &syn, SIM_S), ==, CT_IGNORE);
  g_assert_cmpint(e->state, ==, CT_ESTABLISHED);
  g_assert_cmpint(e->expiry, ==, before);
  feed(&t, e, CT_DIR_ORIGINAL, TCP_FLAG_FIN | TCP_FLAG_ACK, 0, CT_FIN_WAIT);
  feed(&t, e, CT_DIR_REPLY, TCP_FLAG_FIN | TCP_FLAG_ACK, 0, CT_LAST_ACK);
  feed(&t, e, CT_DIR_ORIGINAL, TCP_FLAG_ACK, 0, CT_TIME_WAIT);
  g_assert_cmpint(ct_entry_packet(&t, e, CT_DIR_ORIGINAL, &syn, SIM_S), ==, CT_REOPEN);
  g_assert_cmpuint(t.c.reopened, ==, 1);
  ct_table_clear(&t);
}

/* A RST before any reply removes the entry; after a reply it moves to
 * CLOSE for 10 s. */
static void
test_rst(void)
{
  CtConfig cfg;
  ct_config_init(&cfg);
  CtTable t;
  ct_table_init(&t, &cfg);
  CtEntry *e = new_flow(&t, &orig, 0);
  TcpSegment rst = seg(TCP_FLAG_RST | TCP_FLAG_ACK, 0);
  g_assert_cmpint(ct_entry_packet(&t, e, CT_DIR_REPLY, &rst, SIM_MS), ==, CT_KILL);
  ct_table_remove(&t, e);
  e = new_flow(&t, &orig, 0);
  feed(&t, e, CT_DIR_REPLY, TCP_FLAG_SYN | TCP_FLAG_ACK, 0, CT_SYN_RECV);
  feed(&t, e, CT_DIR_ORIGINAL, TCP_FLAG_ACK, 0, CT_ESTABLISHED);
  feed(&t, e, CT_DIR_REPLY, TCP_FLAG_RST, SIM_S, CT_CLOSE);
  ct_table_clear(&t);
}

/* A retransmitted SYN renews nothing; a SYN-ACK from the originator is
 * invalid; only a SYN (or, loose, an ACK) starts a flow. */
static void
test_invalid_and_retransmit(void)
{
  CtConfig cfg;
  ct_config_init(&cfg);
  CtTable t;
  ct_table_init(&t, &cfg);
  CtEntry *e = new_flow(&t, &orig, 0);
  TcpSegment syn = seg(TCP_FLAG_SYN, 1000);
  g_assert_cmpint(ct_entry_packet(&t, e, CT_DIR_ORIGINAL, &syn, 3 * SIM_S), ==, CT_ACCEPT);
  g_assert_cmpint(e->expiry, ==, 120 * SIM_S);
  TcpSegment synack = seg(TCP_FLAG_SYN | TCP_FLAG_ACK, 1);
  g_assert_cmpint(ct_entry_packet(&t, e, CT_DIR_ORIGINAL, &synack, 0), ==, CT_INVALID);
  g_assert_cmpint(ct_first_state(&cfg, &synack), ==, CT_STATE_N);
  TcpSegment fin = seg(TCP_FLAG_FIN | TCP_FLAG_ACK, 1);
  g_assert_cmpint(ct_first_state(&cfg, &fin), ==, CT_STATE_N);
  TcpSegment ack = seg(TCP_FLAG_ACK, 1);
  g_assert_cmpint(ct_first_state(&cfg, &ack), ==, CT_ESTABLISHED);
  cfg.loose = FALSE;
  g_assert_cmpint(ct_first_state(&cfg, &ack), ==, CT_STATE_N);
  g_assert_cmpint(ct_first_state(&cfg, &syn), ==, CT_SYN_SENT);
  ct_table_clear(&t);
}

/* A flow picked up mid-stream (loose) waits UNACK, not five days. */
static void
test_pickup(void)
{
  CtConfig cfg;
  ct_config_init(&cfg);
  CtTable t;
  ct_table_init(&t, &cfg);
  CtTuple reply = ct_tuple_invert(&orig);
  CtEntry *e = ct_table_insert(&t, &orig, &reply);
  TcpSegment ack = seg(TCP_FLAG_ACK, 7);
  g_assert_cmpint(ct_entry_packet(&t, e, CT_DIR_ORIGINAL, &ack, 0), ==, CT_ACCEPT);
  g_assert_cmpint(e->state, ==, CT_ESTABLISHED);
  g_assert_cmpint(e->expiry, ==, 300 * SIM_S);
  ct_table_clear(&t);
}

/* Entries of one class expire in the order they were last renewed. */
static void
test_expiry_order(void)
{
  CtConfig cfg;
  ct_config_init(&cfg);
  CtTable t;
  ct_table_init(&t, &cfg);
  CtEntry *a[3];
  for (guint i = 0; i < 3; i++) {
    CtTuple o = orig;
    o.sport = (guint16)(40000 + i);
    a[i] = new_flow(&t, &o, i * SIM_S);
  }
  TcpSegment syn = seg(TCP_FLAG_SYN, 1000);
  /* A retransmitted SYN does not move a[0] back. */
  ct_entry_packet(&t, a[0], CT_DIR_ORIGINAL, &syn, 10 * SIM_S);
  g_assert_true(ct_table_next(&t) == a[0]);
  /* A SYN-ACK moves a[0] into SYN_RECV: 60 s from 10 s, before a[1]. */
  TcpSegment synack = seg(TCP_FLAG_SYN | TCP_FLAG_ACK, 1);
  ct_entry_packet(&t, a[0], CT_DIR_REPLY, &synack, 10 * SIM_S);
  g_assert_true(ct_table_next(&t) == a[0]);
  g_assert_cmpint(ct_table_next_expiry(&t), ==, 70 * SIM_S);
  ct_table_remove(&t, a[0]);
  g_assert_true(ct_table_next(&t) == a[1]);
  ct_table_remove(&t, a[1]);
  g_assert_true(ct_table_next(&t) == a[2]);
  ct_table_clear(&t);
}

/* Full: early drop finds an unassured entry near the new tuple, never an
 * assured one. */
static void
test_early_drop(void)
{
  CtConfig cfg;
  ct_config_init(&cfg);
  cfg.max = 4;
  CtTable t;
  ct_table_init(&t, &cfg);
  for (guint i = 0; i < 4; i++) {
    CtTuple o = orig;
    o.sport = (guint16)(40000 + i);
    CtEntry *e = new_flow(&t, &o, 0);
    feed(&t, e, CT_DIR_REPLY, TCP_FLAG_SYN | TCP_FLAG_ACK, 0, CT_SYN_RECV);
    feed(&t, e, CT_DIR_ORIGINAL, TCP_FLAG_ACK, 0, CT_ESTABLISHED);
  }
  g_assert_true(ct_table_full(&t));
  CtTuple o = orig;
  o.sport = 50000;
  g_assert_null(ct_table_early_drop(&t, &o));
  /* Unassured entries (SYN only) may go. */
  CtTable u;
  ct_table_init(&u, &cfg);
  for (guint i = 0; i < 4; i++) {
    CtTuple x = orig;
    x.sport = (guint16)(40000 + i);
    new_flow(&u, &x, 0);
  }
  guint found = 0;
  for (guint i = 0; i < 64; i++) {
    o.sport = (guint16)(50000 + i);
    found += ct_table_early_drop(&u, &o) != NULL;
  }
  g_assert_cmpuint(found, >, 0);
  ct_table_clear(&t);
  ct_table_clear(&u);
}

/* 20,000 flows in, every other one out, the rest still found both ways. */
static void
test_many(void)
{
  CtConfig cfg;
  ct_config_init(&cfg);
  cfg.max = 0;
  CtTable t;
  ct_table_init(&t, &cfg);
  const guint n = 20000;
  for (guint i = 0; i < n; i++) {
    CtTuple o = { 0x0a000000u + i / 1000, 0xc6336401u, (guint16)(1024 + i % 1000), 80 };
    new_flow(&t, &o, 0);
  }
  for (guint i = 0; i < n; i += 2) {
    CtTuple o = { 0x0a000000u + i / 1000, 0xc6336401u, (guint16)(1024 + i % 1000), 80 };
    CtEntry *e = ct_table_find(&t, &o, NULL);
    g_assert_nonnull(e);
    ct_table_remove(&t, e);
  }
  g_assert_cmpuint(t.count, ==, n / 2);
  g_assert_cmpuint(t.by_state[CT_SYN_SENT], ==, n / 2);
  g_assert_false(t.index.far);     /* the removals found homes from the tags */
  for (guint i = 0; i < n; i++) {
    CtTuple o = { 0x0a000000u + i / 1000, 0xc6336401u, (guint16)(1024 + i % 1000), 80 };
    CtTuple r = ct_tuple_invert(&o);
    guint dir = 9;
    CtEntry *e = ct_table_find(&t, &r, &dir);
    if (i % 2 == 0) {
      g_assert_null(e);
      continue;
    }
    g_assert_nonnull(e);
    g_assert_cmpuint(dir, ==, CT_DIR_REPLY);
    g_assert_cmpuint(e->tuple[CT_DIR_ORIGINAL].sport, ==, o.sport);
  }
  ct_table_clear(&t);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/conntrack/defaults", test_defaults);
  g_test_add_func("/conntrack/lifecycle", test_lifecycle);
  g_test_add_func("/conntrack/syn-on-time-wait", test_syn_on_time_wait);
  g_test_add_func("/conntrack/rst", test_rst);
  g_test_add_func("/conntrack/invalid-and-retransmit", test_invalid_and_retransmit);
  g_test_add_func("/conntrack/pickup", test_pickup);
  g_test_add_func("/conntrack/expiry-order", test_expiry_order);
  g_test_add_func("/conntrack/early-drop", test_early_drop);
  g_test_add_func("/conntrack/many", test_many);
  return g_test_run();
}
