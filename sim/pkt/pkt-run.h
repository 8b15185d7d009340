/* The packetdrill runner: plays a parsed script (pkt-script.h) against one
 * simulated host, in virtual time.  The script is the remote peer: its
 * inbound segments ('<') are put on the wire towards the host, the
 * segments the host sends are matched against its outbound ones ('>'), and
 * its system calls are made on the host's sockets (models/tcp-stack.h).
 * The host is a TCP stack on a network node, exactly as `twsim run` makes
 * one, so the same output writers (trace, pcap, ladder) see the run.
 *
 * Data flow: script event -> [inbound] a Packet from the peer node ->
 * link (no delay) -> the host's stack -> what it sends -> link -> the peer
 * node's receiver -> the runner's queue of sent packets -> matched against
 * the next outbound event.  Blocking calls wait on the socket's waiter
 * while later events go on, as packetdrill's do in a thread. */
#pragma once
#include "pkt-script.h"
#include "outputs.h"

/* A script's outcome; the values are `twsim pkt`'s exit statuses. */
typedef enum {
  PKT_PASS = 0,
  PKT_FAIL = 1,          /* the host did not do what the script expects */
  PKT_INVALID = 2,       /* the script is malformed */
  PKT_UNSUPPORTED = 4,   /* the script needs what twsim does not model */
} PktOutcome;

typedef struct {
  const char *profile;   /* host profile name; NULL: "linux" */
  gboolean    verbose;   /* each event and each packet on `log` */
  FILE       *log;       /* for verbose; borrowed */
  SimRunOutputs *outputs; /* --trace, --pcap, --ladder (sim_run_outputs_open);
                            taken: attached to the run and closed by it.
                            May be NULL. */
} PktRunOptions;

/* Runs the script to its end or its first failure, then closes the
 * outputs (kept unless the script is malformed).  *message receives one
 * line "PATH:LINE: ..." (newly allocated) for anything but a pass, NULL
 * on a pass. */
PktOutcome
pkt_run(const PktScript *script, const PktRunOptions *opts, char **message);
