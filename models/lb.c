/* Backend choice of a layer-4 load balancer (see lb.h). */
#include "lb.h"
#include <string.h>

LbService *
lb_service_new(NetAddr vip, guint16 vport, LbMode mode, gboolean snat)
{
  LbService *svc = g_new0(LbService, 1);
  svc->vip = vip;
  svc->vport = vport;
  svc->mode = mode;
  svc->snat = snat;
  svc->backends = g_array_new(FALSE, FALSE, sizeof(LbBackend));
  return svc;
}

void
lb_service_free(LbService *svc)
{
  if (svc == NULL) return;
  g_array_free(svc->backends, TRUE);
  g_free(svc->picked);
  g_free(svc);
}

void
lb_service_add(LbService *svc, NetAddr addr, guint16 port)
{
  LbBackend b = { addr, port };
  g_array_append_val(svc->backends, b);
  svc->picked = g_renew(guint64, svc->picked, svc->backends->len);
  svc->picked[svc->backends->len - 1] = 0;
}

gboolean
lb_mode_parse(const char *name, LbMode *out)
{
  if (strcmp(name, "rr") == 0) *out = LB_ROUND_ROBIN;
  else if (strcmp(name, "hash") == 0) *out = LB_HASH;
  else return FALSE;
  return TRUE;
}

const char *
lb_mode_name(LbMode mode)
{
  return mode == LB_HASH ? "hash" : "rr";
}

const LbBackend *
lb_pick(LbService *svc, const CtTuple *orig, const TcpHashKey *key)
{
  guint n = svc->backends->len;
  g_assert(n > 0);
  guint i;
  if (svc->mode == LB_HASH) {
    /* Keyed, so clients cannot aim at a backend; fixed for the run, so a
     * flow's packets and its retransmitted SYNs agree. */
    guint64 h = tcp_siphash_4u32(key, orig->src, orig->dst,
                                 (guint32)orig->sport << 16 | orig->dport, 6);
    i = (guint)(h % n);
  } else {
    i = svc->next;
    svc->next = (svc->next + 1) % n;
  }
  svc->picked[i]++;
  return &g_array_index(svc->backends, LbBackend, i);
}
