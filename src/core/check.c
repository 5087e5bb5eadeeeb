/*
 * The failure path of MCIM_ASSERT in the device profile (core/check.h): one cold
 * function for every assertion of the device-side code.
 */
#include "core/check.h"

#include <stdio.h>
#include <stdlib.h>

#if defined(MCIM_COMPACT_ASSERT) && !defined(NDEBUG)
void mcim_assert_fail(const char *file, unsigned line)
{
	fprintf(stderr, "%s:%u: assertion failed\n", file, line);
	abort();
}
#endif
