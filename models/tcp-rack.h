/* Linux's loss recovery for the linux profiles: RACK loss detection
 * (RFC 8985 6, Linux's tcp_recovery.c), Proportional Rate Reduction
 * (RFC 6937, Linux's tcp_cwnd_reduction()), Tail Loss Probe (RFC 8985 7,
 * Linux's tcp_schedule_loss_probe()/tcp_send_loss_probe()) and the
 * congestion-avoidance states Open, Disorder, CWR, Recovery and Loss
 * (Linux's tcp_fastretrans_alert()).
 *
 * It keeps what Linux's retransmission queue keeps: one record per
 * segment sent and not yet cumulatively acknowledged, with its last
 * transmission time and its SACKED, LOST and RETRANS marks, and the
 * counts sacked_out, lost_out and retrans_out in segments.  The records
 * live in a ring that grows by doubling and is kept with the connection
 * (and its pool), so steady state costs no allocation per segment.
 *
 * Data flow: tcp-out.c tells it of every segment sent (tcp_rack_sent) and
 * asks it how far new data may go in recovery; tcp-sack.c tells it which
 * bytes an ACK newly SACKs; tcp-cc.c hands it every ACK and every RTO of a
 * connection it runs; tcp-timer.c hands it the probe and reordering
 * timers.  Used only when the profile has `rack` and both ends agreed on
 * SACK (Linux's TLP needs SACK too); otherwise tcp-cc.c runs NewReno or
 * RFC 6675 as before. */
#pragma once
#include <glib.h>
#include "simtime.h"

typedef struct TcpConn TcpConn;

/* Linux's icsk_ca_state values (include/net/tcp.h), as tcpi_ca_state. */
typedef enum {
  TCP_CA_OPEN = 0,
  TCP_CA_DISORDER = 1,      /* SACKs or retransmissions seen, no loss */
  TCP_CA_CWR = 2,           /* cwnd reduced without a loss (a TLP repair) */
  TCP_CA_RECOVERY = 3,      /* fast recovery: PRR */
  TCP_CA_LOSS = 4,          /* after an RTO */
} TcpCaState;

/* Which deadline the connection's rtx_at holds. */
typedef enum {
  TCP_RACK_TIMER_RTO = 0,
  TCP_RACK_TIMER_TLP,       /* the probe timeout (PTO) */
  TCP_RACK_TIMER_REO,       /* RACK's reordering timer */
} TcpRackTimer;

/* One segment in flight: Linux's skb in the retransmission queue. */
typedef struct {
  guint32 seq, end;         /* [seq, end): its bytes, and its FIN */
  SimTime xmit;             /* its last (re)transmission */
  guint32 order;            /* that transmission's rank among the
                               connection's: which of two sent at the same
                               instant went later */
  guint8  flags;            /* TCP_TX_* */
} TcpTxSeg;

#define TCP_TX_SACKED       0x01    /* TCPCB_SACKED_ACKED */
#define TCP_TX_LOST         0x02    /* TCPCB_LOST */
#define TCP_TX_RETRANS      0x04    /* TCPCB_SACKED_RETRANS: a resend in flight */
#define TCP_TX_EVER_RETRANS 0x08    /* TCPCB_EVER_RETRANS */

/* Invariants (checked by tcp_rack_check()): the ring holds the segments
 * sent above SND.UNA, in sequence order, contiguous; sacked_out, lost_out
 * and retrans_out count the records with each mark; SACKED excludes LOST
 * and RETRANS. */
typedef struct {
  GArray  *txq;             /* TcpTxSeg ring storage (capacity = len, a power of two) */
  guint32  head, len;       /* first record, number of records */
  guint32  sacked_out, lost_out, retrans_out;
  guint32  total_retrans;   /* segments resent, ever (tcpi_total_retrans) */
  guint32  high_seq;        /* SND.NXT when the reduction or loss began */
  guint32  fack;            /* end of the highest SACKed record */
  guint32  rxt_high;        /* end of the highest record ever resent */
  guint32  rxt_hint;        /* no record below is lost and unsent */
  guint32  tlp_high_seq;    /* SND.NXT at the probe; 0: none out */
  guint32  prior_cwnd, prr_delivered, prr_out;   /* PRR, in segments */
  guint32  rack_order;      /* the rank of RACK's segment (RACK.end_seq:
                               the order of sending, not of sequence) */
  guint32  sends;           /* transmissions so far (the next rank) */
  SimTime  rack_xmit;       /* RACK.xmit_ts; -1 before any delivery */
  SimTime  rack_rtt;        /* RACK.rtt */
  SimTime  min_rtt;         /* smallest RTT sample, 0 before one */
  guint16  reordering;      /* tp->reordering, segments (3 at start) */
  guint8   ca_state;        /* TcpCaState */
  guint8   timer;           /* TcpRackTimer of rtx_at */
  guint8   prior_timer;     /* timer when the ACK being processed came */
  gboolean reord_seen, advanced, tlp_retrans, old_ack;
  /* what the ACK being processed did */
  guint32  ack_delivered, ack_lost;
  guint32  ack_reord;       /* lowest never-resent segment it SACKs below
                               the highest SACK (SND.MAX: none) */
  guint32  ack_cum_reord;   /* lowest never-resent, never-SACKed segment
                               it acknowledges (SND.MAX: none) */
  guint32  prior_fack;      /* the highest SACKed byte, or SND.UNA, before it */
  guint32  ack_sacked_bytes;  /* bytes it newly SACKs */
  guint32  ack_new_bytes;     /* bytes it delivers: SACKed, or ACKed and
                                 not SACKed before */
  SimTime  ack_sack_xmit;   /* send time of the oldest never-resent segment
                               it SACKs (-1: none) */
} TcpRack;

/* tcp_rack_on(c), whether c runs this recovery, is inline in tcp.h. */

/* The connection starts (its fields zeroed): reordering 3, Open. */
void
tcp_rack_init(TcpConn *c);

/* Frees the ring's storage (the connection is freed). */
void
tcp_rack_free(TcpConn *c);

/* Empties the ring, keeping its storage (the connection is pooled). */
void
tcp_rack_reset(TcpConn *c);

/* [seq, end) went out (data and FIN; a retransmission when below what was
 * sent before). */
void
tcp_rack_sent(TcpConn *c, guint32 seq, guint32 end);

/* An acceptable ACK arrives (before its SACK blocks are read and
 * SND.UNA moves): resets what one ACK counts.  `ack` is its SEG.ACK. */
void
tcp_rack_ack_begin(TcpConn *c, guint32 ack);

/* The ACK newly SACKs [s, e), within the SACKed range [ms, me). */
void
tcp_rack_sacked(TcpConn *c, guint32 s, guint32 e, guint32 ms, guint32 me);

/* The rest of the ACK (after SND.UNA moved by `acked` bytes): RACK, the
 * state machine, PRR or cwnd growth, retransmission of lost segments, the
 * probe or reordering timer.  May retransmit into `out`. */
void
tcp_rack_ack(TcpConn *c, guint32 acked, GArray *out);

/* The RTO fired (tcp_cc_rto() has cut cwnd): everything not SACKed is
 * lost, state Loss (Linux's tcp_enter_loss()). */
void
tcp_rack_rto(TcpConn *c);

/* rtx_at came and holds a probe or reordering deadline: handles it and
 * returns TRUE; FALSE for an RTO (the caller's). */
gboolean
tcp_rack_timer(TcpConn *c, GArray *out);

/* New data went out: arm the probe timer when Linux would. */
void
tcp_rack_new_data_sent(TcpConn *c);

/* How far new data may go (*edge, a sequence number) in Disorder, CWR
 * and Recovery: cwnd less the segments in flight, Linux's tcp_cwnd_test()
 * on packets_in_flight. */
void
tcp_rack_send_edge(const TcpConn *c, guint32 *edge);

/* An RTT sample (for min_rtt). */
void
tcp_rack_rtt_sample(TcpConn *c, SimTime rtt);

/* Segments sent and not cumulatively acknowledged (tcpi_unacked). */
guint32
tcp_rack_packets_out(const TcpConn *c);

/* Checks the invariants above (the counts only while at most 32
 * segments are in flight, to stay cheap); FALSE with the reason in why
 * (which may be NULL). */
gboolean
tcp_rack_check(const TcpConn *c, GString *why);
