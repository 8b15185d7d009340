/* The tokens of a packetdrill script (packetdrill's own grammar,
 * syntax.md): numbers, words, strings, `shell` lines, %{ code }% blocks,
 * --options, "..." and punctuation, each with the line it starts on.
 *
 * Data flow: the script's text -> pkt_lex() -> a token array -> the parser
 * (pkt-parse.c).  Comments (// and slash-star) are dropped here.  Any byte
 * the grammar has no use for becomes a one-character PKT_TK_PUNCT, so the
 * parser names it in its error: the lexer itself never fails but on an
 * unterminated string, `command`, %{ block or comment. */
#pragma once
#include <glib.h>

typedef enum {
  PKT_TK_EOF,
  PKT_TK_INT,        /* 123: text and value */
  PKT_TK_HEX,        /* 0x1f: text and value */
  PKT_TK_FLOAT,      /* 1.5, .01: text only (times are read from it) */
  PKT_TK_IPV4,       /* 192.0.2.1 */
  PKT_TK_WORD,       /* [A-Za-z_][A-Za-z0-9_]* */
  PKT_TK_STRING,     /* "..." without the quotes */
  PKT_TK_BACKQ,      /* `...` without the backticks */
  PKT_TK_CODE,       /* %{ ... }% without the marks */
  PKT_TK_OPTION,     /* --name or --name=value, without the dashes */
  PKT_TK_ELLIPSIS,   /* ... */
  PKT_TK_PUNCT,      /* any other single character */
} PktTokenKind;

typedef struct {
  PktTokenKind kind;
  int          line;
  char        *text;     /* owned; the character itself for PUNCT */
  guint64      value;    /* INT and HEX */
} PktToken;

/* Splits `text` (NUL-terminated) into tokens, ending with PKT_TK_EOF.
 * NULL with a SIM_ERROR "PATH:LINE: ..." on an unterminated string,
 * command, code block or comment.  Free with pkt_tokens_free(). */
GArray *
pkt_lex(const char *path, const char *text, GError **error);

void
pkt_tokens_free(GArray *tokens);

/* How a token reads in an error message: 'S.', "end of file", ... */
char *
pkt_token_describe(const PktToken *tk);
