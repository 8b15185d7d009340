/* The network from Lua, through the test build of the command
 * (twsim-test, with twsim_test.send to put hand-made segments on the wire):
 * link:drop predicates, sim.on("segment"), usage errors, traces, pcap files
 * checked by tshark, determinism, and the shipped network scenarios; socket
 * calls that wait and go on. */
#include "twsim-run.h"
#include <glib/gstdio.h>
#include <string.h>

static void
assert_contains(const char *haystack, const char *needle)
{
  if (strstr(haystack, needle) == NULL)
    g_error("expected to find '%s' in:\n%s", needle, haystack);
}

static void
test_drop_third(void)
{
  TwsimResult r = twsim_run("run", "@net-drop-third.lua", NULL);
  g_assert_cmpstr(r.err, ==, "");
  g_assert_cmpint(r.status, ==, 0);
  assert_contains(r.out, "\nrecv 1 2 4 5\n");
  assert_contains(r.out, "\ndrops 3:pred:a\n");
  assert_contains(r.out, "\nstats\t5\t4\t1\t0\n");
  twsim_result_clear(&r);
}

static void
test_drop_flags(void)
{
  TwsimResult r = twsim_run("run", "@net-drop-flags.lua", NULL);
  g_assert_cmpint(r.status, ==, 0);
  assert_contains(r.out, "drop server pred client-server SA 80>40000\n");
  /* The first SYN passes, the SYN-ACK is seen (and dropped) in the other
   * direction, and the client's retransmitted SYN comes next. */
  assert_contains(r.out, "client>server:S server>client:SA client>server:S\n");
  assert_contains(r.out, "connected after 1.0 s\n");
  assert_contains(r.out, "pred drops\t0\t1\n");
  twsim_result_clear(&r);
}

/* s:recv returns what was received when it is the same as the last
 * string it returned, when it differs from it in one byte, and when the
 * string it keeps was replaced by another type (debug.setupvalue); with
 * the sandbox (no debug library, and the memory cap's allocator) too. */
static void
test_recv_same_bytes(void)
{
  const char *modes[] = { NULL, "--sandbox" };
  for (guint i = 0; i < G_N_ELEMENTS(modes); i++) {
    TwsimResult r = twsim_run("run", "@recv-same-bytes.lua", "--quiet", modes[i], NULL);
    g_assert_cmpint(r.status, ==, 0);
    assert_contains(r.out, "recv-same-bytes: 16 of 16 payloads as sent\n");
    g_assert_null(strstr(r.out, "not as sent"));
    twsim_result_clear(&r);
  }
}

/* Writes a scenario to a temporary file; returns its path. */
static char *
scenario(const char *name, const char *text)
{
  char *path = twsim_temp_path(name);
  g_assert_true(g_file_set_contents(path, text, -1, NULL));
  return path;
}

#define PRELUDE "local a = sim.host('a', {addr = '10.0.0.1'})\n" \
                "local b = sim.host('b', {addr = '10.0.0.2'}) " \
                "twsim_test.raw(a) twsim_test.raw(b)\n"

/* Socket calls that wait pick up where they left off: a string and a
 * count sent in one call each, through several waits for room, arrive
 * whole; recv(max) takes at most max after a wait; and a second process
 * refused on a socket another one waits on leaves that wait as it was. */
static void
test_socket_waits(void)
{
  TwsimResult r = twsim_run("run", "@socket-waits.lua", NULL);
  g_assert_cmpint(r.status, ==, 2);
  assert_contains(r.out, "\nsecond process:\tfalse\t");
  assert_contains(r.out, "s:recv: another process is already blocked on this socket\n");
  assert_contains(r.out, "\nsent 200000 and 50000 bytes in ");
  assert_contains(r.out, "\nreceived 250000 bytes in 86 reads of at most 3000: as sent\n");
  assert_contains(r.err, "socket-waits.lua:47: s:recv: another process is already blocked");
  twsim_result_clear(&r);
}

static void
test_usage_errors(void)
{
  static const struct { const char *code, *says; } cases[] = {
    { "sim.host('c', {adr = '10.0.0.3'})", "sim.host: unknown option 'adr'" },
    { "sim.host('c', {addr = '10.0.0.300'})", "bad IPv4 address '10.0.0.300'" },
    { "sim.host('c', {addr = {'10.0.0.3', 7}})", "addr[2]" },
    { "sim.host('a', {addr = '10.0.0.3'})", "'a' already exists" },
    { "sim.host('c', {addr = '10.0.0.2'})", "10.0.0.2 is already b's" },
    { "sim.host('c', {profile = 3})", "profile" },
    { "sim.host(3)", "sim.host: expected a name" },
    { "sim.router('a')", "'a' already exists" },
    { "sim.router('r', {x = 1})", "sim.router: unknown option 'x'" },
    { "sim.link(a, a)", "to itself" },
    { "sim.link(a, 'b')", "argument 2" },
    { "sim.link(a, b, {loss = 1.5})", "loss: 1.5 is outside [0, 1]" },
    { "sim.link(a, b, {loss = {ab = 0.1, ba = -0.1}})", "loss.ba" },
    { "sim.link(a, b, {loss = {ab = 0.1, xx = 0.2}})", "unknown option 'xx'" },
    { "sim.link(a, b, {loss = {p = 0.1}})", "needs p and r" },
    { "sim.link(a, b, {loss = {p = 0.1, r = 0.5, q = 1}})", "unknown option 'q'" },
    { "sim.link(a, b, {loss = {p = 0.1, r = 2}})", "loss.r" },
    { "sim.link(a, b, {delay = '-1ms'})", "delay" },
    { "sim.link(a, b, {delay = -0.5})", "delay" },
    { "sim.link(a, b, {jitter = {ab = '1ms', ba = 'soon'}})", "jitter.ba" },
    { "sim.link(a, b, {rate = 'fast'})", "rate" },
    { "sim.link(a, b, {queue = -1})", "queue" },
    { "sim.link(a, b, {queue = 1.5})", "queue" },
    { "sim.link(a, b, {mtu = 10})", "mtu" },
    { "sim.link(a, b, {dup = 'x'})", "dup" },
    { "sim.link(a, b, {reorder = {p = 0.1, delay = 'x'}})", "reorder.delay" },
    { "sim.link(a, b, {colour = 'red'})", "sim.link: unknown option 'colour'" },
    { "sim.link(a, b):drop(5)", "link:drop: expected a function" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    char *text = g_strconcat(PRELUDE, cases[i].code, "\n", NULL);
    char *path = scenario("bad.lua", text);
    TwsimResult r = twsim_run("run", path, NULL);
    g_test_message("%s -> %s", cases[i].code, r.err);
    g_assert_cmpint(r.status, ==, 2);
    assert_contains(r.err, cases[i].says);
    assert_contains(r.err, "bad.lua:3:");          /* names the line */
    g_assert_cmpstr(strchr(r.err, '\n'), ==, "\n");  /* one line */
    twsim_result_clear(&r);
    g_free(text);
    g_free(path);
  }
}

static void
test_callback_errors(void)
{
  char *path = scenario("pred-error.lua", PRELUDE
    "sim.link(a, b):drop(function(seg) error('boom in predicate') end)\n"
    "sim.at(1, function() twsim_test.send(a, {to = b}) end)\n"
    "sim.run()\n");
  TwsimResult r = twsim_run("run", path, NULL);
  g_assert_cmpint(r.status, ==, 1);
  assert_contains(r.err, "pred-error.lua:3: boom in predicate");
  twsim_result_clear(&r);
  g_free(path);
  path = scenario("obs-error.lua", PRELUDE
    "sim.link(a, b)\n"
    "sim.on('segment', function(ev) local x = nil; return x.y end)\n"
    "sim.at(1, function() twsim_test.send(a, {to = b}) end)\n"
    "sim.run()\n");
  r = twsim_run("run", path, NULL);
  g_assert_cmpint(r.status, ==, 1);
  assert_contains(r.err, "obs-error.lua:4:");
  assert_contains(r.err, "t=1.000000000");
  twsim_result_clear(&r);
  g_free(path);
}

static void
test_observer_fields(void)
{
  char *path = scenario("fields.lua", PRELUDE
    "local r = sim.router('r')\n"
    "sim.link(a, r, {delay = '1ms'}); sim.link(r, b, {delay = '1ms', mtu = 100})\n"
    "sim.on('segment', function(ev)\n"
    "  local k = {}\n"
    "  for _, f in ipairs{'host','time','event','reason','link','from','to','sport','dport','seq','ack','len','win','flags'} do\n"
    "    k[#k + 1] = f .. '=' .. tostring(ev[f])\n"
    "  end\n"
    "  print(table.concat(k, ' '))\n"
    "end)\n"
    "sim.at(0.5, function()\n"
    "  twsim_test.send(a, {to = b, sport = 1, dport = 2, seq = 3, ack = 4, win = 5, flags = 'FA', len = 10})\n"
    "  twsim_test.send(a, {to = b, sport = 1, dport = 2, seq = 13, flags = 'A', len = 100})\n"
    "  twsim_test.send(a, {to = '10.9.9.9'})\n"
    "end)\n"
    "sim.run()\n");
  TwsimResult r = twsim_run("run", path, NULL);
  g_assert_cmpint(r.status, ==, 0);
  assert_contains(r.out, "host=a time=0.5 event=send reason=nil link=nil from=a to=b "
                  "sport=1 dport=2 seq=3 ack=4 len=10 win=5 flags=FA\n");
  assert_contains(r.out, "host=b time=0.502 event=recv reason=nil link=nil from=a to=b "
                  "sport=1 dport=2 seq=3 ack=4 len=10 win=5 flags=FA\n");
  assert_contains(r.out, "host=r time=0.501 event=drop reason=mtu link=r-b from=a to=b "
                  "sport=1 dport=2 seq=13 ack=0 len=100 win=0 flags=A\n");
  assert_contains(r.out, "host=a time=0.5 event=drop reason=noroute link=nil from=a "
                  "to=10.9.9.9 ");
  twsim_result_clear(&r);
  g_free(path);
}

static void
test_trace(void)
{
  char *text = twsim_temp_path("trace.txt"), *json = twsim_temp_path("trace.jsonl");
  TwsimResult r = twsim_run("run", "@net-handshake.lua", "--trace", text, NULL);
  g_assert_cmpint(r.status, ==, 0);
  twsim_result_clear(&r);
  r = twsim_run("run", "@net-handshake.lua", "--trace", json, "--trace-format", "jsonl", NULL);
  g_assert_cmpint(r.status, ==, 0);
  twsim_result_clear(&r);
  char *t = twsim_read_file(text, NULL), *j = twsim_read_file(json, NULL);
  assert_contains(t, "0.010000000 send client ev=2 src=10.0.0.1:40000 dst=10.0.1.1:80 "
                  "flags=S seq=1000 ack=0 win=64240 len=0 ttl=64\n");
  assert_contains(t, "0.013005280 recv server ev=4 src=10.0.0.1:40000 dst=10.0.1.1:80 "
                  "flags=S seq=1000 ack=0 win=64240 len=0 ttl=63\n");
  assert_contains(j, "{\"t\":0.010000000,\"kind\":\"send\",\"host\":\"client\",\"ev\":2,"
                  "\"src\":\"10.0.0.1:40000\",\"dst\":\"10.0.1.1:80\",\"flags\":\"S\","
                  "\"seq\":1000,\"ack\":0,\"win\":64240,\"len\":0,\"ttl\":64}\n");
  /* The ten hand-made segments and whatever the hosts' TCP answers: on a
   * clean path every packet sent is received. */
  char **lines = g_strsplit(t, "\n", -1);
  guint sends = 0, recvs = 0;
  for (char **l = lines; *l; l++) {
    if (strstr(*l, " send ")) sends++;
    if (strstr(*l, " recv ")) recvs++;
  }
  g_assert_cmpuint(sends, >=, 10);
  g_assert_cmpuint(sends, ==, recvs);
  g_strfreev(lines);
  g_free(t);
  g_free(j);
  g_free(text);
  g_free(json);
}

/* Runs tshark on a capture with checksum checks on; returns its stdout. */
static char *
tshark(const char *pcap, const char *extra1, const char *extra2)
{
  const char *bin = g_getenv("TSHARK");
  const char *argv[] = { bin, "-r", pcap, "-o", "ip.check_checksum:TRUE",
                         "-o", "tcp.check_checksum:TRUE", extra1, extra2, NULL };
  char *out = NULL, *err = NULL;
  int status = 0;
  GError *error = NULL;
  g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                             &out, &err, &status, &error));
  g_assert_no_error(error);
  g_assert_true(g_spawn_check_wait_status(status, NULL));
  g_free(err);
  return out;
}

static gboolean
have_tshark(void)
{
  const char *bin = g_getenv("TSHARK");
  if (bin && *bin) return TRUE;
  g_test_skip("tshark not found");
  return FALSE;
}

static const char bad_filter[] =
  "_ws.malformed || _ws.expert.severity >= warning || "
  "ip.checksum.status != 1 || tcp.checksum.status != 1";

static void
test_pcap_tshark(void)
{
  if (!have_tshark()) return;
  char *pcap = twsim_temp_path("all.pcap");
  TwsimResult r = twsim_run("run", "@net-handshake.lua", "--pcap", pcap, NULL);
  g_assert_cmpint(r.status, ==, 0);
  twsim_result_clear(&r);
  char *bad = tshark(pcap, "-Y", bad_filter);
  g_assert_cmpstr(bad, ==, "");
  g_free(bad);
  const char *bin = g_getenv("TSHARK");
  const char *argv[] = { bin, "-r", pcap, "-o", "ip.check_checksum:TRUE",
                         "-o", "tcp.check_checksum:TRUE", "-T", "fields",
                         "-e", "frame.time_epoch", "-e", "ip.ttl", "-e", "ip.id",
                         "-e", "ip.flags.df", "-e", "tcp.flags", "-e", "tcp.len",
                         "-e", "ip.checksum.status", "-e", "tcp.checksum.status", NULL };
  char *out = NULL;
  int status;
  g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL,
                             NULL, NULL, &out, NULL, &status, NULL));
  char **lines = g_strsplit(out, "\n", -1);
  g_assert_cmpuint(g_strv_length(lines), ==, 11);   /* ten packets, each once */
  assert_contains(lines[0], "0.010000000");
  assert_contains(lines[0], "\t64\t0x0000\t1\t0x0002\t");  /* TTL 64, first ID, DF, SYN */
  assert_contains(lines[1], "\t64\t0x0000\t1\t0x0012\t");  /* the server's first ID */
  assert_contains(lines[2], "\t64\t0x0001\t1\t0x0010\t");  /* the client's second */
  assert_contains(lines[0], "\t0\t1\t1");              /* len 0, checksums good */
  assert_contains(lines[3], "\t18\t1\t1");             /* the request's 18 bytes */
  assert_contains(lines[5], "\t100\t1\t1");
  g_strfreev(lines);
  g_free(out);
  g_free(pcap);

  /* "--pcap -": the capture alone on stdout, no text mixed in. */
  TwsimResult r2 = twsim_run("run", "@net-handshake.lua", "--pcap", "-", NULL);
  g_assert_cmpint(r2.status, ==, 0);
  g_assert_cmpmem(r2.out, 4, "\x4d\x3c\xb2\xa1", 4);
  twsim_result_clear(&r2);
}

/* --pcap-at: only the server's view, with received packets' TTL as they
 * arrive (one router on the way), and every frame good. */
static void
test_pcap_at(void)
{
  if (!have_tshark()) return;
  char *pcap = twsim_temp_path("at.pcap");
  TwsimResult r = twsim_run("run", "@net-handshake.lua", "--pcap", pcap,
                            "--pcap-at", "server", NULL);
  g_assert_cmpint(r.status, ==, 0);
  twsim_result_clear(&r);
  char *bad = tshark(pcap, "-Y", bad_filter);
  g_assert_cmpstr(bad, ==, "");
  g_free(bad);
  char *ttl63 = tshark(pcap, "-Y", "ip.ttl == 63 && ip.dst == 10.0.1.1");
  char **lines = g_strsplit(ttl63, "\n", -1);
  g_assert_cmpuint(g_strv_length(lines), ==, 6);    /* five received */
  g_strfreev(lines);
  g_free(ttl63);
  char *sent = tshark(pcap, "-Y", "ip.ttl == 64 && ip.src == 10.0.1.1");
  lines = g_strsplit(sent, "\n", -1);
  g_assert_cmpuint(g_strv_length(lines), ==, 6);    /* five sent */
  g_strfreev(lines);
  g_free(sent);

  r = twsim_run("run", "@net-handshake.lua", "--pcap", pcap, "--pcap-at", "nobody", NULL);
  g_assert_cmpint(r.status, ==, 2);
  assert_contains(r.err, "--pcap-at: no host named 'nobody'");
  twsim_result_clear(&r);
  r = twsim_run("run", "@net-handshake.lua", "--pcap-at", "server", NULL);
  g_assert_cmpint(r.status, ==, 2);
  assert_contains(r.err, "--pcap-at: given without --pcap");
  twsim_result_clear(&r);
  g_free(pcap);
}

/* Lost packets are in the capture (written as the sender puts them on the
 * wire); the same seed gives the same bytes; an invalid run leaves none. */
static void
test_pcap_lossy_and_deterministic(void)
{
  char *path = scenario("lossy.lua", PRELUDE
    "local l = sim.link(a, b, {delay = '1ms', rate = '10Mbps', loss = 0.3, jitter = '1ms'})\n"
    "for i = 1, 200 do sim.at(i / 1000, function()\n"
    "  twsim_test.send(a, {to = b, sport = 5, dport = 6, seq = i * 100, flags = 'A', len = 100})\n"
    "end) end\n"
    "sim.run()\n"
    "local s = l:stats().ab\n"
    "print('sent', s.sent, 'lost', s.lost, 'delivered', s.delivered)\n");
  char *p1 = twsim_temp_path("l1.pcap"), *p2 = twsim_temp_path("l2.pcap");
  TwsimResult r1 = twsim_run("run", path, "--pcap", p1, "--seed", "9", NULL);
  TwsimResult r2 = twsim_run("run", path, "--pcap", p2, "--seed", "9", NULL);
  g_assert_cmpint(r1.status, ==, 0);
  g_assert_cmpstr(r1.out, ==, r2.out);
  gsize n1, n2;
  char *b1 = twsim_read_file(p1, &n1), *b2 = twsim_read_file(p2, &n2);
  g_assert_cmpmem(b1, n1, b2, n2);
  g_assert_cmpuint(n1, ==, 24 + 200 * (16 + 140));   /* every packet, lost or not */
  g_assert_cmphex(((guint8 *)b1)[0], ==, 0x4d);        /* 0xa1b23c4d, little-endian */
  g_assert_cmphex(((guint8 *)b1)[3], ==, 0xa1);
  g_assert_cmphex(((guint8 *)b1)[20], ==, 101);        /* LINKTYPE_RAW */
  assert_contains(r1.out, "sent\t200\tlost\t");
  g_assert_null(strstr(r1.out, "lost\t0\t"));
  twsim_result_clear(&r2);
  r2 = twsim_run("run", path, "--pcap", p2, "--seed", "10", NULL);
  g_assert_cmpstr(r1.out, !=, r2.out);                 /* another seed, other losses */
  twsim_result_clear(&r1);
  twsim_result_clear(&r2);
  g_free(b1);
  g_free(b2);

  char *bad = scenario("invalid.lua", PRELUDE "sim.link(a, b)\nsim.link(a, b, {loss = 7})\n");
  char *p3 = twsim_temp_path("l3.pcap");
  r1 = twsim_run("run", bad, "--pcap", p3, NULL);
  g_assert_cmpint(r1.status, ==, 2);
  g_assert_false(g_file_test(p3, G_FILE_TEST_EXISTS));
  twsim_result_clear(&r1);
  g_free(p1); g_free(p2); g_free(p3); g_free(path); g_free(bad);
}

static void
test_shipped_scenarios(void)
{
  static const char *const names[] = { "%lossy-link.lua", "%routed.lua" };
  for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
    TwsimResult r = twsim_run("run", names[i], NULL);
    g_test_message("%s:\n%s%s", names[i], r.out, r.err);
    g_assert_cmpint(r.status, ==, 0);
    g_assert_cmpstr(r.err, ==, "");
    if (i == 1) {
      assert_contains(r.out, "client1 -> web: client1 -> edge -> core1 -> dc -> web (3 routers");
      assert_contains(r.out, "web -> client1: web -> dc -> core1 -> edge -> client1");
      assert_contains(r.out, "db -> web leaves by web from 192.168.2.20");
      assert_contains(r.out, "client1 -> 10.99.0.1: nil\n");
    }
    twsim_result_clear(&r);
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/netlua/drop/third", test_drop_third);
  g_test_add_func("/netlua/drop/flags", test_drop_flags);
  g_test_add_func("/netlua/socket-waits", test_socket_waits);
  g_test_add_func("/netlua/recv-same-bytes", test_recv_same_bytes);
  g_test_add_func("/netlua/usage-errors", test_usage_errors);
  g_test_add_func("/netlua/callback-errors", test_callback_errors);
  g_test_add_func("/netlua/observer-fields", test_observer_fields);
  g_test_add_func("/netlua/trace", test_trace);
  g_test_add_func("/netlua/pcap/tshark", test_pcap_tshark);
  g_test_add_func("/netlua/pcap/at-host", test_pcap_at);
  g_test_add_func("/netlua/pcap/lossy-deterministic", test_pcap_lossy_and_deterministic);
  g_test_add_func("/netlua/scenarios", test_shipped_scenarios);
  return g_test_run();
}
