/* A parsed packetdrill script: its --options and its events, each with
 * the line it came from.  The parser (pkt-parse.c) reads packetdrill's
 * grammar (syntax.md) and keeps every event it can read, even one the
 * runner will not honour: what twsim cannot do (UDP, ICMP, IPv6, an
 * unknown system call) is the runner's to report as unsupported, at that
 * event's line; only text that is not packetdrill at all is an error here.
 *
 * Times are nanoseconds of script time (0 is the script's start). */
#pragma once
#include <glib.h>
#include "simtime.h"

typedef enum {
  PKT_TIME_ABS,          /* 0.1 */
  PKT_TIME_REL,          /* +0.1: after the previous event */
  PKT_TIME_ANY,          /* *: whenever it happens */
  PKT_TIME_RANGE_ABS,    /* 0.1~0.2 */
  PKT_TIME_RANGE_REL,    /* +0.1~+0.2 */
} PktTimeKind;

/* ---- TCP segments ---------------------------------------------------------- */

typedef enum {
  PKT_OPT_NOP,
  PKT_OPT_EOL,
  PKT_OPT_MSS,           /* a = mss */
  PKT_OPT_WSCALE,        /* a = shift */
  PKT_OPT_SACKOK,
  PKT_OPT_SACK,          /* blocks: n_blocks pairs of (start, end) */
  PKT_OPT_TS,            /* a = val, b = ecr */
  PKT_OPT_OTHER,         /* md5, FO, FOEXP: named in `name` */
} PktOptKind;

#define PKT_SACK_MAX 4

typedef struct {
  PktOptKind  kind;
  guint32     a, b;
  guint       n_blocks;
  guint32     blocks[2 * PKT_SACK_MAX];
  const char *name;      /* PKT_OPT_OTHER: static string */
} PktTcpOpt;

typedef struct {
  gboolean inbound;      /* '<': the script sends it; '>': the host must */
  guint8   flags;        /* TCP_FLAG_* (segment.h) */
  guint32  seq, end, len;
  gboolean has_ack, has_win, has_urg;
  guint32  ack, win, urg;
  gboolean opts_any;     /* <...>: options not checked */
  GArray  *opts;         /* PktTcpOpt in script order; NULL: none written */
} PktPacket;

/* ---- system calls ------------------------------------------------------- */

typedef enum {
  PKT_EXPR_ELLIPSIS,     /* ... */
  PKT_EXPR_INT,          /* 12, -1, 0x10: num */
  PKT_EXPR_WORD,         /* SOCK_STREAM: text */
  PKT_EXPR_STRING,       /* "abc": text */
  PKT_EXPR_ARRAY,        /* [a, b]: items */
  PKT_EXPR_STRUCT,       /* {a, b} or {onoff=1, linger=0}: items */
  PKT_EXPR_OR,           /* a|b: items[0], items[1] */
  PKT_EXPR_ASSIGN,       /* name=value: items[0] the name side, items[1] the value */
  PKT_EXPR_CALL,         /* htons(80), msg_iov(1): text and items */
} PktExprKind;

typedef struct PktExpr PktExpr;
struct PktExpr {
  PktExprKind kind;
  gint64      num;
  char       *text;
  GPtrArray  *items;     /* PktExpr*, owned; NULL when empty */
};

typedef struct {
  char      *name;
  GPtrArray *args;       /* PktExpr* */
  PktExpr   *result;     /* after '=' */
  char      *errno_name; /* EINPROGRESS, or NULL */
  gboolean   blocking;   /* "...END name(...)": returns at END */
  SimTime    end;        /* as written: relative to the previous event if
                            the event's time is relative */
} PktSyscall;

/* ---- events --------------------------------------------------------------- */

typedef enum {
  PKT_EV_PACKET,
  PKT_EV_SYSCALL,
  PKT_EV_COMMAND,        /* `shell command` */
  PKT_EV_CODE,           /* %{ python }% */
  PKT_EV_UNSUPPORTED,    /* a packet twsim cannot carry (UDP, ICMP...): `what` */
} PktEventKind;

typedef struct {
  int          line;
  PktTimeKind  time_kind;
  SimTime      time, time_end;   /* time_end: ranges only */
  PktEventKind kind;
  PktPacket    pkt;
  PktSyscall   call;
  char        *text;             /* COMMAND, CODE: the text; UNSUPPORTED: what */
} PktEvent;

typedef struct {
  char *name, *value;    /* value NULL for a bare --flag */
  int   line;
} PktOption;

typedef struct {
  char      *path;
  GPtrArray *options;    /* PktOption* */
  GPtrArray *events;     /* PktEvent* */
} PktScript;

/* Parses `text` (the contents of `path`).  NULL with a SIM_ERROR
 * "PATH:LINE: ..." naming the offending token when the script is not
 * packetdrill's language.  Free with pkt_script_free(). */
PktScript *
pkt_script_parse(const char *path, const char *text, GError **error);

/* Reads and parses the file; a read error is a SIM_ERROR too. */
PktScript *
pkt_script_load(const char *path, GError **error);

void
pkt_script_free(PktScript *script);

/* The value of --name, or NULL (also NULL if given without a value);
 * *found tells them apart when not NULL. */
const char *
pkt_script_option(const PktScript *script, const char *name, gboolean *found);
