/* Profile defaults and the parser for h:set{} values (see profile.h and
 * docs/tcp-profiles.md for the source of every number). */
#include "profile.h"
#include "setting-parse.h"
#include "simerror.h"
#include "closest.h"
#include <stdlib.h>
#include <string.h>

/* Linux 6.x and the kernels before 6.5 differ only in
 * tcp_syn_linear_timeouts (added in 6.5 with default 4, tcp_sk_init()). */
#define LINUX_PROFILE(NAME, SYN_LINEAR)                                       \
  {                                                                           \
    .name = NAME,                                                             \
    .time_wait = 60 * SIM_S,            /* TCP_TIMEWAIT_LEN, include/net/tcp.h */ \
    .port_lo = 32768, .port_hi = 60999, /* ip_local_port_range */            \
    .tw_reuse = 2,                      /* tcp_tw_reuse: loopback only */    \
    .max_tw_buckets = 262144,           /* tcp_max_tw_buckets */             \
    .rfc1337 = FALSE,                                                         \
    .syn_retries = 6, .syn_linear_timeouts = SYN_LINEAR,                      \
    .synack_retries = 5, .retries2 = 15,                                      \
    .fin_timeout = 60 * SIM_S,                                                \
    .rto_min = 200 * SIM_MS, .rto_init = SIM_S, .rto_max = 120 * SIM_S,       \
    .delayed_ack = TRUE, .nagle = TRUE, .init_cwnd = 10, .mss = 1460,         \
    .timestamps = TRUE, .backlog = 4096, .challenge_ack = TRUE,               \
    .sack = TRUE, .dsack = TRUE,        /* tcp_sack, tcp_dsack */            \
    .invalid_ratelimit = 500 * SIM_MS,  /* tcp_invalid_ratelimit */          \
    .rcvbuf = 131072, .sndbuf = 16384,  /* tcp_rmem[1], tcp_wmem[1] */       \
    .sndbuf_max = 4194304,              /* tcp_wmem[2] */                    \
    .window_scaling = TRUE, .wscale = 7, /* tcp_window_scaling; shift for tcp_rmem[2] */ \
    .linux_rwnd = TRUE,                 /* tcp_select_initial_window(), tcp_grow_window() */ \
    .reset_options = TRUE,              /* tcp_send_active_reset() -> tcp_transmit_skb() */ \
    .burst_push = TRUE,                 /* PSH on a GSO packet, __tcp_transmit_skb() */ \
    .rack = TRUE,                       /* tcp_recovery = 1, tcp_early_retrans = 3 */ \
  }

static const TcpProfile profiles[] = {
  LINUX_PROFILE("linux", 4),            /* Linux 6.5 and later */
  LINUX_PROFILE("linux-5", 0),          /* before 6.5: RHEL 9, Debian 12 */
  {
    .name = "bsd",
    .time_wait = 60 * SIM_S,            /* 2 * net.inet.tcp.msl (30 s) */
    .port_lo = 49152, .port_hi = 65535, /* net.inet.ip.portrange.first/last */
    .tw_reuse = 0,
    .max_tw_buckets = 65536,            /* net.inet.tcp.maxtcptw */
    .rfc1337 = TRUE,                    /* tcp_twcheck() drops RSTs */
    .syn_retries = 6, .syn_linear_timeouts = 4, /* tcp_syn_backoff[] */
    .synack_retries = 3, .retries2 = 12, /* syncache.rexmtlimit, TCP_MAXRXTSHIFT */
    .fin_timeout = 60 * SIM_S,          /* net.inet.tcp.finwait2_timeout */
    .rto_min = 30 * SIM_MS, .rto_init = SIM_S, .rto_max = 64 * SIM_S,
    .delayed_ack = TRUE, .nagle = TRUE, .init_cwnd = 10, .mss = 1460,
    .timestamps = TRUE, .backlog = 128, .challenge_ack = TRUE,
    .invalid_ratelimit = 200 * SIM_MS,  /* net.inet.tcp.ack_war_cnt 5 per ack_war_timewindow 1 s */
    .rcvbuf = 65536, .sndbuf = 32768,  /* net.inet.tcp.recvspace, sendspace */
    .sndbuf_max = 2097152,              /* net.inet.tcp.sendbuf_max */
    .window_scaling = TRUE, .wscale = 6, /* rfc1323; shift for kern.ipc.maxsockbuf */
  },
  {
    .name = "windows",
    .time_wait = 120 * SIM_S,           /* TcpTimedWaitDelay */
    .port_lo = 49152, .port_hi = 65535, /* dynamic port range */
    .tw_reuse = 0,
    .max_tw_buckets = 16384,            /* MaxFreeTWTcbs (approximation) */
    .rfc1337 = FALSE,
    .syn_retries = 2, .syn_linear_timeouts = 0, /* TcpMaxConnectRetransmissions */
    .synack_retries = 2, .retries2 = 5, /* TcpMaxDataRetransmissions */
    .fin_timeout = 120 * SIM_S,
    .rto_min = 300 * SIM_MS, .rto_init = 3 * SIM_S, .rto_max = 120 * SIM_S,
    .delayed_ack = TRUE, .nagle = TRUE, .init_cwnd = 10, .mss = 1460,
    .timestamps = FALSE, .backlog = 200, .challenge_ack = FALSE,
    .invalid_ratelimit = 500 * SIM_MS,  /* not documented: Linux's value */
    .rcvbuf = 65536, .sndbuf = 65536,
    .sndbuf_max = 4194304,              /* send autotuning (approximation) */
    .window_scaling = TRUE, .wscale = 8, /* Tcp1323Opts; shift seen on the wire */
  },
  {
    .name = "rfc9293",
    .time_wait = 240 * SIM_S,           /* 2 * MSL, MSL = 2 min (3.4.2) */
    .port_lo = 49152, .port_hi = 65535, /* RFC 6335 6 */
    .tw_reuse = 0,
    .max_tw_buckets = G_MAXUINT32,
    .rfc1337 = FALSE,
    .syn_retries = 7, .syn_linear_timeouts = 0, /* R2 for SYN >= 3 min */
    .synack_retries = 7, .retries2 = 15,
    .fin_timeout = 0,                   /* no FIN_WAIT_2 timer in the RFC */
    .rto_min = SIM_S, .rto_init = SIM_S, .rto_max = 60 * SIM_S, /* RFC 6298 2 */
    .delayed_ack = TRUE, .nagle = TRUE, .init_cwnd = 4, .mss = 536,
    .timestamps = FALSE, .backlog = 128, .challenge_ack = FALSE,
    .invalid_ratelimit = 0,             /* RFC 9293 3.10.7.4: always ACK */
    .rcvbuf = 65535, .sndbuf = 65535, .sndbuf_max = 65535,
    .window_scaling = FALSE, .wscale = 0, /* RFC 7323 is not part of RFC 9293 */
  },
};

const TcpProfile *
tcp_profile_lookup(const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS(profiles); i++)
    if (strcmp(profiles[i].name, name) == 0) return &profiles[i];
  return NULL;
}

char *
tcp_profile_names(void)
{
  GString *names = g_string_new(NULL);
  for (gsize i = 0; i < G_N_ELEMENTS(profiles); i++)
    g_string_append_printf(names, "%s%s", i ? ", " : "", profiles[i].name);
  return g_string_free(names, FALSE);
}

typedef enum { KIND_TIME, KIND_INT, KIND_BOOL, KIND_RANGE } SettingKind;

typedef struct {
  const char *key;
  SettingKind kind;
  gsize       offset;
  gint64      lo, hi;    /* ints: range; times: lo only (ns) */
  const char *hint;
} Setting;

#define OFF(f) G_STRUCT_OFFSET(TcpProfile, f)
static const Setting settings[] = {
  { "time_wait", KIND_TIME, OFF(time_wait), 0, 0, "a duration such as \"60s\"" },
  { "port_range", KIND_RANGE, 0, 0, 0, "\"LOW-HIGH\" with 1 <= LOW <= HIGH <= 65535" },
  { "tw_reuse", KIND_INT, OFF(tw_reuse), 0, 2, "0, 1 or 2" },
  { "max_tw_buckets", KIND_INT, OFF(max_tw_buckets), 0, G_MAXUINT32, "a count" },
  { "rfc1337", KIND_BOOL, OFF(rfc1337), 0, 0, "true or false" },
  { "syn_retries", KIND_INT, OFF(syn_retries), 1, 127, "1..127" },
  { "syn_linear_timeouts", KIND_INT, OFF(syn_linear_timeouts), 0, 127, "0..127" },
  { "synack_retries", KIND_INT, OFF(synack_retries), 1, 127, "1..127" },
  { "retries2", KIND_INT, OFF(retries2), 1, 127, "1..127" },
  { "fin_timeout", KIND_TIME, OFF(fin_timeout), 0, 0, "a duration" },
  { "rto_min", KIND_TIME, OFF(rto_min), SIM_MS, 0, "a duration >= 1ms" },
  { "rto_init", KIND_TIME, OFF(rto_init), SIM_MS, 0, "a duration >= 1ms" },
  { "rto_max", KIND_TIME, OFF(rto_max), SIM_MS, 0, "a duration >= 1ms" },
  { "delayed_ack", KIND_BOOL, OFF(delayed_ack), 0, 0, "true or false" },
  { "nagle", KIND_BOOL, OFF(nagle), 0, 0, "true or false" },
  { "init_cwnd", KIND_INT, OFF(init_cwnd), 1, 1000, "1..1000" },
  { "mss", KIND_INT, OFF(mss), 64, 65495, "64..65495" },
  { "timestamps", KIND_BOOL, OFF(timestamps), 0, 0, "true or false" },
  { "sack", KIND_BOOL, OFF(sack), 0, 0, "true or false" },
  { "dsack", KIND_BOOL, OFF(dsack), 0, 0, "true or false" },
  { "backlog", KIND_INT, OFF(backlog), 1, 65535, "1..65535" },
  { "challenge_ack", KIND_BOOL, OFF(challenge_ack), 0, 0, "true or false" },
  { "invalid_ratelimit", KIND_TIME, OFF(invalid_ratelimit), 0, 0, "a duration (0: no limit)" },
  { "rcvbuf", KIND_INT, OFF(rcvbuf), 1024, 1 << 30, "1024..2^30" },
  { "sndbuf", KIND_INT, OFF(sndbuf), 1024, 1 << 30, "1024..2^30" },
  { "sndbuf_max", KIND_INT, OFF(sndbuf_max), 1024, 1 << 30, "1024..2^30" },
  { "window_scaling", KIND_BOOL, OFF(window_scaling), 0, 0, "true or false" },
  { "wscale", KIND_INT, OFF(wscale), 0, 14, "0..14" },
};

static gboolean
setting_apply(TcpProfile *p, const Setting *s, const char *value)
{
  guint8 *field = (guint8 *)p + s->offset;
  gint64 i;
  gboolean b;
  SimTime t;
  switch (s->kind) {
  case KIND_TIME:
    if (!setting_parse_duration(value, &t) || t < s->lo) return FALSE;
    *(SimTime *)field = t;
    return TRUE;
  case KIND_BOOL:
    if (!setting_parse_bool(value, &b)) return FALSE;
    *(gboolean *)field = b;
    return TRUE;
  case KIND_RANGE:
    return setting_parse_range(value, &p->port_lo, &p->port_hi);
  case KIND_INT:
    if (!setting_parse_int(value, s->lo, s->hi, &i)) return FALSE;
    if (s->offset == OFF(max_tw_buckets) || s->offset == OFF(rcvbuf) ||
        s->offset == OFF(sndbuf) || s->offset == OFF(sndbuf_max))
      *(guint32 *)field = (guint32)i;
    else if (s->offset == OFF(mss)) *(guint16 *)field = (guint16)i;
    else *(int *)field = (int)i;
    return TRUE;
  }
  return FALSE;
}

gboolean
tcp_profile_check(const TcpProfile *profile, GError **error)
{
  if (profile->rto_min > profile->rto_max) {
    char a[SIM_TIME_BUF], b[SIM_TIME_BUF];
    g_set_error(error, SIM_ERROR, SIM_ERROR_RANGE,
                "rto_min (%s s) is above rto_max (%s s)",
                sim_time_format(profile->rto_min, a), sim_time_format(profile->rto_max, b));
    return FALSE;
  }
  return TRUE;
}

gboolean
tcp_profile_set(TcpProfile *profile, const char *key, const char *value,
                GError **error)
{
  for (gsize i = 0; i < G_N_ELEMENTS(settings); i++) {
    if (strcmp(settings[i].key, key) != 0) continue;
    TcpProfile copy = *profile;
    if (!setting_apply(&copy, &settings[i], value)) {
      g_set_error(error, SIM_ERROR, SIM_ERROR_RANGE,
                  "bad value '%s' for TCP setting '%s' (expected %s)", value, key,
                  settings[i].hint);
      return FALSE;
    }
    *profile = copy;
    return TRUE;
  }
  const char *names[G_N_ELEMENTS(settings)];
  for (gsize i = 0; i < G_N_ELEMENTS(settings); i++) names[i] = settings[i].key;
  char *hint = sim_closest_hint(key, names, G_N_ELEMENTS(names));
  g_set_error(error, SIM_ERROR, SIM_ERROR_INVALID, "unknown TCP setting '%s'%s", key, hint);
  g_free(hint);
  return FALSE;
}
