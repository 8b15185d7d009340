/* Host profiles: the TCP settings of a host and the defaults each operating
 * system (or the RFC) gives them.  The endpoint reads them; h:set{} and
 * tcp_stack_set() change them.  docs/tcp-profiles.md gives each default's
 * source. */
#pragma once
#include "simtime.h"
#include "tcp-stack.h"

struct TcpProfile {
  const char *name;
  SimTime  time_wait;            /* TIME_WAIT length (2*MSL) */
  guint16  port_lo, port_hi;     /* ephemeral port range, inclusive */
  int      tw_reuse;             /* 0 off, 1 on, 2 loopback only (Linux) */
  guint32  max_tw_buckets;       /* TIME_WAIT records held at most */
  gboolean rfc1337;              /* TRUE: a RST does not end TIME_WAIT */
  int      syn_retries;          /* SYN retransmissions before ETIMEDOUT */
  int      syn_linear_timeouts;  /* first N SYN retries 1 RTO apart */
  int      synack_retries;       /* SYN-ACK retransmissions */
  int      retries2;             /* data/FIN retransmissions before giving up */
  SimTime  fin_timeout;          /* orphaned FIN_WAIT_2 lifetime (0: none) */
  SimTime  rto_min, rto_init, rto_max;
  gboolean delayed_ack;          /* delayed ACKs (Linux's ACK policy) */
  gboolean nagle;                /* Nagle's algorithm by default */
  int      init_cwnd;            /* initial congestion window, segments */
  guint16  mss;                  /* MSS we announce and send with */
  gboolean timestamps;           /* RFC 7323 timestamps offered */
  gboolean sack;                 /* RFC 2018 SACK offered; RFC 6675 recovery */
  gboolean dsack;                /* RFC 2883 duplicate SACK blocks sent */
  int      backlog;              /* somaxconn: listen backlog cap */
  gboolean challenge_ack;        /* RFC 5961 RST/SYN validation */
  SimTime  invalid_ratelimit;    /* at most one ACK per this to out-of-window
                                    segments without data (0: no limit) */
  guint32  rcvbuf;               /* receive buffer; the window is its free space */
  guint32  sndbuf;               /* send buffer at the start */
  guint32  sndbuf_max;           /* ... grown with cwnd up to this */
  gboolean window_scaling;       /* RFC 7323 window scale option offered */
  int      wscale;               /* our shift when both sides offer it */
  gboolean linux_rwnd;           /* Linux's receive window: initial window
                                    from half the buffer rounded to the MSS,
                                    rcv_ssthresh growth (tcp-rcv.c) */
  gboolean reset_options;        /* an abort's RST carries the window and
                                    options (Linux's tcp_send_active_reset) */
  gboolean burst_push;           /* PSH on the last segment of every burst of
                                    two or more (Linux's TSO packets) */
  gboolean rack;                 /* with SACK: RACK, PRR and TLP loss
                                    recovery (tcp-rack.h), not RFC 6675 */
};

/* The built-in profile called `name`, or NULL. */
const TcpProfile *
tcp_profile_lookup(const char *name);

/* The built-in profiles' names, comma-separated, for messages.  Caller
 * frees. */
char *
tcp_profile_names(void);

/* Sets one key from its string form.  FALSE with a SIM_ERROR naming the key
 * for an unknown key or a bad value.  Rules between keys (rto_min <=
 * rto_max) are tcp_profile_check's, once every key of a change is set. */
gboolean
tcp_profile_set(TcpProfile *profile, const char *key, const char *value,
                GError **error);

/* The rules between keys.  FALSE with a SIM_ERROR naming both keys. */
gboolean
tcp_profile_check(const TcpProfile *profile, GError **error);
