/* Segments in and out (see pkt-run-internal.h): an inbound event becomes a
 * Packet from the peer, with its numbers made absolute; a packet the host
 * sent is matched field by field against an outbound event, in the
 * numbers the script uses (packetdrill's rules, run_packet.c):
 *   - a SYN's own sequence number is as written (the host's SYN defines
 *     its ISN: the script's number for it is learnt with the real one);
 *     the script's ISN is the sequence number of its first SYN after
 *     listen() or connect();
 *   - every other sequence number is relative to its side's ISN, and so
 *     are the acks, but for a SYN's ack, which is the other side's number
 *     as the script writes it (a SYN-ACK's ack of the script's SYN is
 *     absolute; an inbound SYN-ACK acks the host's SYN in the script's
 *     numbering);
 *   - the window and the options are checked only when the event gives
 *     them (<...> checks none); TS val only with --tcp_ts_tick_usecs, to
 *     within the tolerance; the TS ecr an inbound ACK carries must be a
 *     TS val the script wrote in an outbound segment, and becomes the
 *     host's value there. */
#include "pkt-run-internal.h"
#include <string.h>

/* ---- formatting ------------------------------------------------------------- */

static void
format_flags(GString *s, guint8 flags)
{
  static const struct { guint8 flag; char c; } order[] = {
    { TCP_FLAG_SYN, 'S' }, { TCP_FLAG_FIN, 'F' }, { TCP_FLAG_RST, 'R' }, { TCP_FLAG_PSH, 'P' },
    { TCP_FLAG_URG, 'U' }, { TCP_FLAG_ECE, 'E' }, { TCP_FLAG_CWR, 'W' }, { TCP_FLAG_ACK, '.' },
  };
  gsize before = s->len;
  for (gsize i = 0; i < G_N_ELEMENTS(order); i++)
    if (flags & order[i].flag) g_string_append_c(s, order[i].c);
  if (s->len == before) g_string_append_c(s, '-');
}

static void
format_opts(GString *s, const PktTcpOpt *o, guint n)
{
  g_string_append(s, " <");
  for (guint i = 0; i < n; i++, o++) {
    if (i) g_string_append_c(s, ',');
    switch (o->kind) {
    case PKT_OPT_NOP: g_string_append(s, "nop"); break;
    case PKT_OPT_EOL: g_string_append(s, "eol"); break;
    case PKT_OPT_SACKOK: g_string_append(s, "sackOK"); break;
    case PKT_OPT_MSS: g_string_append_printf(s, "mss %u", o->a); break;
    case PKT_OPT_WSCALE: g_string_append_printf(s, "wscale %u", o->a); break;
    case PKT_OPT_TS: g_string_append_printf(s, "TS val %u ecr %u", o->a, o->b); break;
    case PKT_OPT_SACK:
      g_string_append(s, "sack");
      for (guint b = 0; b < o->n_blocks; b++)
        g_string_append_printf(s, " %u:%u", o->blocks[2 * b], o->blocks[2 * b + 1]);
      break;
    case PKT_OPT_OTHER: g_string_append(s, o->name); break;
    }
  }
  g_string_append_c(s, '>');
}

static char *
format_script(const PktPacket *p)
{
  GString *s = g_string_new(NULL);
  format_flags(s, p->flags);
  g_string_append_printf(s, " %u:%u(%u)", p->seq, p->end, p->len);
  if (p->has_ack) g_string_append_printf(s, " ack %u", p->ack);
  if (p->has_win) g_string_append_printf(s, " win %u", p->win);
  if (p->has_urg) g_string_append_printf(s, " urg %u", p->urg);
  if (p->opts_any) g_string_append(s, " <...>");
  else if (p->opts) format_opts(s, (const PktTcpOpt *)p->opts->data, p->opts->len);
  return g_string_free(s, FALSE);
}

/* The options of a segment the host sent, laid out as Linux lays them out
 * (tcp_options_write; models/wire.c writes the same bytes), with the TS val
 * in the script's terms.  Returns the count written to o (at most 10). */
static guint
actual_opts(PktRun *run, const TcpSegment *seg, PktTcpOpt *o)
{
  guint n = 0;
  if (seg->opts & TCP_OPT_MSS) o[n++] = (PktTcpOpt){ .kind = PKT_OPT_MSS, .a = seg->mss };
  if (seg->opts & TCP_OPT_TS) {
    if (seg->opts & TCP_OPT_SACK_PERM) {
      o[n++] = (PktTcpOpt){ .kind = PKT_OPT_SACKOK };
    } else {
      o[n++] = (PktTcpOpt){ .kind = PKT_OPT_NOP };
      o[n++] = (PktTcpOpt){ .kind = PKT_OPT_NOP };
    }
    o[n++] = (PktTcpOpt){ .kind = PKT_OPT_TS, .a = seg->ts_val - run->ts_offset, .b = seg->ts_ecr };
  } else if (seg->opts & TCP_OPT_SACK_PERM) {
    o[n++] = (PktTcpOpt){ .kind = PKT_OPT_NOP };
    o[n++] = (PktTcpOpt){ .kind = PKT_OPT_NOP };
    o[n++] = (PktTcpOpt){ .kind = PKT_OPT_SACKOK };
  }
  if (seg->opts & TCP_OPT_WSCALE) {
    o[n++] = (PktTcpOpt){ .kind = PKT_OPT_NOP };
    o[n++] = (PktTcpOpt){ .kind = PKT_OPT_WSCALE, .a = seg->wscale };
  }
  if (seg->opts & TCP_OPT_SACK) {
    /* The blocks SACK the script's data: relative to its ISN. */
    o[n++] = (PktTcpOpt){ .kind = PKT_OPT_NOP };
    o[n++] = (PktTcpOpt){ .kind = PKT_OPT_NOP };
    PktTcpOpt *s = &o[n++];
    *s = (PktTcpOpt){ .kind = PKT_OPT_SACK, .n_blocks = MIN(seg->n_sack, PKT_SACK_MAX) };
    for (guint b = 0; b < s->n_blocks; b++) {
      s->blocks[2 * b] = seg->sack[b].start - run->remote_isn;
      s->blocks[2 * b + 1] = seg->sack[b].end - run->remote_isn;
    }
  }
  return n;
}

char *
pkt_packet_format_actual(PktRun *run, const Packet *pkt)
{
  const TcpSegment *seg = &pkt->tcp;
  GString *s = g_string_new(NULL);
  format_flags(s, seg->flags);
  gboolean syn = (seg->flags & TCP_FLAG_SYN) != 0;
  guint32 seq = seg->seq - run->local_isn;
  if (syn) seq = seg->seq == run->local_isn ? run->script_isn : 0;   /* a new ISN: its own 0 */
  g_string_append_printf(s, " %u:%u(%u)", seq, seq + seg->payload.len, seg->payload.len);
  if (seg->flags & TCP_FLAG_ACK)
    g_string_append_printf(s, " ack %u", seg->ack - (syn ? 0 : run->remote_isn));
  g_string_append_printf(s, " win %u", seg->win);
  PktTcpOpt o[10];
  guint n = actual_opts(run, seg, o);
  if (n) format_opts(s, o, n);
  return g_string_free(s, FALSE);
}

/* ---- inbound ---------------------------------------------------------------- */

void
pkt_packet_inject(PktRun *run, const PktEvent *ev)
{
  const PktPacket *p = &ev->pkt;
  if (run->tfo_server && (p->flags & TCP_FLAG_SYN) && p->len > 0) {
    pkt_run_fail(run, PKT_UNSUPPORTED, ev->line, "unsupported: a SYN with data to a host with "
                 "TCP Fast Open on (packetdrill's defaults.sh)");
    return;
  }
  Packet *pkt = packet_alloc();
  pkt->src = run->remote_addr;
  pkt->dst = run->local_addr;
  TcpSegment *seg = &pkt->tcp;
  seg->sport = run->rport;
  seg->dport = run->lport;
  seg->flags = p->flags;
  gboolean syn = (p->flags & TCP_FLAG_SYN) != 0;
  if (syn && run->remote_armed) {
    run->remote_isn = p->seq;
    run->remote_armed = FALSE;
  }
  seg->seq = p->seq + (syn ? 0 : run->remote_isn);
  if (p->flags & TCP_FLAG_ACK) seg->ack = p->ack + run->local_isn - (syn ? run->script_isn : 0);
  seg->win = (guint16)p->win;
  seg->urg = (guint16)p->urg;
  seg->payload.len = p->len;           /* zero bytes, as packetdrill sends */
  for (guint i = 0; p->opts && i < p->opts->len; i++) {
    const PktTcpOpt *o = &g_array_index(p->opts, PktTcpOpt, i);
    switch (o->kind) {
    case PKT_OPT_MSS: seg->opts |= TCP_OPT_MSS; seg->mss = (guint16)o->a; break;
    case PKT_OPT_WSCALE: seg->opts |= TCP_OPT_WSCALE; seg->wscale = (guint8)o->a; break;
    case PKT_OPT_SACKOK: seg->opts |= TCP_OPT_SACK_PERM; break;
    case PKT_OPT_TS: {
      gpointer live = NULL;
      if ((p->flags & TCP_FLAG_ACK) &&
          !g_hash_table_lookup_extended(run->ts_map, GUINT_TO_POINTER(o->b), NULL, &live)) {
        packet_free(pkt);
        pkt_run_fail(run, PKT_FAIL, ev->line, "no outbound segment had TS val %u, which this "
                     "TS ecr echoes", o->b);
        return;
      }
      seg->opts |= TCP_OPT_TS;
      seg->ts_val = o->a;
      seg->ts_ecr = (p->flags & TCP_FLAG_ACK) ? GPOINTER_TO_UINT(live) : o->b;
      break;
    }
    case PKT_OPT_NOP:
    case PKT_OPT_EOL:
      break;                           /* layout only: the stack reads the options */
    case PKT_OPT_SACK:
      /* The blocks SACK the host's data: relative to its ISN. */
      seg->opts |= TCP_OPT_SACK;
      seg->n_sack = (guint8)MIN(o->n_blocks, (guint)TCP_SACK_MAX);
      for (guint b = 0; b < seg->n_sack; b++) {
        seg->sack[b].start = o->blocks[2 * b] + run->local_isn;
        seg->sack[b].end = o->blocks[2 * b + 1] + run->local_isn;
      }
      break;
    case PKT_OPT_OTHER:
      packet_free(pkt);
      pkt_run_fail(run, PKT_UNSUPPORTED, ev->line, "unsupported: the TCP option %s", o->name);
      return;
    }
  }
  net_host_output(run->peer, pkt);
}

/* ---- outbound --------------------------------------------------------------- */

static gboolean
opts_match(PktRun *run, const PktPacket *p, const TcpSegment *seg, const char **what)
{
  if (p->opts_any) return TRUE;
  PktTcpOpt got[10];
  guint n = actual_opts(run, seg, got);
  guint want_n = p->opts ? p->opts->len : 0;
  if (n != want_n) {
    *what = "options";
    return FALSE;
  }
  SimTime tol_ticks = run->ts_tick ? run->tolerance / run->ts_tick + 1 : 0;
  for (guint i = 0; i < n; i++) {
    const PktTcpOpt *w = &g_array_index(p->opts, PktTcpOpt, i);
    if (w->kind != got[i].kind) {
      *what = "options";
      return FALSE;
    }
    if (w->kind == PKT_OPT_TS) {
      gint64 d = (gint64)(gint32)(got[i].a - w->a);
      if (run->ts_tick && (d < -tol_ticks || d > tol_ticks)) {
        *what = "TS val";
        return FALSE;
      }
      if (got[i].b != w->b) {
        *what = "TS ecr";
        return FALSE;
      }
    } else if (w->kind == PKT_OPT_SACK) {
      if (w->n_blocks != got[i].n_blocks ||
          memcmp(w->blocks, got[i].blocks, 2 * w->n_blocks * sizeof *w->blocks) != 0) {
        *what = "SACK blocks";
        return FALSE;
      }
    } else if (w->a != got[i].a) {
      *what = w->kind == PKT_OPT_MSS ? "mss" : "wscale";
      return FALSE;
    }
  }
  return TRUE;
}

/* What differs between the outbound event and the segment, or NULL. */
static const char *
packet_mismatch(PktRun *run, const PktPacket *p, const TcpSegment *seg)
{
  const char *what = NULL;
  if (seg->flags != p->flags) return "flags";
  gboolean syn = (seg->flags & TCP_FLAG_SYN) != 0;
  if (seg->seq - run->local_isn + (syn ? run->script_isn : 0) != p->seq) return "sequence number";
  if (seg->payload.len != p->len) return "payload length";
  if (p->has_ack && (seg->flags & TCP_FLAG_ACK) && seg->ack - (syn ? 0 : run->remote_isn) != p->ack)
    return "ack number";
  if (p->has_win && seg->win != p->win) return "window";
  if (p->has_urg && seg->urg != p->urg) return "urgent pointer";
  if (!opts_match(run, p, seg, &what)) return what;
  return NULL;
}

/* Learns what the host's packet tells of the connection: its ISN from a
 * SYN, its TS clock from the first timestamp. */
static void
learn(PktRun *run, const PktPacket *p, const TcpSegment *seg)
{
  if (seg->flags & TCP_FLAG_SYN && p->flags & TCP_FLAG_SYN) {
    run->local_isn = seg->seq;
    run->script_isn = p->seq;
    run->lport = seg->sport;            /* the connection the script now plays */
    run->rport = seg->dport;
  }
  if (!(seg->opts & TCP_OPT_TS) || p->opts == NULL) return;
  for (guint i = 0; i < p->opts->len; i++) {
    const PktTcpOpt *o = &g_array_index(p->opts, PktTcpOpt, i);
    if (o->kind != PKT_OPT_TS) continue;
    g_hash_table_insert(run->ts_map, GUINT_TO_POINTER(o->a), GUINT_TO_POINTER(seg->ts_val));
    if (run->ts_known) continue;
    run->ts_offset = seg->ts_val - o->a;
    run->ts_known = TRUE;
  }
}

void
pkt_packet_expect(PktRun *run, const PktEvent *ev, const Packet *pkt, SimTime lo, SimTime hi,
                  SimTime time)
{
  const PktPacket *p = &ev->pkt;
  if (p->opts) {
    for (guint i = 0; i < p->opts->len; i++) {
      const PktTcpOpt *o = &g_array_index(p->opts, PktTcpOpt, i);
      if (o->kind == PKT_OPT_OTHER) {
        pkt_run_fail(run, PKT_UNSUPPORTED, ev->line, "unsupported: the TCP option %s", o->name);
        return;
      }
    }
  }
  learn(run, p, &pkt->tcp);
  const char *what = packet_mismatch(run, p, &pkt->tcp);
  char buf[SIM_TIME_BUF], buf2[SIM_TIME_BUF];
  if (what == NULL && ev->time_kind != PKT_TIME_ANY &&
      (time < lo - run->tolerance || time > hi + run->tolerance)) {
    char *want = format_script(p);
    pkt_run_fail(run, PKT_FAIL, ev->line, "expected %s at %s s, got it at %s s", want,
                 sim_time_format(lo, buf), sim_time_format(time, buf2));
    g_free(want);
    return;
  }
  if (what == NULL) return;
  char *want = format_script(p), *got = pkt_packet_format_actual(run, pkt);
  pkt_run_fail(run, PKT_FAIL, ev->line, "expected %s, got %s (%s differs; t=%s s)", want, got,
               what, sim_time_format(time, buf));
  g_free(want);
  g_free(got);
}
