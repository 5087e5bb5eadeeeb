/*
 * For data-driven tests: the path of an official test-data file, from the directory
 * that ctest passes in MCIM_VECTORS_DIR.
 */
#ifndef MCIM_TEST_VECTORS_ENV_H
#define MCIM_TEST_VECTORS_ENV_H

#include <stdio.h>
#include <stdlib.h>

static inline const char *vectors_path(const char *file, char *buf, size_t cap)
{
	const char *dir = getenv("MCIM_VECTORS_DIR");

	if (dir == NULL) {
		fprintf(stderr,
			"MCIM_VECTORS_DIR is not set (run the tests through ctest)\n");
		exit(1);
	}
	snprintf(buf, cap, "%s/%s", dir, file);
	return buf;
}

#endif
