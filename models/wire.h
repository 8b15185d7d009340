/* Wire bytes: a Packet (segment.h) as real IPv4 + TCP bytes, and back.
 *
 * Data flow: only the pcap writer (pcap.h) and the tests encode; the hot
 * path moves Packets and never touches bytes.  The decoder exists for the
 * tests (round trips, checksum checks).
 *
 * Layout: a 20-byte IPv4 header (version 4, IHL 5, DSCP 0, DF set, TTL and
 * ID from the packet, protocol 6, RFC 791 header checksum), then the TCP
 * header with its options laid out as Linux lays them out (RFC 9293 3.1,
 * RFC 7323, RFC 2018):
 *   MSS                          02 04 mss
 *   SACK-permitted + timestamps  04 02 08 0a val ecr  (SYN with both)
 *   timestamps alone             01 01 08 0a val ecr
 *   SACK-permitted alone         01 01 04 02
 *   window scale                 01 03 03 ws
 * in that order, so the options' length is tcp_segment_options_len(), and
 * the TCP checksum over the RFC 9293 3.1 pseudo-header.  Payload bytes are
 * the slice's bytes, or zeros for a virtual slice. */
#pragma once
#include "segment.h"

/* The most bytes a packet can encode to (IPv4 total length is 16 bits). */
#define NET_WIRE_MAX 65535

/* Encodes pkt into buf (at least packet_wire_len(pkt) bytes); returns the
 * number of bytes written.  A packet longer than NET_WIRE_MAX is a bug. */
guint
net_wire_encode(const Packet *pkt, guint8 *buf);

/* The Internet checksum (RFC 1071) of len bytes, folded and complemented,
 * starting from a partial 32-bit sum (0 for none). */
guint16
net_wire_checksum(const guint8 *data, gsize len, guint32 sum);

/* Decodes len bytes into pkt (zeroed first).  The payload becomes a new
 * NetBuf the packet owns (NULL for no payload).  FALSE with error when the
 * bytes are not a well-formed IPv4/TCP packet of this layout, or when
 * either checksum is wrong. */
gboolean
net_wire_decode(const guint8 *buf, gsize len, Packet *pkt, GError **error);
