/* Two TCP stacks back to back (tests/tcp-harness.h, net mode). */
#include "tcp-harness.h"

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  return g_test_run();
}
