/* The twsim.Socket type: what h:socket() returns, with the BSD socket
 * calls as methods (see lsocket.h; DESIGN.md "Lua API"). */
#include "lsocket.h"
#include "lnet.h"
#include "process.h"
#include "simerror.h"
#include "socket-record.h"
#include <string.h>

#define SOCKET_MT "twsim.Socket"

/* A socket's userdata.  `tag` names the type without its metatable: the
 * address of the world's slot for the socket metatable, which no other
 * userdata holds at that place (a Lua scenario cannot write into a
 * userdata, and the other C types that make them, twsim's and Lua's own io
 * library, store other values there or differ in size). */
typedef struct {
  const void *tag;
  SimWorld   *world;
  TcpSocket  *sock;       /* NULL once closed: the object stays valid */
  SimProcess *blocked;    /* the process waiting on this socket, if any */
  const char *host;       /* the host's name (owned by the network) */
  /* The blocked call's progress, valid while `blocked` is set: what
   * recv may take or send has to give, what send gave so far, and the
   * string it sends (NULL: a count), which stays alive in the waiting
   * call's stack slot 2. */
  gsize         want;
  gsize         done;
  const guint8 *data;
  TcpCall       call;     /* the blocked call */
} LuaSocket;

/* ---- helpers ------------------------------------------------------------- */

static inline const void *
socket_tag(const SimWorld *world)
{
  return &world->metatables[SIM_LUA_SOCKET];
}

/* The socket at `arg`; anything else (a host passed with s.bind(h) for
 * s:bind(), a table...) is a usage error naming what was given.  The check
 * is a size and a tag compare, not a metatable fetch and compare: it runs
 * on every method call, about ten per connection. */
static LuaSocket *
check_socket(lua_State *L, int arg)
{
  LuaSocket *ls = lua_touserdata(L, arg);
  if (ls == NULL || lua_rawlen(L, arg) != sizeof *ls ||
      ls->tag != socket_tag(sim_world_from_lua(L))) {
    const char *got = luaL_getmetafield(L, arg, "__name") == LUA_TSTRING
                    ? lua_tostring(L, -1) : luaL_typename(L, arg);
    sim_lua_argerror(L, "expected a socket (from h:socket()) as argument %d, got %s "
                     "(call methods with a colon: s:bind(80))", arg, got);
  }
  return ls;
}

/* The open socket at argument 1, or a usage error. */
static LuaSocket *
check_open(lua_State *L)
{
  LuaSocket *ls = check_socket(L, 1);
  if (ls->sock == NULL)
    sim_lua_argerror(L, "attempt to use a closed socket");
  if (ls->world->in_observer && !ls->world->sockets_ok)
    sim_lua_argerror(L, "socket calls are not allowed inside %s "
                     "(start a process with sim.spawn instead)", ls->world->callback);
  return ls;
}

static void
on_socket_ready(gpointer ud)
{
  LuaSocket *ls = ud;
  if (ls->blocked) sim_process_wake(ls->blocked);
}

/* Whether the blocked call would only wait again (the process's wake-up
 * then skips the retry, process.c). */
static gboolean
still_blocked(gpointer ud)
{
  LuaSocket *ls = ud;
  return ls->sock != NULL && tcp_socket_would_block(ls->sock, ls->call);
}

/* Builds with invariants check, at every try of a blocking call, that
 * tcp_socket_would_block() told beforehand what the call then did: the
 * skipped retries rely on it.  `before` is its answer, `blocked` the
 * call's. */
#ifdef TWSIM_INVARIANTS
#define PREDICT(ls, call) tcp_socket_would_block((ls)->sock, (call))
#define CHECK_PREDICTION(before, blocked) g_assert((before) == (blocked))
#else
#define PREDICT(ls, call) FALSE
#define CHECK_PREDICTION(before, blocked) ((void)(before))
#endif

/* Suspends the calling process until the socket's state or readiness
 * changes, then continues with k(ls), the call's progress (want, done,
 * data) kept in ls.  L is a process that can wait: the method checked it
 * (sim_process_check) before its continuation first ran, and a
 * continuation resumed by the engine runs in that same process, so the
 * check is not made again on every wait.
 *
 * The continuation finds the socket in its context, not in stack slot 1:
 * the method checked slot 1 before it first ran, the slot holds the
 * userdata (which Lua never moves) for as long as the call waits, and a
 * context costs no call into Lua on every wake-up. */
static int
wait_on_socket(lua_State *L, LuaSocket *ls, TcpCall call, lua_KFunction k, gsize want,
               gsize done, const guint8 *data)
{
  SimProcess *p = sim_thread_ctx(L)->process;
  if (ls->blocked && ls->blocked != p)
    sim_lua_argerror(L, "another process is already blocked on this socket");
  ls->blocked = p;
  ls->want = want;
  ls->done = done;
  ls->data = data;
  ls->call = call;
  tcp_socket_set_waiter(ls->sock, on_socket_ready, ls);
  /* The waiter runs for every segment of the connection: a recv or a
   * send (with a full buffer) is woken by segments that bring it nothing
   * (the ACK of a request before its response, a duplicate ACK), and the
   * wake-up then skips the retry.  An accept is woken only when a
   * connection joins the queue, a connect when the handshake ends or
   * fails: for them the test would cost more than it saves. */
  if (call == TCP_CALL_RECV || call == TCP_CALL_SEND) sim_process_wait_in(p, still_blocked, ls);
  return lua_yieldk(L, 0, (lua_KContext)ls, k);
}

/* The blocking methods' continuations, each resuming its call for the
 * socket in its context. */
static int accept_k(lua_State *L, int status, lua_KContext ctx);
static int connect_k(lua_State *L, int status, lua_KContext ctx);
static int send_k(lua_State *L, int status, lua_KContext ctx);
static int recv_k(lua_State *L, int status, lua_KContext ctx);

/* The socket a continuation runs for (its context, wait_on_socket). */
static inline LuaSocket *
waiting_socket(lua_KContext ctx)
{
  return (LuaSocket *)ctx;
}

/* The waiter is set only while a process waits (wait_on_socket): a call
 * that did not wait has none to clear. */
static void
done_waiting(LuaSocket *ls)
{
  if (ls->blocked == NULL) return;
  ls->blocked = NULL;
  if (ls->sock) tcp_socket_set_waiter(ls->sock, NULL, NULL);
}

/* A "call" trace record: a socket call returning to the scenario, with
 * the socket's addresses and the result ("ok", a byte count, or an errno
 * name).  Blocking calls are recorded when they return; a bracketed call
 * (call_begin) ahead of the state changes it caused. */
static void
trace_call(LuaSocket *ls, const char *call, const char *result)
{
  sim_socket_record(ls->world, ls->sock, ls->host, call, result);
}

/* Brackets a call that changes states as it runs (listen, connect,
 * shutdown): call_begin before the model runs it, call_draw (its ladder
 * row) and its trace record after, then call_end. */
static void
call_begin(LuaSocket *ls)
{
  sim_writers_call_begin(&ls->world->out);
}

static void
call_draw(LuaSocket *ls, const char *text)
{
  sim_socket_draw(ls->world, ls->sock, ls->host, text);
}

static void
call_end(LuaSocket *ls)
{
  sim_writers_call_end(&ls->world->out);
}

static void
trace_count(LuaSocket *ls, const char *call, gsize n)
{
  sim_socket_record_count(ls->world, ls->sock, ls->host, call, n);
}

/* Returns nil, "ERRNO" to Lua, and traces the call's result. */
static int
fail_call(lua_State *L, LuaSocket *ls, const char *call, int err)
{
  trace_call(ls, call, tcp_errno_name(err));
  lua_pushnil(L);
  lua_pushstring(L, tcp_errno_name(err));
  return 2;
}

/* Returns true to Lua, and traces the call. */
static int
succeed_call(lua_State *L, LuaSocket *ls, const char *call)
{
  trace_call(ls, call, "ok");
  lua_pushboolean(L, 1);
  return 1;
}

static LuaSocket *
push_socket(lua_State *L, SimWorld *world, TcpSocket *sock, const char *host)
{
  /* What the stack holds for the socket counts against --max-memory until
   * the scenario closes it (s:close gives it back). */
  sim_lua_charge(L, (gssize)tcp_socket_footprint());
  LuaSocket *ls = lua_newuserdatauv(L, sizeof(LuaSocket), 0);
  ls->tag = socket_tag(world);
  ls->world = world;
  ls->sock = sock;
  ls->blocked = NULL;
  ls->host = host;
  sim_lua_setmetatable(L, SIM_LUA_SOCKET);
  return ls;
}

static NetAddr
check_addr(lua_State *L, int arg)
{
  NetAddr addr;
  GError *error = NULL;
  if (lua_type(L, arg) != LUA_TSTRING)
    sim_lua_argerror(L, "expected an IPv4 address string, got %s", luaL_typename(L, arg));
  if (!net_addr_parse(lua_tostring(L, arg), &addr, &error)) sim_lua_gerror(L, NULL, error);
  return addr;
}

static guint16
check_port(lua_State *L, int arg, gboolean zero_ok)
{
  if (!lua_isinteger(L, arg)) {          /* an integer, the common case: two calls */
    if (lua_type(L, arg) == LUA_TNUMBER)
      sim_lua_argerror(L, "port must be an integer (0-65535), got %s", lua_tostring(L, arg));
    sim_lua_argerror(L, "expected a port number, got %s", luaL_typename(L, arg));
  }
  lua_Integer port = lua_tointeger(L, arg);
  if (port < (zero_ok ? 0 : 1) || port > 65535)
    sim_lua_argerror(L, "port %lld is out of range (%d-65535)", (long long)port,
                     zero_ok ? 0 : 1);
  return (guint16)port;
}

/* ---- methods -------------------------------------------------------------- */

/* s:bind([addr,] port) -> true, or nil, "EADDRINUSE"|"EADDRNOTAVAIL"|"EINVAL" */
static int
s_bind(lua_State *L)
{
  LuaSocket *ls = check_open(L);
  NetAddr addr = 0;
  int port_arg = 2;
  if (lua_gettop(L) >= 3) {
    addr = check_addr(L, 2);
    port_arg = 3;
  }
  guint16 port = check_port(L, port_arg, TRUE);
  int err = tcp_socket_bind(ls->sock, addr, port);
  return err ? fail_call(L, ls, "bind", err) : succeed_call(L, ls, "bind");
}

/* s:listen([backlog]) -> true, or nil, err */
static int
s_listen(lua_State *L)
{
  LuaSocket *ls = check_open(L);
  lua_Integer backlog = 128;
  if (!lua_isnoneornil(L, 2)) {
    if (!lua_isinteger(L, 2) || lua_tointeger(L, 2) < 0)
      sim_lua_argerror(L, "backlog must be a non-negative integer");
    backlog = lua_tointeger(L, 2);
  }
  call_begin(ls);
  int err = tcp_socket_listen(ls->sock, (int)MIN(backlog, G_MAXINT));
  char text[40];
  g_snprintf(text, sizeof text, "listen(%d)", (int)MIN(backlog, G_MAXINT));
  call_draw(ls, text);
  int n = err ? fail_call(L, ls, "listen", err) : succeed_call(L, ls, "listen");
  call_end(ls);
  return n;
}

static int
accept_on(lua_State *L, LuaSocket *ls)
{
  if (ls->sock == NULL) {
    done_waiting(ls);
    return fail_call(L, ls, "accept", TCP_EINVAL);
  }
  int err = 0;
  gboolean predicted = PREDICT(ls, TCP_CALL_ACCEPT);
  TcpSocket *conn = tcp_socket_accept(ls->sock, &err);
  CHECK_PREDICTION(predicted, conn == NULL && err == TCP_EAGAIN);
  if (conn == NULL && err == TCP_EAGAIN)
    return wait_on_socket(L, ls, TCP_CALL_ACCEPT, accept_k, 0, 0, NULL);
  done_waiting(ls);
  if (conn == NULL) return fail_call(L, ls, "accept", err);
  LuaSocket *child = push_socket(L, ls->world, conn, ls->host);
  call_draw(child, "accept()");
  trace_call(child, "accept", "ok");
  return 1;
}

static int
accept_k(lua_State *L, int status, lua_KContext ctx)
{
  return accept_on(L, waiting_socket(ctx));
}

/* s:accept() -> a connected socket (blocks until one is ready) */
static int
s_accept(lua_State *L)
{
  LuaSocket *ls = check_open(L);
  sim_process_check(L);
  return accept_on(L, ls);
}

static int
connect_on(lua_State *L, LuaSocket *ls)
{
  if (ls->sock == NULL) {
    done_waiting(ls);
    return fail_call(L, ls, "connect", TCP_ECONNRESET);
  }
  gboolean predicted = PREDICT(ls, TCP_CALL_CONNECT);
  int err = tcp_socket_take_error(ls->sock);
  TcpState state = tcp_socket_state(ls->sock);
  gboolean blocked = err == 0 && (state == TCP_STATE_SYN_SENT || state == TCP_STATE_SYN_RECEIVED);
  CHECK_PREDICTION(predicted, blocked);
  if (blocked) return wait_on_socket(L, ls, TCP_CALL_CONNECT, connect_k, 0, 0, NULL);
  done_waiting(ls);
  if (err) return fail_call(L, ls, "connect", err);
  if (state == TCP_STATE_CLOSED) return fail_call(L, ls, "connect", TCP_ECONNREFUSED);
  return succeed_call(L, ls, "connect");
}

static int
connect_k(lua_State *L, int status, lua_KContext ctx)
{
  return connect_on(L, waiting_socket(ctx));
}

/* s:connect(addr | host, port) -> true, or nil, "ECONNREFUSED"|"ETIMEDOUT"|
 * "EADDRNOTAVAIL"|"ECONNRESET"|"ENETUNREACH" (blocks until established) */
static int
s_connect(lua_State *L)
{
  LuaSocket *ls = check_open(L);
  NetAddr addr = sim_lua_check_dest(L, 2);
  guint16 port = check_port(L, 3, FALSE);
  sim_process_check(L);
  call_begin(ls);
  int err = tcp_socket_connect(ls->sock, addr, port);
  call_draw(ls, "connect()");
  if (err != TCP_EINPROGRESS) {
    int n = err ? fail_call(L, ls, "connect", err) : succeed_call(L, ls, "connect");
    call_end(ls);
    return n;
  }
  call_end(ls);
  return connect_on(L, ls);
}

/* Sends what is left of `total` bytes (of `data`, or zeros when NULL)
 * after `sent`.  `unchecked` is set when s:send ran inside a state
 * observer without the process check: a send that must wait is refused
 * there. */
static int
send_on(lua_State *L, LuaSocket *ls, const guint8 *data, gsize total, gsize sent,
        gboolean unchecked)
{
  while (sent < total) {
    if (ls->sock == NULL) {
      done_waiting(ls);
      return fail_call(L, ls, "send", TCP_EPIPE);
    }
    gboolean predicted = PREDICT(ls, TCP_CALL_SEND);
    gssize n = tcp_socket_send(ls->sock, data ? data + sent : NULL, total - sent);
    CHECK_PREDICTION(predicted, n == -TCP_EAGAIN);
    if (n == -TCP_EAGAIN) {
      if (unchecked) sim_process_check(L);
      return wait_on_socket(L, ls, TCP_CALL_SEND, send_k, total, sent, data);
    }
    if (n < 0) {
      done_waiting(ls);
      return fail_call(L, ls, "send", (int)-n);
    }
    sent += (gsize)n;
  }
  done_waiting(ls);
  trace_count(ls, "send", total);
  lua_pushinteger(L, (lua_Integer)total);
  return 1;
}

static int
send_k(lua_State *L, int status, lua_KContext ctx)
{
  LuaSocket *ls = waiting_socket(ctx);
  return send_on(L, ls, ls->data, ls->want, ls->done, FALSE);
}

/* s:send(n | string) -> bytes sent (all of them; blocks while the send
 * buffer is full), or nil, err */
static int
s_send(lua_State *L)
{
  LuaSocket *ls = check_open(L);
  const guint8 *data = NULL;
  gsize total = 0;
  /* An integer count first: the common case, in two calls into Lua.  A
   * float is no count: -1 for the message below. */
  lua_Integer count = lua_isinteger(L, 2) ? lua_tointeger(L, 2) : -1;
  if (count < 0) {
    int type = lua_type(L, 2);
    if (type != LUA_TSTRING && type != LUA_TNUMBER)
      sim_lua_argerror(L, "expected a string or a byte count, got %s", luaL_typename(L, 2));
    if (type == LUA_TNUMBER) sim_lua_argerror(L, "a byte count must be a non-negative integer");
    data = (const guint8 *)lua_tolstring(L, 2, &total);
  } else {
    total = (gsize)count;
  }
  /* A state observer may send what fits in the buffer; it is refused
   * (wait_on_socket) only if the send would have to wait. */
  gboolean unchecked = ls->world->in_observer && ls->world->sockets_ok;
  if (!unchecked) sim_process_check(L);
  return send_on(L, ls, data, total, 0, unchecked);
}

/* Lua interns strings up to this length itself (LUAI_MAXSHORTLEN): a
 * second copy of one costs a hash lookup, not an object. */
#define RECV_SHORT 40

/* The longest string s:recv keeps to return again (see push_received). */
#define RECV_KEEP_MAX 1024

/* The received bytes go from the receive buffer straight into a Lua
 * string, with no copy in between.  A longer string is a new object for
 * every recv (about 270 instructions, and the collector's work later), and
 * scenarios mostly receive the same bytes again and again (s:send(n) sends
 * n zero bytes, a server the same response): so s:recv keeps the last
 * string it made, in its closure's upvalue, and returns that one when the
 * bytes are the same.  Strings are values in Lua, so which object holds
 * them is not seen.  The upvalue may hold anything (debug.setupvalue):
 * lua_tolstring gives NULL for what is not a string or a number. */
static void
push_received(gpointer ud, const guint8 *data, gsize len)
{
  lua_State *L = ud;
  if (len <= RECV_SHORT || len > RECV_KEEP_MAX) {
    lua_pushlstring(L, (const char *)data, len);
    return;
  }
  gsize kept_len;
  const char *kept = lua_tolstring(L, lua_upvalueindex(1), &kept_len);
  if (kept != NULL && kept_len == len && memcmp(kept, data, len) == 0) {
    lua_pushvalue(L, lua_upvalueindex(1));
    return;
  }
  lua_pushlstring(L, (const char *)data, len);
  lua_copy(L, -1, lua_upvalueindex(1));
}

static int
recv_on(lua_State *L, LuaSocket *ls, gsize max)
{
  if (ls->sock == NULL) {
    done_waiting(ls);
    return fail_call(L, ls, "recv", TCP_ENOTCONN);
  }
  gboolean predicted = PREDICT(ls, TCP_CALL_RECV);
  gssize n = tcp_socket_recv_into(ls->sock, max, push_received, L);
  CHECK_PREDICTION(predicted, n == -TCP_EAGAIN);
  if (n == -TCP_EAGAIN) return wait_on_socket(L, ls, TCP_CALL_RECV, recv_k, max, 0, NULL);
  done_waiting(ls);
  if (n < 0) return fail_call(L, ls, "recv", (int)-n);
  if (n == 0) lua_pushvalue(L, lua_upvalueindex(2));   /* EOF: "", see sim_lua_socket_open */
  trace_count(ls, "recv", (gsize)n);
  return 1;
}

static int
recv_k(lua_State *L, int status, lua_KContext ctx)
{
  LuaSocket *ls = waiting_socket(ctx);
  return recv_on(L, ls, ls->want);
}

/* s:recv([max]) -> up to max bytes (default: all buffered) as a string;
 * "" at EOF; nil, err on error.  Blocks until data, EOF or error. */
static int
s_recv(lua_State *L)
{
  LuaSocket *ls = check_open(L);
  lua_Integer max = G_MAXINT32;
  if (lua_gettop(L) >= 2 && !lua_isnil(L, 2)) {          /* s:recv() reads no type */
    if (!lua_isinteger(L, 2) || lua_tointeger(L, 2) <= 0)
      sim_lua_argerror(L, "max must be a positive integer");
    max = lua_tointeger(L, 2);
  }
  sim_process_check(L);
  return recv_on(L, ls, (gsize)max);
}

/* s:shutdown("r"|"w"|"rw") -> true, or nil, err */
static int
s_shutdown(lua_State *L)
{
  LuaSocket *ls = check_open(L);
  static const char *const hows[] = { "r", "w", "rw", NULL };
  int how = sim_lua_checkoption(L, 2, NULL, hows, "direction") + 1;
  call_begin(ls);
  int err = tcp_socket_shutdown(ls->sock, how);
  char text[16];
  g_snprintf(text, sizeof text, "shutdown(%s)", hows[how - 1]);
  call_draw(ls, text);
  int n = err ? fail_call(L, ls, "shutdown", err) : succeed_call(L, ls, "shutdown");
  call_end(ls);
  return n;
}

/* s:close(): the connection goes on closing inside the host (FIN,
 * TIME_WAIT), or is reset (linger 0, unread data).  Closing twice is a
 * usage error, as using a closed socket is. */
static int
s_close(lua_State *L)
{
  LuaSocket *ls = check_open(L);
  TcpSocket *sock = ls->sock;
  if (ls->blocked)
    sim_lua_argerror(L, "a process is blocked on this socket");
  tcp_socket_set_waiter(sock, NULL, NULL);
  call_draw(ls, "close()");
  trace_call(ls, "close", "ok");
  ls->sock = NULL;
  tcp_socket_close(sock);
  sim_lua_charge(L, -(gssize)tcp_socket_footprint());
  return 0;
}

/* s:setopt(name, value): "linger" (seconds; false or a negative number
 * turns it off), "reuseaddr" (boolean), "nodelay" (boolean). */
static int
s_setopt(lua_State *L)
{
  LuaSocket *ls = check_open(L);
  static const char *const options[] = { "linger", "reuseaddr", "nodelay", NULL };
  int option = sim_lua_checkoption(L, 2, NULL, options, "option");
  const char *name = options[option];
  gint64 value;
  if (option == 0) {
    if (lua_isboolean(L, 3) && !lua_toboolean(L, 3)) value = -1;
    else if (lua_type(L, 3) == LUA_TNUMBER && lua_tonumber(L, 3) < 0) value = -1;
    else value = sim_lua_check_duration(L, 3, "linger") / SIM_S;
  } else {
    if (!lua_isboolean(L, 3))
      sim_lua_argerror(L, "%s takes true or false, got %s", name, luaL_typename(L, 3));
    value = lua_toboolean(L, 3);
  }
  int err = tcp_socket_setopt(ls->sock, name, value);
  return err ? fail_call(L, ls, "setopt", err) : succeed_call(L, ls, "setopt");
}

/* s:state() -> "ESTABLISHED", ...; "CLOSED" once closed by the scenario */
static int
s_state(lua_State *L)
{
  LuaSocket *ls = check_socket(L, 1);
  lua_pushstring(L, tcp_state_name(ls->sock ? tcp_socket_state(ls->sock) : TCP_STATE_CLOSED));
  return 1;
}

static int
push_endpoint(lua_State *L, NetAddr addr, guint16 port)
{
  char buf[NET_ADDR_BUF];
  lua_pushstring(L, net_addr_format(addr, buf));
  lua_pushinteger(L, port);
  return 2;
}

/* s:addr() -> local address, port */
static int
s_addr(lua_State *L)
{
  TcpTuple t = tcp_socket_tuple(check_open(L)->sock);
  return push_endpoint(L, t.laddr, t.lport);
}

/* s:peer() -> remote address, port (nil, "ENOTCONN" when not connected) */
static int
s_peer(lua_State *L)
{
  TcpTuple t = tcp_socket_tuple(check_open(L)->sock);
  if (t.rport == 0) {
    lua_pushnil(L);
    lua_pushstring(L, tcp_errno_name(TCP_ENOTCONN));
    return 2;
  }
  return push_endpoint(L, t.raddr, t.rport);
}

static int
s_tostring(lua_State *L)
{
  LuaSocket *ls = check_socket(L, 1);
  if (ls->sock == NULL) {
    lua_pushliteral(L, "socket (closed)");
    return 1;
  }
  TcpTuple t = tcp_socket_tuple(ls->sock);
  char a[NET_ADDR_BUF], b[NET_ADDR_BUF];
  lua_pushfstring(L, "socket %s:%d -> %s:%d (%s)", net_addr_format(t.laddr, a), t.lport,
                  net_addr_format(t.raddr, b), t.rport,
                  tcp_state_name(tcp_socket_state(ls->sock)));
  return 1;
}

/* A socket object the scenario dropped without closing stays open inside
 * the host until the run ends: closing it here would make the FIN depend on
 * when the garbage collector runs. */
static const luaL_Reg socket_methods[] = {
  { "bind", s_bind }, { "listen", s_listen }, { "accept", s_accept },
  { "connect", s_connect }, { "send", s_send },
  { "shutdown", s_shutdown }, { "close", s_close }, { "setopt", s_setopt },
  { "state", s_state }, { "addr", s_addr }, { "peer", s_peer },
  { NULL, NULL },
};

static const luaL_Reg socket_metamethods[] = {
  /* No __gc: a socket needs no finalizer.  Its waiter, the one pointer
   * the stack keeps to the userdata, is set only while a process is
   * blocked on it (wait_on_socket .. done_waiting), and that process's
   * thread holds the socket in stack slot 1 all that time, so the userdata
   * cannot be collected with the waiter set; what the stack holds for an
   * unclosed socket it frees itself.  Lua would otherwise run a finalizer
   * for every socket of the run. */
  { "__tostring", s_tostring }, { "__index", NULL },
  { NULL, NULL },
};

void
sim_lua_socket_push(lua_State *L, SimWorld *world, TcpSocket *sock, const char *host)
{
  push_socket(L, world, sock, host);
}

TcpSocket *
sim_lua_socket_take(lua_State *L, const char **host)
{
  LuaSocket *ls = check_open(L);
  if (ls->blocked) sim_lua_argerror(L, "a process is blocked on this socket");
  TcpSocket *sock = ls->sock;
  *host = ls->host;
  ls->sock = NULL;
  return sock;
}

void
sim_lua_socket_open(lua_State *L)
{
  sim_lua_newmetatable(L, SIM_LUA_SOCKET, SOCKET_MT);
  luaL_setfuncs(L, socket_metamethods, 0);
  luaL_newlibtable(L, socket_methods);
  luaL_setfuncs(L, socket_methods, 0);
  /* recv's upvalues: the string it keeps (push_received), and the ""
   * it returns at EOF, there at hand rather than looked up (about 60
   * instructions a connection). */
  lua_pushliteral(L, "");
  lua_pushliteral(L, "");
  lua_pushcclosure(L, s_recv, 2);
  lua_setfield(L, -2, "recv");
  sim_lua_guard_methods(L, -1, "s:");
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
}
