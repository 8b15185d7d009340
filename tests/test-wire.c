/* Wire encoding: IPv4 + TCP bytes, Linux's option layout, checksums, and
 * the round trip through the decoder. */
#include "wire.h"
#include <string.h>

static Packet *
make_packet(guint8 opts, guint32 payload, gboolean real)
{
  Packet *p = packet_alloc();
  p->src = 0x0a000001;
  p->dst = 0xc0a80107;
  p->ttl = 61;
  p->ip_id = 0xbeef;
  TcpSegment *s = &p->tcp;
  s->sport = 43210; s->dport = 80;
  s->seq = 0xdeadbeef; s->ack = 0x01020304;
  s->flags = TCP_FLAG_SYN | TCP_FLAG_ACK;
  s->opts = opts;
  s->win = 64240; s->urg = 0;
  s->mss = 1460; s->wscale = 7;
  s->ts_val = 123456789; s->ts_ecr = 987654321;
  if (opts & TCP_OPT_SACK) {
    /* As many blocks as fit beside the other options. */
    s->n_sack = (opts & TCP_OPT_TS) ? 3 : TCP_SACK_MAX;
    for (guint i = 0; i < s->n_sack; i++)
      s->sack[i] = (TcpSackBlock){ 0xfffff000u + 3000 * i, 0xfffff000u + 3000 * i + 1448 };
  }
  if (payload) {
    if (real) {
      guint8 *bytes = g_malloc(payload);
      for (guint32 i = 0; i < payload; i++) bytes[i] = (guint8)(i * 7 + 3);
      s->payload.buf = net_buf_new(bytes, payload);
      g_free(bytes);
    }
    s->payload.len = payload;
  }
  return p;
}

static void
assert_same(const Packet *a, const Packet *b)
{
  g_assert_cmphex(a->src, ==, b->src);
  g_assert_cmphex(a->dst, ==, b->dst);
  g_assert_cmpuint(a->ttl, ==, b->ttl);
  g_assert_cmpuint(a->ip_id, ==, b->ip_id);
  const TcpSegment *x = &a->tcp, *y = &b->tcp;
  g_assert_cmpuint(x->sport, ==, y->sport);
  g_assert_cmpuint(x->dport, ==, y->dport);
  g_assert_cmpuint(x->seq, ==, y->seq);
  g_assert_cmpuint(x->ack, ==, y->ack);
  g_assert_cmpuint(x->flags, ==, y->flags);
  g_assert_cmpuint(x->opts, ==, y->opts);
  g_assert_cmpuint(x->win, ==, y->win);
  if (x->opts & TCP_OPT_MSS) g_assert_cmpuint(x->mss, ==, y->mss);
  if (x->opts & TCP_OPT_WSCALE) g_assert_cmpuint(x->wscale, ==, y->wscale);
  if (x->opts & TCP_OPT_TS) {
    g_assert_cmpuint(x->ts_val, ==, y->ts_val);
    g_assert_cmpuint(x->ts_ecr, ==, y->ts_ecr);
  }
  if (x->opts & TCP_OPT_SACK) {
    g_assert_cmpuint(x->n_sack, ==, y->n_sack);
    g_assert_cmpmem(x->sack, x->n_sack * sizeof *x->sack, y->sack, y->n_sack * sizeof *y->sack);
  }
  g_assert_cmpuint(x->payload.len, ==, y->payload.len);
  guint8 *bx = g_malloc(x->payload.len + 1), *by = g_malloc(y->payload.len + 1);
  net_slice_copy(&x->payload, bx);
  net_slice_copy(&y->payload, by);
  g_assert_cmpmem(bx, x->payload.len, by, y->payload.len);
  g_free(bx);
  g_free(by);
}

/* The options' length read from segment.c's table, for every set of
 * options and every count of SACK blocks that fits, is what the encoder
 * writes (net_wire_encode() asserts the two agree) and what the header's
 * data offset says. */
static void
test_options_len_every_set(void)
{
  guint8 *buf = g_malloc(NET_WIRE_MAX);
  guint checked = 0;
  for (guint o = 0; o < 32; o++) {
    guint most = (o & TCP_OPT_SACK) ? TCP_SACK_MAX : 0;
    for (guint n = (o & TCP_OPT_SACK) ? 1 : 0; n <= most; n++) {
      Packet *p = make_packet((guint8)o, 0, FALSE);
      p->tcp.n_sack = (guint8)n;
      guint len = TCP_OPTIONS_LEN(o) + ((o & TCP_OPT_SACK) ? 4 + 8 * n : 0);
      if (len > 40) {                 /* beyond the data offset's reach */
        packet_free(p);
        continue;
      }
      g_assert_cmpuint(tcp_segment_options_len(&p->tcp), ==, len);
      g_assert_cmpuint(net_wire_encode(p, buf), ==, packet_wire_len(p));
      g_assert_cmpuint((buf[32] >> 4) * 4u, ==, 20 + len);
      packet_free(p);
      checked++;
    }
  }
  g_assert_cmpuint(checked, >, 32);
  g_free(buf);
}

static void
test_roundtrip(void)
{
  static const guint8 combos[] = {
    0, TCP_OPT_MSS, TCP_OPT_TS, TCP_OPT_SACK_PERM, TCP_OPT_WSCALE,
    TCP_OPT_MSS | TCP_OPT_SACK_PERM | TCP_OPT_TS | TCP_OPT_WSCALE,
    TCP_OPT_MSS | TCP_OPT_SACK_PERM | TCP_OPT_WSCALE,
    TCP_OPT_MSS | TCP_OPT_TS | TCP_OPT_WSCALE, TCP_OPT_SACK_PERM | TCP_OPT_TS,
    TCP_OPT_SACK, TCP_OPT_SACK | TCP_OPT_TS,
  };
  static const guint32 sizes[] = { 0, 1, 7, 100, 1448 };
  guint8 *buf = g_malloc(NET_WIRE_MAX);
  for (gsize c = 0; c < G_N_ELEMENTS(combos); c++)
    for (gsize z = 0; z < G_N_ELEMENTS(sizes); z++)
      for (int real = 0; real < 2; real++) {
        Packet *p = make_packet(combos[c], sizes[z], real);
        guint len = net_wire_encode(p, buf);
        g_assert_cmpuint(len, ==, packet_wire_len(p));
        g_assert_cmpuint(tcp_segment_options_len(&p->tcp) % 4, ==, 0);
        g_assert_cmpuint((buf[32] >> 4) * 4u, ==, 20 + tcp_segment_options_len(&p->tcp));
        Packet back;
        GError *error = NULL;
        g_assert_true(net_wire_decode(buf, len, &back, &error));
        g_assert_no_error(error);
        assert_same(p, &back);
        tcp_segment_clear(&back.tcp);
        packet_free(p);
      }
  g_free(buf);
}

/* A SYN's options as Linux sends them: MSS, SACK_PERM + TS, NOP WS. */
static void
test_linux_layout(void)
{
  Packet *p = make_packet(TCP_OPT_MSS | TCP_OPT_SACK_PERM | TCP_OPT_TS | TCP_OPT_WSCALE, 0, FALSE);
  guint8 buf[128];
  guint len = net_wire_encode(p, buf);
  g_assert_cmpuint(len, ==, 60);
  static const guint8 want[] = {
    0x02, 0x04, 0x05, 0xb4,
    0x04, 0x02, 0x08, 0x0a, 0x07, 0x5b, 0xcd, 0x15, 0x3a, 0xde, 0x68, 0xb1,
    0x01, 0x03, 0x03, 0x07,
  };
  g_assert_cmpmem(buf + 40, 20, want, sizeof want);
  packet_free(p);
  p = make_packet(TCP_OPT_TS, 0, FALSE);       /* an established segment */
  len = net_wire_encode(p, buf);
  g_assert_cmpuint(len, ==, 52);
  g_assert_cmphex(buf[40], ==, 0x01);
  g_assert_cmphex(buf[41], ==, 0x01);
  g_assert_cmphex(buf[42], ==, 0x08);
  packet_free(p);
  /* SACK blocks after the timestamps: NOP NOP, kind 5, length 2 + 3 * 8,
   * each block's edges in network order; 40 bytes of options in all. */
  p = make_packet(TCP_OPT_TS | TCP_OPT_SACK, 0, FALSE);
  len = net_wire_encode(p, buf);
  g_assert_cmpuint(len, ==, 80);
  static const guint8 sack[] = { 0x01, 0x01, 0x05, 0x1a, 0xff, 0xff, 0xf0, 0x00,
                                 0xff, 0xff, 0xf5, 0xa8 };
  g_assert_cmpmem(buf + 52, sizeof sack, sack, sizeof sack);
  packet_free(p);
}

/* A SACK option whose length is no whole number of blocks is malformed. */
static void
test_sack_malformed(void)
{
  Packet *p = make_packet(TCP_OPT_SACK, 0, FALSE);
  guint8 buf[128];
  guint len = net_wire_encode(p, buf);
  /* One block and a half: the length byte falls by 20, and a byte of the
   * first block rises by 20 in the same position of its 16-bit word, so
   * the checksum still holds and only the option is wrong. */
  g_assert_cmpuint(buf[43], ==, 2 + 8 * TCP_SACK_MAX);
  buf[43] -= 20;
  buf[47] += 20;
  Packet back;
  GError *error = NULL;
  g_assert_false(net_wire_decode(buf, len, &back, &error));
  g_assert_nonnull(error);
  g_assert_nonnull(strstr(error->message, "malformed TCP option"));
  g_error_free(error);
  packet_free(p);
}

static void
test_ip_header(void)
{
  Packet *p = make_packet(0, 10, TRUE);
  guint8 buf[128];
  net_wire_encode(p, buf);
  g_assert_cmphex(buf[0], ==, 0x45);
  g_assert_cmpuint(buf[2] << 8 | buf[3], ==, 50);         /* total length */
  g_assert_cmphex(buf[4] << 8 | buf[5], ==, 0xbeef);      /* IP ID */
  g_assert_cmphex(buf[6] << 8 | buf[7], ==, 0x4000);      /* DF */
  g_assert_cmpuint(buf[8], ==, 61);                       /* TTL */
  g_assert_cmpuint(buf[9], ==, 6);                        /* TCP */
  g_assert_cmpuint(net_wire_checksum(buf, 20, 0), ==, 0);
  packet_free(p);
}

/* RFC 1071's arithmetic on a textbook header (checksum 0xb861). */
static void
test_checksum_known(void)
{
  static const guint8 hdr[] = {
    0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
    0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
  };
  g_assert_cmphex(net_wire_checksum(hdr, sizeof hdr, 0), ==, 0xb861);
  static const guint8 odd[] = { 0x01, 0x02, 0x03 };   /* pads with a zero byte */
  g_assert_cmphex(net_wire_checksum(odd, 3, 0), ==, (guint16)~0x0402);
}

static void
test_corruption_detected(void)
{
  Packet *p = make_packet(TCP_OPT_TS, 100, TRUE);
  guint8 buf[256];
  guint len = net_wire_encode(p, buf);
  static const guint positions[] = { 8, 13, 21, 30, 45, 120, 151 };
  for (gsize i = 0; i < G_N_ELEMENTS(positions); i++) {
    guint8 copy[256];
    memcpy(copy, buf, len);
    copy[positions[i]] ^= 0x10;
    Packet back;
    GError *error = NULL;
    g_assert_false(net_wire_decode(copy, len, &back, &error));
    g_assert_nonnull(strstr(error->message, "checksum"));
    g_clear_error(&error);
    tcp_segment_clear(&back.tcp);
  }
  packet_free(p);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/wire/roundtrip", test_roundtrip);
  g_test_add_func("/wire/options-len-every-set", test_options_len_every_set);
  g_test_add_func("/wire/linux-option-layout", test_linux_layout);
  g_test_add_func("/wire/sack-malformed", test_sack_malformed);
  g_test_add_func("/wire/ip-header", test_ip_header);
  g_test_add_func("/wire/checksum-known", test_checksum_known);
  g_test_add_func("/wire/corruption-detected", test_corruption_detected);
  return g_test_run();
}
