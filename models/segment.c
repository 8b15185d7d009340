/* Addresses, payload buffers, segments and the packet free list (see
 * segment.h). */
#include "segment.h"
#include "simerror.h"
#include <string.h>

gboolean
net_addr_parse(const char *text, NetAddr *out, GError **error)
{
  NetAddr addr = 0;
  const char *p = text;
  for (int octet = 0; octet < 4; octet++) {
    unsigned value = 0;
    int digits = 0;
    /* A digit is a character '0' to '9' (g_ascii_isdigit()), tested by
     * its distance from '0': no table to read (a connect() parses its
     * address each time). */
    unsigned d;
    while ((d = (unsigned)(guchar)*p - '0') <= 9 && digits < 4) {
      value = value * 10 + d;
      p++;
      digits++;
    }
    if (digits == 0 || digits > 3 || value > 255 ||
        (digits > 1 && p[-digits] == '0') ||   /* "010" is ambiguous: octal? */
        (octet < 3 ? *p != '.' : *p != '\0')) {
      g_set_error(error, SIM_ERROR, SIM_ERROR_INVALID,
                  "bad IPv4 address '%s' (write e.g. \"10.0.0.1\")", text);
      return FALSE;
    }
    if (octet < 3) p++;
    addr = (addr << 8) | value;
  }
  *out = addr;
  return TRUE;
}

char *
net_addr_format(NetAddr addr, char *buf)
{
  g_snprintf(buf, NET_ADDR_BUF, "%u.%u.%u.%u", addr >> 24, (addr >> 16) & 0xff,
             (addr >> 8) & 0xff, addr & 0xff);
  return buf;
}

NetBuf *
net_buf_new(const void *data, guint32 len)
{
  NetBuf *buf = g_malloc(sizeof(NetBuf) + len);
  buf->refs = 1;
  buf->len = len;
  if (len) memcpy(buf->data, data, len);
  return buf;
}

void
net_slice_copy(const NetSlice *slice, guint8 *dst)
{
  if (slice->buf) memcpy(dst, slice->buf->data + slice->off, slice->len);
  else memset(dst, 0, slice->len);
}

const guint8 tcp_options_len_table[16] = {
  TCP_OPTIONS_LEN(0), TCP_OPTIONS_LEN(1), TCP_OPTIONS_LEN(2), TCP_OPTIONS_LEN(3),
  TCP_OPTIONS_LEN(4), TCP_OPTIONS_LEN(5), TCP_OPTIONS_LEN(6), TCP_OPTIONS_LEN(7),
  TCP_OPTIONS_LEN(8), TCP_OPTIONS_LEN(9), TCP_OPTIONS_LEN(10), TCP_OPTIONS_LEN(11),
  TCP_OPTIONS_LEN(12), TCP_OPTIONS_LEN(13), TCP_OPTIONS_LEN(14), TCP_OPTIONS_LEN(15),
};
G_STATIC_ASSERT((TCP_OPT_MSS | TCP_OPT_WSCALE | TCP_OPT_SACK_PERM | TCP_OPT_TS) == 0x0f);

char *
tcp_flags_format(guint8 flags, char *buf)
{
  static const struct { guint8 bit; char letter; } order[] = {
    { TCP_FLAG_SYN, 'S' }, { TCP_FLAG_FIN, 'F' }, { TCP_FLAG_RST, 'R' },
    { TCP_FLAG_PSH, 'P' }, { TCP_FLAG_ACK, 'A' }, { TCP_FLAG_URG, 'U' },
    { TCP_FLAG_ECE, 'E' }, { TCP_FLAG_CWR, 'C' },
  };
  char *p = buf;
  for (gsize i = 0; i < G_N_ELEMENTS(order); i++)
    if (flags & order[i].bit) *p++ = order[i].letter;
  *p = '\0';
  return buf;
}

/* ---- packet free list --------------------------------------------------- */

static Packet *free_packets;

Packet *
packet_alloc(void)
{
  Packet *pkt = free_packets;
  if (pkt) {
    free_packets = pkt->next;
    memset(pkt, 0, sizeof *pkt);
    return pkt;
  }
  return g_new0(Packet, 1);
}

static inline Packet *
packet_fill_tcp(Packet *pkt, NetAddr src, NetAddr dst, const TcpSegment *seg)
{
  pkt->src = src;
  pkt->dst = dst;
  pkt->ttl = 0;
  pkt->ip_id = 0;
  pkt->tcp = *seg;
  pkt->next = NULL;
  return pkt;
}

/* An empty free list: out of line, so that taking a packet from the list
 * (every segment sent) saves no registers for the call. */
static G_GNUC_NO_INLINE Packet *
packet_new_tcp_fresh(NetAddr src, NetAddr dst, const TcpSegment *seg)
{
  return packet_fill_tcp(g_new(Packet, 1), src, dst, seg);
}

Packet *
packet_new_tcp(NetAddr src, NetAddr dst, const TcpSegment *seg)
{
  Packet *pkt = free_packets;
  if (G_UNLIKELY(pkt == NULL)) return packet_new_tcp_fresh(src, dst, seg);
  free_packets = pkt->next;
  return packet_fill_tcp(pkt, src, dst, seg);
}

void
packet_free(Packet *pkt)
{
  if (pkt == NULL) return;
  /* The payload's reference dropped last: its g_free(), when it is the
   * last, is a tail call, and the usual packet saves no register. */
  NetBuf *buf = pkt->tcp.payload.buf;
  pkt->tcp.payload.buf = NULL;
  pkt->next = free_packets;
  free_packets = pkt;
  net_buf_unref(buf);
}

Packet *
packet_clone(const Packet *pkt)
{
  Packet *copy = packet_alloc();
  *copy = *pkt;
  copy->next = NULL;
  net_buf_ref(copy->tcp.payload.buf);
  return copy;
}
