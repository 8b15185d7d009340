/* System calls (see pkt-run-internal.h): each script call made on the
 * host's sockets (models/tcp-stack.h), its return value and errno checked
 * against the script's.  File descriptors are the script's, as in
 * packetdrill: a socket() or accept() that returns gets the number the
 * script expects, if that number is free (else the lowest free from 3).  A call that would block on a blocking
 * socket waits on the socket's waiter while the script goes on, and must
 * return when the script says ("...END"), as packetdrill runs it in a
 * thread. */
#include "pkt-run-internal.h"
#include "tcp-poll.h"
#include <string.h>

#define PKT_EBADF      9
#define PKT_ENOTSOCK  88
#define PKT_O_RDWR     2
#define PKT_O_NONBLOCK 0x800
#define PKT_MSG_MORE   0x8000

/* What one call did: a return value, and the errno when it is -1. */
typedef struct {
  gint64     ret;
  int        err;
  TcpSocket *wait_on;   /* CALL_BLOCKS: the socket whose waiter retries it */
  gsize      done;      /* CALL_BLOCKS in write: bytes already taken */
} CallResult;

typedef enum {
  CALL_DONE,
  CALL_BLOCKS,          /* would block: retry when the socket wakes */
  CALL_STOP,            /* failed or unsupported: already reported */
} CallStatus;

typedef CallStatus (*CallFn)(PktRun *run, const PktEvent *ev, CallResult *res);

static const char *
errno_name(int err)
{
  switch (err) {
  case PKT_EBADF: return "EBADF";
  case PKT_ENOTSOCK: return "ENOTSOCK";
  default: return tcp_errno_name(err);
  }
}

static CallStatus
unsupported(PktRun *run, const PktEvent *ev, const char *what)
{
  pkt_run_fail(run, PKT_UNSUPPORTED, ev->line, "unsupported: %s", what);
  return CALL_STOP;
}

static CallStatus
failed(CallResult *res, int err)
{
  res->ret = -1;
  res->err = err;
  return CALL_DONE;
}

static CallStatus
blocks(CallResult *res, PktFd *f)
{
  res->wait_on = f->sock;
  return CALL_BLOCKS;
}

static const PktExpr *
arg(const PktEvent *ev, guint i)
{
  return i < ev->call.args->len ? ev->call.args->pdata[i] : NULL;
}

/* The constants scripts name, with Linux's values. */
static const struct { const char *name; gint64 value; } constants[] = {
  { "AF_INET", 2 }, { "SOCK_STREAM", 1 }, { "IPPROTO_TCP", 6 }, { "SOL_TCP", 6 },
  { "SOL_SOCKET", 1 }, { "SO_REUSEADDR", 2 }, { "SO_ERROR", 4 }, { "SO_SNDBUF", 7 },
  { "SO_RCVBUF", 8 }, { "SO_LINGER", 13 }, { "TCP_NODELAY", 1 }, { "TCP_MAXSEG", 2 },
  { "TCP_USER_TIMEOUT", 18 },
  { "SHUT_RD", 0 }, { "SHUT_WR", 1 }, { "SHUT_RDWR", 2 }, { "F_GETFL", 3 }, { "F_SETFL", 4 },
  { "TCP_CORK", 3 }, { "MSG_MORE", PKT_MSG_MORE },
  { "O_RDONLY", 0 }, { "O_WRONLY", 1 }, { "O_RDWR", PKT_O_RDWR }, { "O_NONBLOCK", PKT_O_NONBLOCK },
  { "SIOCINQ", 0x541b }, { "FIONREAD", 0x541b },
  { "POLLIN", TCP_POLLIN }, { "POLLPRI", TCP_POLLPRI }, { "POLLOUT", TCP_POLLOUT },
  { "POLLERR", TCP_POLLERR }, { "POLLHUP", TCP_POLLHUP }, { "POLLNVAL", TCP_POLLNVAL },
  { "POLLRDNORM", TCP_POLLRDNORM }, { "POLLWRNORM", TCP_POLLWRNORM }, { "POLLRDHUP", TCP_POLLRDHUP },
};

/* An integer argument: a number, a named constant, an OR of them, or the
 * one number in [N]. */
static gboolean
expr_int(const PktExpr *e, gint64 *out)
{
  if (e == NULL) return FALSE;
  switch (e->kind) {
  case PKT_EXPR_INT:
    *out = e->num;
    return TRUE;
  case PKT_EXPR_WORD:
    for (gsize i = 0; i < G_N_ELEMENTS(constants); i++) {
      if (strcmp(e->text, constants[i].name) != 0) continue;
      *out = constants[i].value;
      return TRUE;
    }
    return FALSE;
  case PKT_EXPR_OR: {
    gint64 a, b;
    if (!expr_int(e->items->pdata[0], &a) || !expr_int(e->items->pdata[1], &b)) return FALSE;
    *out = a | b;
    return TRUE;
  }
  case PKT_EXPR_ARRAY:
    return e->items && e->items->len == 1 && expr_int(e->items->pdata[0], out);
  default:
    return FALSE;
  }
}

static gboolean
is_word(const PktExpr *e, const char *w)
{
  return e && e->kind == PKT_EXPR_WORD && strcmp(e->text, w) == 0;
}

static gboolean
is_any(const PktExpr *e)
{
  return e == NULL || e->kind == PKT_EXPR_ELLIPSIS;
}

/* The descriptor named by argument 0, or NULL with EBADF in res. */
static PktFd *
fd_arg(PktRun *run, const PktEvent *ev, CallResult *res)
{
  gint64 fd;
  if (!expr_int(arg(ev, 0), &fd) || fd < 0 || fd >= run->fds->len || run->fds->pdata[fd] == NULL) {
    failed(res, PKT_EBADF);
    return NULL;
  }
  return run->fds->pdata[fd];
}

static int
fd_new(PktRun *run, const PktEvent *ev, TcpSocket *sock)
{
  PktFd *f = g_new0(PktFd, 1);
  f->sock = sock;
  while (run->fds->len < PKT_FIRST_FD) g_ptr_array_add(run->fds, NULL);
  guint fd = PKT_FIRST_FD;
  gint64 want = ev->call.result->kind == PKT_EXPR_INT ? ev->call.result->num : -1;
  if (want >= PKT_FIRST_FD && want < 65536) {
    while (run->fds->len <= (guint)want) g_ptr_array_add(run->fds, NULL);
    if (run->fds->pdata[want] == NULL) fd = (guint)want;
  }
  while (fd < run->fds->len && run->fds->pdata[fd]) fd++;
  if (fd == run->fds->len) g_ptr_array_add(run->fds, f);
  else run->fds->pdata[fd] = f;
  run->last_fd = (int)fd;
  return (int)fd;
}

/* ---- the calls ------------------------------------------------------------------ */

static CallStatus
call_socket(PktRun *run, const PktEvent *ev, CallResult *res)
{
  gint64 v;
  if (!is_any(arg(ev, 0)) && !(expr_int(arg(ev, 0), &v) && v == 2))
    return unsupported(run, ev, "a socket family other than AF_INET");
  if (!(expr_int(arg(ev, 1), &v) && v == 1))
    return unsupported(run, ev, "a socket type other than SOCK_STREAM");
  res->ret = fd_new(run, ev, tcp_socket_new(run->stack));
  return CALL_DONE;
}

static CallStatus
result_of(CallResult *res, int err)
{
  if (err) return failed(res, err);
  res->ret = 0;
  return CALL_DONE;
}

static CallStatus
call_bind(PktRun *run, const PktEvent *ev, CallResult *res)
{
  PktFd *f = fd_arg(run, ev, res);
  if (f == NULL) return CALL_DONE;
  if (!is_any(arg(ev, 1))) return unsupported(run, ev, "bind() to an address other than ...");
  run->lport = PKT_SERVER_PORT;
  return result_of(res, tcp_socket_bind(f->sock, run->local_addr, PKT_SERVER_PORT));
}

static CallStatus
call_listen(PktRun *run, const PktEvent *ev, CallResult *res)
{
  PktFd *f = fd_arg(run, ev, res);
  gint64 backlog;
  if (f == NULL) return CALL_DONE;
  if (!expr_int(arg(ev, 1), &backlog)) return unsupported(run, ev, "listen() without a number");
  run->rport = PKT_REMOTE_PORT;
  run->remote_armed = TRUE;
  return result_of(res, tcp_socket_listen(f->sock, (int)CLAMP(backlog, 0, G_MAXINT)));
}

static CallStatus
call_accept(PktRun *run, const PktEvent *ev, CallResult *res)
{
  PktFd *f = fd_arg(run, ev, res);
  if (f == NULL) return CALL_DONE;
  int err = 0;
  TcpSocket *sock = tcp_socket_accept(f->sock, &err);
  if (sock) {
    res->ret = fd_new(run, ev, sock);
    return CALL_DONE;
  }
  if (err == TCP_EAGAIN && !f->nonblock) return blocks(res, f);
  return failed(res, err);
}

static CallStatus
call_connect(PktRun *run, const PktEvent *ev, CallResult *res)
{
  PktFd *f = fd_arg(run, ev, res);
  if (f == NULL) return CALL_DONE;
  if (run->blocked.ev == ev) {            /* a retry: has the handshake ended? */
    if (tcp_socket_state(f->sock) == TCP_STATE_SYN_SENT) return blocks(res, f);
    return result_of(res, tcp_socket_take_error(f->sock));
  }
  if (!is_any(arg(ev, 1))) return unsupported(run, ev, "connect() to an address other than ...");
  int err = tcp_socket_connect(f->sock, run->remote_addr, PKT_SERVER_PORT);
  if (err != TCP_EINPROGRESS) return result_of(res, err);
  TcpTuple t = tcp_socket_tuple(f->sock);
  run->lport = t.lport;
  run->rport = t.rport;
  run->remote_armed = TRUE;
  if (f->nonblock) return failed(res, TCP_EINPROGRESS);
  return blocks(res, f);
}

/* recv flags: only 0 is modelled (MSG_PEEK, MSG_DONTWAIT... are not). */
static gboolean
no_flags(const PktExpr *e)
{
  gint64 v;
  return e == NULL || (expr_int(e, &v) && v == 0);
}

/* The first name in a flags expression other than MSG_MORE, or NULL. */
static const char *
other_flag(const PktExpr *e)
{
  if (e->kind == PKT_EXPR_WORD) return strcmp(e->text, "MSG_MORE") == 0 ? NULL : e->text;
  if (e->kind != PKT_EXPR_OR) return NULL;
  const char *a = other_flag(e->items->pdata[0]);
  return a ? a : other_flag(e->items->pdata[1]);
}

/* send flags: 0 or MSG_MORE (*more); any other is reported unsupported,
 * by name (MSG_EOR, MSG_FASTOPEN, MSG_ZEROCOPY...). */
static gboolean
send_flags(PktRun *run, const PktEvent *ev, const PktExpr *e, gboolean *more)
{
  gint64 v = 0;
  *more = FALSE;
  if (e == NULL) return TRUE;
  const char *name = other_flag(e);
  if (expr_int(e, &v) && (v & ~(gint64)PKT_MSG_MORE) == 0 && name == NULL) {
    *more = (v & PKT_MSG_MORE) != 0;
    return TRUE;
  }
  char *what = name ? g_strdup_printf("the send flag %s", name)
                    : g_strdup("send flags other than 0 and MSG_MORE");
  unsupported(run, ev, what);
  g_free(what);
  return FALSE;
}

/* Queues len bytes (the part a blocked call has not yet handed over). */
static CallStatus
send_bytes(PktRun *run, const PktEvent *ev, PktFd *f, gint64 len, gboolean more,
           CallResult *res)
{
  gsize *done = run->blocked.ev == ev ? &run->blocked.done : &res->done;
  while ((gint64)*done < len) {
    gssize n = tcp_socket_send_more(f->sock, NULL, (gsize)len - *done, more);
    if (n > 0) {
      *done += (gsize)n;
      continue;
    }
    if (*done > 0 && (n != -TCP_EAGAIN || f->nonblock)) break;
    if (n == -TCP_EAGAIN && !f->nonblock) return blocks(res, f);
    return failed(res, (int)-n);
  }
  res->ret = (gint64)*done;
  return CALL_DONE;
}

static CallStatus
call_write(PktRun *run, const PktEvent *ev, CallResult *res)
{
  PktFd *f = fd_arg(run, ev, res);
  gint64 len;
  gboolean more;
  if (f == NULL) return CALL_DONE;
  if (!is_any(arg(ev, 1))) return unsupported(run, ev, "a buffer argument other than ...");
  if (!expr_int(arg(ev, 2), &len) || len < 0) return unsupported(run, ev, "a write length that is not a number");
  if (!send_flags(run, ev, arg(ev, 3), &more)) return CALL_STOP;
  return send_bytes(run, ev, f, len, more, res);
}

/* The msghdr's field `name` (name=value or name(N)=value): its value. */
static const PktExpr *
msghdr_field(const PktExpr *hdr, const char *name)
{
  for (guint i = 0; hdr->items && i < hdr->items->len; i++) {
    const PktExpr *kv = hdr->items->pdata[i];
    if (kv->kind != PKT_EXPR_ASSIGN) continue;
    const PktExpr *key = kv->items->pdata[0];
    if ((key->kind == PKT_EXPR_WORD || key->kind == PKT_EXPR_CALL) && strcmp(key->text, name) == 0)
      return kv->items->pdata[1];
  }
  return NULL;
}

/* sendmsg(fd, {msg_name(...)=..., msg_iov(N)=[{..., LEN}, ...],
 * msg_flags=0}, FLAGS): the iovecs' lengths add up to one write, as
 * tcp_sendmsg_locked() copies them into one stream. */
static CallStatus
call_sendmsg(PktRun *run, const PktEvent *ev, CallResult *res)
{
  PktFd *f = fd_arg(run, ev, res);
  const PktExpr *hdr = arg(ev, 1);
  gboolean more;
  if (f == NULL) return CALL_DONE;
  if (hdr == NULL || hdr->kind != PKT_EXPR_STRUCT)
    return unsupported(run, ev, "a sendmsg() header twsim cannot read");
  for (guint i = 0; hdr->items && i < hdr->items->len; i++) {
    const PktExpr *kv = hdr->items->pdata[i];
    const PktExpr *key = kv->kind == PKT_EXPR_ASSIGN ? kv->items->pdata[0] : NULL;
    if (key == NULL || key->text == NULL ||
        (strcmp(key->text, "msg_name") != 0 && strcmp(key->text, "msg_iov") != 0 &&
         strcmp(key->text, "msg_flags") != 0))
      return unsupported(run, ev, "a sendmsg() header field other than msg_name, msg_iov, msg_flags");
  }
  const PktExpr *iov = msghdr_field(hdr, "msg_iov");
  gint64 len = 0, part;
  if (!is_any(msghdr_field(hdr, "msg_name")) || iov == NULL || iov->kind != PKT_EXPR_ARRAY)
    return unsupported(run, ev, "a sendmsg() without msg_name ... and an msg_iov array");
  for (guint i = 0; iov->items && i < iov->items->len; i++) {
    const PktExpr *v = iov->items->pdata[i];
    if (v->kind != PKT_EXPR_STRUCT || v->items == NULL || v->items->len != 2 ||
        !is_any(v->items->pdata[0]) || !expr_int(v->items->pdata[1], &part) || part < 0 ||
        part > G_MAXINT32 - len)
      return unsupported(run, ev, "an iovec other than {..., LEN} (LEN below 2^31 in all)");
    len += part;
  }
  if (!send_flags(run, ev, arg(ev, 2), &more)) return CALL_STOP;
  return send_bytes(run, ev, f, len, more, res);
}

static CallStatus
call_read(PktRun *run, const PktEvent *ev, CallResult *res)
{
  PktFd *f = fd_arg(run, ev, res);
  gint64 len;
  if (f == NULL) return CALL_DONE;
  if (!is_any(arg(ev, 1))) return unsupported(run, ev, "a buffer argument other than ...");
  if (!expr_int(arg(ev, 2), &len) || len < 0) return unsupported(run, ev, "a read length that is not a number");
  if (!no_flags(arg(ev, 3))) return unsupported(run, ev, "recv flags (MSG_*)");
  GBytes *bytes = NULL;
  gssize n = tcp_socket_recv(f->sock, (gsize)len, &bytes);
  if (bytes) g_bytes_unref(bytes);
  if (n >= 0) {
    res->ret = n;
    return CALL_DONE;
  }
  if (n == -TCP_EAGAIN && !f->nonblock) return blocks(res, f);
  return failed(res, (int)-n);
}

static CallStatus
call_close(PktRun *run, const PktEvent *ev, CallResult *res)
{
  PktFd *f = fd_arg(run, ev, res);
  if (f == NULL) return CALL_DONE;
  gint64 fd;
  expr_int(arg(ev, 0), &fd);
  if (run->blocked.ev && run->blocked.sock == f->sock)
    return unsupported(run, ev, "close() of a socket a blocking call waits on");
  tcp_socket_set_waiter(f->sock, NULL, NULL);
  tcp_socket_close(f->sock);
  run->fds->pdata[fd] = NULL;
  g_free(f);
  res->ret = 0;
  return CALL_DONE;
}

static CallStatus
call_shutdown(PktRun *run, const PktEvent *ev, CallResult *res)
{
  PktFd *f = fd_arg(run, ev, res);
  gint64 how;
  if (f == NULL) return CALL_DONE;
  if (!expr_int(arg(ev, 1), &how) || how < 0 || how > 2)
    return unsupported(run, ev, "shutdown() other than SHUT_RD, SHUT_WR, SHUT_RDWR");
  return result_of(res, tcp_socket_shutdown(f->sock, (int)how + 1));
}

/* SO_LINGER's {onoff=1, linger=N}: the value of field `name`. */
static gboolean
struct_field(const PktExpr *e, const char *name, gint64 *out)
{
  if (e == NULL || e->kind != PKT_EXPR_STRUCT || e->items == NULL) return FALSE;
  for (guint i = 0; i < e->items->len; i++) {
    const PktExpr *kv = e->items->pdata[i];
    if (kv->kind == PKT_EXPR_ASSIGN && is_word(kv->items->pdata[0], name))
      return expr_int(kv->items->pdata[1], out);
  }
  return FALSE;
}

static CallStatus
set_stack(PktRun *run, const PktEvent *ev, const char *key, gint64 value, CallResult *res)
{
  char text[32];
  g_snprintf(text, sizeof text, "%" G_GINT64_FORMAT, value);
  GError *error = NULL;
  if (tcp_stack_set(run->stack, key, text, &error)) {
    res->ret = 0;
    return CALL_DONE;
  }
  g_error_free(error);
  return failed(res, TCP_EINVAL);
}

static CallStatus
call_setsockopt(PktRun *run, const PktEvent *ev, CallResult *res)
{
  PktFd *f = fd_arg(run, ev, res);
  if (f == NULL) return CALL_DONE;
  const PktExpr *name = arg(ev, 2), *val = arg(ev, 3);
  gint64 v = 0, onoff, secs;
  if (is_word(name, "SO_LINGER") && struct_field(val, "onoff", &onoff) && struct_field(val, "linger", &secs))
    return result_of(res, tcp_socket_setopt(f->sock, "linger", onoff ? secs : -1));
  if (!expr_int(val, &v)) return unsupported(run, ev, "a setsockopt() value twsim cannot read");
  if (is_word(name, "SO_REUSEADDR")) return result_of(res, tcp_socket_setopt(f->sock, "reuseaddr", v != 0));
  if (is_word(name, "TCP_NODELAY")) return result_of(res, tcp_socket_setopt(f->sock, "nodelay", v != 0));
  if (is_word(name, "TCP_CORK")) return result_of(res, tcp_socket_setopt(f->sock, "cork", v != 0));
  if (is_word(name, "TCP_USER_TIMEOUT")) return result_of(res, tcp_socket_setopt(f->sock, "user_timeout", v));
  /* The host's settings stand for the socket's: the script drives one
   * connection (and Linux's children inherit them from the listener). */
  if (is_word(name, "TCP_MAXSEG")) {
    CallStatus st = set_stack(run, ev, "mss", v, res);
    if (res->ret == 0) f->user_mss = (guint32)v;
    return st;
  }
  v = CLAMP(v, -1, G_MAXINT32);   /* beyond any buffer size: the host's range check refuses it */
  if (is_word(name, "SO_RCVBUF")) return set_stack(run, ev, "rcvbuf", 2 * v, res);   /* Linux doubles it */
  if (is_word(name, "SO_SNDBUF")) return set_stack(run, ev, "sndbuf", 2 * v, res);
  char *what = g_strdup_printf("setsockopt %s", name && name->text ? name->text : "(a number)");
  unsupported(run, ev, what);
  g_free(what);
  return CALL_STOP;
}

/* A value a call reports (getsockopt's, ioctl's) against the script's. */
static CallStatus
check_value(PktRun *run, const PktEvent *ev, const char *what, gint64 want, gint64 got,
            CallResult *res)
{
  if (want != got) {
    char *when = pkt_run_when(run);
    pkt_run_fail(run, PKT_FAIL, ev->line, "expected %s %" G_GINT64_FORMAT ", got %" G_GINT64_FORMAT "%s",
                 what, want, got, when);
    g_free(when);
    return CALL_STOP;
  }
  res->ret = 0;
  return CALL_DONE;
}

/* getsockopt(fd, level, name, [value], [len]): the value checked here. */
static CallStatus
call_getsockopt(PktRun *run, const PktEvent *ev, CallResult *res)
{
  PktFd *f = fd_arg(run, ev, res);
  if (f == NULL) return CALL_DONE;
  const PktExpr *name = arg(ev, 2);
  gint64 got, want;
  if (is_word(name, "SO_ERROR")) {
    got = tcp_socket_take_error(f->sock);
  } else if (is_word(name, "TCP_MAXSEG")) {
    const TcpConn *c = tcp_socket_conn(f->sock);
    TcpState st = tcp_socket_state(f->sock);
    gboolean synced = c && st != TCP_STATE_CLOSED && st != TCP_STATE_LISTEN && st != TCP_STATE_SYN_SENT;
    got = synced ? c->mss : f->user_mss ? f->user_mss : 536;   /* Linux: TCP_MSS_DEFAULT */
  } else if (is_word(name, "TCP_NODELAY") || is_word(name, "TCP_CORK")) {
    const TcpConn *c = tcp_socket_conn(f->sock);
    got = c && (is_word(name, "TCP_CORK") ? c->cork : c->nodelay);
  } else if (is_word(name, "TCP_USER_TIMEOUT")) {
    const TcpConn *c = tcp_socket_conn(f->sock);
    got = c ? c->user_timeout / SIM_MS : 0;
  } else {
    char *what = g_strdup_printf("getsockopt %s", name && name->text ? name->text : "(a number)");
    unsupported(run, ev, what);
    g_free(what);
    return CALL_STOP;
  }
  if (is_any(arg(ev, 3)) || !expr_int(arg(ev, 3), &want)) want = got;
  char *what = g_strdup_printf("getsockopt %s =", name->text);
  CallStatus st = check_value(run, ev, what, want, got, res);
  g_free(what);
  return st;
}

static CallStatus
call_fcntl(PktRun *run, const PktEvent *ev, CallResult *res)
{
  PktFd *f = fd_arg(run, ev, res);
  gint64 cmd, flags;
  if (f == NULL) return CALL_DONE;
  if (!expr_int(arg(ev, 1), &cmd)) return unsupported(run, ev, "an fcntl() command twsim cannot read");
  if (cmd == 3) {             /* F_GETFL */
    res->ret = PKT_O_RDWR | (f->nonblock ? PKT_O_NONBLOCK : 0);
    return CALL_DONE;
  }
  if (cmd != 4 || !expr_int(arg(ev, 2), &flags))
    return unsupported(run, ev, "fcntl() other than F_GETFL and F_SETFL");
  f->nonblock = (flags & PKT_O_NONBLOCK) != 0;
  res->ret = 0;
  return CALL_DONE;
}

/* ioctl(fd, SIOCINQ, [N]): bytes ready to read. */
static CallStatus
call_ioctl(PktRun *run, const PktEvent *ev, CallResult *res)
{
  PktFd *f = fd_arg(run, ev, res);
  gint64 req, want;
  if (f == NULL) return CALL_DONE;
  if (!expr_int(arg(ev, 1), &req) || req != 0x541b)
    return unsupported(run, ev, "ioctl() other than SIOCINQ and FIONREAD");
  const TcpConn *c = tcp_socket_conn(f->sock);
  gint64 got = c && c->rcv_buf ? c->rcv_buf->len : 0;
  if (!expr_int(arg(ev, 2), &want)) want = got;
  return check_value(run, ev, "bytes ready to read:", want, got, res);
}

static void blocked_retry(SimEngine *engine, gpointer user);

/* poll's wait ran out: it returns 0. */
static void
poll_timeout(SimEngine *engine, gpointer user)
{
  PktRun *run = user;
  run->blocked.timeout = 0;
  run->blocked.timed_out = TRUE;
  blocked_retry(engine, run);
}

/* poll([{fd=N, events=E[, revents=R]}], 1, TIMEOUT_MS): one descriptor;
 * revents checked when given.  Blocks until an event or the timeout. */
static CallStatus
call_poll(PktRun *run, const PktEvent *ev, CallResult *res)
{
  const PktExpr *fds = arg(ev, 0);
  gint64 fd, events, want, timeout;
  if (fds == NULL || fds->kind != PKT_EXPR_ARRAY || fds->items == NULL || fds->items->len != 1 ||
      !struct_field(fds->items->pdata[0], "fd", &fd) ||
      !struct_field(fds->items->pdata[0], "events", &events) || !expr_int(arg(ev, 2), &timeout))
    return unsupported(run, ev, "poll() other than on one {fd=N, events=E} with a timeout");
  PktFd *f = fd >= 0 && fd < run->fds->len ? run->fds->pdata[fd] : NULL;
  guint got = f ? tcp_socket_poll(f->sock) & ((guint)events | TCP_POLLERR | TCP_POLLHUP)
                : TCP_POLLNVAL;
  gboolean first = run->blocked.ev != ev;
  if (got == 0 && timeout != 0 && (first || !run->blocked.timed_out)) {
    if (first && timeout > 0 && run->blocked.ev == NULL) {
      SimTime wait = MIN(timeout, G_GINT64_CONSTANT(1000000000000)) * SIM_MS;   /* 10^9 s at most */
      run->blocked.timeout = sim_engine_schedule_in(run->engine, wait, poll_timeout, run, NULL);
    }
    return blocks(res, f);
  }
  if (struct_field(fds->items->pdata[0], "revents", &want) && want != (gint64)got) {
    char *when = pkt_run_when(run);
    pkt_run_fail(run, PKT_FAIL, ev->line, "expected poll revents 0x%" G_GINT64_MODIFIER "x, got 0x%x%s",
                 want, got, when);
    g_free(when);
    return CALL_STOP;
  }
  res->ret = got != 0;
  return CALL_DONE;
}

static const struct { const char *name; CallFn fn; } calls[] = {
  { "socket", call_socket }, { "bind", call_bind }, { "listen", call_listen },
  { "accept", call_accept }, { "connect", call_connect },
  { "write", call_write }, { "send", call_write }, { "sendto", call_write },
  { "sendmsg", call_sendmsg },
  { "read", call_read }, { "recv", call_read }, { "recvfrom", call_read },
  { "close", call_close }, { "shutdown", call_shutdown },
  { "setsockopt", call_setsockopt }, { "getsockopt", call_getsockopt },
  { "fcntl", call_fcntl }, { "ioctl", call_ioctl }, { "poll", call_poll },
};

/* ---- results and blocking ------------------------------------------------------- */

static char *
format_result(gint64 ret, int err)
{
  if (ret == -1 && err) return g_strdup_printf("-1 %s", errno_name(err));
  return g_strdup_printf("%" G_GINT64_FORMAT, ret);
}

/* Checks the call's return value, errno and (for "...END" calls) when it
 * returned. */
static void
check_result(PktRun *run, const PktEvent *ev, const CallResult *res, SimTime end)
{
  const PktSyscall *c = &ev->call;
  char buf[SIM_TIME_BUF], buf2[SIM_TIME_BUF];
  SimTime now = sim_engine_now(run->engine);
  if (c->blocking && (now < end - run->tolerance || now > end + run->tolerance)) {
    pkt_run_fail(run, PKT_FAIL, ev->line, "expected %s() to return at %s s, it returned at %s s",
                 c->name, sim_time_format(end, buf), sim_time_format(now, buf2));
    return;
  }
  if (c->result->kind == PKT_EXPR_ELLIPSIS) return;
  gint64 want;
  if (!expr_int(c->result, &want)) {
    pkt_run_fail(run, PKT_UNSUPPORTED, ev->line, "unsupported: a return value twsim cannot read");
    return;
  }
  gboolean ok = want == res->ret;
  if (ok && want == -1 && c->errno_name) ok = strcmp(c->errno_name, errno_name(res->err)) == 0;
  if (ok) return;
  char *got = format_result(res->ret, res->err);
  char *when = pkt_run_when(run);
  pkt_run_fail(run, PKT_FAIL, ev->line, "expected %s() = %" G_GINT64_FORMAT "%s%s, got %s%s",
               c->name, want, c->errno_name ? " " : "", c->errno_name ? c->errno_name : "", got, when);
  g_free(got);
  g_free(when);
}

static CallFn
call_lookup(const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS(calls); i++)
    if (strcmp(calls[i].name, name) == 0) return calls[i].fn;
  return NULL;
}

/* The blocked call is over: its waiter and its timeout go. */
static void
blocked_clear(PktRun *run)
{
  if (run->blocked.sock) tcp_socket_set_waiter(run->blocked.sock, NULL, NULL);
  if (run->blocked.timeout) sim_engine_cancel(run->engine, run->blocked.timeout);
  run->blocked = (PktBlocked){ 0 };
}

/* The blocked call is tried again: it returns now, or keeps waiting. */
static void
blocked_retry(SimEngine *engine, gpointer user)
{
  PktRun *run = user;
  const PktEvent *ev = run->blocked.ev;
  if (ev == NULL || run->outcome != PKT_PASS) return;
  CallResult res = { 0 };
  CallStatus st = call_lookup(ev->call.name)(run, ev, &res);
  if (st == CALL_BLOCKS) return;
  SimTime end = run->blocked.end;
  blocked_clear(run);
  if (st == CALL_DONE) check_result(run, ev, &res, end);
}

static void
blocked_wake(gpointer user)
{
  PktRun *run = user;
  /* Not from inside the stack's own call: retried as an event, now. */
  sim_engine_schedule_in(run->engine, 0, blocked_retry, run, NULL);
}

void
pkt_call_start(PktRun *run, const PktEvent *ev, SimTime end)
{
  CallFn fn = call_lookup(ev->call.name);
  if (fn == NULL) {
    char *what = g_strdup_printf("the system call %s()", ev->call.name);
    unsupported(run, ev, what);
    g_free(what);
    return;
  }
  if (ev->call.blocking && run->blocked.ev) {
    unsupported(run, ev, "a second blocking call while one is pending");
    return;
  }
  CallResult res = { 0 };
  CallStatus st = fn(run, ev, &res);
  if (st == CALL_STOP) return;
  if (st == CALL_DONE) {
    check_result(run, ev, &res, end);
    return;
  }
  if (!ev->call.blocking) {
    char *when = pkt_run_when(run);
    pkt_run_fail(run, PKT_FAIL, ev->line, "expected %s() to return at once, it blocks%s",
                 ev->call.name, when);
    g_free(when);
    return;
  }
  run->blocked.ev = ev;
  run->blocked.end = end;
  run->blocked.sock = res.wait_on;
  run->blocked.done = res.done;
  if (res.wait_on) tcp_socket_set_waiter(res.wait_on, blocked_wake, run);
}

void
pkt_call_close_all(PktRun *run)
{
  blocked_clear(run);
  for (guint i = 0; i < run->fds->len; i++) {
    PktFd *f = run->fds->pdata[i];
    if (f == NULL) continue;
    tcp_socket_set_waiter(f->sock, NULL, NULL);
    g_free(f);
    run->fds->pdata[i] = NULL;
  }
}
