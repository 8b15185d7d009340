/* The twsim command: dispatches to `twsim run` (run.c), `twsim step`
 * (step.c), `twsim sweep` (sweep.c) and `twsim pkt` (pkt.c). */
#include "twsim-config.h"
#include "output.h"
#include "run.h"
#include "step.h"
#include "sweep.h"
#include "pkt.h"
#include "huge-pages.h"
#include <stdio.h>
#include <string.h>

static const char usage_text[] =
  "Usage:\n"
  "  twsim run SCENARIO.lua [options]   run a scenario\n"
  "  twsim step SCENARIO.lua [run options]\n"
  "                                     run it one event at a time (interactive)\n"
  "  twsim sweep SCENARIO.lua --seeds A..B [-j N] [run options]\n"
  "                                     run it once per seed, with statistics\n"
  "  twsim pkt SCRIPT.pkt|DIR... [--profile NAME] [--trace F] [--pcap F] [--ladder] [--verbose]\n"
  "                                     run packetdrill scripts against a simulated host\n"
  "                                     (exit 0 pass, 1 fail, 2 malformed, 4 unsupported)\n"
  "  twsim --version                    print the version\n"
  "  twsim --help                       this text; 'twsim run --help' lists the run options\n";

int
main(int argc, char **argv)
{
  /* No setlocale(): numbers print the same ("1.5", never "1,5") everywhere. */
  sim_output_guard_std_fds();
  if (argc < 2) {
    fputs(usage_text, stderr);
    return 2;   /* an invalid command line */
  }
  if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
    printf("twsim %s\n", TWSIM_VERSION);
    return 0;
  }
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
      strcmp(argv[1], "help") == 0) {
    fputs(usage_text, stdout);
    return 0;
  }
  huge_pages_restart(argv);
  if (strcmp(argv[1], "run") == 0) return run_command(argc - 1, argv + 1);
  if (strcmp(argv[1], "step") == 0) return step_command(argc - 1, argv + 1);
  if (strcmp(argv[1], "sweep") == 0) return sweep_command(argc - 1, argv + 1);
  if (strcmp(argv[1], "pkt") == 0) return pkt_command(argc - 1, argv + 1);
  fprintf(stderr, "twsim: unknown command '%s' (try 'twsim --help')\n", argv[1]);
  return 2;
}
