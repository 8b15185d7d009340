/* twsim pkt: runs packetdrill scripts against one simulated host
 * (sim/pkt/, docs/pkt.md).  Parses the options, gathers the scripts (files,
 * or every *.pkt under a folder, in name order), runs each and prints one
 * line per script; with several, or a folder, a closing "N passed, N
 * failed, N unsupported" line.  Exit status: 0 all passed, 1 one failed, 2 a script
 * or the command line is malformed, 4 one needs what twsim does not model
 * (the worst of them, in that order: 2, 1, 4). */
#include "pkt.h"
#include "cli-words.h"
#include "pkt-run.h"
#include "profile.h"
#include "simerror.h"
#include <stdio.h>
#include <string.h>

G_GNUC_PRINTF(1, 2) static int
invalid(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  int status = cli_usage_errorv(FALSE, fmt, ap);
  va_end(ap);
  return status;
}

static gint
compare_names(gconstpointer a, gconstpointer b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every *.pkt file under dir, in byte order of their names, depth first. */
static void
gather_dir(const char *dir, GPtrArray *out)
{
  GDir *d = g_dir_open(dir, 0, NULL);
  if (d == NULL) return;
  GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
  for (const char *name; (name = g_dir_read_name(d));) g_ptr_array_add(names, g_strdup(name));
  g_dir_close(d);
  g_ptr_array_sort(names, compare_names);
  for (guint i = 0; i < names->len; i++) {
    const char *name = names->pdata[i];
    char *path = g_str_has_suffix(dir, "/") ? g_strconcat(dir, name, NULL)
                                             : g_build_filename(dir, name, NULL);
    if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
      gather_dir(path, out);
      g_free(path);
    } else if (g_str_has_suffix(name, ".pkt")) {
      g_ptr_array_add(out, path);
    } else {
      g_free(path);
    }
  }
  g_ptr_array_free(names, TRUE);
}

/* Runs one script; prints its line (a malformed one on stderr). */
static PktOutcome
run_one(const char *path, const char *profile, const SimOutputRequest *req, gboolean verbose)
{
  GError *error = NULL;
  PktScript *script = pkt_script_load(path, &error);
  if (script == NULL) {
    invalid("%s", error->message);
    g_error_free(error);
    return PKT_INVALID;
  }
  SimRunOutputs *outs = NULL;
  if (req->trace || req->pcap || req->ladder) {
    outs = sim_run_outputs_open(req, &error);
    if (outs == NULL) {
      invalid("%s", error->message);
      g_error_free(error);
      pkt_script_free(script);
      return PKT_INVALID;
    }
  }
  PktRunOptions opts = { .profile = profile, .verbose = verbose, .log = stdout, .outputs = outs };
  char *message = NULL;
  PktOutcome outcome = pkt_run(script, &opts, &message);
  if (outcome == PKT_PASS) printf("%s: pass\n", path);
  else if (outcome == PKT_INVALID) invalid("%s", message);
  else printf("%s\n", message);
  fflush(stdout);
  g_free(message);
  pkt_script_free(script);
  return outcome;
}

int
pkt_command(int argc, char **argv)
{
  char *profile = NULL, *trace = NULL, *pcap = NULL;
  gboolean ladder = FALSE, verbose = FALSE;
  const GOptionEntry entries[] = {
    { "profile", 0, 0, G_OPTION_ARG_STRING, &profile, "The host's TCP profile (default linux)", "NAME" },
    { "trace", 0, 0, G_OPTION_ARG_FILENAME, &trace, "Write a trace of every event to FILE (- for stdout)", "FILE" },
    { "pcap", 0, 0, G_OPTION_ARG_FILENAME, &pcap, "Write every packet to FILE (classic pcap)", "FILE" },
    { "ladder", 0, 0, G_OPTION_ARG_NONE, &ladder, "Draw the connection as a ladder diagram", NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Print each event and each packet the host sends", NULL },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };
  GOptionContext *ctx = g_option_context_new("SCRIPT.pkt|DIR... - run packetdrill scripts against a simulated host");
  g_option_context_add_main_entries(ctx, entries, NULL);
  GError *error = NULL;
  int status = PKT_PASS;
  GPtrArray *scripts = g_ptr_array_new_with_free_func(g_free);
  gboolean folder = FALSE;             /* a folder given: the closing line too */
  if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
    status = invalid("%s", error->message);
    g_error_free(error);
  } else if (argc < 2) {
    status = invalid("pkt: no script given (twsim pkt SCRIPT.pkt|DIR...)");
  } else if (profile && tcp_profile_lookup(profile) == NULL) {
    status = invalid("--profile: unknown profile '%s' (linux, linux-5, bsd, windows, rfc9293)", profile);
  }
  for (int i = 1; status == PKT_PASS && i < argc; i++) {
    if (!g_file_test(argv[i], G_FILE_TEST_IS_DIR)) {
      g_ptr_array_add(scripts, g_strdup(argv[i]));
      continue;
    }
    guint before = scripts->len;
    folder = TRUE;
    gather_dir(argv[i], scripts);
    if (scripts->len == before) status = invalid("pkt: %s holds no .pkt script", argv[i]);
  }
  if (status == PKT_PASS && scripts->len > 1 && (trace || pcap || ladder))
    status = invalid("%s: needs a single script", trace ? "--trace" : pcap ? "--pcap" : "--ladder");
  SimOutputRequest req = { .trace = trace, .pcap = pcap, .ladder = ladder, .trace_format = SIM_TRACE_TEXT,
                           .trace_until = SIM_TIME_MAX, .sample = SIM_S,
                           .ladder_opts = { .limit = 20, .width = SIM_LADDER_DEFAULT_WIDTH,
                                            .until = SIM_TIME_MAX } };
  guint counts[5] = { 0 };
  for (guint i = 0; status == PKT_PASS && i < scripts->len; i++)
    counts[run_one(scripts->pdata[i], profile, &req, verbose)]++;
  if (status == PKT_PASS) {
    if (scripts->len > 1 || folder) {
      printf("%u passed, %u failed, %u unsupported", counts[PKT_PASS], counts[PKT_FAIL],
             counts[PKT_UNSUPPORTED]);
      if (counts[PKT_INVALID]) printf(", %u malformed", counts[PKT_INVALID]);
      printf("\n");
    }
    status = counts[PKT_INVALID] ? PKT_INVALID : counts[PKT_FAIL] ? PKT_FAIL
           : counts[PKT_UNSUPPORTED] ? PKT_UNSUPPORTED : PKT_PASS;
  }
  g_ptr_array_free(scripts, TRUE);
  g_option_context_free(ctx);
  g_free(profile);
  g_free(trace);
  g_free(pcap);
  return status;
}
