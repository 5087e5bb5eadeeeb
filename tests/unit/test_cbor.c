/*
 * The deterministic CBOR reader and writer (mcim/cbor.h).
 *
 * Known answers: every RFC 8949 Appendix A example, read at run time from
 * tests/data/cbor.json. An in-profile example must decode to exactly the diagnostic
 * notation the RFC prints beside it (printed here from the reader's output), and the
 * writer, driven by that notation, must produce exactly the RFC's octets; the
 * examples outside the profile (floats, other simple values, indefinite lengths)
 * must be refused. Properties: each head of each example widened to a longer form is
 * refused (one encoding per value); every truncation gives MCIM_ERR_TRUNCATED with
 * the cursor unmoved; nesting past MCIM_CBOR_MAX_DEPTH is refused; map keys must be
 * strictly increasing (RFC 8949 4.2.1's own ordering example). Last, a deterministic
 * PRNG feeds 200 000 random and mutated inputs to the decoder, under the same
 * checks the libFuzzer target makes, so CI exercises the decoder without libFuzzer
 * (R-SEED-03, T-09: every decoder fuzzed; an accepted input re-encodes to itself).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "mcim/cbor.h"
#include "tool/vecfile.h"

#define DIAG_MAX 4096

static const char *data_path(const char *file, char *buf, size_t cap)
{
	const char *dir = getenv("MCIM_SOURCE_DIR");

	if (dir == NULL) {
		fprintf(stderr,
			"MCIM_SOURCE_DIR is not set (run the tests through ctest)\n");
		exit(1);
	}
	snprintf(buf, cap, "%s/tests/data/%s", dir, file);
	return buf;
}

/* The Appendix A examples: octets, notation and whether the profile accepts them. */
struct example {
	uint8_t cbor[64];
	size_t len;
	const char *diag; /* owned by the vecfile */
	int in_profile;
};

static struct vecfile examples_vf;
static struct example examples[128];
static size_t n_examples;

static int load_examples(void **state)
{
	static char path[4096];
	json_t *sets;

	(void)state;
	if (vecfile_open(&examples_vf, data_path("cbor.json", path, sizeof(path))) !=
	    MCIM_OK) {
		fprintf(stderr, "%s\n", examples_vf.err);
		return -1;
	}
	sets = json_object_get(examples_vf.root, "sets");
	n_examples = examples_vf.nsets;
	if (n_examples > sizeof(examples) / sizeof(examples[0]))
		return -1;
	for (size_t i = 0; i < n_examples; i++) {
		json_t *set = json_array_get(sets, i);
		json_t *diag = json_object_get(set, "diag");
		json_t *in = json_object_get(set, "in_profile");

		if (vecfile_hex_var(&examples_vf, i, "cbor", examples[i].cbor,
				    sizeof(examples[i].cbor),
				    &examples[i].len) != MCIM_OK ||
		    !json_is_string(diag) || !json_is_boolean(in)) {
			fprintf(stderr, "cbor.json set %zu: %s\n", i, examples_vf.err);
			return -1;
		}
		examples[i].diag = json_string_value(diag);
		examples[i].in_profile = json_is_true(in);
	}
	return 0;
}

static int free_examples(void **state)
{
	(void)state;
	vecfile_close(&examples_vf);
	return 0;
}

/* ---- diagnostic notation printed from the reader (RFC 8949 8) ---- */

struct out {
	char buf[DIAG_MAX];
	size_t len;
};

static void emit(struct out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void emit(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, sizeof(o->buf) - o->len, fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < sizeof(o->buf) - o->len);
	o->len += (size_t)n;
}

/* Text as the RFC prints it: ASCII as is, the rest as \u escapes (surrogate pairs). */
static void emit_text(struct out *o, const char *s, size_t len)
{
	const uint8_t *u = (const uint8_t *)s;
	size_t i = 0;

	emit(o, "\"");
	while (i < len) {
		uint32_t cp;
		size_t n;

		if (u[i] < 0x80) {
			cp = u[i];
			n = 1;
		} else if (u[i] < 0xe0) {
			cp = (uint32_t)(u[i] & 0x1f) << 6 | (u[i + 1] & 0x3f);
			n = 2;
		} else if (u[i] < 0xf0) {
			cp = (uint32_t)(u[i] & 0x0f) << 12 |
			     (uint32_t)(u[i + 1] & 0x3f) << 6 | (u[i + 2] & 0x3f);
			n = 3;
		} else {
			cp = (uint32_t)(u[i] & 0x07) << 18 |
			     (uint32_t)(u[i + 1] & 0x3f) << 12 |
			     (uint32_t)(u[i + 2] & 0x3f) << 6 | (u[i + 3] & 0x3f);
			n = 4;
		}
		i += n;
		if (cp == '"' || cp == '\\')
			emit(o, "\\%c", (char)cp);
		else if (cp >= 0x20 && cp < 0x7f)
			emit(o, "%c", (char)cp);
		else if (cp < 0x10000)
			emit(o, "\\u%04x", (unsigned)cp);
		else
			emit(o, "\\u%04x\\u%04x",
			     (unsigned)(0xd800 + ((cp - 0x10000) >> 10)),
			     (unsigned)(0xdc00 + ((cp - 0x10000) & 0x3ff)));
	}
	emit(o, "\"");
}

/* ---- bignums (RFC 8949 3.4.3), for the examples that need them ---- */

#define BIG_MAX 24

static uint64_t big_u64(const uint8_t big[BIG_MAX])
{
	uint64_t v = 0;

	for (size_t k = BIG_MAX - 8; k < BIG_MAX; k++)
		v = v << 8 | big[k];
	return v;
}

/* Prints the magnitude in data (plus one when plus_one) in decimal. */
static void emit_bignum(struct out *o, const uint8_t *data, size_t len, int plus_one)
{
	uint8_t big[BIG_MAX] = {0};
	char digits[64];
	size_t n = 0;
	int zero;

	assert_true(len <= BIG_MAX);
	memcpy(big + BIG_MAX - len, data, len);
	if (plus_one)
		for (size_t k = BIG_MAX; k-- > 0 && ++big[k] == 0;)
			;
	do {
		unsigned rem = 0;

		zero = 1;
		for (size_t k = 0; k < BIG_MAX; k++) {
			unsigned cur = rem << 8 | big[k];

			big[k] = (uint8_t)(cur / 10);
			rem = cur % 10;
			zero &= big[k] == 0;
		}
		digits[n++] = (char)('0' + rem);
	} while (!zero);
	while (n > 0)
		emit(o, "%c", digits[--n]);
}

static mcim_err print_item(struct mcim_cbor_reader *r, struct out *o)
{
	enum mcim_cbor_type type;
	mcim_err err = mcim_cbor_peek(r, &type);
	uint64_t u;
	size_t n, len;
	const uint8_t *data;
	const char *text;
	bool b;

	if (err != MCIM_OK)
		return err;
	switch (type) {
	case MCIM_CBOR_UINT:
		err = mcim_cbor_read_uint(r, &u);
		if (err == MCIM_OK)
			emit(o, "%llu", (unsigned long long)u);
		return err;
	case MCIM_CBOR_NINT:
		err = mcim_cbor_read_nint(r, &u);
		if (err == MCIM_OK && u == UINT64_MAX)
			emit(o, "-18446744073709551616");
		else if (err == MCIM_OK)
			emit(o, "-%llu", (unsigned long long)u + 1);
		return err;
	case MCIM_CBOR_BSTR:
		err = mcim_cbor_read_bstr(r, &data, &len);
		if (err != MCIM_OK)
			return err;
		emit(o, "h'");
		for (size_t i = 0; i < len; i++)
			emit(o, "%02x", data[i]);
		emit(o, "'");
		return MCIM_OK;
	case MCIM_CBOR_TSTR:
		err = mcim_cbor_read_tstr(r, &text, &len);
		if (err == MCIM_OK)
			emit_text(o, text, len);
		return err;
	case MCIM_CBOR_ARRAY:
		err = mcim_cbor_read_array(r, &n);
		if (err != MCIM_OK)
			return err;
		emit(o, "[");
		for (size_t i = 0; i < n && err == MCIM_OK; i++) {
			if (i > 0)
				emit(o, ", ");
			err = print_item(r, o);
		}
		emit(o, "]");
		return err;
	case MCIM_CBOR_MAP: {
		struct mcim_cbor_map m;

		err = mcim_cbor_map_open(r, &m);
		emit(o, "{");
		for (int first = 1; err == MCIM_OK && mcim_cbor_map_more(&m); first = 0) {
			struct mcim_cbor_reader key;

			if (!first)
				emit(o, ", ");
			err = mcim_cbor_map_key_item(r, &m, &data, &len);
			if (err != MCIM_OK)
				break;
			mcim_cbor_reader_init(&key, data, len);
			err = print_item(&key, o);
			emit(o, ": ");
			if (err == MCIM_OK)
				err = print_item(r, o);
		}
		emit(o, "}");
		return err;
	}
	case MCIM_CBOR_TAG:
		err = mcim_cbor_read_tag(r, &u);
		if (err == MCIM_OK && (u == 2 || u == 3) &&
		    mcim_cbor_peek(r, &type) == MCIM_OK && type == MCIM_CBOR_BSTR) {
			/* A bignum: the RFC shows its value. */
			err = mcim_cbor_read_bstr(r, &data, &len);
			if (err == MCIM_OK && u == 3)
				emit(o, "-");
			if (err == MCIM_OK)
				emit_bignum(o, data, len, u == 3);
			return err;
		}
		if (err != MCIM_OK)
			return err;
		emit(o, "%llu(", (unsigned long long)u);
		err = print_item(r, o);
		emit(o, ")");
		return err;
	case MCIM_CBOR_BOOL:
		err = mcim_cbor_read_bool(r, &b);
		if (err == MCIM_OK)
			emit(o, b ? "true" : "false");
		return err;
	case MCIM_CBOR_NULL:
		err = mcim_cbor_read_null(r);
		if (err == MCIM_OK)
			emit(o, "null");
		return err;
	}
	return MCIM_ERR_INTERNAL;
}

/* ---- the writer driven by diagnostic notation ---- */

struct diag {
	const char *s;
	size_t i;
};

static void diag_ws(struct diag *d)
{
	while (d->s[d->i] == ' ')
		d->i++;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static uint32_t diag_u4(struct diag *d)
{
	uint32_t v = 0;

	for (int k = 0; k < 4; k++) {
		int h = hexval(d->s[d->i++]);
		assert_true(h >= 0);
		v = v << 4 | (uint32_t)h;
	}
	return v;
}

static size_t put_utf8(uint8_t *p, uint32_t cp)
{
	if (cp < 0x80) {
		p[0] = (uint8_t)cp;
		return 1;
	}
	if (cp < 0x800) {
		p[0] = (uint8_t)(0xc0 | cp >> 6);
		p[1] = (uint8_t)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		p[0] = (uint8_t)(0xe0 | cp >> 12);
		p[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
		p[2] = (uint8_t)(0x80 | (cp & 0x3f));
		return 3;
	}
	p[0] = (uint8_t)(0xf0 | cp >> 18);
	p[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3f));
	p[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
	p[3] = (uint8_t)(0x80 | (cp & 0x3f));
	return 4;
}

/* Parses one item of diag and writes it to w (w NULL: only counts, for headers). */
static void diag_item(struct diag *d, struct mcim_cbor_writer *w);

static size_t diag_count(struct diag *d, char close, int pairs)
{
	struct diag probe = *d;
	size_t n = 0;

	diag_ws(&probe);
	while (probe.s[probe.i] != close) {
		diag_item(&probe, NULL);
		if (pairs) {
			diag_ws(&probe);
			assert_int_equal(probe.s[probe.i++], ':');
			diag_item(&probe, NULL);
		}
		n++;
		diag_ws(&probe);
		if (probe.s[probe.i] == ',')
			probe.i++;
		diag_ws(&probe);
	}
	return n;
}

static void diag_container(struct diag *d, struct mcim_cbor_writer *w, int pairs)
{
	char close = pairs ? '}' : ']';
	size_t n;

	d->i++;
	n = diag_count(d, close, pairs);
	if (w != NULL && pairs)
		mcim_cbor_put_map(w, n);
	else if (w != NULL)
		mcim_cbor_put_array(w, n);
	diag_ws(d);
	for (size_t k = 0; k < n; k++) {
		diag_item(d, w);
		if (pairs) {
			diag_ws(d);
			assert_int_equal(d->s[d->i++], ':');
			diag_item(d, w);
		}
		diag_ws(d);
		if (d->s[d->i] == ',')
			d->i++;
		diag_ws(d);
	}
	assert_int_equal(d->s[d->i++], close);
}

static void diag_text(struct diag *d, struct mcim_cbor_writer *w)
{
	uint8_t text[256];
	size_t n = 0;

	d->i++;
	while (d->s[d->i] != '"') {
		char c = d->s[d->i++];

		assert_true(n + 4 <= sizeof(text));
		if (c != '\\') {
			text[n++] = (uint8_t)c;
			continue;
		}
		c = d->s[d->i++];
		if (c == 'u') {
			uint32_t cp = diag_u4(d);

			if (cp >= 0xd800 && cp < 0xdc00) {
				assert_int_equal(d->s[d->i++], '\\');
				assert_int_equal(d->s[d->i++], 'u');
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				     (diag_u4(d) - 0xdc00);
			}
			n += put_utf8(text + n, cp);
		} else {
			text[n++] = (uint8_t)c;
		}
	}
	d->i++;
	if (w != NULL)
		mcim_cbor_put_tstr(w, (const char *)text, n);
}

static void diag_bytes(struct diag *d, struct mcim_cbor_writer *w)
{
	uint8_t bytes[128];
	size_t n = 0;

	d->i += 2; /* h' */
	while (d->s[d->i] != '\'') {
		int hi = hexval(d->s[d->i]), lo = hexval(d->s[d->i + 1]);

		assert_true(hi >= 0 && lo >= 0 && n < sizeof(bytes));
		bytes[n++] = (uint8_t)(hi << 4 | lo);
		d->i += 2;
	}
	d->i++;
	if (w != NULL)
		mcim_cbor_put_bstr(w, bytes, n);
}

/*
 * Integers of any size, as RFC 8949 3.4.3 maps them: within 64 bits a plain
 * integer, beyond a bignum (tag 2 or 3 over the big-endian magnitude).
 */
static void diag_number(struct diag *d, struct mcim_cbor_writer *w)
{
	uint8_t big[BIG_MAX] = {0}; /* big-endian */
	int neg = d->s[d->i] == '-';
	size_t lead = 0;

	if (neg)
		d->i++;
	while (d->s[d->i] >= '0' && d->s[d->i] <= '9') {
		unsigned carry = (unsigned)(d->s[d->i++] - '0');

		for (size_t k = BIG_MAX; k-- > 0;) {
			carry += big[k] * 10u;
			big[k] = (uint8_t)carry;
			carry >>= 8;
		}
		assert_int_equal(carry, 0);
	}
	if (d->s[d->i] == '(') {
		assert_false(neg);
		d->i++;
		if (w != NULL)
			mcim_cbor_put_tag(w, big_u64(big));
		diag_item(d, w);
		assert_int_equal(d->s[d->i++], ')');
		return;
	}
	if (neg) /* -1 - n: store n */
		for (size_t k = BIG_MAX; k-- > 0 && big[k]-- == 0;)
			;
	while (lead < BIG_MAX - 8 && big[lead] == 0)
		lead++;
	if (w == NULL)
		return;
	if (lead < BIG_MAX - 8) {
		mcim_cbor_put_tag(w, neg ? 3 : 2);
		mcim_cbor_put_bstr(w, big + lead, BIG_MAX - lead);
	} else if (neg) {
		mcim_cbor_put_nint(w, big_u64(big));
	} else {
		mcim_cbor_put_uint(w, big_u64(big));
	}
}

static void diag_item(struct diag *d, struct mcim_cbor_writer *w)
{
	const char *s;

	diag_ws(d);
	s = d->s + d->i;
	if (*s == '[' || *s == '{') {
		diag_container(d, w, *s == '{');
	} else if (*s == '"') {
		diag_text(d, w);
	} else if (*s == 'h' && s[1] == '\'') {
		diag_bytes(d, w);
	} else if (strncmp(s, "true", 4) == 0 || strncmp(s, "false", 5) == 0) {
		if (w != NULL)
			mcim_cbor_put_bool(w, *s == 't');
		d->i += *s == 't' ? 4 : 5;
	} else if (strncmp(s, "null", 4) == 0) {
		if (w != NULL)
			mcim_cbor_put_null(w);
		d->i += 4;
	} else {
		assert_true(*s == '-' || (*s >= '0' && *s <= '9'));
		diag_number(d, w);
	}
}

/* ---- an independent head walker, to find every head of a valid encoding ---- */

struct head_pos {
	size_t off;
	uint8_t major;
	uint64_t arg;
	size_t len; /* octets of the head */
};

static size_t find_heads(const uint8_t *b, size_t off, struct head_pos *heads, size_t *n)
{
	uint8_t major = b[off] >> 5, ai = b[off] & 0x1f;
	uint64_t arg = ai;
	size_t hl = 1, pos;

	if (ai >= 24 && ai <= 27) {
		hl = 1 + ((size_t)1 << (ai - 24));
		arg = 0;
		for (size_t k = 1; k < hl; k++)
			arg = arg << 8 | b[off + k];
	}
	heads[*n].off = off;
	heads[*n].major = major;
	heads[*n].arg = arg;
	heads[*n].len = hl;
	(*n)++;
	pos = off + hl;
	if (major == 2 || major == 3)
		return pos + (size_t)arg;
	if (major == 4 || major == 5) {
		for (uint64_t k = 0; k < (major == 5 ? 2 * arg : arg); k++)
			pos = find_heads(b, pos, heads, n);
		return pos;
	}
	if (major == 6)
		return find_heads(b, pos, heads, n);
	return pos;
}

/* ---- Appendix A ---- */

static void appendix_a_reader(void **state)
{
	size_t accepted = 0, refused = 0;

	(void)state;
	assert_true(n_examples >= 70);
	for (size_t i = 0; i < n_examples; i++) {
		const struct example *e = &examples[i];
		struct mcim_cbor_reader r;
		struct out o = {.len = 0};
		const uint8_t *span;
		size_t span_len;

		mcim_cbor_reader_init(&r, e->cbor, e->len);
		if (!e->in_profile) {
			assert_int_equal(mcim_cbor_read_item(&r, &span, &span_len),
					 MCIM_ERR_PARSE);
			assert_int_equal(r.off, 0);
			refused++;
			continue;
		}
		assert_int_equal(print_item(&r, &o), MCIM_OK);
		assert_int_equal(r.off, e->len);
		if (strcmp(o.buf, e->diag) != 0)
			fail_msg("example %zu: printed %s, the RFC says %s", i, o.buf,
				 e->diag);
		mcim_cbor_reader_init(&r, e->cbor, e->len);
		assert_int_equal(mcim_cbor_read_item(&r, &span, &span_len), MCIM_OK);
		assert_ptr_equal(span, e->cbor);
		assert_int_equal(span_len, e->len);
		assert_int_equal(mcim_cbor_remaining(&r), 0);
		accepted++;
	}
	assert_true(accepted >= 40 && refused >= 30);
}

static void appendix_a_writer(void **state)
{
	(void)state;
	for (size_t i = 0; i < n_examples; i++) {
		const struct example *e = &examples[i];
		uint8_t buf[128];
		struct mcim_cbor_writer w;
		struct diag d = {e->diag, 0};
		size_t len;

		if (!e->in_profile)
			continue;
		mcim_cbor_writer_init(&w, buf, sizeof(buf));
		diag_item(&d, &w);
		assert_int_equal(d.s[d.i], '\0');
		assert_int_equal(mcim_cbor_writer_finish(&w, &len), MCIM_OK);
		assert_int_equal(len, e->len);
		assert_memory_equal(buf, e->cbor, len);
	}
}

/* Each head re-encoded in every longer form than its shortest: one value, one encoding.
 */
static void non_preferred_refused(void **state)
{
	size_t variants = 0;

	(void)state;
	for (size_t i = 0; i < n_examples; i++) {
		const struct example *e = &examples[i];
		struct head_pos heads[64];
		size_t n = 0;

		if (!e->in_profile)
			continue;
		assert_int_equal(find_heads(e->cbor, 0, heads, &n), e->len);
		for (size_t h = 0; h < n; h++) {
			for (unsigned form = 0; form < 4; form++) {
				size_t arg_len = (size_t)1 << form;
				uint8_t buf[128];
				struct mcim_cbor_reader r;
				size_t p = 0;

				if (arg_len + 1 <= heads[h].len)
					continue;
				if (form < 3 && heads[h].arg >> (8 * arg_len) != 0)
					continue;
				memcpy(buf, e->cbor, heads[h].off);
				p = heads[h].off;
				buf[p++] = (uint8_t)(heads[h].major << 5 | (24 + form));
				for (size_t k = arg_len; k-- > 0;)
					buf[p++] = (uint8_t)(heads[h].arg >> (8 * k));
				memcpy(buf + p, e->cbor + heads[h].off + heads[h].len,
				       e->len - heads[h].off - heads[h].len);
				p += e->len - heads[h].off - heads[h].len;
				mcim_cbor_reader_init(&r, buf, p);
				if (mcim_cbor_skip(&r) != MCIM_ERR_PARSE)
					fail_msg("example %zu head %zu in %zu-octet form "
						 "accepted",
						 i, h, arg_len);
				assert_int_equal(r.off, 0);
				variants++;
			}
		}
	}
	assert_true(variants > 100);
}

static void truncation_everywhere(void **state)
{
	(void)state;
	for (size_t i = 0; i < n_examples; i++) {
		const struct example *e = &examples[i];

		if (!e->in_profile)
			continue;
		for (size_t cut = 0; cut < e->len; cut++) {
			struct mcim_cbor_reader r;
			struct out o = {.len = 0};

			mcim_cbor_reader_init(&r, e->cbor, cut);
			assert_int_equal(mcim_cbor_skip(&r), MCIM_ERR_TRUNCATED);
			assert_int_equal(r.off, 0);
			/* The typed readers stop at the same place, and only there. */
			mcim_cbor_reader_init(&r, e->cbor, cut);
			assert_int_equal(print_item(&r, &o), MCIM_ERR_TRUNCATED);
			assert_true(r.off <= cut);
		}
	}
}

/* ---- the reader's typed functions and the profile's edges ---- */

static void typed_reads(void **state)
{
	static const uint8_t in[] = {
	    0x1b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* INT64_MAX */
	    0x3b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* INT64_MIN */
	    0x1b, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 2^63 */
	    0x3b, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* -1 - 2^63 */
	    0x43, 0x01, 0x02, 0x03, 0x62, 0x68, 0x69, 0xf4, 0xf5, 0xf6, 0xd8, 0x20, 0x00,
	};
	struct mcim_cbor_reader r;
	enum mcim_cbor_type t;
	int64_t v;
	uint64_t u;
	const uint8_t *p;
	const char *s;
	size_t len;
	bool b;

	(void)state;
	mcim_cbor_reader_init(&r, in, sizeof(in));
	assert_int_equal(mcim_cbor_read_int(&r, &v), MCIM_OK);
	assert_true(v == INT64_MAX);
	assert_int_equal(mcim_cbor_peek(&r, &t), MCIM_OK);
	assert_int_equal(t, MCIM_CBOR_NINT);
	assert_int_equal(mcim_cbor_read_uint(&r, &u), MCIM_ERR_PARSE);
	assert_int_equal(r.off, 9);
	assert_int_equal(mcim_cbor_read_int(&r, &v), MCIM_OK);
	assert_true(v == INT64_MIN);
	assert_int_equal(mcim_cbor_read_int(&r, &v), MCIM_ERR_TOO_LARGE);
	assert_int_equal(r.off, 18);
	assert_int_equal(mcim_cbor_read_uint(&r, &u), MCIM_OK);
	assert_true(u == (uint64_t)1 << 63);
	assert_int_equal(mcim_cbor_read_int(&r, &v), MCIM_ERR_TOO_LARGE);
	assert_int_equal(mcim_cbor_read_nint(&r, &u), MCIM_OK);
	assert_true(u == (uint64_t)1 << 63);
	assert_int_equal(mcim_cbor_read_tstr(&r, &s, &len), MCIM_ERR_PARSE);
	assert_int_equal(mcim_cbor_read_bstr(&r, &p, &len), MCIM_OK);
	assert_ptr_equal(p, in + 37);
	assert_int_equal(len, 3);
	assert_int_equal(mcim_cbor_read_bstr(&r, &p, &len), MCIM_ERR_PARSE);
	assert_int_equal(mcim_cbor_read_tstr(&r, &s, &len), MCIM_OK);
	assert_int_equal(len, 2);
	assert_memory_equal(s, "hi", 2);
	assert_int_equal(mcim_cbor_read_null(&r), MCIM_ERR_PARSE);
	assert_int_equal(mcim_cbor_read_bool(&r, &b), MCIM_OK);
	assert_false(b);
	assert_int_equal(mcim_cbor_peek(&r, &t), MCIM_OK);
	assert_int_equal(t, MCIM_CBOR_BOOL);
	assert_int_equal(mcim_cbor_read_bool(&r, &b), MCIM_OK);
	assert_true(b);
	assert_int_equal(mcim_cbor_peek(&r, &t), MCIM_OK);
	assert_int_equal(t, MCIM_CBOR_NULL);
	assert_int_equal(mcim_cbor_read_bool(&r, &b), MCIM_ERR_PARSE);
	assert_int_equal(mcim_cbor_read_tag(&r, &u), MCIM_ERR_PARSE);
	assert_int_equal(mcim_cbor_read_null(&r), MCIM_OK);
	assert_int_equal(mcim_cbor_peek(&r, &t), MCIM_OK);
	assert_int_equal(t, MCIM_CBOR_TAG);
	assert_int_equal(mcim_cbor_read_array(&r, &len), MCIM_ERR_PARSE);
	assert_int_equal(mcim_cbor_read_map(&r, &len), MCIM_ERR_PARSE);
	assert_int_equal(mcim_cbor_read_tag(&r, &u), MCIM_OK);
	assert_int_equal(u, 32);
	assert_int_equal(mcim_cbor_read_uint(&r, &u), MCIM_OK);
	assert_int_equal(mcim_cbor_remaining(&r), 0);
	assert_int_equal(mcim_cbor_peek(&r, &t), MCIM_ERR_TRUNCATED);
	assert_int_equal(mcim_cbor_read_uint(&r, &u), MCIM_ERR_TRUNCATED);
	assert_int_equal(mcim_cbor_skip(&r), MCIM_ERR_TRUNCATED);
}

/* Initial bytes outside the profile, alone and with plausible continuations. */
static void outside_profile_refused(void **state)
{
	static const uint8_t bad[][3] = {
	    {0xf7},		/* undefined */
	    {0xf0},		/* simple(16) */
	    {0xf8, 0x18},	/* simple(24): not well-formed (RFC 8949 3.3) */
	    {0xf8, 0x20},	/* simple(32) */
	    {0xf9, 0x3c, 0x00}, /* half float */
	    {0xff},		/* break without an indefinite item */
	    {0x1c},		/* reserved additional information 28..30 */
	    {0x3d},
	    {0x5e},
	    {0x1f}, /* indefinite integer: not well-formed */
	    {0x5f, 0xff},
	    {0x7f, 0xff},
	    {0x9f, 0xff},
	    {0xbf, 0xff},
	    {0xdf, 0x00},
	};
	static const size_t lens[] = {1, 1, 2, 2, 3, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2};

	(void)state;
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		struct mcim_cbor_reader r;
		enum mcim_cbor_type t;

		mcim_cbor_reader_init(&r, bad[i], lens[i]);
		assert_int_equal(mcim_cbor_peek(&r, &t), MCIM_ERR_PARSE);
		assert_int_equal(mcim_cbor_skip(&r), MCIM_ERR_PARSE);
		assert_int_equal(r.off, 0);
	}
	for (uint8_t ai = 28; ai <= 31; ai++) {
		for (uint8_t major = 0; major < 7; major++) {
			uint8_t b = (uint8_t)(major << 5 | ai);
			struct mcim_cbor_reader r;

			mcim_cbor_reader_init(&r, &b, 1);
			assert_int_equal(mcim_cbor_skip(&r), MCIM_ERR_PARSE);
		}
	}
}

static void invalid_utf8_refused(void **state)
{
	static const uint8_t bad[][5] = {
	    {0x62, 0xc0, 0x80},		    /* overlong NUL */
	    {0x62, 0xc1, 0xbf},		    /* overlong */
	    {0x63, 0xe0, 0x80, 0x80},	    /* overlong */
	    {0x63, 0xed, 0xa0, 0x80},	    /* surrogate U+D800 */
	    {0x64, 0xf4, 0x90, 0x80, 0x80}, /* above U+10FFFF */
	    {0x64, 0xf0, 0x80, 0x80, 0x80}, /* overlong */
	    {0x61, 0x80},		    /* lone continuation */
	    {0x61, 0xc3},		    /* sequence cut by the length */
	    {0x62, 0xe6, 0xb0},
	    {0x62, 0xc3, 0x41}, /* not a continuation */
	    {0x61, 0xff},
	    {0x61, 0xf5},
	};
	static const uint8_t good[][5] = {
	    {0x62, 0xc2, 0x80},		    /* U+0080 */
	    {0x63, 0xed, 0x9f, 0xbf},	    /* U+D7FF */
	    {0x63, 0xef, 0xbf, 0xbf},	    /* U+FFFF */
	    {0x64, 0xf4, 0x8f, 0xbf, 0xbf}, /* U+10FFFF */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct mcim_cbor_reader r;
		const char *s;
		size_t len;

		mcim_cbor_reader_init(&r, bad[i], 1 + (bad[i][0] & 0x1f));
		assert_int_equal(mcim_cbor_read_tstr(&r, &s, &len), MCIM_ERR_PARSE);
		assert_int_equal(mcim_cbor_skip(&r), MCIM_ERR_PARSE);
		assert_int_equal(r.off, 0);
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct mcim_cbor_reader r;
		const char *s;
		size_t len;

		mcim_cbor_reader_init(&r, good[i], 1 + (good[i][0] & 0x1f));
		assert_int_equal(mcim_cbor_read_tstr(&r, &s, &len), MCIM_OK);
		assert_int_equal(len, good[i][0] & 0x1f);
	}
}

/* Lengths and counts near 2^64 must not overflow an offset or start a long loop. */
static void huge_lengths(void **state)
{
	static const uint8_t heads[] = {0x5b, 0x7b, 0x9b, 0xbb};
	static const uint8_t one[] = {0x5a, 0x00, 0x01, 0x00, 0x00, 0x00};

	(void)state;
	for (size_t i = 0; i < sizeof(heads); i++) {
		uint8_t buf[16];
		struct mcim_cbor_reader r;
		size_t n;
		const uint8_t *p;

		buf[0] = heads[i];
		memset(buf + 1, 0xff, 8);
		memset(buf + 9, 0x00, 7);
		mcim_cbor_reader_init(&r, buf, sizeof(buf));
		assert_int_equal(mcim_cbor_skip(&r), MCIM_ERR_TRUNCATED);
		if (i == 0)
			assert_int_equal(mcim_cbor_read_bstr(&r, &p, &n),
					 MCIM_ERR_TRUNCATED);
		if (i == 2)
			assert_int_equal(mcim_cbor_read_array(&r, &n),
					 MCIM_ERR_TRUNCATED);
		if (i == 3)
			assert_int_equal(mcim_cbor_read_map(&r, &n), MCIM_ERR_TRUNCATED);
		assert_int_equal(r.off, 0);
	}
	{
		/* A 65536-octet string with one octet present; a map needs 2 octets a
		 * pair. */
		static const uint8_t map[] = {0xa2, 0x01, 0x02, 0x03};
		struct mcim_cbor_reader r;
		size_t n;

		mcim_cbor_reader_init(&r, one, sizeof(one));
		assert_int_equal(mcim_cbor_skip(&r), MCIM_ERR_TRUNCATED);
		mcim_cbor_reader_init(&r, map, sizeof(map));
		assert_int_equal(mcim_cbor_read_map(&r, &n), MCIM_ERR_TRUNCATED);
		assert_int_equal(r.off, 0);
	}
}

static void nesting_bounded(void **state)
{
	static uint8_t bomb[100001];
	static const uint8_t openers[] = {0x81, 0xc1, 0xa1};

	(void)state;
	for (size_t o = 0; o < sizeof(openers); o++) {
		struct mcim_cbor_reader r;
		size_t len;
		uint8_t buf[3 * (MCIM_CBOR_MAX_DEPTH + 1) + 1];

		/* A megabyte-scale bomb is refused at the bound, without recursion past
		 * it. */
		if (openers[o] == 0xa1) {
			for (size_t i = 0; i + 1 < sizeof(bomb); i += 2) {
				bomb[i] = 0xa1;
				bomb[i + 1] = 0x00;
			}
		} else {
			memset(bomb, openers[o], sizeof(bomb) - 1);
		}
		bomb[sizeof(bomb) - 1] = 0x00;
		mcim_cbor_reader_init(&r, bomb, sizeof(bomb));
		assert_int_equal(mcim_cbor_skip(&r), MCIM_ERR_TOO_LARGE);
		assert_int_equal(r.off, 0);

		/* Exactly MCIM_CBOR_MAX_DEPTH levels pass; one more does not. */
		for (size_t depth = MCIM_CBOR_MAX_DEPTH; depth <= MCIM_CBOR_MAX_DEPTH + 1;
		     depth++) {
			len = 0;
			for (size_t i = 0; i < depth; i++) {
				buf[len++] = openers[o];
				if (openers[o] == 0xa1)
					buf[len++] = 0x00;
			}
			buf[len++] = 0x00;
			mcim_cbor_reader_init(&r, buf, len);
			assert_int_equal(mcim_cbor_skip(&r), depth == MCIM_CBOR_MAX_DEPTH
								 ? MCIM_OK
								 : MCIM_ERR_TOO_LARGE);
		}
	}
}

/* RFC 8949 4.2.1: keys sorted bytewise by encoding; its example order, then breaks. */
static void map_key_order(void **state)
{
	static const uint8_t sorted[] = {
	    0xa8, 0x0a, 0x00,	    /* 10 */
	    0x18, 0x64, 0x00,	    /* 100 */
	    0x20, 0x00,		    /* -1 */
	    0x61, 0x7a, 0x00,	    /* "z" */
	    0x62, 0x61, 0x61, 0x00, /* "aa" */
	    0x81, 0x18, 0x64, 0x00, /* [100] */
	    0x81, 0x20, 0x00,	    /* [-1] */
	    0xf4, 0x00,		    /* false */
	};
	static const uint8_t dup[] = {0xa2, 0x01, 0x00, 0x01, 0x00};
	static const uint8_t unsorted[] = {0xa2, 0x63, 0x46, 0x75, 0x6e, 0xf5,
					   0x63, 0x41, 0x6d, 0x74, 0x21};
	static const uint8_t nested_dup[] = {0x81, 0xa2, 0x61, 0x61,
					     0x00, 0x61, 0x61, 0x00};
	struct mcim_cbor_reader r;
	struct mcim_cbor_map m;
	int64_t k;
	const char *s;
	const uint8_t *p;
	size_t len;

	(void)state;
	mcim_cbor_reader_init(&r, sorted, sizeof(sorted));
	assert_int_equal(mcim_cbor_skip(&r), MCIM_OK);
	assert_int_equal(r.off, sizeof(sorted));

	/* The same map through the helpers: int, int, int, text, text, items. */
	mcim_cbor_reader_init(&r, sorted, sizeof(sorted));
	assert_int_equal(mcim_cbor_map_open(&r, &m), MCIM_OK);
	assert_int_equal(m.left, 8);
	assert_int_equal(mcim_cbor_map_key_tstr(&r, &m, &s, &len), MCIM_ERR_PARSE);
	assert_int_equal(mcim_cbor_map_key_int(&r, &m, &k), MCIM_OK);
	assert_int_equal(k, 10);
	assert_int_equal(mcim_cbor_skip(&r), MCIM_OK);
	assert_int_equal(mcim_cbor_map_key_int(&r, &m, &k), MCIM_OK);
	assert_int_equal(k, 100);
	assert_int_equal(mcim_cbor_skip(&r), MCIM_OK);
	assert_int_equal(mcim_cbor_map_key_int(&r, &m, &k), MCIM_OK);
	assert_int_equal(k, -1);
	assert_int_equal(mcim_cbor_skip(&r), MCIM_OK);
	assert_int_equal(mcim_cbor_map_key_int(&r, &m, &k), MCIM_ERR_PARSE);
	assert_int_equal(mcim_cbor_map_key_tstr(&r, &m, &s, &len), MCIM_OK);
	assert_memory_equal(s, "z", 1);
	assert_int_equal(mcim_cbor_skip(&r), MCIM_OK);
	assert_int_equal(mcim_cbor_map_key_tstr(&r, &m, &s, &len), MCIM_OK);
	assert_int_equal(len, 2);
	assert_int_equal(mcim_cbor_skip(&r), MCIM_OK);
	while (mcim_cbor_map_more(&m)) {
		assert_int_equal(mcim_cbor_map_key_item(&r, &m, &p, &len), MCIM_OK);
		assert_int_equal(mcim_cbor_skip(&r), MCIM_OK);
	}
	assert_int_equal(p[0], 0xf4);
	assert_int_equal(mcim_cbor_remaining(&r), 0);

	/* A duplicate key: refused by skip and by the helper, cursor on the key. */
	mcim_cbor_reader_init(&r, dup, sizeof(dup));
	assert_int_equal(mcim_cbor_skip(&r), MCIM_ERR_PARSE);
	assert_int_equal(mcim_cbor_map_open(&r, &m), MCIM_OK);
	assert_int_equal(mcim_cbor_map_key_int(&r, &m, &k), MCIM_OK);
	assert_int_equal(mcim_cbor_skip(&r), MCIM_OK);
	assert_int_equal(mcim_cbor_map_key_int(&r, &m, &k), MCIM_ERR_PARSE);
	assert_int_equal(r.off, 3);
	assert_int_equal(mcim_cbor_map_key_item(&r, &m, &p, &len), MCIM_ERR_PARSE);
	assert_int_equal(r.off, 3);

	/* RFC 8949's {"Fun": true, "Amt": -2} in definite form: keys out of order. */
	mcim_cbor_reader_init(&r, unsorted, sizeof(unsorted));
	assert_int_equal(mcim_cbor_skip(&r), MCIM_ERR_PARSE);
	assert_int_equal(mcim_cbor_map_open(&r, &m), MCIM_OK);
	assert_int_equal(mcim_cbor_map_key_tstr(&r, &m, &s, &len), MCIM_OK);
	assert_int_equal(mcim_cbor_skip(&r), MCIM_OK);
	assert_int_equal(mcim_cbor_map_key_tstr(&r, &m, &s, &len), MCIM_ERR_PARSE);
	assert_int_equal(r.off, 6);

	mcim_cbor_reader_init(&r, nested_dup, sizeof(nested_dup));
	assert_int_equal(mcim_cbor_skip(&r), MCIM_ERR_PARSE);
}

/* ---- writer ---- */

static void writer_forms(void **state)
{
	static const uint8_t expect[] = {
	    0x3b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* INT64_MIN */
	    0x1b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* INT64_MAX */
	    0x20,						  /* -1 */
	    0x65, 'm',	'c',  'i',  'm',  '/',			  /* cstr */
	    0x58, 0x18,						  /* bstr(24) head */
	};
	uint8_t buf[64];
	struct mcim_cbor_writer w;
	uint8_t *res;
	size_t len;

	(void)state;
	mcim_cbor_writer_init(&w, buf, sizeof(buf));
	mcim_cbor_put_int(&w, INT64_MIN);
	mcim_cbor_put_int(&w, INT64_MAX);
	mcim_cbor_put_int(&w, -1);
	mcim_cbor_put_cstr(&w, "mcim/");
	res = mcim_cbor_put_bstr_reserve(&w, 24);
	assert_ptr_equal(res, buf + sizeof(expect));
	memset(res, 0x5a, 24);
	assert_int_equal(mcim_cbor_writer_finish(&w, &len), MCIM_OK);
	assert_int_equal(len, sizeof(expect) + 24);
	assert_memory_equal(buf, expect, sizeof(expect));
	/* put_raw embeds encoded items as they are. */
	mcim_cbor_writer_init(&w, buf, sizeof(buf));
	mcim_cbor_put_array(&w, 2);
	mcim_cbor_put_raw(&w, expect, 9);
	mcim_cbor_put_raw(&w, NULL, 0);
	mcim_cbor_put_null(&w);
	assert_int_equal(mcim_cbor_writer_finish(&w, NULL), MCIM_OK);
	assert_int_equal(w.len, 11);
	assert_int_equal(buf[0], 0x82);
	assert_int_equal(buf[10], 0xf6);
}

/* Every capacity below the need: sticky BUFFER_TOO_SMALL, nothing written past cap. */
static void writer_sticky_error(void **state)
{
	static const uint8_t blob[40] = {1, 2, 3};
	uint8_t full[128];
	size_t need = 0;
	struct mcim_cbor_writer w;

	(void)state;
	for (size_t cap = 0; cap <= sizeof(full); cap++) {
		uint8_t buf[sizeof(full) + 8];
		size_t len;
		uint8_t *res;
		mcim_err err;

		memset(buf, 0xee, sizeof(buf));
		mcim_cbor_writer_init(&w, cap == 0 ? NULL : buf, cap);
		mcim_cbor_put_tag(&w, 18);
		mcim_cbor_put_map(&w, 3);
		mcim_cbor_put_uint(&w, 1000000);
		mcim_cbor_put_bstr(&w, blob, sizeof(blob));
		mcim_cbor_put_int(&w, -500);
		mcim_cbor_put_tstr(&w, "x", 1);
		mcim_cbor_put_bool(&w, true);
		res = mcim_cbor_put_bstr_reserve(&w, 30);
		mcim_cbor_put_raw(&w, blob, 3);
		mcim_cbor_put_null(&w);
		err = mcim_cbor_writer_finish(&w, &len);
		if (cap == sizeof(full)) {
			assert_int_equal(err, MCIM_OK);
			need = len;
			memcpy(full, buf, len);
			continue;
		}
		for (size_t k = cap; k < sizeof(buf); k++)
			assert_int_equal(buf[k], 0xee);
		if (err == MCIM_OK) {
			assert_true(len <= cap);
			continue;
		}
		assert_int_equal(err, MCIM_ERR_BUFFER_TOO_SMALL);
		assert_true(len <= cap);
		if (res != NULL)
			assert_true(res + 30 <= buf + cap);
		/* Later calls are no-ops even when they would fit. */
		mcim_cbor_put_raw(&w, NULL, 0);
		mcim_cbor_put_uint(&w, 0);
		assert_null(mcim_cbor_put_bstr_reserve(&w, 0));
		assert_int_equal(mcim_cbor_writer_finish(&w, &len),
				 MCIM_ERR_BUFFER_TOO_SMALL);
		assert_int_equal(w.len, len);
	}
	/* What fits exactly is accepted, one octet less is not. */
	{
		uint8_t buf[sizeof(full)];
		size_t len;

		assert_true(need > 0 && need < sizeof(full));
		mcim_cbor_writer_init(&w, buf, need);
		mcim_cbor_put_raw(&w, full, need);
		assert_int_equal(mcim_cbor_writer_finish(&w, &len), MCIM_OK);
		mcim_cbor_writer_init(&w, buf, need - 1);
		mcim_cbor_put_raw(&w, full, need);
		assert_int_equal(mcim_cbor_writer_finish(&w, &len),
				 MCIM_ERR_BUFFER_TOO_SMALL);
		assert_int_equal(len, 0);
	}
}

/* ---- random and mutated inputs ---- */

static uint64_t prng_state = 0x9e3779b97f4a7c15u;

static uint64_t prng(void)
{
	/* xorshift64*: fixed seed, so a failure is reproducible. */
	prng_state ^= prng_state >> 12;
	prng_state ^= prng_state << 25;
	prng_state ^= prng_state >> 27;
	return prng_state * 0x2545f4914f6cdd1du;
}

/* Reads one item with the typed functions and writes it back; the fuzzer's twin. */
static mcim_err reencode(struct mcim_cbor_reader *r, struct mcim_cbor_writer *w,
			 unsigned depth)
{
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
		return err;
	case MCIM_CBOR_NINT:
		err = mcim_cbor_read_nint(r, &u);
		if (err == MCIM_OK)
			mcim_cbor_put_nint(w, u);
		return err;
	case MCIM_CBOR_BSTR:
		err = mcim_cbor_read_bstr(r, &p, &len);
		if (err == MCIM_OK)
			mcim_cbor_put_bstr(w, p, len);
		return err;
	case MCIM_CBOR_TSTR:
		err = mcim_cbor_read_tstr(r, &s, &len);
		if (err == MCIM_OK)
			mcim_cbor_put_tstr(w, s, len);
		return err;
	case MCIM_CBOR_ARRAY:
		err = mcim_cbor_read_array(r, &n);
		if (err == MCIM_OK)
			mcim_cbor_put_array(w, n);
		for (size_t i = 0; err == MCIM_OK && i < n; i++)
			err = reencode(r, w, depth + 1);
		return err;
	case MCIM_CBOR_MAP: {
		struct mcim_cbor_map m;

		err = mcim_cbor_map_open(r, &m);
		if (err == MCIM_OK)
			mcim_cbor_put_map(w, m.left);
		while (err == MCIM_OK && mcim_cbor_map_more(&m)) {
			struct mcim_cbor_reader key;

			err = mcim_cbor_map_key_item(r, &m, &p, &len);
			if (err != MCIM_OK)
				break;
			mcim_cbor_reader_init(&key, p, len);
			err = reencode(&key, w, depth + 1);
			if (err == MCIM_OK)
				err = reencode(r, w, depth + 1);
		}
		return err;
	}
	case MCIM_CBOR_TAG:
		err = mcim_cbor_read_tag(r, &u);
		if (err == MCIM_OK)
			mcim_cbor_put_tag(w, u);
		return err == MCIM_OK ? reencode(r, w, depth + 1) : err;
	case MCIM_CBOR_BOOL:
		err = mcim_cbor_read_bool(r, &b);
		if (err == MCIM_OK)
			mcim_cbor_put_bool(w, b);
		return err;
	case MCIM_CBOR_NULL:
		err = mcim_cbor_read_null(r);
		if (err == MCIM_OK)
			mcim_cbor_put_null(w);
		return err;
	}
	return MCIM_ERR_INTERNAL;
}

static unsigned long long n_ok, n_err;

static void check_input(const uint8_t *in, size_t len)
{
	struct mcim_cbor_reader r, r2;
	struct mcim_cbor_writer w;
	uint8_t out[1024];
	const uint8_t *span = NULL;
	size_t span_len = 0, out_len;
	mcim_err err, err2;

	mcim_cbor_reader_init(&r, in, len);
	err = mcim_cbor_read_item(&r, &span, &span_len);
	assert_true(r.off <= len);
	if (err != MCIM_OK) {
		assert_true(err == MCIM_ERR_TRUNCATED || err == MCIM_ERR_PARSE ||
			    err == MCIM_ERR_TOO_LARGE);
		assert_int_equal(r.off, 0);
		n_err++;
	} else {
		assert_ptr_equal(span, in);
		assert_int_equal(span_len, r.off);
		n_ok++;
	}
	mcim_cbor_reader_init(&r2, in, len);
	mcim_cbor_writer_init(&w, out, sizeof(out));
	err2 = reencode(&r2, &w, 0);
	assert_true(r2.off <= len);
	if (err == MCIM_OK) {
		/* Accepted means canonical: the value re-encodes to the very same octets.
		 */
		assert_int_equal(err2, MCIM_OK);
		assert_int_equal(r2.off, r.off);
		assert_int_equal(mcim_cbor_writer_finish(&w, &out_len), MCIM_OK);
		assert_int_equal(out_len, span_len);
		assert_memory_equal(out, span, span_len);
	} else if (err2 == MCIM_OK) {
		/* Only depth may differ: map keys are checked from a depth of their own.
		 */
		assert_int_equal(err, MCIM_ERR_TOO_LARGE);
	}
}

static void random_inputs(void **state)
{
	static const uint8_t interesting[] = {
	    0x00, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1f, 0x20, 0x38, 0x3b, 0x40,
	    0x41, 0x58, 0x5b, 0x5f, 0x60, 0x61, 0x62, 0x78, 0x7f, 0x80, 0x81, 0x82,
	    0x98, 0x9f, 0xa0, 0xa1, 0xa2, 0xb8, 0xbf, 0xc0, 0xc2, 0xd8, 0xdb, 0xf4,
	    0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfb, 0xff, 0xc3, 0xe0, 0xed, 0xf0, 0xbf,
	};
	uint8_t buf[256];

	(void)state;
	n_ok = n_err = 0;
	for (int i = 0; i < 100000; i++) {
		size_t len = (size_t)(prng() % 48);

		for (size_t k = 0; k < len; k++) {
			uint64_t x = prng();

			buf[k] = (x & 1) ? interesting[(x >> 8) % sizeof(interesting)]
					 : (uint8_t)(x >> 16);
		}
		check_input(buf, len);
	}
	/*
	 * Mutations of valid encodings (an example, or an array or map of up to four
	 * in-profile examples): bit flips, overwrites, inserts, deletes, cuts.
	 */
	for (int i = 0; i < 100000; i++) {
		struct mcim_cbor_writer w;
		size_t len, parts = (size_t)(prng() % 5);
		int rounds = 1 + (int)(prng() % 3);

		mcim_cbor_writer_init(&w, buf, sizeof(buf));
		if (parts == 0) {
			const struct example *e = &examples[prng() % n_examples];

			mcim_cbor_put_raw(&w, e->cbor, e->len);
		} else if (prng() & 1) {
			mcim_cbor_put_array(&w, parts);
		} else {
			mcim_cbor_put_map(&w, parts);
		}
		for (size_t k = 0; k < parts; k++) {
			const struct example *e = &examples[prng() % n_examples];

			while (!e->in_profile)
				e = &examples[prng() % n_examples];
			if (w.buf[0] >> 5 == 5)
				mcim_cbor_put_uint(&w, k); /* keys 0..3: in order */
			mcim_cbor_put_raw(&w, e->cbor, e->len);
		}
		assert_int_equal(mcim_cbor_writer_finish(&w, &len), MCIM_OK);
		for (int k = 0; k < rounds && len > 0; k++) {
			size_t at = (size_t)(prng() % len);

			switch (prng() % 5) {
			case 0:
				buf[at] ^= (uint8_t)(1u << (prng() % 8));
				break;
			case 1:
				buf[at] = interesting[prng() % sizeof(interesting)];
				break;
			case 2:
				if (len < sizeof(buf)) {
					memmove(buf + at + 1, buf + at, len - at);
					buf[at] = (uint8_t)prng();
					len++;
				}
				break;
			case 3:
				memmove(buf + at, buf + at + 1, len - at - 1);
				len--;
				break;
			default:
				len = at;
				break;
			}
		}
		check_input(buf, len);
	}
	/* Both outcomes must be common, or the inputs test nothing. */
	assert_true(n_ok > 20000 && n_err > 20000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(appendix_a_reader),
	    cmocka_unit_test(appendix_a_writer),
	    cmocka_unit_test(non_preferred_refused),
	    cmocka_unit_test(truncation_everywhere),
	    cmocka_unit_test(typed_reads),
	    cmocka_unit_test(outside_profile_refused),
	    cmocka_unit_test(invalid_utf8_refused),
	    cmocka_unit_test(huge_lengths),
	    cmocka_unit_test(nesting_bounded),
	    cmocka_unit_test(map_key_order),
	    cmocka_unit_test(writer_forms),
	    cmocka_unit_test(writer_sticky_error),
	    cmocka_unit_test(random_inputs),
	};
	return cmocka_run_group_tests(tests, load_examples, free_examples);
}
