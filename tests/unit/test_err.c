/*
 * The error table, the enum and docs/errors.md say the same thing: every value has a
 * distinct name and a description, and the doc lists each value with its number and
 * name (curl's habit: the three cannot drift apart).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mcim/err.h"

static void every_value_has_name_and_text(void **state)
{
	(void)state;
	for (int i = 0; i < MCIM_ERR_COUNT_; i++) {
		assert_string_not_equal(mcim_strerror((mcim_err)i), "unknown error");
		assert_string_not_equal(mcim_err_name((mcim_err)i), "UNKNOWN");
		for (int j = 0; j < i; j++)
			assert_string_not_equal(mcim_err_name((mcim_err)i),
						mcim_err_name((mcim_err)j));
	}
	assert_string_equal(mcim_strerror(MCIM_ERR_COUNT_), "unknown error");
	assert_string_equal(mcim_strerror((mcim_err)-1), "unknown error");
}

static char *read_doc(void)
{
	const char *src = getenv("MCIM_SOURCE_DIR");
	char path[4096];
	FILE *f;
	long size;
	char *text;

	assert_non_null(src);
	snprintf(path, sizeof(path), "%s/docs/errors.md", src);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	assert_true(size > 0);
	rewind(f);
	text = malloc((size_t)size + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)size, f), (size_t)size);
	text[size] = '\0';
	fclose(f);
	return text;
}

/* Each row of the doc's table reads "| N | `NAME` | text |", in enum order. */
static void doc_lists_every_value(void **state)
{
	char *doc = read_doc();
	char row[256];
	const char *pos = doc;

	(void)state;
	for (int i = 0; i < MCIM_ERR_COUNT_; i++) {
		snprintf(row, sizeof(row), "| %d | `%s` | %s |", i,
			 mcim_err_name((mcim_err)i), mcim_strerror((mcim_err)i));
		pos = strstr(pos, row);
		if (pos == NULL)
			fail_msg("docs/errors.md lacks, or misorders, the row: %s", row);
	}
	snprintf(row, sizeof(row), "| %d |", MCIM_ERR_COUNT_);
	assert_null(strstr(doc, row));
	free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_value_has_name_and_text),
	    cmocka_unit_test(doc_lists_every_value),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
