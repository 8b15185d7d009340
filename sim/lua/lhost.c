/* Each host's TCP: when sim.host makes a host, this gives it a TCP stack
 * (models/tcp-stack.h) wired to the network (models/net.h) and to the
 * world's observers, and finds the stack again for the socket methods.
 *
 * Data flow: stack output -> net_host_output -> links -> the receiving
 * host's receiver (here) -> tcp_stack_input; the stack's state changes ->
 * sim.on("state") observers and the ladder. */
#include "lsocket.h"
#include "lnet.h"
#include "ladder.h"

/* What a stack's callbacks need: its node and the world. */
typedef struct {
  NetNode  *node;
  SimWorld *world;
} HostBinding;

static void
binding_output(gpointer user, Packet *pkt)
{
  net_host_output(((HostBinding *)user)->node, pkt);
}

static gboolean
binding_route(gpointer user, NetAddr dst, NetAddr *src)
{
  return net_host_route(((HostBinding *)user)->node, dst, src);
}

static guint
binding_mtu(gpointer user, NetAddr dst)
{
  return net_host_mtu(((HostBinding *)user)->node, dst);
}

static void
binding_state_changed(gpointer user, const TcpStateEvent *ev)
{
  SimWorld *world = ((HostBinding *)user)->world;
  if (world->out.ladder) sim_ladder_state(world->out.ladder, sim_engine_now(world->run.engine), ev);
  sim_lua_state_changed(world, ev);
}

static void
host_receive(gpointer user, NetNode *node, Packet *pkt)
{
  tcp_stack_input(node->transport, pkt);
}

static void
stack_free(gpointer stack)
{
  tcp_stack_free(stack);
}

void
sim_lua_host_attach_tcp(lua_State *L, NetNode *node)
{
  SimWorld *world = sim_world_from_lua(L);
  HostBinding *b = g_new0(HostBinding, 1);
  b->node = node;
  b->world = world;
  g_ptr_array_add(world->bindings, b);
  TcpStackEnv env = {
    .engine = world->run.engine,
    .host_name = node->name,
    .run_seed = world->opts->seed,
    .trace = world->out.trace,
    .output = binding_output,
    .route = binding_route,
    .mtu = binding_mtu,
    .state_changed = binding_state_changed,
    .host = b,
  };
  TcpStack *stack = tcp_stack_new(&env, (const NetAddr *)node->addrs->data, node->addrs->len);
  net_node_set_transport(node, stack, stack_free);
  net_node_set_receiver(node, host_receive, NULL);
  if (node->profile) {
    GError *error = NULL;
    if (!tcp_stack_set_profile(stack, node->profile, &error)) {
      lua_pushfstring(L, "sim.host: profile: %s", error->message);
      g_error_free(error);
      sim_lua_usage_error(L, "%s", lua_tostring(L, -1));
    }
  }
}

TcpStack *
sim_lua_host_tcp(lua_State *L, int arg, const char **name)
{
  SimLuaHost *h = sim_lua_check_host(L, arg);
  if (name) *name = h->node->name;
  return h->node->transport;
}
