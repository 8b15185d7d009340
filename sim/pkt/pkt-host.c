/* The script's settings of the host (see pkt-run-internal.h): its
 * --options, the sysctls its `shell` lines set, mapped to the host's TCP
 * settings where twsim has the setting (models/profile.h), and its
 * %{ }% blocks, whose assertions on tcpi_* fields are checked against the
 * fields twsim keeps.  Anything else is reported as unsupported. */
#include "pkt-run-internal.h"
#include <stdlib.h>
#include <string.h>

/* ---- --options ------------------------------------------------------------------ */

static gboolean
option_usecs(PktRun *run, const PktOption *o, SimTime *out)
{
  guint64 v;
  if (o->value && g_ascii_string_to_unsigned(o->value, 10, 1, 3600000000u, &v, NULL)) {
    *out = (SimTime)v * SIM_US;
    return TRUE;
  }
  pkt_run_fail(run, PKT_INVALID, o->line, "--%s: expected a number of microseconds, got '%s'",
               o->name, o->value ? o->value : "");
  return FALSE;
}

gboolean
pkt_host_options(PktRun *run)
{
  for (guint i = 0; i < run->script->options->len; i++) {
    const PktOption *o = run->script->options->pdata[i];
    if (!strcmp(o->name, "tolerance_usecs")) {
      if (!option_usecs(run, o, &run->tolerance)) return FALSE;
    } else if (!strcmp(o->name, "tcp_ts_tick_usecs")) {
      if (!option_usecs(run, o, &run->ts_tick)) return FALSE;
    } else if (!strcmp(o->name, "ip_version") && g_strcmp0(o->value, "ipv4") == 0) {
      continue;
    } else if (!strcmp(o->name, "local_ip") || !strcmp(o->name, "remote_ip")) {
      NetAddr *addr = o->name[0] == 'l' ? &run->local_addr : &run->remote_addr;
      if (o->value == NULL || !net_addr_parse(o->value, addr, NULL)) {
        pkt_run_fail(run, PKT_UNSUPPORTED, o->line, "unsupported: --%s other than an IPv4 address", o->name);
        return FALSE;
      }
      if (run->local_addr == run->remote_addr) {
        pkt_run_fail(run, PKT_INVALID, o->line, "--%s: the local and remote addresses are the same", o->name);
        return FALSE;
      }
    } else {
      pkt_run_fail(run, PKT_UNSUPPORTED, o->line, "unsupported: the option --%s", o->name);
      return FALSE;
    }
  }
  return TRUE;
}

/* ---- sysctls --------------------------------------------------------------------- */

typedef enum { AS_INT, AS_BOOL, AS_SECONDS, AS_MILLISECONDS } SysctlKind;

/* net.ipv4.X -> the host's setting, and how the value reads. */
static const struct { const char *sysctl, *key; SysctlKind kind; } sysctls[] = {
  { "tcp_timestamps", "timestamps", AS_BOOL },
  { "tcp_sack", "sack", AS_BOOL },
  { "tcp_dsack", "dsack", AS_BOOL },
  { "tcp_window_scaling", "window_scaling", AS_BOOL },
  { "tcp_syn_retries", "syn_retries", AS_INT },
  { "tcp_synack_retries", "synack_retries", AS_INT },
  { "tcp_syn_linear_timeouts", "syn_linear_timeouts", AS_INT },
  { "tcp_retries2", "retries2", AS_INT },
  { "tcp_fin_timeout", "fin_timeout", AS_SECONDS },
  { "tcp_max_tw_buckets", "max_tw_buckets", AS_INT },
  { "tcp_tw_reuse", "tw_reuse", AS_INT },
  { "tcp_rfc1337", "rfc1337", AS_BOOL },
  { "tcp_invalid_ratelimit", "invalid_ratelimit", AS_MILLISECONDS },
  { "somaxconn", "backlog", AS_INT },
};

/* One "name=value" (name with or without net.ipv4. or net.core., or a
 * /proc/sys path). */
static void
apply_sysctl(PktRun *run, const PktEvent *ev, const char *assignment)
{
  char *name = g_strdup(assignment);
  char *eq = strchr(name, '=');
  char *value = eq ? g_strstrip(eq + 1) : NULL;
  if (eq) *eq = '\0';
  const char *base = name;
  for (const char *p = name; *p; p++) if (*p == '.' || *p == '/') base = p + 1;
  if (value && (value[0] == '"' || value[0] == '\'')) {
    value++;
    value[strcspn(value, "\"'")] = '\0';
  }
  for (gsize i = 0; value && i < G_N_ELEMENTS(sysctls); i++) {
    if (strcmp(base, sysctls[i].sysctl) != 0) continue;
    char text[64];
    char *end;
    gint64 v = g_ascii_strtoll(value, &end, 10);
    if (*end != '\0' || end == value) break;
    switch (sysctls[i].kind) {
    case AS_INT: g_snprintf(text, sizeof text, "%" G_GINT64_FORMAT, v); break;
    case AS_BOOL: g_snprintf(text, sizeof text, "%s", v ? "true" : "false"); break;
    case AS_SECONDS: g_snprintf(text, sizeof text, "%" G_GINT64_FORMAT "s", v); break;
    case AS_MILLISECONDS: g_snprintf(text, sizeof text, "%" G_GINT64_FORMAT "ms", v); break;
    }
    GError *error = NULL;
    if (!tcp_stack_set(run->stack, sysctls[i].key, text, &error)) {
      pkt_run_fail(run, PKT_UNSUPPORTED, ev->line, "unsupported: %s=%s (%s)", base, value, error->message);
      g_error_free(error);
    }
    g_free(name);
    return;
  }
  pkt_run_fail(run, PKT_UNSUPPORTED, ev->line, "unsupported: the sysctl %s%s%s", base,
               value ? "=" : "", value ? value : "");
  g_free(name);
}

/* packetdrill's common/defaults.sh, where it differs from Linux's own
 * defaults in a setting twsim has: tcp_rmem's maximum of 15 MiB gives a
 * window scale of 8 (Linux's 6 MiB gives 7), SYN and SYN-ACK retries 5,
 * timestamps on.  The rest it sets is Linux's default or not modelled
 * (docs/pkt.md). */
static void
apply_defaults(PktRun *run, const PktEvent *ev)
{
  static const char *const settings[][2] = {
    { "wscale", "8" }, { "syn_retries", "5" }, { "synack_retries", "5" }, { "timestamps", "true" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(settings); i++) {
    gboolean ok = tcp_stack_set(run->stack, settings[i][0], settings[i][1], NULL);
    g_assert(ok);
  }
  /* Its tcp_fastopen=0x70403 answers a SYN with data as a Fast Open
   * server would: not modelled (pkt-packet.c). */
  run->tfo_server = TRUE;
}

/* tc on the tun device: a root pfifo of limit 0 makes the host's device
 * queue refuse every packet it sends (models/net.h tx_refuse), deleting
 * the root qdisc undoes it.  Other qdiscs are not modelled.  Redirections
 * of its output ("2>/dev/null") are ignored. */
static void
run_tc(PktRun *run, const PktEvent *ev, char **argv, const char *cmd)
{
  GPtrArray *args = g_ptr_array_new();
  for (char **a = argv + 1; *a; a++)
    if (!g_str_has_prefix(*a, ">") && !g_str_has_prefix(*a, "2>")) g_ptr_array_add(args, *a);
  g_ptr_array_add(args, NULL);
  char *line = g_strjoinv(" ", (char **)args->pdata);
  if (!strcmp(line, "qdisc delete dev tun0 root") || !strcmp(line, "qdisc del dev tun0 root")) {
    run->host->tx_refuse = FALSE;
  } else if (!strcmp(line, "qdisc add dev tun0 root pfifo limit 0") ||
             !strcmp(line, "qdisc replace dev tun0 root pfifo limit 0")) {
    run->host->tx_refuse = TRUE;
  } else {
    pkt_run_fail(run, PKT_UNSUPPORTED, ev->line, "unsupported: the shell command `%s`", cmd);
  }
  g_free(line);
  g_ptr_array_free(args, TRUE);
}

/* One shell command of a `...` line. */
static void
run_command(PktRun *run, const PktEvent *ev, const char *cmd)
{
  char **argv = NULL;
  if (*cmd == '\0') return;
  if (!g_shell_parse_argv(cmd, NULL, &argv, NULL)) {
    pkt_run_fail(run, PKT_UNSUPPORTED, ev->line, "unsupported: the shell command `%s`", cmd);
    return;
  }
  const char *prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
  if (!strcmp(prog, "defaults.sh")) {
    apply_defaults(run, ev);
  } else if (!strcmp(prog, "tc")) {
    run_tc(run, ev, argv, cmd);
  } else if (!strcmp(prog, "sysctl") || !strcmp(prog, "set_sysctls.py")) {
    for (char **a = argv + 1; *a && run->outcome == PKT_PASS; a++)
      if ((*a)[0] != '-') apply_sysctl(run, ev, *a);
  } else if (!strcmp(prog, "echo") && argv[1] && argv[2] && !strcmp(argv[2], ">") && argv[3] &&
             g_str_has_prefix(argv[3], "/proc/sys/") && !argv[4]) {
    char *assignment = g_strdup_printf("%s=%s", argv[3], argv[1]);
    apply_sysctl(run, ev, assignment);
    g_free(assignment);
  } else {
    pkt_run_fail(run, PKT_UNSUPPORTED, ev->line, "unsupported: the shell command `%s`", cmd);
  }
  g_strfreev(argv);
}

void
pkt_host_command(PktRun *run, const PktEvent *ev)
{
  /* A backslash before a newline continues the command. */
  char **lines = g_strsplit(ev->text, "\\\n", -1);
  char *text = g_strjoinv(" ", lines);
  char **cmds = g_regex_split_simple("[;\n]|&&", text, 0, 0);
  g_strfreev(lines);
  g_free(text);
  for (char **c = cmds; *c && run->outcome == PKT_PASS; c++) run_command(run, ev, g_strstrip(*c));
  g_strfreev(cmds);
}

/* ---- %{ tcpi_* assertions }% ---------------------------------------------------- */

/* Linux's TCP_* state numbers (include/net/tcp_states.h), as tcpi_state. */
static const int linux_state[TCP_STATE_N] = {
  [TCP_STATE_CLOSED] = 7, [TCP_STATE_LISTEN] = 10, [TCP_STATE_SYN_SENT] = 2,
  [TCP_STATE_SYN_RECEIVED] = 3, [TCP_STATE_ESTABLISHED] = 1, [TCP_STATE_FIN_WAIT_1] = 4,
  [TCP_STATE_FIN_WAIT_2] = 5, [TCP_STATE_CLOSE_WAIT] = 8, [TCP_STATE_CLOSING] = 11,
  [TCP_STATE_LAST_ACK] = 9, [TCP_STATE_TIME_WAIT] = 6,
};

/* One tcp_info field's name and value. */
typedef struct {
  const char *name;
  gint64      value;
} TcpiField;

static gboolean
tcpi_lookup(const TcpiField *fields, gsize n, const char *name, gint64 *out)
{
  for (gsize i = 0; i < n; i++) {
    if (strcmp(fields[i].name, name) != 0) continue;
    *out = fields[i].value;
    return TRUE;
  }
  return FALSE;
}

/* The loss-recovery fields of tcp_info, kept by connections that run
 * Linux's recovery (tcp-rack.h); tcpi_ca_state for any (NewReno's fast
 * recovery as TCP_CA_Recovery). */
static gboolean
tcpi_recovery_field(const TcpConn *c, const char *name, gint64 *out)
{
  const TcpRack *r = &c->rack;
  if (!strcmp(name, "tcpi_ca_state")) {
    *out = tcp_rack_on(c) ? r->ca_state : c->in_recovery ? TCP_CA_RECOVERY : TCP_CA_OPEN;
    return TRUE;
  }
  if (!tcp_rack_on(c)) return FALSE;
  const TcpiField fields[] = {
    { "tcpi_unacked", tcp_rack_packets_out(c) },
    { "tcpi_sacked", r->sacked_out },
    { "tcpi_lost", r->lost_out },
    { "tcpi_retrans", r->retrans_out },
    { "tcpi_reordering", r->reordering },
    { "tcpi_total_retrans", r->total_retrans },
  };
  return tcpi_lookup(fields, G_N_ELEMENTS(fields), name, out);
}

/* Linux's TCP_CA_* names (include/net/tcp.h), as scripts write them. */
static const struct { const char *name; TcpCaState value; } ca_names[] = {
  { "TCP_CA_Open", TCP_CA_OPEN }, { "TCP_CA_Disorder", TCP_CA_DISORDER },
  { "TCP_CA_CWR", TCP_CA_CWR }, { "TCP_CA_Recovery", TCP_CA_RECOVERY },
  { "TCP_CA_Loss", TCP_CA_LOSS },
};

/* The tcp_info fields twsim keeps, for the socket under test. */
static gboolean
tcpi_field(PktRun *run, const char *name, gint64 *out)
{
  PktFd *f = run->last_fd >= 0 && (guint)run->last_fd < run->fds->len ? run->fds->pdata[run->last_fd] : NULL;
  g_assert(f);
  TcpState st = tcp_socket_state(f->sock);
  if (!strcmp(name, "tcpi_state")) {
    *out = linux_state[st];
    return TRUE;
  }
  const TcpConn *c = tcp_socket_conn(f->sock);
  if (c == NULL) return FALSE;
  guint mss = MAX(c->mss, 1);
  SimTime now = sim_engine_now(run->engine), chrono[3];
  tcp_chrono_read(c, now, chrono);
  /* Linux's tcp_get_info(): the clocks in milliseconds (jiffies), the
   * chronographs in microseconds, busy time their sum. */
  const TcpiField fields[] = {
    { "tcpi_probes", c->probes },
    { "tcpi_last_data_recv", (now - c->lrcvtime) / SIM_MS },
    { "tcpi_last_data_sent", (now - c->lsndtime) / SIM_MS },
    { "tcpi_last_ack_recv", (now - c->rcv_tstamp) / SIM_MS },
    { "tcpi_busy_time", (chrono[0] + chrono[1] + chrono[2]) / SIM_US },
    { "tcpi_rwnd_limited", chrono[1] / SIM_US },
    { "tcpi_rto", c->rto / SIM_US },
    { "tcpi_backoff", c->retries },
    { "tcpi_retransmits", c->retries },
    { "tcpi_snd_cwnd", c->cwnd / mss },
    { "tcpi_snd_mss", c->mss },
    { "tcpi_advmss", c->adv_mss },
    { "tcpi_rcv_mss", c->rcv_mss },
    { "tcpi_rtt", c->srtt / SIM_US },
    { "tcpi_rttvar", c->rttvar / SIM_US },
    { "tcpi_snd_wscale", c->snd_wscale },
    { "tcpi_rcv_wscale", c->rcv_wscale },
  };
  return tcpi_lookup(fields, G_N_ELEMENTS(fields), name, out) ||
         tcpi_recovery_field(c, name, out);
}

typedef enum { CMP_EQ, CMP_NE, CMP_LE, CMP_GE, CMP_LT, CMP_GT } Cmp;

static gboolean
compare(gint64 a, Cmp op, gint64 b)
{
  switch (op) {
  case CMP_EQ: return a == b;
  case CMP_NE: return a != b;
  case CMP_LE: return a <= b;
  case CMP_GE: return a >= b;
  case CMP_LT: return a < b;
  case CMP_GT: return a > b;
  }
  return FALSE;
}

/* One operand: a number or a tcpi_* field; *field names the field read. */
static gboolean
operand(PktRun *run, const char *text, gint64 *out, const char **field, gboolean *unknown)
{
  char *end;
  *out = g_ascii_strtoll(text, &end, 0);
  if (*end == '\0' && end != text) return TRUE;
  for (gsize i = 0; i < G_N_ELEMENTS(ca_names); i++) {
    if (strcmp(text, ca_names[i].name) != 0) continue;
    *out = ca_names[i].value;
    return TRUE;
  }
  if (!g_str_has_prefix(text, "tcpi_")) return FALSE;
  *field = text;
  if (tcpi_field(run, text, out)) return TRUE;
  *unknown = TRUE;
  return FALSE;
}

/* "assert A op B [op C] [, message]": checked; anything else unsupported. */
static void
run_assert(PktRun *run, const PktEvent *ev, const char *stmt)
{
  static const char *const ops[] = { "==", "!=", "<=", ">=", "<", ">" };
  PktFd *f = run->last_fd >= 0 && (guint)run->last_fd < run->fds->len ? run->fds->pdata[run->last_fd] : NULL;
  if (f == NULL) {
    pkt_run_fail(run, PKT_INVALID, ev->line, "%%{ }%% block with no open socket to read tcp_info from");
    return;
  }
  if (!g_str_has_prefix(stmt, "assert ")) {
    pkt_run_fail(run, PKT_UNSUPPORTED, ev->line, "unsupported: Python code `%s`", stmt);
    return;
  }
  char *expr = g_strdup(stmt + 7);
  expr[strcspn(expr, ",")] = '\0';
  char **words = g_strsplit_set(g_strstrip(expr), " \t", -1);
  GPtrArray *toks = g_ptr_array_new();
  for (char **w = words; *w; w++) if (**w) g_ptr_array_add(toks, *w);
  gboolean ok = toks->len >= 3 && toks->len % 2 == 1, unknown = FALSE, holds = TRUE;
  const char *field = NULL;
  gint64 left = 0, right;
  if (ok) ok = operand(run, toks->pdata[0], &left, &field, &unknown);
  for (guint i = 1; ok && i + 1 < toks->len; i += 2) {
    int op = -1;
    for (gsize k = 0; k < G_N_ELEMENTS(ops); k++) if (!strcmp(toks->pdata[i], ops[k])) op = (int)k;
    ok = op >= 0 && operand(run, toks->pdata[i + 1], &right, &field, &unknown);
    if (ok) holds = holds && compare(left, (Cmp)op, right);
    left = right;
  }
  if (!ok && unknown) {
    pkt_run_fail(run, PKT_UNSUPPORTED, ev->line, "unsupported: %s (not a tcp_info field twsim keeps)", field);
  } else if (!ok) {
    pkt_run_fail(run, PKT_UNSUPPORTED, ev->line, "unsupported: Python code `%s`", stmt);
  } else if (!holds) {
    gint64 v = 0;
    if (field) tcpi_field(run, field, &v);
    char *when = pkt_run_when(run);
    pkt_run_fail(run, PKT_FAIL, ev->line, "expected %s, got %s = %" G_GINT64_FORMAT "%s",
                 g_strstrip(expr), field ? field : "false", v, when);
    g_free(when);
  }
  g_ptr_array_free(toks, TRUE);
  g_strfreev(words);
  g_free(expr);
}

void
pkt_host_code(PktRun *run, const PktEvent *ev)
{
  /* A backslash before a newline continues the line, as in Python. */
  char **lines = g_strsplit(ev->text, "\\\n", -1);
  char *text = g_strjoinv(" ", lines);
  char **stmts = g_regex_split_simple("[;\n]", text, 0, 0);
  g_strfreev(lines);
  g_free(text);
  for (char **s = stmts; *s && run->outcome == PKT_PASS; s++) {
    char *stmt = g_strstrip(*s);
    if (*stmt) run_assert(run, ev, stmt);
  }
  g_strfreev(stmts);
}
