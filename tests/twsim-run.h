/* Running the twsim command from tests: its exit status, stdout and stderr.
 * The binary and the scenario folder come from the environment meson sets
 * (TWSIM, TWSIM_TEST_SCENARIOS, TWSIM_SCENARIOS). */
#pragma once
#include <glib.h>

typedef struct {
  int   status;      /* exit status, or 128 + signal */
  char *out;
  char *err;
} TwsimResult;

/* Runs `twsim ARGS...` (NULL-terminated); "@name" in an argument stands for
 * the test scenario tests/scenarios/name, "%name" for scenarios/name. */
TwsimResult
twsim_run(const char *first, ...) G_GNUC_NULL_TERMINATED;

void
twsim_result_clear(TwsimResult *r);

/* Starts the command given as argv (argv[0] the binary, NULL-terminated)
 * with the environment envp (NULL: this process's), its output dropped;
 * returns its pid. */
GPid
twsim_start(const char *const *argv, char **envp);

/* Sends the started command `sig`, waits for it and returns its wait
 * status. */
int
twsim_stop(GPid pid, int sig);

/* Starts the command, sends it `sig` after `delay_us` microseconds, waits
 * for it and returns its wait status. */
int
twsim_run_and_signal(const char *const *argv, gulong delay_us, int sig);

/* A path in a fresh temporary folder, removed at exit. */
char *
twsim_temp_path(const char *name);

/* The whole content of a file (g_assert on failure). */
char *
twsim_read_file(const char *path, gsize *len);

/* How many times `needle` occurs in `hay` (overlapping ones included). */
guint
twsim_count(const char *hay, const char *needle);
