/* The names and order of a host's TCP counters (see tcp-stack.h): one table
 * that h:stats(), the metrics file and the summaries all read, so they
 * always agree. */
#include "tcp-stack.h"
#include <stddef.h>

#define FIELD(name) { #name, offsetof(TcpStats, name) }

static const TcpStatsField fields[] = {
  FIELD(connect_ok), FIELD(connect_refused), FIELD(connect_timeout),
  FIELD(connect_addrnotavail), FIELD(connect_reset), FIELD(connect_unreach),
  FIELD(resets_sent), FIELD(resets_received), FIELD(retransmits),
  FIELD(segments_sent), FIELD(segments_received),
  FIELD(tw_entered), FIELD(tw_reused), FIELD(tw_killed), FIELD(tw_peak),
  FIELD(syn_dropped), FIELD(accepts), FIELD(fast_retransmits), FIELD(timeouts), FIELD(window_probes),
};

const TcpStatsField *
tcp_stats_fields(guint *n)
{
  *n = G_N_ELEMENTS(fields);
  return fields;
}
