/* The SIM_ERROR GError domain: a user's mistake (bad scenario, bad option,
 * impossible parameter).  Bugs are g_assert()s; refused or reset connections
 * are results, not errors (see STYLE.md, "Errors, four kinds"). */
#pragma once
#include <glib.h>

#define SIM_ERROR (sim_error_quark())

typedef enum {
  SIM_ERROR_INVALID,   /* malformed value: bad unit, bad number, bad name */
  SIM_ERROR_RANGE,     /* well formed but out of range: negative, overflow */
  SIM_ERROR_IO,        /* a file could not be read or written */
  SIM_ERROR_MEMORY,    /* memory was refused (exit status 3, as a limit) */
} SimErrorCode;

GQuark
sim_error_quark(void);
