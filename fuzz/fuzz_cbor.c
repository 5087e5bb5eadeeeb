/*
 * libFuzzer target for the CBOR reader (mcim/cbor.h): arbitrary input is read as a
 * sequence of items, each one twice: whole (mcim_cbor_read_item) and piece by piece
 * through the typed readers and map helpers, whose output is written back with the
 * writer. Invariants, checked on every input (a violation aborts, which libFuzzer
 * reports as a crash):
 * - the cursor never passes len and does not move on error;
 * - errors are only TRUNCATED, PARSE or TOO_LARGE;
 * - an item accepted whole is accepted piece by piece, ends at the same offset, and
 *   re-encodes to exactly its own octets (the profile admits one encoding per
 *   value).
 * With MCIM_FUZZ_WRITE_SEEDS=DIR in the environment it writes a seed corpus to DIR
 * and exits (scripts/fuzz.sh uses this).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcim/cbor.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                      \
	do {                                                                             \
		if (!(cond)) {                                                           \
			fprintf(stderr, "invariant failed: %s (%s:%d)\n", #cond,         \
				__FILE__, __LINE__);                                     \
			abort();                                                         \
		}                                                                        \
	} while (0)

static bool err_allowed(mcim_err err)
{
	return err == MCIM_ERR_TRUNCATED || err == MCIM_ERR_PARSE ||
	       err == MCIM_ERR_TOO_LARGE;
}

/* One item through the typed readers, written back to w. */
static mcim_err reencode(struct mcim_cbor_reader *r, struct mcim_cbor_writer *w,
			 unsigned depth)
{
	size_t before = r->off;
	enum mcim_cbor_type t;
	mcim_err err = mcim_cbor_peek(r, &t);
	uint64_t u;
	size_t n, len;
	const uint8_t *p;
	const char *s;
	bool b;

	if (err != MCIM_OK)
		return err;
	if ((t == MCIM_CBOR_ARRAY || t == MCIM_CBOR_MAP || t == MCIM_CBOR_TAG) &&
	    depth >= MCIM_CBOR_MAX_DEPTH)
		return MCIM_ERR_TOO_LARGE;
	switch (t) {
	case MCIM_CBOR_UINT:
		err = mcim_cbor_read_uint(r, &u);
		if (err == MCIM_OK)
			mcim_cbor_put_uint(w, u);
		break;
	case MCIM_CBOR_NINT:
		err = mcim_cbor_read_nint(r, &u);
		if (err == MCIM_OK)
			mcim_cbor_put_nint(w, u);
		break;
	case MCIM_CBOR_BSTR:
		err = mcim_cbor_read_bstr(r, &p, &len);
		if (err == MCIM_OK) {
			CHECK(p >= r->buf && len <= (size_t)(r->buf + r->len - p));
			mcim_cbor_put_bstr(w, p, len);
		}
		break;
	case MCIM_CBOR_TSTR:
		err = mcim_cbor_read_tstr(r, &s, &len);
		if (err == MCIM_OK)
			mcim_cbor_put_tstr(w, s, len);
		break;
	case MCIM_CBOR_ARRAY:
		err = mcim_cbor_read_array(r, &n);
		if (err == MCIM_OK) {
			CHECK(n <= mcim_cbor_remaining(r));
			mcim_cbor_put_array(w, n);
		}
		for (size_t i = 0; err == MCIM_OK && i < n; i++)
			err = reencode(r, w, depth + 1);
		break;
	case MCIM_CBOR_MAP: {
		struct mcim_cbor_map m;

		err = mcim_cbor_map_open(r, &m);
		if (err == MCIM_OK)
			mcim_cbor_put_map(w, m.left);
		while (err == MCIM_OK && mcim_cbor_map_more(&m)) {
			struct mcim_cbor_reader key;
			size_t at = r->off;

			err = mcim_cbor_map_key_item(r, &m, &p, &len);
			if (err != MCIM_OK) {
				CHECK(r->off == at);
				break;
			}
			mcim_cbor_reader_init(&key, p, len);
			err = reencode(&key, w, depth + 1);
			if (err == MCIM_OK)
				err = reencode(r, w, depth + 1);
		}
		break;
	}
	case MCIM_CBOR_TAG:
		err = mcim_cbor_read_tag(r, &u);
		if (err == MCIM_OK) {
			mcim_cbor_put_tag(w, u);
			err = reencode(r, w, depth + 1);
		}
		break;
	case MCIM_CBOR_BOOL:
		err = mcim_cbor_read_bool(r, &b);
		if (err == MCIM_OK)
			mcim_cbor_put_bool(w, b);
		break;
	case MCIM_CBOR_NULL:
		err = mcim_cbor_read_null(r);
		if (err == MCIM_OK)
			mcim_cbor_put_null(w);
		break;
	}
	CHECK(r->off <= r->len && r->off >= before);
	return err;
}

static uint8_t out[1 << 16];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mcim_cbor_reader whole, parts;

	mcim_cbor_reader_init(&whole, data, size);
	mcim_cbor_reader_init(&parts, data, size);
	while (mcim_cbor_remaining(&whole) > 0) {
		struct mcim_cbor_writer w;
		const uint8_t *span;
		size_t start = whole.off, span_len, out_len;
		mcim_err err = mcim_cbor_read_item(&whole, &span, &span_len);
		mcim_err err2;

		CHECK(whole.off <= size);
		if (err != MCIM_OK) {
			CHECK(err_allowed(err));
			CHECK(whole.off == start);
		}
		CHECK(parts.off == start);
		mcim_cbor_writer_init(&w, out, sizeof(out));
		err2 = reencode(&parts, &w, 0);
		if (err != MCIM_OK) {
			/* Map keys count their depth from themselves in the helpers. */
			CHECK(err2 != MCIM_OK || err == MCIM_ERR_TOO_LARGE);
			break;
		}
		CHECK(span == data + start && span_len == whole.off - start);
		CHECK(err2 == MCIM_OK);
		CHECK(parts.off == whole.off);
		if (mcim_cbor_writer_finish(&w, &out_len) == MCIM_OK)
			CHECK(out_len == span_len && memcmp(out, span, span_len) == 0);
	}
	return 0;
}

/* ---- seed corpus ---- */

static void write_seed(const char *dir, const char *name, const uint8_t *buf, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/seed-%s", dir, name);
	f = fopen(path, "wb");
	if (f == NULL || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

/* Items shaped like the protocol's messages: maps of labels, nested, tagged. */
static void write_seeds(const char *dir)
{
	static const uint8_t blob[40] = {0x30, 0x82, 0x01};
	uint8_t buf[512];
	struct mcim_cbor_writer w;
	size_t len;

	mcim_cbor_writer_init(&w, buf, sizeof(buf));
	mcim_cbor_put_map(&w, 6);
	mcim_cbor_put_int(&w, 1);
	mcim_cbor_put_cstr(&w, "mcim/dl/m2");
	mcim_cbor_put_int(&w, 2);
	mcim_cbor_put_bstr(&w, blob, 16);
	mcim_cbor_put_int(&w, 3);
	mcim_cbor_put_uint(&w, 1700000000);
	mcim_cbor_put_int(&w, 4);
	mcim_cbor_put_array(&w, 3);
	mcim_cbor_put_bool(&w, true);
	mcim_cbor_put_null(&w);
	mcim_cbor_put_int(&w, -70000);
	mcim_cbor_put_int(&w, -1);
	mcim_cbor_put_tag(&w, 18);
	mcim_cbor_put_bstr(&w, blob, sizeof(blob));
	mcim_cbor_put_cstr(&w, "z");
	mcim_cbor_put_map(&w, 2);
	mcim_cbor_put_cstr(&w, "a");
	mcim_cbor_put_uint(&w, UINT64_MAX);
	mcim_cbor_put_cstr(&w, "b");
	mcim_cbor_put_nint(&w, UINT64_MAX);
	if (mcim_cbor_writer_finish(&w, &len) != MCIM_OK)
		abort();
	write_seed(dir, "cbor-message", buf, len);

	mcim_cbor_writer_init(&w, buf, sizeof(buf));
	for (int i = 0; i < MCIM_CBOR_MAX_DEPTH - 1; i++)
		mcim_cbor_put_array(&w, 1);
	mcim_cbor_put_map(&w, 1);
	mcim_cbor_put_cstr(&w, "\xc3\xbc");
	mcim_cbor_put_bstr(&w, NULL, 0);
	if (mcim_cbor_writer_finish(&w, &len) != MCIM_OK)
		abort();
	write_seed(dir, "cbor-deep", buf, len);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("MCIM_FUZZ_WRITE_SEEDS");

	(void)argc;
	(void)argv;
	if (dir != NULL) {
		write_seeds(dir);
		exit(0);
	}
	return 0;
}
