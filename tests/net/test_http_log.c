/*
 * The daemon's log (src/net/log.c): the record format (UTC time to the millisecond,
 * level, request id), the level filter, control characters escaped so that no input
 * can forge a record, long messages cut, and level names both ways.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <regex.h>

#include <cmocka.h>

#include "net/log.h"

/* Everything written to f since the last call, as a string the caller frees. */
static char *drain(FILE *f)
{
	static long done;
	long end;
	char *text;

	fflush(f);
	end = ftell(f);
	text = calloc(1, (size_t)(end - done) + 1);
	assert_non_null(text);
	fseek(f, done, SEEK_SET);
	assert_int_equal(fread(text, 1, (size_t)(end - done), f), (size_t)(end - done));
	fseek(f, 0, SEEK_END);
	done = end;
	return text;
}

static void records(void **state)
{
	FILE *f = tmpfile();
	regex_t re;
	char *text;

	(void)state;
	assert_non_null(f);
	net_log_set_stream(f);
	net_log_set_level(NET_LOG_INFO);
	assert_int_equal(net_log_level(), NET_LOG_INFO);
	net_log(NET_LOG_INFO, "0a0b0c0d-00000001", "GET %s %d", "/healthz", 200);
	net_log(NET_LOG_ERROR, NULL, "no request");
	text = drain(f);
	assert_int_equal(
	    regcomp(&re,
		    "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z "
		    "info \\[0a0b0c0d-00000001\\] GET /healthz 200\n"
		    "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{12}Z error no request\n$",
		    REG_EXTENDED | REG_NOSUB),
	    0);
	if (regexec(&re, text, 0, NULL, 0) != 0)
		fail_msg("records:\n%s", text);
	regfree(&re);
	free(text);

	/* Below the level: nothing, not even formatted. */
	assert_false(net_log_enabled(NET_LOG_DEBUG));
	assert_true(net_log_enabled(NET_LOG_WARN));
	net_log(NET_LOG_DEBUG, NULL, "hidden");
	text = drain(f);
	assert_string_equal(text, "");
	free(text);
	net_log_set_level(NET_LOG_DEBUG);
	net_log(NET_LOG_DEBUG, NULL, "shown");
	text = drain(f);
	assert_non_null(strstr(text, " debug shown\n"));
	free(text);

	/* A newline or escape from the network cannot start a new record. */
	net_log(NET_LOG_WARN, NULL, "path %s",
		"/a\n2025-01-01T00:00:00.000Z error forged\x1b[1m\x7f");
	text = drain(f);
	assert_non_null(strstr(
	    text,
	    " warn path /a\\x0a2025-01-01T00:00:00.000Z error forged\\x1b[1m\\x7f\n"));
	assert_int_equal(strchr(text, '\n') - text + 1, (long)strlen(text));
	free(text);

	/* Too long: cut, ends in "...", still one line. */
	char *big = malloc(3 * NET_LOG_LINE_MAX);
	memset(big, 'y', 3 * NET_LOG_LINE_MAX - 1);
	big[3 * NET_LOG_LINE_MAX - 1] = '\0';
	net_log(NET_LOG_INFO, NULL, "%s", big);
	text = drain(f);
	assert_true(strlen(text) < NET_LOG_LINE_MAX + 64);
	assert_non_null(strstr(text, "yyy...\n"));
	free(text);
	/* Escapes that do not fit are cut whole. */
	memset(big, '\n', NET_LOG_LINE_MAX);
	big[NET_LOG_LINE_MAX] = '\0';
	net_log(NET_LOG_INFO, NULL, "%s", big);
	text = drain(f);
	assert_int_equal(strchr(text, '\n') - text + 1, (long)strlen(text));
	assert_true(strlen(text) <= NET_LOG_LINE_MAX + 8);
	free(text);
	free(big);

	net_log_set_stream(NULL);
	net_log_set_level(NET_LOG_INFO);
	fclose(f);
}

static void level_names(void **state)
{
	static const char *const names[] = {"error", "warn", "info", "debug"};
	enum net_log_level l = NET_LOG_WARN;

	(void)state;
	for (int i = 0; i < 4; i++) {
		assert_int_equal(net_log_level_parse(names[i], &l), MCIM_OK);
		assert_int_equal(l, i);
		assert_string_equal(net_log_level_name(l), names[i]);
	}
	assert_int_equal(net_log_level_parse("INFO", &l), MCIM_ERR_INVALID_ARG);
	assert_int_equal(net_log_level_parse("trace", &l), MCIM_ERR_INVALID_ARG);
	assert_int_equal(net_log_level_parse("", &l), MCIM_ERR_INVALID_ARG);
	assert_int_equal(l, NET_LOG_DEBUG);
	assert_string_equal(net_log_level_name((enum net_log_level)4), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(records),
	    cmocka_unit_test(level_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
