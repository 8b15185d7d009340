/* libFuzzer target: the duration, rate and IPv4 address parsers must never
 * crash, read out of bounds or accept something they then cannot format
 * back, whatever the bytes.  Properties checked on every input:
 *  - a parsed duration is non-negative, and formatting it and parsing the
 *    result as seconds gives the same value;
 *  - a parsed rate fits the documented maximum;
 *  - a parsed address formats back to a string that parses to the same
 *    address, and that string equals the input (dotted quads are canonical). */
#include "simtime.h"
#include "segment.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *text = g_strndup((const char *)data, size);   /* stops at a NUL */
  SimTime t;
  GError *error = NULL;
  if (sim_time_parse(text, &t, &error)) {
    if (t < 0) abort();
    char buf[SIM_TIME_BUF + 2];
    sim_time_format(t, buf);
    strcat(buf, "s");
    SimTime again;
    if (!sim_time_parse(buf, &again, NULL) || again != t) abort();
  } else {
    if (error == NULL || error->message == NULL) abort();
    g_clear_error(&error);
  }
  guint64 bps;
  if (sim_rate_parse(text, &bps, &error)) {
    if (bps > UINT64_C(10000000000000)) abort();
  } else {
    g_clear_error(&error);
  }
  NetAddr addr;
  if (net_addr_parse(text, &addr, &error)) {
    char buf[NET_ADDR_BUF];
    net_addr_format(addr, buf);
    NetAddr again;
    if (!net_addr_parse(buf, &again, NULL) || again != addr || strcmp(buf, text) != 0) abort();
  } else {
    g_clear_error(&error);
  }
  g_free(text);
  return 0;
}
