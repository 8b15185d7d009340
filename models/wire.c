/* IPv4 + TCP encoding and decoding (see wire.h). */
#include "wire.h"
#include "simerror.h"
#include <string.h>

#define IP_FLAG_DF 0x4000
#define IP_PROTO_TCP 6

enum {
  OPT_EOL = 0, OPT_NOP = 1, OPT_MSS = 2, OPT_WS = 3, OPT_SACK_PERM = 4, OPT_SACK = 5, OPT_TS = 8,
};

static inline void
put16(guint8 *p, guint16 v)
{
  p[0] = (guint8)(v >> 8);
  p[1] = (guint8)v;
}

static inline void
put32(guint8 *p, guint32 v)
{
  p[0] = (guint8)(v >> 24);
  p[1] = (guint8)(v >> 16);
  p[2] = (guint8)(v >> 8);
  p[3] = (guint8)v;
}

static inline guint16
get16(const guint8 *p)
{
  return (guint16)(p[0] << 8 | p[1]);
}

static inline guint32
get32(const guint8 *p)
{
  return (guint32)p[0] << 24 | (guint32)p[1] << 16 | (guint32)p[2] << 8 | p[3];
}

/* One's-complement sum of len bytes added to sum, not yet folded. */
static guint32
sum_bytes(const guint8 *data, gsize len, guint32 sum)
{
  gsize i = 0;
  for (; i + 1 < len; i += 2) sum += (guint32)(data[i] << 8 | data[i + 1]);
  if (i < len) sum += (guint32)data[i] << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return sum;
}

guint16
net_wire_checksum(const guint8 *data, gsize len, guint32 sum)
{
  sum = sum_bytes(data, len, sum);
  return (guint16)~sum;
}

/* The TCP pseudo-header's sum (RFC 9293 3.1). */
static guint32
pseudo_header_sum(NetAddr src, NetAddr dst, guint tcp_len)
{
  guint32 sum = (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff);
  return sum + IP_PROTO_TCP + tcp_len;
}

/* Writes the options in Linux's order; returns the bytes written. */
static guint
encode_options(const TcpSegment *seg, guint8 *p)
{
  guint8 *start = p;
  if (seg->opts & TCP_OPT_MSS) {
    p[0] = OPT_MSS; p[1] = 4; put16(p + 2, seg->mss);
    p += 4;
  }
  if (seg->opts & TCP_OPT_TS) {
    if (seg->opts & TCP_OPT_SACK_PERM) { p[0] = OPT_SACK_PERM; p[1] = 2; }
    else { p[0] = OPT_NOP; p[1] = OPT_NOP; }
    p[2] = OPT_TS; p[3] = 10;
    put32(p + 4, seg->ts_val);
    put32(p + 8, seg->ts_ecr);
    p += 12;
  } else if (seg->opts & TCP_OPT_SACK_PERM) {
    p[0] = OPT_NOP; p[1] = OPT_NOP; p[2] = OPT_SACK_PERM; p[3] = 2;
    p += 4;
  }
  if (seg->opts & TCP_OPT_WSCALE) {
    p[0] = OPT_NOP; p[1] = OPT_WS; p[2] = 3; p[3] = seg->wscale;
    p += 4;
  }
  if (seg->opts & TCP_OPT_SACK) {
    p[0] = OPT_NOP; p[1] = OPT_NOP; p[2] = OPT_SACK; p[3] = (guint8)(2 + 8 * seg->n_sack);
    p += 4;
    for (guint i = 0; i < seg->n_sack; i++, p += 8) {
      put32(p, seg->sack[i].start);
      put32(p + 4, seg->sack[i].end);
    }
  }
  return (guint)(p - start);
}

guint
net_wire_encode(const Packet *pkt, guint8 *buf)
{
  const TcpSegment *seg = &pkt->tcp;
  guint total = packet_wire_len(pkt);
  g_assert(total <= NET_WIRE_MAX);
  guint8 *ip = buf, *tcp = buf + NET_IPV4_HEADER_LEN;

  memset(ip, 0, NET_IPV4_HEADER_LEN);
  ip[0] = 0x45;
  put16(ip + 2, (guint16)total);
  put16(ip + 4, pkt->ip_id);
  put16(ip + 6, IP_FLAG_DF);
  ip[8] = pkt->ttl;
  ip[9] = IP_PROTO_TCP;
  put32(ip + 12, pkt->src);
  put32(ip + 16, pkt->dst);
  put16(ip + 10, net_wire_checksum(ip, NET_IPV4_HEADER_LEN, 0));

  guint opt_len = tcp_segment_options_len(seg);
  memset(tcp, 0, NET_TCP_HEADER_LEN);
  put16(tcp + 0, seg->sport);
  put16(tcp + 2, seg->dport);
  put32(tcp + 4, seg->seq);
  put32(tcp + 8, seg->ack);
  tcp[12] = (guint8)(((NET_TCP_HEADER_LEN + opt_len) / 4) << 4);
  tcp[13] = seg->flags;
  put16(tcp + 14, seg->win);
  put16(tcp + 18, seg->urg);
  guint written = encode_options(seg, tcp + NET_TCP_HEADER_LEN);
  g_assert(written == opt_len);
  net_slice_copy(&seg->payload, tcp + NET_TCP_HEADER_LEN + opt_len);
  guint tcp_len = total - NET_IPV4_HEADER_LEN;
  put16(tcp + 16, net_wire_checksum(tcp, tcp_len,
                                    pseudo_header_sum(pkt->src, pkt->dst, tcp_len)));
  return total;
}

static gboolean
fail(GError **error, const char *what)
{
  g_set_error(error, SIM_ERROR, SIM_ERROR_INVALID, "bad packet: %s", what);
  return FALSE;
}

/* Reads the options into seg; FALSE on a malformed option. */
static gboolean
decode_options(const guint8 *p, guint len, TcpSegment *seg)
{
  guint i = 0;
  while (i < len) {
    guint8 kind = p[i];
    if (kind == OPT_EOL) break;
    if (kind == OPT_NOP) { i++; continue; }
    if (i + 1 >= len || p[i + 1] < 2 || i + p[i + 1] > len) return FALSE;
    guint8 olen = p[i + 1];
    switch (kind) {
    case OPT_MSS:
      if (olen != 4) return FALSE;
      seg->opts |= TCP_OPT_MSS; seg->mss = get16(p + i + 2);
      break;
    case OPT_WS:
      if (olen != 3) return FALSE;
      seg->opts |= TCP_OPT_WSCALE; seg->wscale = p[i + 2];
      break;
    case OPT_SACK_PERM:
      if (olen != 2) return FALSE;
      seg->opts |= TCP_OPT_SACK_PERM;
      break;
    case OPT_SACK:
      /* RFC 2018 3: 2 + 8n bytes; more blocks than fit are malformed. */
      if ((olen - 2) % 8 != 0 || olen == 2 || (olen - 2) / 8 > TCP_SACK_MAX) return FALSE;
      seg->opts |= TCP_OPT_SACK;
      seg->n_sack = (guint8)((olen - 2) / 8);
      for (guint b = 0; b < seg->n_sack; b++) {
        seg->sack[b].start = get32(p + i + 2 + 8 * b);
        seg->sack[b].end = get32(p + i + 6 + 8 * b);
      }
      break;
    case OPT_TS:
      if (olen != 10) return FALSE;
      seg->opts |= TCP_OPT_TS;
      seg->ts_val = get32(p + i + 2);
      seg->ts_ecr = get32(p + i + 6);
      break;
    default:
      break;
    }
    i += olen;
  }
  return TRUE;
}

/* Checks the IPv4 header; on success *total is its total length. */
static gboolean
decode_ip(const guint8 *ip, gsize len, Packet *pkt, guint *total, GError **error)
{
  if (len < NET_IPV4_HEADER_LEN) return fail(error, "shorter than an IPv4 header");
  if (ip[0] != 0x45) return fail(error, "not IPv4 with a 20-byte header");
  *total = get16(ip + 2);
  if (*total > len || *total < NET_IPV4_HEADER_LEN + NET_TCP_HEADER_LEN)
    return fail(error, "bad IPv4 total length");
  if (ip[9] != IP_PROTO_TCP) return fail(error, "not TCP");
  if (net_wire_checksum(ip, NET_IPV4_HEADER_LEN, 0) != 0)
    return fail(error, "bad IPv4 header checksum");
  pkt->ip_id = get16(ip + 4);
  pkt->ttl = ip[8];
  pkt->src = get32(ip + 12);
  pkt->dst = get32(ip + 16);
  return TRUE;
}

gboolean
net_wire_decode(const guint8 *buf, gsize len, Packet *pkt, GError **error)
{
  memset(pkt, 0, sizeof *pkt);
  guint total;
  if (!decode_ip(buf, len, pkt, &total, error)) return FALSE;
  const guint8 *tcp = buf + NET_IPV4_HEADER_LEN;
  guint tcp_len = total - NET_IPV4_HEADER_LEN;
  guint hdr_len = (guint)(tcp[12] >> 4) * 4;
  if (hdr_len < NET_TCP_HEADER_LEN || hdr_len > tcp_len)
    return fail(error, "bad TCP data offset");
  if (net_wire_checksum(tcp, tcp_len, pseudo_header_sum(pkt->src, pkt->dst, tcp_len)) != 0)
    return fail(error, "bad TCP checksum");
  TcpSegment *seg = &pkt->tcp;
  seg->sport = get16(tcp);
  seg->dport = get16(tcp + 2);
  seg->seq = get32(tcp + 4);
  seg->ack = get32(tcp + 8);
  seg->flags = tcp[13];
  seg->win = get16(tcp + 14);
  seg->urg = get16(tcp + 18);
  if (!decode_options(tcp + NET_TCP_HEADER_LEN, hdr_len - NET_TCP_HEADER_LEN, seg))
    return fail(error, "malformed TCP option");
  guint payload = tcp_len - hdr_len;
  seg->payload.len = payload;
  if (payload) seg->payload.buf = net_buf_new(tcp + hdr_len, payload);
  return TRUE;
}
