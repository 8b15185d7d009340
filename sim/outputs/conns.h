/* Connections numbered as a reader sees them: #1, #2 ... in the order a
 * connection is first seen (its first segment, state change or socket
 * call), the same from either end.  The run's writers share one index
 * (SimWriters.conns), so the ladder, the HTML report, the stepper and
 * `--ladder-conn N` all mean the same connection by #N.
 *
 * The end seen first (usually the one that sent the SYN) is end 0, drawn
 * on the left.  A 4-tuple used again after its connection ended (a port
 * reused, a SYN into TIME_WAIT) is a new connection with a new number, as
 * Wireshark gives it a new stream: its sequence numbers count from its own
 * SYNs.  sim_conn_index_note_state() and sim_conn_index_note_segment() see
 * that; the writers' dispatch (outputs.c) calls them once per event, before
 * any writer looks the connection up.
 *
 * The two sides of a NAT'd connection are one connection, numbered once,
 * by its originator's addresses: when a router of the run's network
 * translates a flow, the side beyond the router (the addresses its far end
 * sees) is filed as an alias of the originator's side and never gets a
 * number of its own.  The router's conntrack entry is looked up when a
 * 4-tuple is first seen and again on a SYN or a side's first state
 * (SYN_SENT, SYN_RECEIVED), because a NAT may give a reused outside port
 * to a new connection: that side then joins the new connection.
 *
 * The index keeps a record of every connection for the whole run (40
 * bytes, and its hash-table entry; a NAT'd one also its far side's, about
 * 50 bytes more), so that a number once given always names the same ends,
 * however late a segment or a call comes. */
#pragma once
#include "segment.h"
#include "tcp-stack.h"
#include "run-view.h"
#include "net.h"

typedef struct {
  guint   number;            /* from 1 */
  NetAddr addr[2];
  guint16 port[2];
} SimConnEnds;

typedef struct SimConnIndex SimConnIndex;

/* An empty index, with one reference, joining the sides of the NATs of
 * `view`'s network (read at each lookup: the view is borrowed and must
 * outlive the index; NULL: no joins). */
SimConnIndex *
sim_conn_index_new(const SimRunView *view);

/* Another reference to `index`; each is given back with unref, the last
 * frees it.  unref takes NULL. */
SimConnIndex *
sim_conn_index_ref(SimConnIndex *index);
void
sim_conn_index_unref(SimConnIndex *index);

/* A state change: a side that opens (leaves CLOSED or LISTEN) a second
 * time on the same 4-tuple starts a new connection.  Listeners (no remote
 * port) have no connection. */
void
sim_conn_index_note_state(SimConnIndex *index, const TcpStateEvent *ev);

/* A segment seen leaving its sender (`sent`), arriving or dropped: a SYN
 * without ACK sent with another initial sequence number than the one its
 * end sent before starts a new connection (a peer with no state changes to
 * tell, such as a packetdrill script's). */
void
sim_conn_index_note_segment(SimConnIndex *index, const Packet *pkt, gboolean sent);

/* The current connection between (a, ap) and (b, bp), numbered now if new
 * and `create`; NULL if it is new and not `create`.  *side (may be NULL)
 * is 0 if (a, ap) is its end 0, else 1.  Owned by the index.  For the far
 * side of a NAT'd connection it is that side's view of the connection:
 * its number, and its ends as addressed there (end k of the connection is
 * addr[k]:port[k] beyond the router). */
const SimConnEnds *
sim_conn_index_find(SimConnIndex *index, NetAddr a, guint16 ap, NetAddr b, guint16 bp,
                    gboolean create, int *side);

/* Connection `number`, or NULL if no connection has it yet. */
const SimConnEnds *
sim_conn_index_get(const SimConnIndex *index, guint number);

/* How many connections are numbered. */
guint
sim_conn_index_count(const SimConnIndex *index);

/* The ends of connection `number` beyond the NAT router that translates
 * it (*via, may be NULL: that router), as the side joined to it last sees
 * them; NULL if no side was joined to it.  A new join gives a new pointer,
 * so a writer that keeps the last one it saw can tell each join once. */
const SimConnEnds *
sim_conn_index_beyond(const SimConnIndex *index, guint number, const NetNode **via);
