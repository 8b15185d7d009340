/* A NAT router's settings (r:set{} keys), the text forms of its rules,
 * and its counters by name (see nat.h). */
#include "nat.h"
#include "setting-parse.h"
#include "simerror.h"
#include <string.h>

/* r:set{} keys of the tracker's timeouts: Linux's sysctl names without
 * their nf_conntrack_tcp_ prefix. */
static const struct {
  const char *key;
  guint       timeout;
} timeout_keys[] = {
  { "timeout_syn_sent", CT_SYN_SENT },
  { "timeout_syn_recv", CT_SYN_RECV },
  { "timeout_established", CT_ESTABLISHED },
  { "timeout_fin_wait", CT_FIN_WAIT },
  { "timeout_close_wait", CT_CLOSE_WAIT },
  { "timeout_last_ack", CT_LAST_ACK },
  { "timeout_time_wait", CT_TIME_WAIT },
  { "timeout_close", CT_CLOSE },
  { "timeout_syn_sent2", CT_SYN_SENT2 },
  { "timeout_unacknowledged", CT_TIMEOUT_UNACK },
};

static gboolean
bad_value(GError **error, const char *key, const char *value, const char *hint)
{
  g_set_error(error, SIM_ERROR, SIM_ERROR_RANGE,
              "bad value '%s' for router setting '%s' (expected %s)", value, key, hint);
  return FALSE;
}

gboolean
nat_box_set(NatBox *box, const char *key, const char *value, GError **error)
{
  CtConfig *cfg = &box->ct.cfg;
  for (gsize i = 0; i < G_N_ELEMENTS(timeout_keys); i++) {
    if (strcmp(key, timeout_keys[i].key) != 0) continue;
    SimTime t;
    if (!setting_parse_duration(value, &t) || t < SIM_S)
      return bad_value(error, key, value, "a duration of at least 1s");
    cfg->timeout[timeout_keys[i].timeout] = t;
    nat_box_settings_changed(box);
    return TRUE;
  }
  gint64 n;
  gboolean b;
  if (strcmp(key, "conntrack_max") == 0) {
    if (!setting_parse_int(value, 0, G_MAXINT32, &n))
      return bad_value(error, key, value, "0 (no limit) .. 2147483647");
    cfg->max = (guint32)n;
  } else if (strcmp(key, "tcp_loose") == 0) {
    if (!setting_parse_bool(value, &b)) return bad_value(error, key, value, "true or false");
    cfg->loose = b;
  } else if (strcmp(key, "evict_closing") == 0) {
    if (!setting_parse_bool(value, &b)) return bad_value(error, key, value, "true or false");
    box->evict_closing = b;
  } else {
    g_set_error(error, SIM_ERROR, SIM_ERROR_INVALID, "unknown router setting '%s'", key);
    return FALSE;
  }
  return TRUE;
}

/* "a.b.c.d" SEP number in [lo, hi] ("10.0.0.0/24", "10.0.0.5:80"); with
 * `optional`, "a.b.c.d" alone leaves *num as it is. */
static gboolean
parse_addr_and(const char *text, char sep, gboolean optional, gint64 lo, gint64 hi,
               NetAddr *addr, gint64 *num)
{
  const char *at = strchr(text, sep);
  g_autofree char *a = g_strndup(text, at ? (gsize)(at - text) : strlen(text));
  if (at == NULL && !optional) return FALSE;
  if (at && !setting_parse_int(at + 1, lo, hi, num)) return FALSE;
  return net_addr_parse(a, addr, NULL);
}

gboolean
nat_parse_prefix(const char *text, NetAddr *addr, guint *prefix, GError **error)
{
  gint64 bits = 32;
  if (!parse_addr_and(text, '/', TRUE, 0, 32, addr, &bits)) {
    g_set_error(error, SIM_ERROR, SIM_ERROR_INVALID,
                "bad network '%s' (expected \"a.b.c.d/N\" with N 0..32)", text);
    return FALSE;
  }
  *prefix = (guint)bits;
  return TRUE;
}

gboolean
nat_parse_endpoint(const char *text, NetAddr *addr, guint16 *port, GError **error)
{
  gint64 p = 0;
  if (!parse_addr_and(text, ':', FALSE, 1, 65535, addr, &p)) {
    g_set_error(error, SIM_ERROR, SIM_ERROR_INVALID,
                "bad address and port '%s' (expected \"a.b.c.d:PORT\", PORT 1..65535)", text);
    return FALSE;
  }
  *port = (guint16)p;
  return TRUE;
}

gboolean
nat_parse_ports(const char *text, guint16 *lo, guint16 *hi, GError **error)
{
  if (setting_parse_range(text, lo, hi)) return TRUE;
  g_set_error(error, SIM_ERROR, SIM_ERROR_RANGE,
              "bad port range '%s' (expected \"LOW-HIGH\" with 1 <= LOW <= HIGH <= 65535)", text);
  return FALSE;
}

guint
nat_box_stats(const NatBox *box, NatStat *out)
{
  const CtTable *t = &box->ct;
  const NatStat all[] = {
    { "entries", t->count },
    { "entries_peak", t->c.peak },
    { "created", t->c.created },
    { "expired", t->c.expired },
    { "early_drops", t->c.early_drops },
    { "reopened", t->c.reopened },
    { "evicted", box->c.evicted },
    { "translated", box->c.translated },
    { "drops_full", box->c.drops_full },
    { "drops_invalid", box->c.drops_invalid },
    { "drops_no_port", box->c.drops_no_port },
    { "ports_max", nat_box_ports(box, FALSE) },
    { "ports_peak", nat_box_ports(box, TRUE) },
  };
  G_STATIC_ASSERT(G_N_ELEMENTS(all) == NAT_STATS_N);
  memcpy(out, all, sizeof all);
  return NAT_STATS_N;
}
