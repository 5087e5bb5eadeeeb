/*
 * The batch registration engine (net/drf_batch.h) without HTTP, on a real SQLite file:
 * per-line results in line order across chunk boundaries, one audit record per
 * written chunk, the same report whatever the input's cut into pieces, line length
 * limits and line ends, a store failure that stops the writing (earlier chunks
 * stay), a failing report sink, and a stream larger than one chunk fed in pieces
 * (memory bounded by the chunk, not the body). R-NET-F02, R-PRC-109, R-SEED-02.
 */
#define _XOPEN_SOURCE 700
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ftw.h>
#include <unistd.h>

#include <cmocka.h>

#include "net/drf_batch.h"

#define NOW 1700000000

static char dir[64];
static struct net_store *st;
static int64_t tenant, other_tenant;
static int64_t sub_id;

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	char path[128];
	struct net_store_config c = {0};
	struct net_store_tenant t;
	struct net_subscriber s;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/mcim-batch-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/store.db", dir);
	c.url = path;
	assert_int_equal(net_store_open(&c, &st, NULL, 0), MCIM_OK);
	memset(&t, 0, sizeof(t));
	strcpy(t.name, "sho-a");
	t.roles = NET_STORE_ROLE_SHO;
	strcpy(t.plmn, "00101");
	assert_int_equal(net_store_tenant_create(st, &t), MCIM_OK);
	tenant = t.id;
	strcpy(t.name, "sho-b");
	strcpy(t.plmn, "00102");
	assert_int_equal(net_store_tenant_create(st, &t), MCIM_OK);
	other_tenant = t.id;
	memset(&s, 0, sizeof(s));
	s.tenant = tenant;
	strcpy(s.ref, "acct");
	s.state = NET_SUB_ACTIVE;
	assert_int_equal(net_store_subscriber_create(st, &s), MCIM_OK);
	sub_id = s.id;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	net_store_close(st);
	nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	return 0;
}

/* The report, collected in memory (these tests' reports are small). */
struct sink {
	char *text;
	size_t len;
	int fail_after; /* > 0: the n-th emit fails */
	int calls;
};

static mcim_err sink_emit(void *arg, const char *data, size_t len)
{
	struct sink *s = arg;
	char *p;

	if (s->fail_after > 0 && ++s->calls >= s->fail_after)
		return MCIM_ERR_IO;
	p = realloc(s->text, s->len + len + 1);
	assert_non_null(p);
	memcpy(p + s->len, data, len);
	s->text = p;
	s->len += len;
	s->text[s->len] = '\0';
	return MCIM_OK;
}

static struct drf_batch *batch_new(int64_t t, size_t chunk, struct sink *s)
{
	struct drf_batch_opts o = {0};
	struct drf_batch *b;

	o.st = st;
	o.tenant = t;
	o.tenant_name = "sho-a";
	o.plmn = "00101";
	o.actor = "test";
	o.now = NOW;
	o.chunk = chunk;
	o.emit = sink_emit;
	o.emit_arg = s;
	assert_int_equal(drf_batch_new(&o, &b), MCIM_OK);
	return b;
}

static uint64_t audit_records(int64_t t)
{
	uint64_t count = 0, bad = 0;

	assert_int_equal(net_store_audit_verify(st, t, &count, &bad), MCIM_OK);
	return count;
}

/* A TRE id in hex from a run tag and a number. */
static void tre(char out[33], unsigned tag, unsigned n)
{
	snprintf(out, 33, "%08x%08x0000000000%06x", 0xba7c4000u, tag, n);
}

/* Runs text through a new batch in pieces of `piece` octets (0: at once). */
static void run(const char *text, size_t chunk, size_t piece, struct sink *s,
		struct drf_batch_summary *sum)
{
	struct drf_batch *b = batch_new(tenant, chunk, s);
	size_t len = strlen(text);

	if (piece == 0)
		piece = len ? len : 1;
	for (size_t off = 0; off < len; off += piece)
		assert_int_equal(drf_batch_feed(b, (const uint8_t *)text + off,
						len - off < piece ? len - off : piece),
				 MCIM_OK);
	assert_int_equal(drf_batch_finish(b, sum), MCIM_OK);
	drf_batch_free(b);
}

static void build_input(char *buf, size_t cap, unsigned tag)
{
	char t[6][33];

	for (unsigned i = 0; i < 6; i++)
		tre(t[i], tag, i);
	snprintf(buf, cap,
		 "{\"tre_id\":\"%s\",\"sho\":\"00101\"}\n"
		 "{\"tre_id\":\"%s\",\"sho\":\"sho-a\",\"subscription\":\"acct\"}\n"
		 "garbage\n"
		 "{\"tre_id\":\"%s\",\"sho\":\"00101\"}\n"
		 "\r\n"
		 "{\"tre_id\":\"%s\",\"sho\":\"00101\",\"subscriber\":%lld}\r\n"
		 "{\"tre_id\":\"%s\",\"sho\":\"00101\",\"subscriber\":424242}\n"
		 "{\"tre_id\":\"%s\",\"sho\":\"00101\"}",
		 t[0], t[1], t[0], t[2], (long long)sub_id, t[3], t[4]);
}

static const char *const expect_results[] = {
    "\"OK\"", "\"OK\"", "\"PARSE\"", "\"EXISTS\"", "\"OK\"", "\"NOT_FOUND\"", "\"OK\""};
static const unsigned expect_lines[] = {1, 2, 3, 4, 6, 7, 8};

static void check_report(const struct sink *s, const struct drf_batch_summary *sum)
{
	const char *p = s->text;

	assert_int_equal(sum->lines, 7);
	assert_int_equal(sum->registered, 4);
	assert_int_equal(sum->refused, 3);
	assert_int_equal(sum->error, MCIM_OK);
	for (size_t i = 0; i < 7; i++) {
		char want[32];
		const char *nl = strchr(p, '\n');
		assert_non_null(nl);
		snprintf(want, sizeof(want), "{\"line\":%u,", expect_lines[i]);
		assert_memory_equal(p, want, strlen(want));
		assert_non_null(strstr(p, expect_results[i]));
		assert_true(strstr(p, expect_results[i]) < nl);
		p = nl + 1;
	}
	assert_string_equal(
	    p, "{\"summary\":{\"lines\":7,\"registered\":4,\"refused\":3}}\n");
}

/* Chunks of 2 lines: the report stays in line order; one audit record per chunk
 * that had lines for the store (chunks of only refused lines write nothing). */
static void test_chunks_in_order(void **state)
{
	char input[2048];
	struct sink s = {0};
	struct drf_batch_summary sum;
	uint64_t before = audit_records(tenant);
	struct net_registration r;
	uint8_t id[16];
	char hex[33];

	(void)state;
	build_input(input, sizeof(input), 1);
	run(input, 2, 0, &s, &sum);
	check_report(&s, &sum);
	/* Pending lines 1,2 | 3,4 | 6,7 | 8: four chunks, each with a store line. */
	assert_int_equal(audit_records(tenant), before + 4);
	tre(hex, 1, 1);
	assert_true(net_api_unhex(hex, id, 16));
	assert_int_equal(net_store_registration_find(st, tenant, id, &r), MCIM_OK);
	assert_int_equal(r.subscriber, sub_id);
	assert_int_equal(r.created, NOW);
	tre(hex, 1, 3);
	assert_true(net_api_unhex(hex, id, 16));
	assert_int_equal(net_store_registration_find(st, tenant, id, &r),
			 MCIM_ERR_NOT_FOUND);
	free(s.text);
}

/* Cut anywhere, the input gives the same report (fresh TRE ids each time). */
static void test_pieces(void **state)
{
	(void)state;
	for (size_t piece = 1; piece <= 9; piece += 4) {
		char input[2048];
		struct sink s = {0};
		struct drf_batch_summary sum;
		build_input(input, sizeof(input), 100 + (unsigned)piece);
		run(input, 0, piece, &s, &sum);
		check_report(&s, &sum);
		free(s.text);
	}
}

static void test_line_limits(void **state)
{
	char *input = malloc(4 * DRF_BATCH_LINE_MAX);
	char t1[33], t2[33], t3[33];
	struct sink s = {0};
	struct drf_batch_summary sum;
	size_t n;

	(void)state;
	assert_non_null(input);
	tre(t1, 7, 1);
	tre(t2, 7, 2);
	tre(t3, 7, 3);
	/* Exactly DRF_BATCH_LINE_MAX octets (padded with JSON whitespace), then the same
	 * with "\r", then one octet more. */
	n = (size_t)snprintf(input, 128, "{\"tre_id\":\"%s\",\"sho\":\"00101\"", t1);
	memset(input + n, ' ', DRF_BATCH_LINE_MAX - n - 1);
	n = DRF_BATCH_LINE_MAX - 1;
	n += (size_t)sprintf(input + n, "}\r\n");
	size_t m = (size_t)sprintf(input + n, "{\"tre_id\":\"%s\",\"sho\":\"00101\"", t2);
	memset(input + n + m, ' ', DRF_BATCH_LINE_MAX - m - 1);
	n += DRF_BATCH_LINE_MAX - 1;
	n += (size_t)sprintf(input + n, "}\n");
	m = (size_t)sprintf(input + n, "{\"tre_id\":\"%s\",\"sho\":\"00101\"", t3);
	memset(input + n + m, ' ', DRF_BATCH_LINE_MAX - m);
	n += DRF_BATCH_LINE_MAX;
	n += (size_t)sprintf(input + n, "}\n");
	run(input, 0, 100, &s, &sum);
	assert_int_equal(sum.lines, 3);
	assert_int_equal(sum.registered, 2);
	assert_non_null(
	    strstr(s.text, "{\"line\":3,\"tre_id\":null,\"result\":\"TOO_LARGE\""));
	free(s.text);
	/* An over-long last line without its newline. */
	memset(&s, 0, sizeof(s));
	memset(input, 'x', DRF_BATCH_LINE_MAX + 5);
	input[DRF_BATCH_LINE_MAX + 5] = '\0';
	run(input, 0, 0, &s, &sum);
	assert_int_equal(sum.lines, 1);
	assert_int_equal(sum.refused, 1);
	assert_non_null(strstr(s.text, "\"TOO_LARGE\""));
	free(s.text);
	free(input);
}

/* The store fails (here: the tenant is gone): that chunk and every later line get
 * the error, the summary names it, and nothing of it is written. */
static void test_store_failure(void **state)
{
	char input[2048];
	struct sink s = {0};
	struct drf_batch_summary sum;
	struct drf_batch *b = batch_new(9999, 2, &s);

	(void)state;
	build_input(input, sizeof(input), 9);
	assert_int_equal(drf_batch_feed(b, (const uint8_t *)input, strlen(input)),
			 MCIM_OK);
	assert_int_equal(drf_batch_finish(b, &sum), MCIM_OK);
	drf_batch_free(b);
	assert_int_equal(sum.error, MCIM_ERR_NOT_FOUND);
	assert_int_equal(sum.registered, 0);
	assert_int_equal(sum.refused, 7);
	assert_non_null(strstr(s.text, "{\"line\":8,\"tre_id\":"));
	assert_non_null(strstr(s.text, ",\"error\":\"NOT_FOUND\"}\n"));
	assert_int_equal(audit_records(9999), 0);
	free(s.text);
	assert_false(st->in_tx);
}

/* The report cannot be written: the batch stops with that error, for good. */
static void test_emit_failure(void **state)
{
	char input[2048];
	struct sink s = {.fail_after = 2};
	struct drf_batch_summary sum;
	struct drf_batch *b = batch_new(tenant, 2, &s);

	(void)state;
	build_input(input, sizeof(input), 11);
	assert_int_equal(drf_batch_feed(b, (const uint8_t *)input, strlen(input)),
			 MCIM_ERR_IO);
	assert_int_equal(drf_batch_feed(b, (const uint8_t *)"\n", 1), MCIM_ERR_IO);
	assert_int_equal(drf_batch_finish(b, &sum), MCIM_ERR_IO);
	drf_batch_free(b);
	free(s.text);
	/* The summary line is the one that fails. */
	memset(&s, 0, sizeof(s));
	s.fail_after = 1;
	b = batch_new(tenant, 2, &s);
	assert_int_equal(drf_batch_finish(b, &sum), MCIM_ERR_IO);
	drf_batch_free(b);
}

/* Counts report lines without keeping them. */
struct counter {
	uint64_t lines, ok;
};

static mcim_err count_emit(void *arg, const char *data, size_t len)
{
	struct counter *c = arg;

	for (size_t i = 0; i < len; i++)
		c->lines += data[i] == '\n';
	c->ok += len > 6 && memcmp(data + len - 6, "\"OK\"}\n", 6) == 0;
	return MCIM_OK;
}

/* More lines than one chunk, generated and fed 64 KiB at a time. */
static void test_stream_beyond_a_chunk(void **state)
{
	const uint64_t n = NET_STORE_BATCH_CHUNK + 20000;
	struct drf_batch_opts o = {0};
	struct counter c = {0};
	struct drf_batch_summary sum;
	struct drf_batch *b;
	char *buf = malloc(65536 + 128);
	size_t len = 0;
	uint64_t before = audit_records(other_tenant);

	(void)state;
	assert_non_null(buf);
	o.st = st;
	o.tenant = other_tenant;
	o.tenant_name = "sho-b";
	o.plmn = "00102";
	o.actor = "test";
	o.now = NOW;
	o.emit = count_emit;
	o.emit_arg = &c;
	assert_int_equal(drf_batch_new(&o, &b), MCIM_OK);
	for (uint64_t i = 0; i < n; i++) {
		len += (size_t)sprintf(
		    buf + len, "{\"tre_id\":\"5eed0000%024llx\",\"sho\":\"00102\"}\n",
		    (unsigned long long)i);
		if (len > 65536 || i + 1 == n) {
			assert_int_equal(drf_batch_feed(b, (const uint8_t *)buf, len),
					 MCIM_OK);
			len = 0;
		}
	}
	assert_int_equal(drf_batch_finish(b, &sum), MCIM_OK);
	drf_batch_free(b);
	free(buf);
	assert_int_equal(sum.lines, n);
	assert_int_equal(sum.registered, n);
	assert_int_equal(c.lines, n + 1);
	assert_int_equal(c.ok, n);
	assert_int_equal(audit_records(other_tenant), before + 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_chunks_in_order),
	    cmocka_unit_test(test_pieces),
	    cmocka_unit_test(test_line_limits),
	    cmocka_unit_test(test_store_failure),
	    cmocka_unit_test(test_emit_failure),
	    cmocka_unit_test(test_stream_beyond_a_chunk),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
