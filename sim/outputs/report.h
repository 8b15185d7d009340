/* The end-of-run summary: per host, the TCP states held now, TIME_WAIT
 * peak and when, why the count is below what was entered (records a new
 * SYN reopened), what the TIME_WAIT sockets would cost in a Linux kernel,
 * connects by outcome, retransmits, resets and drops; per router with NAT,
 * its conntrack entries by state and its NAT counters; per link, what each
 * direction carried and lost; the distribution of every sim.record
 * figure.  Printed on stdout (unless --quiet) and written as JSON with
 * --summary-json (report-json.c): the same facts. */
#pragma once
#include "run-view.h"
#include "net.h"

/* Whether the summary reports on `node`: a host with a TCP stack. */
static inline gboolean
sim_report_is_tcp_host(const NetNode *node)
{
  return node->kind == NET_NODE_HOST && node->transport != NULL;
}

/* How the summary shows hosts and links (--summary-hosts). */
typedef enum {
  SIM_REPORT_HOSTS_AUTO,     /* blocks for a few hosts; for many, a short table */
  SIM_REPORT_HOSTS_BLOCKS,   /* each host in full, on four lines or more */
  SIM_REPORT_HOSTS_TABLE,    /* one line a host, one a link direction */
} SimReportHosts;

/* AUTO shows at most this many hosts as blocks; above, a table of the
 * first SIM_REPORT_AUTO_ROWS hosts, one line summing the others, and one
 * line summing the links. */
#define SIM_REPORT_MAX_BLOCKS 4
#define SIM_REPORT_AUTO_ROWS 8

/* Parses "auto", "blocks" or "table". */
gboolean
sim_report_hosts_parse(const char *text, SimReportHosts *out, GError **error);

/* The size of one TIME_WAIT socket in a Linux kernel: a struct
 * tcp_timewait_sock from the slab cache tw_sock_TCP, whose object size
 * /proc/slabinfo gives as 256 bytes on x86_64 Linux 6.x (16 to a 4 KiB
 * page).  docs/tcp-model.md, "TIME_WAIT". */
#define SIM_LINUX_TW_SOCK_BYTES 256

/* Prints the human summary of the run's network on `out`, hosts as AUTO. */
void
sim_report_print(FILE *out, const SimRunView *view);

/* The same, hosts and links shown as `hosts` says. */
void
sim_report_print_hosts(FILE *out, const SimRunView *view, SimReportHosts hosts);

/* Writes the summary as one JSON object on `out` (report-json.c). */
void
sim_report_json(FILE *out, const SimRunView *view, int exit_status);

/* Appends the same JSON object to `js` (no newline): the HTML report
 * embeds it. */
void
sim_report_json_append(GString *js, const SimRunView *view, int exit_status);

/* Appends `s` to `js` as a JSON string. */
void
sim_report_json_string(GString *js, const char *s);
/* "176,126": n with a comma between each group of three digits, into buf
 * (SIM_REPORT_COUNT_BUF bytes); returns buf. */
#define SIM_REPORT_COUNT_BUF 32
char *
sim_report_format_count(guint64 n, char *buf);
