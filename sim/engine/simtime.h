/* Virtual time and the units scenarios write it in.
 *
 * SimTime is a signed 64-bit count of nanoseconds since the start of the
 * run: no floating point in the engine's notion of time, so every build and
 * machine orders events identically.  int64 nanoseconds reach 292 years. */
#pragma once
#include <glib.h>
#include <stdint.h>

typedef int64_t SimTime;

#define SIM_NS   ((SimTime)1)
#define SIM_US   ((SimTime)1000)
#define SIM_MS   ((SimTime)1000000)
#define SIM_S    ((SimTime)1000000000)
#define SIM_MIN  (60 * SIM_S)
#define SIM_TIME_MAX INT64_MAX

/* Parses a duration: a non-negative number with a unit, "250us", "1.5ms",
 * "60s", "2min" (units ns us ms s min).  A bare number is rejected here: the
 * Lua layer decides what a bare number means.  Fractions are exact to the
 * nanosecond ("0.1s" is 100000000 ns): parsing is decimal, not binary. */
gboolean
sim_time_parse(const char *text, SimTime *out, GError **error);

/* Converts seconds given as a double (from Lua) to SimTime, rounding to the
 * nearest nanosecond.  Rejects NaN, infinities, negatives and overflow. */
gboolean
sim_time_from_seconds(double seconds, SimTime *out, GError **error);

/* Seconds as a double, for Lua (exact for any run shorter than ~104 days). */
static inline double
sim_time_to_seconds(SimTime t)
{
  return (double)t / 1e9;
}

/* Formats t as seconds with nine decimals ("12.000250000") into buf, which
 * must hold SIM_TIME_BUF bytes.  Integer arithmetic only.  Returns buf. */
#define SIM_TIME_BUF 32
char *
sim_time_format(SimTime t, char *buf);

/* Parses a rate in bits per second: "100Mbps", "1.5Gbps", "64kbps",
 * "9600bps" (units bps kbps Mbps Gbps, decimal prefixes as in networking). */
gboolean
sim_rate_parse(const char *text, uint64_t *bits_per_second, GError **error);

/* The time to put `bytes` on a wire of `bits_per_second`, rounded up to the
 * next nanosecond.  Zero rate means infinitely fast. */
SimTime
sim_time_serialization(uint64_t bytes, uint64_t bits_per_second);

/* sim_time_serialization() for one rate, to the same nanosecond, without
 * its 128-bit division: 8e9 / rate is split once into a quotient and a
 * remainder, so a packet costs a multiplication, and a 64-bit division
 * only for rates that do not divide 8e9 (1 Gbps and 100 Mbps do). */
typedef struct {
  uint64_t rate;           /* bits per second, > 0 */
  uint64_t ns_per_byte;    /* 8e9 / rate, rounded down */
  uint64_t rem;            /* 8e9 % rate */
} SimSerializer;

void
sim_serializer_init(SimSerializer *ser, uint64_t bits_per_second);

static inline SimTime
sim_serializer_time(const SimSerializer *ser, uint64_t bytes)
{
  /* bytes * 8e9 = bytes * ns_per_byte * rate + bytes * rem, and
   * bytes * rem < 2^64 for bytes < 2^20 (rem < rate <= 10 Tbps < 2^44). */
  if (ser->rem == 0) return (SimTime)(bytes * ser->ns_per_byte);
  if (G_UNLIKELY(bytes >= (1u << 20))) return sim_time_serialization(bytes, ser->rate);
  return (SimTime)(bytes * ser->ns_per_byte + (bytes * ser->rem + ser->rate - 1) / ser->rate);
}
