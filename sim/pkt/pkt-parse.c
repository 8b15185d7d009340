/* The packetdrill script parser (see pkt-script.h): recursive descent over
 * pkt_lex()'s tokens, following packetdrill's grammar (syntax.md). */
#include "pkt-script.h"
#include "pkt-lex.h"
#include "segment.h"
#include "simerror.h"
#include <string.h>

typedef struct {
  const char *path;
  GArray     *tokens;
  guint       pos;
  GError    **error;
  gboolean    failed;
} Parser;

static const PktToken *
peek(Parser *ps, guint ahead)
{
  guint i = MIN(ps->pos + ahead, ps->tokens->len - 1);
  return &g_array_index(ps->tokens, PktToken, i);
}

/* The token just taken. */
static const PktToken *
prev(Parser *ps)
{
  return &g_array_index(ps->tokens, PktToken, ps->pos ? ps->pos - 1 : 0);
}

static const PktToken *
next(Parser *ps)
{
  const PktToken *tk = peek(ps, 0);
  if (tk->kind != PKT_TK_EOF) ps->pos++;
  return tk;
}

static gboolean
is_punct(const PktToken *tk, char c)
{
  return tk->kind == PKT_TK_PUNCT && tk->text[0] == c;
}

static gboolean
is_word(const PktToken *tk, const char *w)
{
  return tk->kind == PKT_TK_WORD && strcmp(tk->text, w) == 0;
}

/* Records the first error: "PATH:LINE: expected WHAT, got TOKEN". */
static gboolean
fail_at(Parser *ps, const PktToken *tk, const char *what)
{
  if (ps->failed) return FALSE;
  ps->failed = TRUE;
  char *got = pkt_token_describe(tk);
  g_set_error(ps->error, SIM_ERROR, SIM_ERROR_INVALID, "%s:%d: expected %s, got %s",
              ps->path, tk->line, what, got);
  g_free(got);
  return FALSE;
}

static gboolean
expect_punct(Parser *ps, char c)
{
  if (is_punct(peek(ps, 0), c)) {
    next(ps);
    return TRUE;
  }
  char what[8] = { '\'', c, '\'', 0 };
  return fail_at(ps, peek(ps, 0), what);
}

/* An unsigned 32-bit integer (sequence numbers, windows, options). */
static gboolean
expect_u32(Parser *ps, const char *what, guint32 *out)
{
  const PktToken *tk = peek(ps, 0);
  if ((tk->kind != PKT_TK_INT && tk->kind != PKT_TK_HEX) || tk->value > G_MAXUINT32)
    return fail_at(ps, tk, what);
  *out = (guint32)next(ps)->value;
  return TRUE;
}

/* ---- times ---------------------------------------------------------------- */

/* "1.5", ".01", "2" as nanoseconds, exactly (no floating point). */
static gboolean
time_from_token(Parser *ps, const PktToken *tk, SimTime *out)
{
  if (tk->kind != PKT_TK_INT && tk->kind != PKT_TK_FLOAT) return fail_at(ps, tk, "a time");
  const char *s = tk->text;
  SimTime secs = 0, frac = 0, scale = SIM_S;
  for (; g_ascii_isdigit(*s); s++) {
    if (secs >= 100000000) return fail_at(ps, tk, "a time under 10^9 seconds");
    secs = secs * 10 + (*s - '0');
  }
  if (*s == '.') s++;
  for (; g_ascii_isdigit(*s); s++) {
    scale /= 10;
    frac += (*s - '0') * scale;   /* digits past the ninth add nothing */
  }
  *out = secs * SIM_S + frac;
  return TRUE;
}

static gboolean
parse_time(Parser *ps, SimTime *out)
{
  return time_from_token(ps, next(ps), out);
}

static gboolean
parse_event_time(Parser *ps, PktEvent *ev)
{
  const PktToken *tk = peek(ps, 0);
  if (is_punct(tk, '*')) {
    next(ps);
    ev->time_kind = PKT_TIME_ANY;
    return TRUE;
  }
  gboolean rel = is_punct(tk, '+');
  if (rel) next(ps);
  ev->time_kind = rel ? PKT_TIME_REL : PKT_TIME_ABS;
  if (!parse_time(ps, &ev->time)) return FALSE;
  if (!is_punct(peek(ps, 0), '~')) return TRUE;
  next(ps);
  if (rel && !expect_punct(ps, '+')) return FALSE;
  ev->time_kind = rel ? PKT_TIME_RANGE_REL : PKT_TIME_RANGE_ABS;
  if (!parse_time(ps, &ev->time_end)) return FALSE;
  if (ev->time_end < ev->time) return fail_at(ps, prev(ps), "a range whose end is not before its start");
  return TRUE;
}

/* ---- expressions (system call arguments) ------------------------------------ */

static PktExpr *
expr_new(PktExprKind kind)
{
  PktExpr *e = g_new0(PktExpr, 1);
  e->kind = kind;
  return e;
}

static void
expr_free(gpointer data)
{
  PktExpr *e = data;
  if (e == NULL) return;
  g_free(e->text);
  if (e->items) g_ptr_array_free(e->items, TRUE);
  g_free(e);
}

static void
expr_add(PktExpr *e, PktExpr *item)
{
  if (e->items == NULL) e->items = g_ptr_array_new_with_free_func(expr_free);
  g_ptr_array_add(e->items, item);
}

static PktExpr *parse_expr(Parser *ps, int depth);

/* Items up to `close`, separated by commas, into e. */
static gboolean
parse_expr_list(Parser *ps, PktExpr *e, char close, int depth)
{
  if (is_punct(peek(ps, 0), close)) {
    next(ps);
    return TRUE;
  }
  for (;;) {
    PktExpr *item = parse_expr(ps, depth + 1);
    if (item == NULL) return FALSE;
    expr_add(e, item);
    if (is_punct(peek(ps, 0), ',')) {
      next(ps);
      continue;
    }
    return expect_punct(ps, close);
  }
}

static PktExpr *
parse_primary(Parser *ps, int depth)
{
  const PktToken *tk = peek(ps, 0);
  if (depth > 32) {
    fail_at(ps, tk, "an expression nested less than 32 deep");
    return NULL;
  }
  PktExpr *e = NULL;
  switch (tk->kind) {
  case PKT_TK_ELLIPSIS:
    next(ps);
    return expr_new(PKT_EXPR_ELLIPSIS);
  case PKT_TK_INT:
  case PKT_TK_HEX:
    next(ps);
    e = expr_new(PKT_EXPR_INT);
    e->num = (gint64)MIN(tk->value, (guint64)G_MAXINT64);
    return e;
  case PKT_TK_STRING:
    next(ps);
    e = expr_new(PKT_EXPR_STRING);
    e->text = g_strdup(tk->text);
    if (peek(ps, 0)->kind == PKT_TK_ELLIPSIS) next(ps);   /* "abc"... */
    return e;
  case PKT_TK_WORD:
    next(ps);
    e = expr_new(PKT_EXPR_WORD);
    e->text = g_strdup(tk->text);
    if (is_punct(peek(ps, 0), '(')) {
      next(ps);
      e->kind = PKT_EXPR_CALL;
      if (!parse_expr_list(ps, e, ')', depth)) {
        expr_free(e);
        return NULL;
      }
    }
    return e;
  case PKT_TK_PUNCT:
    if (tk->text[0] == '-' && (peek(ps, 1)->kind == PKT_TK_INT || peek(ps, 1)->kind == PKT_TK_HEX)) {
      next(ps);
      const PktToken *num = next(ps);
      e = expr_new(PKT_EXPR_INT);
      e->num = -(gint64)MIN(num->value, (guint64)G_MAXINT64);
      return e;
    }
    if (tk->text[0] == '[' || tk->text[0] == '{') {
      next(ps);
      e = expr_new(tk->text[0] == '[' ? PKT_EXPR_ARRAY : PKT_EXPR_STRUCT);
      if (!parse_expr_list(ps, e, tk->text[0] == '[' ? ']' : '}', depth)) {
        expr_free(e);
        return NULL;
      }
      return e;
    }
    break;
  default:
    break;
  }
  fail_at(ps, tk, "an expression");
  return NULL;
}

static PktExpr *
binary(PktExprKind kind, PktExpr *lhs, PktExpr *rhs)
{
  PktExpr *op = expr_new(kind);
  expr_add(op, lhs);
  expr_add(op, rhs);
  return op;
}

/* expr: or ['=' expr], the '=' only after a word or a call (name=value,
 * msg_iov(1)=[...]); or: primary ('|' primary)*. */
static PktExpr *
parse_expr(Parser *ps, int depth)
{
  PktExpr *e = parse_primary(ps, depth);
  while (e && is_punct(peek(ps, 0), '|')) {
    next(ps);
    PktExpr *rhs = parse_primary(ps, depth);
    if (rhs == NULL) {
      expr_free(e);
      return NULL;
    }
    e = binary(PKT_EXPR_OR, e, rhs);
  }
  if (e && is_punct(peek(ps, 0), '=') && (e->kind == PKT_EXPR_WORD || e->kind == PKT_EXPR_CALL)) {
    next(ps);
    PktExpr *rhs = parse_expr(ps, depth + 1);
    if (rhs == NULL) {
      expr_free(e);
      return NULL;
    }
    e = binary(PKT_EXPR_ASSIGN, e, rhs);
  }
  return e;
}

/* ---- system calls -------------------------------------------------------------- */

static gboolean
parse_syscall(Parser *ps, PktEvent *ev)
{
  PktSyscall *c = &ev->call;
  if (peek(ps, 0)->kind == PKT_TK_ELLIPSIS) {
    next(ps);
    c->blocking = TRUE;
    if (!parse_time(ps, &c->end)) return FALSE;
  }
  const PktToken *name = next(ps);
  if (name->kind != PKT_TK_WORD) return fail_at(ps, name, "a system call name");
  c->name = g_strdup(name->text);
  c->args = g_ptr_array_new_with_free_func(expr_free);
  if (!expect_punct(ps, '(')) return FALSE;
  PktExpr holder = { .items = c->args };   /* the arguments go straight into c->args */
  if (!parse_expr_list(ps, &holder, ')', 0)) return FALSE;
  if (!expect_punct(ps, '=')) return FALSE;
  c->result = parse_expr(ps, 0);
  if (c->result == NULL) return FALSE;
  /* "= -1 EAGAIN (Resource temporarily unavailable)", "= 0x2 (flags O_RDWR)" */
  int line = prev(ps)->line;
  const PktToken *tk = peek(ps, 0);
  if (tk->kind == PKT_TK_WORD && tk->line == line) c->errno_name = g_strdup(next(ps)->text);
  if (is_punct(peek(ps, 0), '(') && peek(ps, 0)->line == line) {
    int depth = 0;
    do {
      tk = next(ps);
      if (tk->kind == PKT_TK_EOF) return fail_at(ps, tk, "')' closing the note");
      depth += is_punct(tk, '(') - is_punct(tk, ')');
    } while (depth > 0);
  }
  return TRUE;
}

/* ---- TCP segments --------------------------------------------------------------- */

static gboolean
parse_flags(Parser *ps, PktPacket *p)
{
  const PktToken *tk = next(ps);
  if (is_punct(tk, '-')) return TRUE;
  if (is_punct(tk, '.')) {
    p->flags = TCP_FLAG_ACK;
    return TRUE;
  }
  if (tk->kind != PKT_TK_WORD) return fail_at(ps, tk, "TCP flags (S, F, R, P, E, W, U, '.' or '-')");
  static const char letters[] = "FSRPAUEW";
  for (const char *s = tk->text; *s; s++) {
    const char *at = strchr(letters, *s);
    if (at == NULL || *s == 'A') return fail_at(ps, tk, "TCP flags (S, F, R, P, E, W, U, '.' or '-')");
    p->flags |= (guint8)(1u << (at - letters));
  }
  if (is_punct(peek(ps, 0), '.') && peek(ps, 0)->line == tk->line) {
    next(ps);
    p->flags |= TCP_FLAG_ACK;
  }
  return TRUE;
}

static gboolean
parse_tcp_option(Parser *ps, PktTcpOpt *o)
{
  const PktToken *tk = next(ps);
  if (tk->kind != PKT_TK_WORD) return fail_at(ps, tk, "a TCP option");
  const char *w = tk->text;
  if (!strcmp(w, "nop")) { o->kind = PKT_OPT_NOP; return TRUE; }
  if (!strcmp(w, "eol")) { o->kind = PKT_OPT_EOL; return TRUE; }
  if (!strcmp(w, "sackOK")) { o->kind = PKT_OPT_SACKOK; return TRUE; }
  if (!strcmp(w, "mss")) { o->kind = PKT_OPT_MSS; return expect_u32(ps, "the MSS", &o->a); }
  if (!strcmp(w, "wscale")) { o->kind = PKT_OPT_WSCALE; return expect_u32(ps, "the window scale", &o->a); }
  if (!strcmp(w, "TS")) {
    o->kind = PKT_OPT_TS;
    if (!is_word(next(ps), "val")) return fail_at(ps, prev(ps), "'val'");
    if (!expect_u32(ps, "the TS value", &o->a)) return FALSE;
    if (!is_word(next(ps), "ecr")) return fail_at(ps, prev(ps), "'ecr'");
    return expect_u32(ps, "the TS echo reply", &o->b);
  }
  if (!strcmp(w, "sack")) {
    o->kind = PKT_OPT_SACK;
    while (peek(ps, 0)->kind == PKT_TK_INT) {
      guint32 a, b;
      if (!expect_u32(ps, "a SACK block start", &a) || !expect_punct(ps, ':') ||
          !expect_u32(ps, "a SACK block end", &b))
        return FALSE;
      if (o->n_blocks == PKT_SACK_MAX) return fail_at(ps, prev(ps), "at most 4 SACK blocks");
      o->blocks[2 * o->n_blocks] = a;
      o->blocks[2 * o->n_blocks + 1] = b;
      o->n_blocks++;
    }
    if (o->n_blocks == 0) return fail_at(ps, peek(ps, 0), "a SACK block START:END");
    return TRUE;
  }
  static const char *const others[] = { "md5", "FO", "FOEXP", "exp", "mptcp" };
  for (gsize i = 0; i < G_N_ELEMENTS(others); i++) {
    if (strcmp(w, others[i]) != 0) continue;
    o->kind = PKT_OPT_OTHER;
    o->name = others[i];
    /* Its argument (a cookie or key), if any. */
    while (!is_punct(peek(ps, 0), ',') && !is_punct(peek(ps, 0), '>') &&
           peek(ps, 0)->kind != PKT_TK_EOF)
      next(ps);
    return TRUE;
  }
  return fail_at(ps, tk, "a TCP option (nop, eol, mss, wscale, sackOK, sack, TS)");
}

static gboolean
parse_tcp_options(Parser *ps, PktPacket *p)
{
  next(ps);   /* '<' */
  if (peek(ps, 0)->kind == PKT_TK_ELLIPSIS) {
    next(ps);
    p->opts_any = TRUE;
    return expect_punct(ps, '>');
  }
  p->opts = g_array_new(FALSE, TRUE, sizeof(PktTcpOpt));
  for (;;) {
    PktTcpOpt o = { 0 };
    if (!parse_tcp_option(ps, &o)) return FALSE;
    g_array_append_val(p->opts, o);
    if (is_punct(peek(ps, 0), ',')) {
      next(ps);
      continue;
    }
    return expect_punct(ps, '>');
  }
}

/* Skips the rest of the event's line: a packet twsim cannot carry. */
static void
skip_line(Parser *ps, int line)
{
  while (peek(ps, 0)->kind != PKT_TK_EOF && peek(ps, 0)->line == line) next(ps);
}

static gboolean
unsupported_packet(Parser *ps, PktEvent *ev, const char *what)
{
  ev->kind = PKT_EV_UNSUPPORTED;
  ev->text = g_strdup(what);
  skip_line(ps, ev->line);
  return TRUE;
}

static gboolean
parse_packet(Parser *ps, PktEvent *ev)
{
  PktPacket *p = &ev->pkt;
  p->inbound = is_punct(next(ps), '<');
  const PktToken *tk = peek(ps, 0);
  if (is_punct(tk, '(') || is_punct(tk, '['))
    return unsupported_packet(ps, ev, "IP header fields (ECN, TOS, TTL, flow label)");
  if (tk->kind == PKT_TK_WORD) {
    static const char *const kinds[] = { "udp", "icmp", "ipv4", "ipv6", "gre", "mpls" };
    for (gsize i = 0; i < G_N_ELEMENTS(kinds); i++) {
      if (g_ascii_strcasecmp(tk->text, kinds[i]) != 0) continue;
      char *what = g_strdup_printf("%s packets", kinds[i]);
      unsupported_packet(ps, ev, what);
      g_free(what);
      return TRUE;
    }
  }
  if (tk->kind == PKT_TK_INT && is_punct(peek(ps, 1), '>'))
    return unsupported_packet(ps, ev, "explicit port numbers in a packet");
  if (!parse_flags(ps, p)) return FALSE;
  if (!expect_u32(ps, "the sequence number START:END(LEN)", &p->seq) || !expect_punct(ps, ':') ||
      !expect_u32(ps, "the END of START:END(LEN)", &p->end) || !expect_punct(ps, '(') ||
      !expect_u32(ps, "the LEN of START:END(LEN)", &p->len) || !expect_punct(ps, ')'))
    return FALSE;
  if (p->end - p->seq != p->len)
    return fail_at(ps, prev(ps), "START:END(LEN) with END - START = LEN");
  for (;;) {
    tk = peek(ps, 0);
    if (is_word(tk, "ack") && !p->has_ack) {
      next(ps);
      p->has_ack = TRUE;
      if (!expect_u32(ps, "the ack number", &p->ack)) return FALSE;
    } else if (is_word(tk, "win") && !p->has_win) {
      next(ps);
      p->has_win = TRUE;
      if (!expect_u32(ps, "the window", &p->win)) return FALSE;
      if (p->win > G_MAXUINT16) return fail_at(ps, prev(ps), "a window of at most 65535");
    } else if (is_word(tk, "urg") && !p->has_urg) {
      next(ps);
      p->has_urg = TRUE;
      if (!expect_u32(ps, "the urgent pointer", &p->urg)) return FALSE;
    } else {
      break;
    }
  }
  if (is_punct(peek(ps, 0), '<')) return parse_tcp_options(ps, p);
  return TRUE;
}

/* ---- events and the script ------------------------------------------------------- */

static void
event_free(gpointer data)
{
  PktEvent *ev = data;
  if (ev->pkt.opts) g_array_free(ev->pkt.opts, TRUE);
  g_free(ev->call.name);
  if (ev->call.args) g_ptr_array_free(ev->call.args, TRUE);
  expr_free(ev->call.result);
  g_free(ev->call.errno_name);
  g_free(ev->text);
  g_free(ev);
}

static void
option_free(gpointer data)
{
  PktOption *o = data;
  g_free(o->name);
  g_free(o->value);
  g_free(o);
}

static gboolean
parse_action(Parser *ps, PktEvent *ev)
{
  const PktToken *tk = peek(ps, 0);
  if (is_punct(tk, '<') || is_punct(tk, '>')) {
    ev->kind = PKT_EV_PACKET;
    return parse_packet(ps, ev);
  }
  if (tk->kind == PKT_TK_BACKQ || tk->kind == PKT_TK_CODE) {
    ev->kind = tk->kind == PKT_TK_BACKQ ? PKT_EV_COMMAND : PKT_EV_CODE;
    ev->text = g_strdup(next(ps)->text);
    return TRUE;
  }
  if (tk->kind == PKT_TK_ELLIPSIS || (tk->kind == PKT_TK_WORD && is_punct(peek(ps, 1), '('))) {
    ev->kind = PKT_EV_SYSCALL;
    return parse_syscall(ps, ev);
  }
  return fail_at(ps, tk, "a packet ('<' or '>'), a system call, a `command` or a %{ code }% block");
}

static gboolean
parse_one(Parser *ps, PktScript *script)
{
  const PktToken *tk = peek(ps, 0);
  if (tk->kind == PKT_TK_OPTION) {
    next(ps);
    PktOption *o = g_new0(PktOption, 1);
    const char *eq = strchr(tk->text, '=');
    o->name = eq ? g_strndup(tk->text, (gsize)(eq - tk->text)) : g_strdup(tk->text);
    o->value = eq ? g_strdup(eq + 1) : NULL;
    o->line = tk->line;
    g_ptr_array_add(script->options, o);
    return TRUE;
  }
  PktEvent *ev = g_new0(PktEvent, 1);
  ev->line = tk->line;
  g_ptr_array_add(script->events, ev);
  if (tk->kind == PKT_TK_BACKQ) {
    /* An init or cleanup command: no time of its own, runs in its turn. */
    ev->time_kind = PKT_TIME_REL;
    ev->kind = PKT_EV_COMMAND;
    ev->text = g_strdup(next(ps)->text);
    return TRUE;
  }
  if (!parse_event_time(ps, ev)) return FALSE;
  return parse_action(ps, ev);
}

PktScript *
pkt_script_parse(const char *path, const char *text, GError **error)
{
  GArray *tokens = pkt_lex(path, text, error);
  if (tokens == NULL) return NULL;
  PktScript *script = g_new0(PktScript, 1);
  script->path = g_strdup(path);
  script->options = g_ptr_array_new_with_free_func(option_free);
  script->events = g_ptr_array_new_with_free_func(event_free);
  Parser ps = { path, tokens, 0, error, FALSE };
  while (peek(&ps, 0)->kind != PKT_TK_EOF && parse_one(&ps, script)) {}
  pkt_tokens_free(tokens);
  if (ps.failed) {
    pkt_script_free(script);
    return NULL;
  }
  return script;
}

PktScript *
pkt_script_load(const char *path, GError **error)
{
  char *text = NULL;
  gsize len = 0;
  GError *io = NULL;
  if (!g_file_get_contents(path, &text, &len, &io)) {
    g_set_error(error, SIM_ERROR, SIM_ERROR_IO, "%s: cannot read the script: %s", path, io->message);
    g_error_free(io);
    return NULL;
  }
  const char *nul = memchr(text, '\0', len);
  if (nul) {
    int line = 1;
    for (const char *q = text; q < nul; q++) line += *q == '\n';
    g_set_error(error, SIM_ERROR, SIM_ERROR_INVALID, "%s:%d: a NUL byte: not a text script", path, line);
    g_free(text);
    return NULL;
  }
  PktScript *script = pkt_script_parse(path, text, error);
  g_free(text);
  return script;
}

void
pkt_script_free(PktScript *script)
{
  if (script == NULL) return;
  g_free(script->path);
  g_ptr_array_free(script->options, TRUE);
  g_ptr_array_free(script->events, TRUE);
  g_free(script);
}

const char *
pkt_script_option(const PktScript *script, const char *name, gboolean *found)
{
  for (guint i = script->options->len; i-- > 0;) {
    const PktOption *o = script->options->pdata[i];
    if (strcmp(o->name, name) != 0) continue;
    if (found) *found = TRUE;
    return o->value;
  }
  if (found) *found = FALSE;
  return NULL;
}
