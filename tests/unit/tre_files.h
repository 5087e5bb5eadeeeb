/*
 * Shared by the TRE and UICC tests: temp directories and plain file helpers, which
 * bypass the backend as an attacker at the flash would.
 *
 * Include after <cmocka.h>. Everything is static inline so a test that uses only
 * part of it compiles without unused-function warnings.
 */
#ifndef MCIM_TESTS_TRE_FILES_H
#define MCIM_TESTS_TRE_FILES_H

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static inline void tre_test_mkdtemp(char *out, size_t cap, const char *prefix)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(out, cap, "%s/%s-XXXXXX", tmp ? tmp : "/tmp", prefix);
	assert_non_null(mkdtemp(out));
}

static inline void rm_tree(const char *path)
{
	struct stat sb;
	DIR *d;
	struct dirent *de;

	if (lstat(path, &sb) != 0)
		return;
	if (!S_ISDIR(sb.st_mode)) {
		unlink(path);
		return;
	}
	d = opendir(path);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		char sub[512];
		int n;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		n = snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		assert_true(n > 0 && (size_t)n < sizeof(sub));
		rm_tree(sub);
	}
	closedir(d);
	rmdir(path);
}

static inline size_t file_read(const char *path, uint8_t *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

static inline void file_write(const char *path, const uint8_t *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static inline int file_exists(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0;
}

static inline int ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), m = strlen(tail);

	return n >= m && strcmp(s + n - m, tail) == 0;
}

#endif
