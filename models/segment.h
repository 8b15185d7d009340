/* What travels: IPv4 packets carrying TCP segments, and the payload bytes
 * they share.
 *
 * Data flow: the TCP endpoint builds TcpSegments -> the host wraps each in a
 * Packet (addresses, TTL, IP ID) -> links and routers move Packets -> the
 * receiving host hands the TcpSegment to its endpoint.  Wire bytes (wire.h)
 * are produced only for the pcap writer and the tests: the hot path never
 * encodes.
 *
 * Payload bytes are shared, reference-counted and never copied on the hot
 * path: a segment holds a slice (offset, length) of a NetBuf, or no buffer
 * at all for "virtual" bytes (s:send(1000) sends 1000 zero bytes without
 * storing them). */
#pragma once
#include <glib.h>
#include <stdint.h>

/* ---- IPv4 addresses ---------------------------------------------------- */

/* An IPv4 address in host byte order (10.0.0.1 is 0x0a000001). */
typedef uint32_t NetAddr;

#define NET_ADDR_BUF 16

/* Parses dotted-quad "a.b.c.d" (each 0-255, no leading '+', no spaces). */
gboolean
net_addr_parse(const char *text, NetAddr *out, GError **error);

/* Formats into buf (NET_ADDR_BUF bytes); returns buf. */
char *
net_addr_format(NetAddr addr, char *buf);

/* ---- Payload ----------------------------------------------------------- */

/* Immutable shared bytes.  Created with a reference count of 1. */
typedef struct {
  gint    refs;
  guint32 len;
  guint8  data[];
} NetBuf;

NetBuf *
net_buf_new(const void *data, guint32 len);

static inline NetBuf *
net_buf_ref(NetBuf *buf)
{
  if (buf) buf->refs++;   /* single-threaded simulation: no atomics */
  return buf;
}

/* Inline: every packet freed and every acknowledged chunk drops one
 * (mostly NULL: virtual bytes). */
static inline void
net_buf_unref(NetBuf *buf)
{
  if (buf && --buf->refs == 0) g_free(buf);
}

/* A slice of payload: `len` bytes at `off` in `buf`, or `len` zero bytes
 * when buf is NULL. */
typedef struct {
  NetBuf *buf;
  guint32 off;
  guint32 len;
} NetSlice;

/* Copies the slice's bytes (zeros for a virtual slice) into dst. */
void
net_slice_copy(const NetSlice *slice, guint8 *dst);

/* ---- TCP segments ------------------------------------------------------ */

enum {
  TCP_FLAG_FIN = 0x01,
  TCP_FLAG_SYN = 0x02,
  TCP_FLAG_RST = 0x04,
  TCP_FLAG_PSH = 0x08,
  TCP_FLAG_ACK = 0x10,
  TCP_FLAG_URG = 0x20,
  TCP_FLAG_ECE = 0x40,
  TCP_FLAG_CWR = 0x80,
};

/* Which options a segment carries (TcpSegment.opts). */
enum {
  TCP_OPT_MSS       = 0x01,   /* RFC 9293 3.2 */
  TCP_OPT_WSCALE    = 0x02,   /* RFC 7323 2 */
  TCP_OPT_SACK_PERM = 0x04,   /* RFC 2018 2 */
  TCP_OPT_TS        = 0x08,   /* RFC 7323 3 */
  TCP_OPT_SACK      = 0x10,   /* RFC 2018 3: n_sack blocks */
};

/* SACK blocks one segment carries at most: 40 bytes of options hold four
 * (RFC 2018 3), three beside the timestamp option. */
#define TCP_SACK_MAX 4

/* A block of received bytes [start, end) above the cumulative ACK (RFC
 * 2018 3), or a duplicate one (RFC 2883). */
typedef struct {
  guint32 start, end;
} TcpSackBlock;

/* Why a TCP sent a segment, for the ladder's labels (Wireshark's
 * "[TCP Retransmission]"): set where the stack decides to send it; never
 * on the wire, never in a checksum. */
enum {
  TCP_WHY_NORMAL = 0,
  TCP_WHY_RETRANSMIT,       /* data, SYN or FIN sent again after a timeout */
  TCP_WHY_FAST_RETRANSMIT,  /* resent on duplicate ACKs (RFC 5681 3.2) */
  TCP_WHY_TW_ACK,           /* a TIME_WAIT record's ACK (RFC 9293 3.10.7.4) */
  TCP_WHY_WINDOW_PROBE,     /* a zero-window probe (RFC 9293 3.8.6.1) */
  TCP_WHY_KEEPALIVE,        /* a keep-alive probe (RFC 9293 3.8.4) */
};

typedef struct {
  guint16  sport, dport;
  guint32  seq, ack;
  guint8   flags;       /* TCP_FLAG_* */
  guint8   opts;        /* TCP_OPT_* present */
  guint16  win;         /* the 16-bit field as sent (already scaled down) */
  guint16  urg;
  guint16  mss;         /* valid with TCP_OPT_MSS */
  guint8   wscale;      /* valid with TCP_OPT_WSCALE */
  guint8   why;         /* TCP_WHY_*: why the sender sent it (not on the wire) */
  guint8   n_sack;      /* blocks in sack[], with TCP_OPT_SACK */
  guint32  ts_val;      /* valid with TCP_OPT_TS */
  guint32  ts_ecr;
  TcpSackBlock sack[TCP_SACK_MAX];  /* a D-SACK block first (RFC 2883) */
  NetSlice payload;     /* the segment holds one reference on payload.buf */
} TcpSegment;

/* Letters of the set flags in the fixed order S F R P A (then U E C), as
 * link:drop predicates and traces show them: "SA", "FA", "A".  buf holds at
 * least 9 bytes; returns buf. */
char *
tcp_flags_format(guint8 flags, char *buf);

/* Bytes the options of `opts` but SACK blocks encode to, laid out as
 * Linux does: MSS (4), SACK-permitted and timestamps (12: NOP NOP TS or
 * SACKOK TS; or 4: NOP NOP SACKOK alone), window scale with a NOP (4). */
#define TCP_OPTIONS_LEN(o) (((o) & TCP_OPT_MSS ? 4 : 0) + ((o) & TCP_OPT_WSCALE ? 4 : 0) + \
                            ((o) & TCP_OPT_TS ? 12 : (o) & TCP_OPT_SACK_PERM ? 4 : 0))

/* TCP_OPTIONS_LEN() of the four options' bits (segment.c): one load where
 * the sum takes a dozen instructions. */
extern const guint8 tcp_options_len_table[16];

/* Bytes of TCP options the segment's `opts` encode to (a multiple of 4):
 * TCP_OPTIONS_LEN(), and SACK blocks after two NOPs (4 + 8 each).
 * Inline: every packet on a link counts them. */
static inline guint
tcp_segment_options_len(const TcpSegment *seg)
{
  guint o = seg->opts;
  guint len = tcp_options_len_table[o & 0x0f];
  if (o & TCP_OPT_SACK) len += 4 + 8u * seg->n_sack;
  return len;
}

/* Sequence space the segment occupies: payload + SYN + FIN. */
static inline guint32
tcp_segment_seq_len(const TcpSegment *seg)
{
  return seg->payload.len + !!(seg->flags & TCP_FLAG_SYN) + !!(seg->flags & TCP_FLAG_FIN);
}

/* Releases the payload reference. */
static inline void
tcp_segment_clear(TcpSegment *seg)
{
  net_buf_unref(seg->payload.buf);
  seg->payload.buf = NULL;
}

/* ---- Packets ----------------------------------------------------------- */

#define NET_IPV4_HEADER_LEN 20
#define NET_TCP_HEADER_LEN  20

typedef struct Packet Packet;
struct Packet {
  NetAddr    src, dst;
  guint8     ttl;
  guint16    ip_id;
  TcpSegment tcp;
  union {
    Packet  *next;      /* free-list and queue link; owner's use only */
    gpointer link_dir;  /* on a link: the direction carrying it (link.c) */
  };
};

/* A zeroed packet from a free list (no malloc once warm). */
Packet *
packet_alloc(void);

/* A packet from the free list carrying `seg` from src to dst, its other
 * fields zeroed (packet_alloc() clears the segment only for the caller to
 * overwrite it).  The payload reference moves into the packet. */
Packet *
packet_new_tcp(NetAddr src, NetAddr dst, const TcpSegment *seg);

/* Releases the payload reference and returns the packet to the free list. */
void
packet_free(Packet *pkt);

/* A copy sharing the payload (for duplication on a link). */
Packet *
packet_clone(const Packet *pkt);

/* Total length on the wire: IPv4 header + TCP header + options + payload. */
static inline guint
packet_wire_len(const Packet *pkt)
{
  return NET_IPV4_HEADER_LEN + NET_TCP_HEADER_LEN +
         tcp_segment_options_len(&pkt->tcp) + pkt->tcp.payload.len;
}
