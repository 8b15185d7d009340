/* The packetdrill script lexer (see pkt-lex.h). */
#include "pkt-lex.h"
#include "simerror.h"
#include <string.h>

typedef struct {
  const char *path;
  const char *p;
  int         line;
  GArray     *out;
} Lexer;

static void
push(Lexer *lx, PktTokenKind kind, int line, const char *start, gsize len)
{
  PktToken tk = { kind, line, g_strndup(start, len), 0 };
  if (kind == PKT_TK_INT)
    tk.value = g_ascii_strtoull(tk.text, NULL, 10);
  else if (kind == PKT_TK_HEX)
    tk.value = g_ascii_strtoull(tk.text + 2, NULL, 16);
  g_array_append_val(lx->out, tk);
}

/* Text up to `close` (counting newlines); FALSE if the file ends first. */
static gboolean
take_until(Lexer *lx, const char *close, PktTokenKind kind, int line)
{
  const char *end = strstr(lx->p, close);
  if (end == NULL) return FALSE;
  for (const char *q = lx->p; q < end; q++) lx->line += *q == '\n';
  if (kind != PKT_TK_EOF) push(lx, kind, line, lx->p, (gsize)(end - lx->p));
  lx->p = end + strlen(close);
  return TRUE;
}

/* A number: 12, 0x1f, 1.5, .01, 192.0.2.1.  "0...0.2" is 0, ..., 0.2: a
 * dot followed by a dot ends the number. */
static void
lex_number(Lexer *lx)
{
  const char *s = lx->p, *q = s;
  if (q[0] == '0' && (q[1] == 'x' || q[1] == 'X') && g_ascii_isxdigit(q[2])) {
    q += 2;
    while (g_ascii_isxdigit(*q)) q++;
    push(lx, PKT_TK_HEX, lx->line, s, (gsize)(q - s));
    lx->p = q;
    return;
  }
  int dots = 0;
  while (g_ascii_isdigit(*q) || (*q == '.' && q[1] != '.' && g_ascii_isdigit(q[1]))) {
    dots += *q == '.';
    q++;
  }
  /* "5." (a trailing dot before a space) is a float as well. */
  if (*q == '.' && q[1] != '.' && !g_ascii_isalpha(q[1]) && dots == 0 && q > s) {
    q++;
    dots = 1;
  }
  PktTokenKind kind = dots == 0 ? PKT_TK_INT : dots == 1 ? PKT_TK_FLOAT
                    : dots == 3 ? PKT_TK_IPV4 : PKT_TK_PUNCT;
  if (kind == PKT_TK_PUNCT) q = s + 1;
  push(lx, kind, lx->line, s, (gsize)(q - s));
  lx->p = q;
}

static GArray *
lex_fail(Lexer *lx, int line, const char *what, GError **error)
{
  g_set_error(error, SIM_ERROR, SIM_ERROR_INVALID, "%s:%d: %s", lx->path, line, what);
  pkt_tokens_free(lx->out);
  return NULL;
}

GArray *
pkt_lex(const char *path, const char *text, GError **error)
{
  Lexer lx = { path, text, 1, g_array_new(FALSE, FALSE, sizeof(PktToken)) };
  while (*lx.p) {
    const char *p = lx.p;
    int line = lx.line;
    if (*p == '\n') { lx.line++; lx.p++; continue; }
    if (g_ascii_isspace(*p)) { lx.p++; continue; }
    if (p[0] == '/' && p[1] == '/') {
      while (*lx.p && *lx.p != '\n') lx.p++;
      continue;
    }
    if (p[0] == '/' && p[1] == '*') {
      lx.p += 2;
      if (!take_until(&lx, "*/", PKT_TK_EOF, line))
        return lex_fail(&lx, line, "unterminated comment", error);
      continue;
    }
    if (p[0] == '%' && p[1] == '{') {
      lx.p += 2;
      if (!take_until(&lx, "}%", PKT_TK_CODE, line))
        return lex_fail(&lx, line, "unterminated %{ code block: no }%", error);
      continue;
    }
    if (*p == '`') {
      lx.p++;
      if (!take_until(&lx, "`", PKT_TK_BACKQ, line))
        return lex_fail(&lx, line, "unterminated `command`", error);
      continue;
    }
    if (*p == '"') {
      const char *q = p + 1;
      while (*q && *q != '"' && *q != '\n') q += (*q == '\\' && q[1]) ? 2 : 1;
      if (*q != '"') return lex_fail(&lx, line, "unterminated string", error);
      push(&lx, PKT_TK_STRING, line, p + 1, (gsize)(q - p - 1));
      lx.p = q + 1;
      continue;
    }
    if (p[0] == '-' && p[1] == '-' && g_ascii_isalpha(p[2])) {
      const char *q = p + 2;
      while (*q && !g_ascii_isspace(*q)) q++;
      push(&lx, PKT_TK_OPTION, line, p + 2, (gsize)(q - p - 2));
      lx.p = q;
      continue;
    }
    if (p[0] == '.' && p[1] == '.' && p[2] == '.') {
      push(&lx, PKT_TK_ELLIPSIS, line, p, 3);
      lx.p += 3;
      continue;
    }
    if (g_ascii_isdigit(*p) || (*p == '.' && g_ascii_isdigit(p[1]))) {
      lex_number(&lx);
      continue;
    }
    if (g_ascii_isalpha(*p) || *p == '_') {
      const char *q = p;
      while (g_ascii_isalnum(*q) || *q == '_') q++;
      push(&lx, PKT_TK_WORD, line, p, (gsize)(q - p));
      lx.p = q;
      continue;
    }
    push(&lx, PKT_TK_PUNCT, line, p, 1);
    lx.p++;
  }
  PktToken eof = { PKT_TK_EOF, lx.line, g_strdup(""), 0 };
  g_array_append_val(lx.out, eof);
  return lx.out;
}

void
pkt_tokens_free(GArray *tokens)
{
  if (tokens == NULL) return;
  for (guint i = 0; i < tokens->len; i++) g_free(g_array_index(tokens, PktToken, i).text);
  g_array_free(tokens, TRUE);
}

char *
pkt_token_describe(const PktToken *tk)
{
  switch (tk->kind) {
  case PKT_TK_EOF: return g_strdup("end of file");
  case PKT_TK_STRING: return g_strdup_printf("\"%s\"", tk->text);
  case PKT_TK_BACKQ: return g_strdup("`command`");
  case PKT_TK_CODE: return g_strdup("%{ code }%");
  case PKT_TK_OPTION: return g_strdup_printf("'--%s'", tk->text);
  case PKT_TK_PUNCT:
    if (!g_ascii_isprint(tk->text[0]))
      return g_strdup_printf("byte 0x%02x", (guint8)tk->text[0]);
    return g_strdup_printf("'%s'", tk->text);
  default: return g_strdup_printf("'%s'", tk->text);
  }
}
