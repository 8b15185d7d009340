/* The packetdrill script parser (sim/pkt/pkt-parse.c): what each kind of
 * line becomes, and malformed scripts named by file, line and token. */
#include "pkt-script.h"
#include "segment.h"
#include "simerror.h"

static PktScript *
parse_ok(const char *text)
{
  GError *error = NULL;
  PktScript *s = pkt_script_parse("t.pkt", text, &error);
  g_assert_no_error(error);
  g_assert_nonnull(s);
  return s;
}

static PktEvent *
event(PktScript *s, guint i)
{
  g_assert_cmpuint(i, <, s->events->len);
  return s->events->pdata[i];
}

static void
test_times(void)
{
  PktScript *s = parse_ok("0 close(3) = 0\n+.01 close(3) = 0\n* > . 1:1(0) ack 1\n"
                          "1.5~2 > . 1:1(0)\n+.21~+.215 > P. 1:41(40) ack 1\n");
  g_assert_cmpint(event(s, 0)->time_kind, ==, PKT_TIME_ABS);
  g_assert_cmpint(event(s, 0)->time, ==, 0);
  g_assert_cmpint(event(s, 1)->time_kind, ==, PKT_TIME_REL);
  g_assert_cmpint(event(s, 1)->time, ==, 10 * SIM_MS);
  g_assert_cmpint(event(s, 2)->time_kind, ==, PKT_TIME_ANY);
  g_assert_cmpint(event(s, 3)->time_kind, ==, PKT_TIME_RANGE_ABS);
  g_assert_cmpint(event(s, 3)->time, ==, 1500 * SIM_MS);
  g_assert_cmpint(event(s, 3)->time_end, ==, 2 * SIM_S);
  g_assert_cmpint(event(s, 4)->time_kind, ==, PKT_TIME_RANGE_REL);
  g_assert_cmpint(event(s, 4)->time_end, ==, 215 * SIM_MS);
  g_assert_cmpint(event(s, 4)->line, ==, 5);
  pkt_script_free(s);
}

static void
test_packets(void)
{
  PktScript *s = parse_ok(
    "+0 < S 0:0(0) win 32792 <mss 1000,sackOK,nop,nop,nop,wscale 7>\n"
    "+0 > S. 0:0(0) ack 1 <...>\n"
    "+0 < P. 1:1001(1000) ack 1 win 257 <nop,nop,TS val 200 ecr 100,sack 5:6 7:8>\n"
    "+0 < - 1:1(0) win 0\n+0 > R 2:2(0)\n+0 < FEW 1:1(0) urg 3 win 1\n");
  PktPacket *p = &event(s, 0)->pkt;
  g_assert_true(p->inbound);
  g_assert_cmpuint(p->flags, ==, TCP_FLAG_SYN);
  g_assert_true(p->has_win && p->win == 32792 && !p->has_ack);
  g_assert_cmpuint(p->opts->len, ==, 6);
  PktTcpOpt *o = &g_array_index(p->opts, PktTcpOpt, 0);
  g_assert_cmpint(o->kind, ==, PKT_OPT_MSS);
  g_assert_cmpuint(o->a, ==, 1000);
  g_assert_cmpint(g_array_index(p->opts, PktTcpOpt, 5).kind, ==, PKT_OPT_WSCALE);
  p = &event(s, 1)->pkt;
  g_assert_false(p->inbound);
  g_assert_cmpuint(p->flags, ==, TCP_FLAG_SYN | TCP_FLAG_ACK);
  g_assert_true(p->opts_any && p->has_ack && p->ack == 1);
  p = &event(s, 2)->pkt;
  g_assert_cmpuint(p->flags, ==, TCP_FLAG_PSH | TCP_FLAG_ACK);
  g_assert_cmpuint(p->seq, ==, 1);
  g_assert_cmpuint(p->end, ==, 1001);
  g_assert_cmpuint(p->len, ==, 1000);
  o = &g_array_index(p->opts, PktTcpOpt, 2);
  g_assert_cmpint(o->kind, ==, PKT_OPT_TS);
  g_assert_cmpuint(o->a, ==, 200);
  g_assert_cmpuint(o->b, ==, 100);
  o = &g_array_index(p->opts, PktTcpOpt, 3);
  g_assert_cmpint(o->kind, ==, PKT_OPT_SACK);
  g_assert_cmpuint(o->n_blocks, ==, 2);
  g_assert_cmpuint(o->blocks[3], ==, 8);
  g_assert_cmpuint(event(s, 3)->pkt.flags, ==, 0);
  g_assert_cmpuint(event(s, 4)->pkt.flags, ==, TCP_FLAG_RST);
  g_assert_null(event(s, 4)->pkt.opts);
  g_assert_cmpuint(event(s, 5)->pkt.flags, ==, TCP_FLAG_FIN | TCP_FLAG_ECE | TCP_FLAG_CWR);
  g_assert_true(event(s, 5)->pkt.has_urg);
  pkt_script_free(s);
}

static void
test_syscalls(void)
{
  PktScript *s = parse_ok(
    "--tolerance_usecs=10000\n`../common/defaults.sh`\n"
    "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
    "+.1...0.200 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)\n"
    "+0 setsockopt(3, SOL_SOCKET, SO_LINGER, {onoff=1, linger=0}, 8) = 0\n"
    "+0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0\n"
    "+0 sendmsg(4, {msg_name(...)=...,\n msg_iov(1)=[{..., 40}], msg_flags=0}, MSG_MORE) = 40\n"
    "+0 %{ assert tcpi_state == 1 }%\n");
  g_assert_cmpstr(pkt_script_option(s, "tolerance_usecs", NULL), ==, "10000");
  g_assert_cmpint(event(s, 0)->kind, ==, PKT_EV_COMMAND);
  g_assert_cmpstr(event(s, 0)->text, ==, "../common/defaults.sh");
  PktSyscall *c = &event(s, 1)->call;
  g_assert_cmpstr(c->name, ==, "socket");
  g_assert_cmpuint(c->args->len, ==, 3);
  g_assert_cmpint(((PktExpr *)c->args->pdata[0])->kind, ==, PKT_EXPR_ELLIPSIS);
  g_assert_cmpint(c->result->num, ==, 3);
  c = &event(s, 2)->call;
  g_assert_true(c->blocking);
  g_assert_cmpint(c->end, ==, 200 * SIM_MS);
  g_assert_cmpint(c->result->num, ==, -1);
  g_assert_cmpstr(c->errno_name, ==, "EINPROGRESS");
  c = &event(s, 3)->call;
  PktExpr *linger = c->args->pdata[3];
  g_assert_cmpint(linger->kind, ==, PKT_EXPR_STRUCT);
  g_assert_cmpint(((PktExpr *)linger->items->pdata[0])->kind, ==, PKT_EXPR_ASSIGN);
  c = &event(s, 4)->call;
  g_assert_cmpint(((PktExpr *)c->args->pdata[2])->kind, ==, PKT_EXPR_OR);
  g_assert_cmpint(event(s, 5)->kind, ==, PKT_EV_SYSCALL);
  g_assert_cmpint(event(s, 6)->kind, ==, PKT_EV_CODE);
  g_assert_cmpint(event(s, 6)->line, ==, 9);
  pkt_script_free(s);
}

static void
test_unsupported_packets(void)
{
  PktScript *s = parse_ok("0 < udp (1000)\n+0 > (ect0) S 0:0(0)\n+0 < 1>2 S 0:0(0) win 1\n");
  for (guint i = 0; i < 3; i++) g_assert_cmpint(event(s, i)->kind, ==, PKT_EV_UNSUPPORTED);
  g_assert_cmpint(event(s, 2)->line, ==, 3);
  pkt_script_free(s);
}

/* Malformed scripts: one error naming the file, the line and the token. */
static void
test_malformed(void)
{
  static const struct { const char *text, *message; } cases[] = {
    { "0 < S 0:0(0)\n+0 > Q 0:0(0)\n", "t.pkt:2: expected TCP flags (S, F, R, P, E, W, U, '.' or '-'), got 'Q'" },
    { "0 < S 0:5(0) win 1\n", "t.pkt:1: expected START:END(LEN) with END - START = LEN, got ')'" },
    { "\n\n0 close(3 = 0\n", "t.pkt:3: expected ')', got '='" },
    { "0 close(3) 0\n", "t.pkt:1: expected '=', got '0'" },
    { "0 < S 0:0(0) <mss>\n", "t.pkt:1: expected the MSS, got '>'" },
    { "0 < S 0:0(0) win 70000\n", "t.pkt:1: expected a window of at most 65535, got '70000'" },
    { "0 < S 0:0(0) <bogus 1>\n", "t.pkt:1: expected a TCP option (nop, eol, mss, wscale, sackOK, sack, TS), got 'bogus'" },
    { "hello\n", "t.pkt:1: expected a time, got 'hello'" },
    { "0 \"str\"\n", "t.pkt:1: expected a packet ('<' or '>'), a system call, a `command` or a %{ code }% block, got \"str\"" },
    { "0 close(\"abc) = 0\n", "t.pkt:1: unterminated string" },
    { "0 %{ assert 1\n", "t.pkt:1: unterminated %{ code block: no }%" },
    { "1~0.5 close(3) = 0\n", "t.pkt:1: expected a range whose end is not before its start, got '0.5'" },
    { "0 close(3) = 0\n\x01\n", "t.pkt:2: expected a time, got byte 0x01" },
    { "0 < S 0:0(0) <sack>\n", "t.pkt:1: expected a SACK block START:END, got '>'" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    GError *error = NULL;
    PktScript *s = pkt_script_parse("t.pkt", cases[i].text, &error);
    g_assert_null(s);
    g_assert_error(error, SIM_ERROR, SIM_ERROR_INVALID);
    g_assert_cmpstr(error->message, ==, cases[i].message);
    g_error_free(error);
  }
}

/* Random bytes and random splices of a real script never crash the parser:
 * each gives a script or one error that names t.pkt and a line. */
static void
test_garbage(void)
{
  static const char base[] =
    "--tolerance_usecs=4000\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
    "+0 < S 0:0(0) win 1000 <mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7>\n"
    "+0 > S. 0:0(0) ack 1 <...>\n+.1...0.2 read(4, ..., 10) = -1 EAGAIN (x)\n"
    "+0 %{ assert tcpi_rto == 1 }%\n`sysctl -q a=b`\n";
  GRand *rand = g_rand_new_with_seed(7);
  for (int round = 0; round < 3000; round++) {
    GString *text = g_string_new(NULL);
    if (round % 2) {
      for (int i = g_rand_int_range(rand, 0, 200); i > 0; i--)
        g_string_append_c(text, (char)g_rand_int_range(rand, 1, 256));
    } else {
      g_string_append(text, base);
      for (int i = g_rand_int_range(rand, 1, 6); i > 0; i--) {
        gsize at = (gsize)g_rand_int_range(rand, 0, (gint32)text->len);
        gsize from = (gsize)g_rand_int_range(rand, 0, (gint32)sizeof base - 1);
        gsize n = (gsize)g_rand_int_range(rand, 0, 12);
        g_string_erase(text, (gssize)at, (gssize)MIN(n, text->len - at));
        g_string_insert_len(text, (gssize)at, base + from, (gssize)MIN(n, sizeof base - 1 - from));
      }
    }
    GError *error = NULL;
    PktScript *s = pkt_script_parse("t.pkt", text->str, &error);
    if (s == NULL) {
      g_assert_nonnull(error);
      g_assert_true(g_str_has_prefix(error->message, "t.pkt:"));
      g_error_free(error);
    }
    pkt_script_free(s);
    g_string_free(text, TRUE);
  }
  g_rand_free(rand);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/pkt-parse/times", test_times);
  g_test_add_func("/pkt-parse/packets", test_packets);
  g_test_add_func("/pkt-parse/syscalls", test_syscalls);
  g_test_add_func("/pkt-parse/unsupported-packets", test_unsupported_packets);
  g_test_add_func("/pkt-parse/malformed", test_malformed);
  g_test_add_func("/pkt-parse/garbage", test_garbage);
  return g_test_run();
}
