/* What the output writers see of a run: its engine, its network and which
 * run it is.  The writers (ladder, metrics, summary, invariant checks)
 * observe the models through this and nothing else, so any driver of the
 * models (the Lua world, a C test, the packetdrill runner) can use them
 * without the Lua layer.
 *
 * The driver owns the view and keeps it alive while its writers live; the
 * writers keep a pointer and read `net` at each use, because a driver may
 * create the network only with its first host. */
#pragma once
#include "engine.h"

/* Exit statuses of a run (DESIGN.md, "Command line"). */
typedef enum {
  SIM_EXIT_OK = 0,        /* ran to the end */
  SIM_EXIT_FAILED = 1,    /* the scenario ran and failed */
  SIM_EXIT_INVALID = 2,   /* the command line or the scenario is invalid */
  SIM_EXIT_LIMIT = 3,     /* stopped by --max-events, --timeout or memory */
} SimExit;

typedef struct NetWorld NetWorld;     /* models/net.h */
typedef struct SimRecords SimRecords; /* records.h */

typedef struct {
  SimEngine  *engine;
  NetWorld   *net;        /* NULL until the first host */
  const char *scenario;   /* the scenario or script path, as given */
  guint64     seed;
  gboolean    check_every;  /* --check: a full invariant check after every event */
  const SimRecords *records;  /* sim.record's figures, or NULL */
} SimRunView;
