/* Test harness for the TCP stack: a host whose segments the test reads
 * and writes by hand (raw mode, packetdrill/smoltcp style), or two hosts
 * joined back to back by a fixed delay with a drop predicate (net mode).
 * Packets travel as engine events; nothing else is simulated. */
#pragma once
#include "engine.h"
#include "rng.h"
#include "tcp-stack.h"

typedef struct TestNet TestNet;

typedef struct {
  TestNet    *net;
  TcpStack   *stack;
  NetAddr     addr;
  const char *name;
  GQueue      tx;           /* raw mode: Packets sent, oldest first */
  GString    *states;       /* "FROM>TO;" per state change */
} TestHost;

/* A segment seen on the wire (net mode), for timing assertions. */
typedef struct {
  SimTime time;
  int     from;             /* 0: a -> b, 1: b -> a */
  guint8  flags;
  guint32 seq, ack, len;
} TestWire;

struct TestNet {
  SimEngine *engine;
  TestHost   host[2];
  SimTime    delay;
  gboolean (*drop)(TestNet *net, int from, const Packet *pkt, gpointer ud);
  gpointer   drop_ud;
  GArray    *wire;          /* TestWire, every segment sent */
  SimRng    *chaos;         /* when set: jitter and duplicates drawn here */
  SimTime    jitter;        /* extra delay, uniform in [0, jitter) */
  double     dup;           /* probability a packet is delivered twice */
  gboolean   raw;           /* host[1] is played by the test */
  guint64    check_credit;  /* invariant checks (tcp-check.h): objects */
  guint64    check_size;    /* walked by the last full check */
  TcpConnPool *pool;        /* the two stacks' freed connections, shared as in a run */
};

#define TEST_ADDR_A 0x0a000001u   /* 10.0.0.1 */
#define TEST_ADDR_B 0x0a000002u   /* 10.0.0.2 */

/* raw: only host[0] has a stack; its segments queue in host[0].tx. */
TestNet *
test_net_new(gboolean raw, SimTime delay);
/* The same, with both stacks writing state records to `trace`. */
TestNet *
test_net_new_traced(gboolean raw, SimTime delay, SimTrace *trace);
void
test_net_free(TestNet *net);

/* Runs the engine to absolute time t. */
void
test_net_run_until(TestNet *net, SimTime t);

/* Raw mode: the test's peer sends a segment to host[0]. */
void
test_send(TestNet *net, guint16 sport, guint16 dport, guint8 flags,
          guint32 seq, guint32 ack, guint32 len);
void
test_send_seg(TestNet *net, const TcpSegment *seg);

/* Raw mode: pops the next segment host[0] sent (NULL if none).  Caller
 * frees with packet_free. */
Packet *
test_pop_tx(TestNet *net);

/* Raw mode: pops the next segment host[0] sent and fails the test unless
 * it has `flags` (PSH aside: where a stack sets it is its own choice) and
 * the given seq and ack (each checked unless G_MAXUINT32).  Caller frees. */
Packet *
test_expect_tx(TestNet *net, guint8 flags, guint32 seq, guint32 ack);

/* Counts segments in the wire log from `from` with all of `flags` set. */
guint
test_wire_count(TestNet *net, int from, guint8 flags);
