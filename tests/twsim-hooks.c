/* Test hooks for the test build of twsim (twsim-test): a `twsim_test`
 * global that lets scenario tests put hand-made TCP segments on the network,
 * to check the wire format, links and captures byte by byte.  Not part of
 * the twsim command.
 *
 *   twsim_test.raw(host)   the host's TCP stops answering: what arrives is
 *                          counted (no_receiver) and freed, as a host with
 *                          no TCP at all would do
 *
 *   twsim_test.send(host, {to = "10.0.0.2" | host, sport = 1, dport = 2,
 *                          seq = 0, ack = 0, flags = "SA", len = 0, win = 0,
 *                          data = "bytes", mss = 1460, wscale = 7,
 *                          sack = true, tsval = 1, tsecr = 0})
 *   twsim_test.counters(host_or_router) -> {sent, received, forwarded,
 *                          no_receiver, ttl_drops, noroute_drops} */
#include "lnet.h"
#include <string.h>

void
twsim_test_hooks_install(lua_State *L);

static guint8
parse_flags(const char *s)
{
  guint8 f = 0;
  for (; *s; s++) {
    switch (*s) {
    case 'S': f |= TCP_FLAG_SYN; break;
    case 'F': f |= TCP_FLAG_FIN; break;
    case 'R': f |= TCP_FLAG_RST; break;
    case 'P': f |= TCP_FLAG_PSH; break;
    case 'A': f |= TCP_FLAG_ACK; break;
    default: break;
    }
  }
  return f;
}

static lua_Integer
int_field(lua_State *L, int t, const char *key)
{
  lua_getfield(L, t, key);
  lua_Integer v = lua_tointeger(L, -1);
  lua_pop(L, 1);
  return v;
}

static void
read_options(lua_State *L, TcpSegment *seg)
{
  if (lua_getfield(L, 2, "data") == LUA_TSTRING) {
    gsize n;
    const char *bytes = lua_tolstring(L, -1, &n);
    seg->payload.buf = net_buf_new(bytes, (guint32)n);
    seg->payload.len = (guint32)n;
  }
  if (lua_getfield(L, 2, "mss") != LUA_TNIL) {
    seg->opts |= TCP_OPT_MSS;
    seg->mss = (guint16)lua_tointeger(L, -1);
  }
  if (lua_getfield(L, 2, "wscale") != LUA_TNIL) {
    seg->opts |= TCP_OPT_WSCALE;
    seg->wscale = (guint8)lua_tointeger(L, -1);
  }
  if (lua_getfield(L, 2, "sack") != LUA_TNIL) seg->opts |= TCP_OPT_SACK_PERM;
  if (lua_getfield(L, 2, "tsval") != LUA_TNIL) {
    seg->opts |= TCP_OPT_TS;
    seg->ts_val = (guint32)lua_tointeger(L, -1);
    seg->ts_ecr = (guint32)int_field(L, 2, "tsecr");
  }
  lua_pop(L, 5);
}

static int
l_send(lua_State *L)
{
  NetNode *node = sim_lua_check_node(L, 1);
  luaL_checktype(L, 2, LUA_TTABLE);
  NetAddr dst = 0;
  lua_getfield(L, 2, "to");
  SimLuaNode *to = luaL_testudata(L, -1, SIM_LUA_HOST_MT);
  if (to) dst = net_node_addr(to->node);
  else if (!net_addr_parse(luaL_checkstring(L, -1), &dst, NULL)) luaL_error(L, "bad to");
  lua_pop(L, 1);
  Packet *pkt = packet_alloc();
  pkt->dst = dst;
  pkt->tcp.sport = (guint16)int_field(L, 2, "sport");
  pkt->tcp.dport = (guint16)int_field(L, 2, "dport");
  pkt->tcp.seq = (guint32)int_field(L, 2, "seq");
  pkt->tcp.ack = (guint32)int_field(L, 2, "ack");
  pkt->tcp.win = (guint16)int_field(L, 2, "win");
  pkt->tcp.payload.len = (guint32)int_field(L, 2, "len");
  lua_getfield(L, 2, "flags");
  pkt->tcp.flags = parse_flags(lua_isstring(L, -1) ? lua_tostring(L, -1) : "");
  lua_pop(L, 1);
  read_options(L, &pkt->tcp);
  net_host_output(node, pkt);
  return 0;
}

static int
l_counters(lua_State *L)
{
  SimLuaNode *h = luaL_testudata(L, 1, SIM_LUA_HOST_MT);
  if (h == NULL) h = luaL_checkudata(L, 1, SIM_LUA_ROUTER_MT);
  const NetNodeCounters *c = &h->node->c;
  lua_createtable(L, 0, 6);
  lua_pushinteger(L, (lua_Integer)c->sent); lua_setfield(L, -2, "sent");
  lua_pushinteger(L, (lua_Integer)c->received); lua_setfield(L, -2, "received");
  lua_pushinteger(L, (lua_Integer)c->forwarded); lua_setfield(L, -2, "forwarded");
  lua_pushinteger(L, (lua_Integer)c->no_receiver); lua_setfield(L, -2, "no_receiver");
  lua_pushinteger(L, (lua_Integer)c->ttl_drops); lua_setfield(L, -2, "ttl_drops");
  lua_pushinteger(L, (lua_Integer)c->noroute_drops); lua_setfield(L, -2, "noroute_drops");
  return 1;
}

static int
l_raw(lua_State *L)
{
  SimLuaNode *h = luaL_checkudata(L, 1, SIM_LUA_HOST_MT);
  net_node_set_receiver(h->node, NULL, NULL);
  return 0;
}

static const luaL_Reg hooks[] = {
  { "send", l_send },
  { "raw", l_raw },
  { "counters", l_counters },
  { NULL, NULL },
};

void
twsim_test_hooks_install(lua_State *L)
{
  luaL_newlib(L, hooks);
  lua_setglobal(L, "twsim_test");
}
