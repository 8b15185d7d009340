/* The SIM_ERROR domain (see error.h). */
#include "simerror.h"

G_DEFINE_QUARK(twsim-error-quark, sim_error)
