/* Sequence-number arithmetic modulo 2^32 (RFC 9293 3.4): every comparison
 * of sequence numbers, acknowledgements and timestamps in the TCP endpoint
 * goes through these, never through < or > on the raw values. */
#pragma once
#include <glib.h>

static inline gboolean
tcp_seq_lt(guint32 a, guint32 b)
{
  return (gint32)(a - b) < 0;
}

static inline gboolean
tcp_seq_le(guint32 a, guint32 b)
{
  return (gint32)(a - b) <= 0;
}

static inline gboolean
tcp_seq_gt(guint32 a, guint32 b)
{
  return (gint32)(a - b) > 0;
}

static inline gboolean
tcp_seq_ge(guint32 a, guint32 b)
{
  return (gint32)(a - b) >= 0;
}

/* lo <= x < hi, modulo 2^32. */
static inline gboolean
tcp_seq_in(guint32 x, guint32 lo, guint32 hi)
{
  return tcp_seq_le(lo, x) && tcp_seq_lt(x, hi);
}
