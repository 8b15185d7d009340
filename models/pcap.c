/* Classic pcap writer (see pcap.h). */
#include "pcap.h"
#include "wire.h"

struct NetPcap {
  FILE   *out;
  guint8  buf[16 + NET_WIRE_MAX];   /* record header + packet */
};

static void
put_le32(guint8 *p, guint32 v)
{
  p[0] = (guint8)v;
  p[1] = (guint8)(v >> 8);
  p[2] = (guint8)(v >> 16);
  p[3] = (guint8)(v >> 24);
}

NetPcap *
net_pcap_new(FILE *out)
{
  NetPcap *pcap = g_new0(NetPcap, 1);
  pcap->out = out;
  guint8 h[24];
  put_le32(h, NET_PCAP_MAGIC_NS);
  h[4] = 2; h[5] = 0;                 /* version 2.4 */
  h[6] = 4; h[7] = 0;
  put_le32(h + 8, 0);                 /* thiszone */
  put_le32(h + 12, 0);                /* sigfigs */
  put_le32(h + 16, NET_WIRE_MAX);     /* snaplen */
  put_le32(h + 20, NET_PCAP_LINKTYPE_RAW);
  fwrite(h, 1, sizeof h, out);
  return pcap;
}

void
net_pcap_free(NetPcap *pcap)
{
  g_free(pcap);
}

void
net_pcap_write(NetPcap *pcap, SimTime t, const Packet *pkt)
{
  guint len = net_wire_encode(pkt, pcap->buf + 16);
  put_le32(pcap->buf, (guint32)(t / SIM_S));
  put_le32(pcap->buf + 4, (guint32)(t % SIM_S));
  put_le32(pcap->buf + 8, len);
  put_le32(pcap->buf + 12, len);
  fwrite(pcap->buf, 1, 16 + len, pcap->out);
}

