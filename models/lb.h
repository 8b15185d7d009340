/* A layer-4 load balancer: one virtual address and port spread over N
 * backends, as Linux IPVS or kube-proxy does it, by round robin or by a
 * keyed hash of the 4-tuple (the same flow always lands on the same
 * backend, as Maglev-style and ECMP balancers do).
 *
 * Data flow: the first packet of a flow to the virtual address reaches a
 * router that balances it (nat.c) -> lb_pick() chooses the backend -> nat.c
 * records the choice in the flow's conntrack entry (a destination NAT, and
 * with `snat` a source NAT to the virtual address too, so replies come
 * back through the balancer even when backends could route around it);
 * every later packet of the flow follows the entry, never this module. */
#pragma once
#include "hash.h"
#include "conntrack.h"

typedef enum {
  LB_ROUND_ROBIN,
  LB_HASH,
} LbMode;

typedef struct {
  NetAddr addr;
  guint16 port;
} LbBackend;

typedef struct {
  NetAddr    vip;          /* the virtual address (owned by the router) */
  guint16    vport;        /* its port */
  LbMode     mode;
  gboolean   snat;         /* full NAT: sources become the virtual address */
  GArray    *backends;     /* LbBackend, at least one */
  guint32    next;         /* round robin: the next backend's index */
  guint64   *picked;       /* flows sent to each backend */
} LbService;

/* A service with no backends yet (add them with lb_service_add). */
LbService *
lb_service_new(NetAddr vip, guint16 vport, LbMode mode, gboolean snat);
void
lb_service_free(LbService *svc);
void
lb_service_add(LbService *svc, NetAddr addr, guint16 port);

/* "rr" / "hash". */
gboolean
lb_mode_parse(const char *name, LbMode *out);
const char *
lb_mode_name(LbMode mode);

/* The backend for a new flow `orig` (a tuple towards vip:vport); `key`
 * keys the hash mode. */
const LbBackend *
lb_pick(LbService *svc, const CtTuple *orig, const TcpHashKey *key);
