/* Capture files: packets as classic pcap (nanosecond timestamps, magic
 * 0xa1b23c4d, link type LINKTYPE_RAW = 101: each record is an IPv4 packet
 * with no link-layer header), timestamps in virtual time.
 *
 * Data flow: the network (net.h) hands every packet a host puts on the wire
 * (or, with a capture point, what one host sends and receives) to
 * net_pcap_write, which encodes it (wire.h) into the stream.  The stream
 * belongs to the caller (sim/engine/output.h makes it whole or absent).  All
 * fields are written little-endian, so the bytes are the same on every
 * machine. */
#pragma once
#include "segment.h"
#include "simtime.h"
#include <stdio.h>

#define NET_PCAP_MAGIC_NS 0xa1b23c4du
#define NET_PCAP_LINKTYPE_RAW 101

typedef struct NetPcap NetPcap;

/* A writer on `out` (not owned); writes the file header at once. */
NetPcap *
net_pcap_new(FILE *out);

/* Frees the writer (the stream stays open). */
void
net_pcap_free(NetPcap *pcap);

/* Appends one record: pkt's wire bytes at virtual time t. */
void
net_pcap_write(NetPcap *pcap, SimTime t, const Packet *pkt);

