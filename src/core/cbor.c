/*
 * CBOR in openmcim's deterministic profile (see mcim/cbor.h).
 *
 * The writer takes its heads from libcbor's encoding functions, which choose the
 * shortest form and write into a given buffer without allocating; each head goes to a
 * local array first so that an item is appended whole or not at all.
 *
 * The reader is written here rather than on libcbor's decoder: libcbor accepts
 * non-shortest heads, indefinite lengths and duplicate map keys (it has no notion of
 * a deterministic profile), it decodes through callbacks or into allocated trees,
 * and it has no cursor that stays put on failure. Strictness is the point of this
 * reader: a signed object must have one encoding only. Every step computes an
 * offset from (buf, len, off) and checks it against what remains before touching the
 * input; the cursor is assigned once, at the end, on success. Nesting is bounded by
 * MCIM_CBOR_MAX_DEPTH, so the recursion in item_end() is too.
 */
#include "mcim/cbor.h"

#include <string.h>

#include <cbor.h>

#include "core/check.h"

enum {
	MAJOR_UINT = 0,
	MAJOR_NINT = 1,
	MAJOR_BSTR = 2,
	MAJOR_TSTR = 3,
	MAJOR_ARRAY = 4,
	MAJOR_MAP = 5,
	MAJOR_TAG = 6,
	MAJOR_SIMPLE = 7,
};

enum {
	AI_1BYTE = 24, /* the argument follows in 1, 2, 4 or 8 octets (24..27) */
	AI_FALSE = 20,
	AI_TRUE = 21,
	AI_NULL = 22,
};

/* ---- writer ---- */

void mcim_cbor_writer_init(struct mcim_cbor_writer *w, uint8_t *buf, size_t cap)
{
	MCIM_ASSERT(w != NULL);
	MCIM_ASSERT(buf != NULL || cap == 0);
	w->buf = buf;
	w->cap = cap;
	w->len = 0;
	w->err = MCIM_OK;
}

mcim_err mcim_cbor_writer_finish(const struct mcim_cbor_writer *w, size_t *len)
{
	MCIM_ASSERT(w != NULL);
	if (len != NULL)
		*len = w->len;
	return w->err;
}

/* Appends head[0..head_len) then data[0..data_len), both or neither. */
static uint8_t *append(struct mcim_cbor_writer *w, const uint8_t *head, size_t head_len,
		       const void *data, size_t data_len)
{
	uint8_t *content;

	MCIM_ASSERT(head_len >
		    0); /* libcbor fails only on a buffer shorter than a head */
	if (w->err != MCIM_OK)
		return NULL;
	if (w->cap - w->len < head_len || w->cap - w->len - head_len < data_len) {
		w->err = MCIM_ERR_BUFFER_TOO_SMALL;
		return NULL;
	}
	memcpy(w->buf + w->len, head, head_len);
	content = w->buf + w->len + head_len;
	if (data_len > 0 && data != NULL)
		memcpy(content, data, data_len);
	w->len += head_len + data_len;
	return content;
}

void mcim_cbor_put_uint(struct mcim_cbor_writer *w, uint64_t v)
{
	uint8_t head[MCIM_CBOR_HEAD_MAX];

	append(w, head, cbor_encode_uint(v, head, sizeof(head)), NULL, 0);
}

void mcim_cbor_put_nint(struct mcim_cbor_writer *w, uint64_t n)
{
	uint8_t head[MCIM_CBOR_HEAD_MAX];

	append(w, head, cbor_encode_negint(n, head, sizeof(head)), NULL, 0);
}

void mcim_cbor_put_int(struct mcim_cbor_writer *w, int64_t v)
{
	if (v >= 0)
		mcim_cbor_put_uint(w, (uint64_t)v);
	else
		mcim_cbor_put_nint(w, (uint64_t)(-1 - v));
}

void mcim_cbor_put_bstr(struct mcim_cbor_writer *w, const void *data, size_t len)
{
	uint8_t head[MCIM_CBOR_HEAD_MAX];

	MCIM_ASSERT(data != NULL || len == 0);
	append(w, head, cbor_encode_bytestring_start(len, head, sizeof(head)), data, len);
}

uint8_t *mcim_cbor_put_bstr_reserve(struct mcim_cbor_writer *w, size_t len)
{
	uint8_t head[MCIM_CBOR_HEAD_MAX];

	return append(w, head, cbor_encode_bytestring_start(len, head, sizeof(head)),
		      NULL, len);
}

void mcim_cbor_put_tstr(struct mcim_cbor_writer *w, const char *s, size_t len)
{
	uint8_t head[MCIM_CBOR_HEAD_MAX];

	MCIM_ASSERT(s != NULL || len == 0);
	append(w, head, cbor_encode_string_start(len, head, sizeof(head)), s, len);
}

void mcim_cbor_put_cstr(struct mcim_cbor_writer *w, const char *s)
{
	MCIM_ASSERT(s != NULL);
	mcim_cbor_put_tstr(w, s, strlen(s));
}

void mcim_cbor_put_key_uint(struct mcim_cbor_writer *w, const char *key, uint64_t v)
{
	mcim_cbor_put_cstr(w, key);
	mcim_cbor_put_uint(w, v);
}

void mcim_cbor_put_key_cstr(struct mcim_cbor_writer *w, const char *key, const char *s)
{
	mcim_cbor_put_cstr(w, key);
	mcim_cbor_put_cstr(w, s);
}

void mcim_cbor_put_key_bstr(struct mcim_cbor_writer *w, const char *key, const void *data,
			    size_t len)
{
	mcim_cbor_put_cstr(w, key);
	mcim_cbor_put_bstr(w, data, len);
}

void mcim_cbor_put_key_bool(struct mcim_cbor_writer *w, const char *key, bool v)
{
	mcim_cbor_put_cstr(w, key);
	mcim_cbor_put_bool(w, v);
}

void mcim_cbor_put_array(struct mcim_cbor_writer *w, size_t count)
{
	uint8_t head[MCIM_CBOR_HEAD_MAX];

	append(w, head, cbor_encode_array_start(count, head, sizeof(head)), NULL, 0);
}

void mcim_cbor_put_map(struct mcim_cbor_writer *w, size_t pairs)
{
	uint8_t head[MCIM_CBOR_HEAD_MAX];

	append(w, head, cbor_encode_map_start(pairs, head, sizeof(head)), NULL, 0);
}

void mcim_cbor_put_bool(struct mcim_cbor_writer *w, bool v)
{
	uint8_t head[MCIM_CBOR_HEAD_MAX];

	append(w, head, cbor_encode_bool(v, head, sizeof(head)), NULL, 0);
}

void mcim_cbor_put_null(struct mcim_cbor_writer *w)
{
	uint8_t head[MCIM_CBOR_HEAD_MAX];

	append(w, head, cbor_encode_null(head, sizeof(head)), NULL, 0);
}

void mcim_cbor_put_tag(struct mcim_cbor_writer *w, uint64_t tag)
{
	uint8_t head[MCIM_CBOR_HEAD_MAX];

	append(w, head, cbor_encode_tag(tag, head, sizeof(head)), NULL, 0);
}

void mcim_cbor_put_raw(struct mcim_cbor_writer *w, const void *data, size_t len)
{
	MCIM_ASSERT(data != NULL || len == 0);
	if (w->err != MCIM_OK)
		return;
	if (w->cap - w->len < len) {
		w->err = MCIM_ERR_BUFFER_TOO_SMALL;
		return;
	}
	if (len > 0)
		memcpy(w->buf + w->len, data, len);
	w->len += len;
}

/* ---- reader ---- */

struct head {
	uint8_t major;
	uint8_t ai;   /* additional information: the low 5 bits of the initial byte */
	uint64_t arg; /* the argument: value, length, count or tag number */
	size_t len;   /* octets of the head */
};

/*
 * Decodes the head at off. Refuses what the profile excludes: arguments not in
 * their shortest form, indefinite lengths and break, reserved values, floats and
 * simple values other than false/true/null.
 */
static mcim_err read_head(const uint8_t *buf, size_t len, size_t off, struct head *h)
{
	static const uint64_t min_arg[4] = {24, 0x100, 0x10000, 0x100000000};
	uint8_t ib;
	size_t n;

	if (off >= len)
		return MCIM_ERR_TRUNCATED;
	ib = buf[off];
	h->major = (uint8_t)(ib >> 5);
	h->ai = (uint8_t)(ib & 0x1f);
	if (h->major == MAJOR_SIMPLE) {
		if (h->ai != AI_FALSE && h->ai != AI_TRUE && h->ai != AI_NULL)
			return MCIM_ERR_PARSE;
		h->arg = h->ai;
		h->len = 1;
		return MCIM_OK;
	}
	if (h->ai < AI_1BYTE) {
		h->arg = h->ai;
		h->len = 1;
		return MCIM_OK;
	}
	if (h->ai > AI_1BYTE + 3)
		return MCIM_ERR_PARSE;
	n = (size_t)1 << (h->ai - AI_1BYTE);
	if (len - off - 1 < n)
		return MCIM_ERR_TRUNCATED;
	h->arg = 0;
	for (size_t i = 0; i < n; i++)
		h->arg = h->arg << 8 | buf[off + 1 + i];
	if (h->arg < min_arg[h->ai - AI_1BYTE])
		return MCIM_ERR_PARSE;
	h->len = 1 + n;
	return MCIM_OK;
}

/* RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF. */
static bool utf8_valid(const uint8_t *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint8_t c = s[i];
		size_t more;
		uint8_t lo = 0x80, hi = 0xbf;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			more = 1;
		} else if (c >= 0xe0 && c <= 0xef) {
			more = 2;
			if (c == 0xe0)
				lo = 0xa0;
			else if (c == 0xed)
				hi = 0x9f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			more = 3;
			if (c == 0xf0)
				lo = 0x90;
			else if (c == 0xf4)
				hi = 0x8f;
		} else {
			return false;
		}
		if (len - i - 1 < more)
			return false;
		if (s[i + 1] < lo || s[i + 1] > hi)
			return false;
		for (size_t k = 2; k <= more; k++)
			if (s[i + k] < 0x80 || s[i + k] > 0xbf)
				return false;
		i += 1 + more;
	}
	return true;
}

/* The end of a string item whose head h is at off, after checking its length. */
static mcim_err string_end(const uint8_t *buf, size_t len, size_t off,
			   const struct head *h, size_t *end)
{
	size_t start = off + h->len;

	if (h->arg > (uint64_t)(len - start))
		return MCIM_ERR_TRUNCATED;
	if (h->major == MAJOR_TSTR && !utf8_valid(buf + start, (size_t)h->arg))
		return MCIM_ERR_PARSE;
	*end = start + (size_t)h->arg;
	return MCIM_OK;
}

/* Bytewise lexicographic order of encodings (RFC 8949 4.2.1): -1, 0 or 1. */
static int key_cmp(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len)
{
	int c = memcmp(a, b, a_len < b_len ? a_len : b_len);

	if (c != 0)
		return c < 0 ? -1 : 1;
	return a_len < b_len ? -1 : a_len > b_len;
}

/*
 * Counts must be plausible before anything loops on them: every item takes at least
 * one octet, so a count above the octets left means the input was cut short.
 */
static mcim_err check_count(size_t len, size_t start, uint64_t count, unsigned per_entry)
{
	if (count > (uint64_t)(len - start) / per_entry)
		return MCIM_ERR_TRUNCATED;
	return MCIM_OK;
}

/* The end of the whole item at off, nested depth levels below where reading began. */
static mcim_err item_end(const uint8_t *buf, size_t len, size_t off, unsigned depth,
			 size_t *end)
{
	struct head h;
	size_t pos;
	mcim_err err = read_head(buf, len, off, &h);

	if (err != MCIM_OK)
		return err;
	pos = off + h.len;
	switch (h.major) {
	case MAJOR_BSTR:
	case MAJOR_TSTR:
		return string_end(buf, len, off, &h, end);
	case MAJOR_ARRAY:
	case MAJOR_MAP:
	case MAJOR_TAG:
		if (depth >= MCIM_CBOR_MAX_DEPTH)
			return MCIM_ERR_TOO_LARGE;
		break;
	default:
		*end = pos;
		return MCIM_OK;
	}
	if (h.major == MAJOR_TAG)
		return item_end(buf, len, pos, depth + 1, end);
	err = check_count(len, pos, h.arg, h.major == MAJOR_MAP ? 2 : 1);
	if (err != MCIM_OK)
		return err;
	if (h.major == MAJOR_ARRAY) {
		for (uint64_t i = 0; i < h.arg; i++) {
			err = item_end(buf, len, pos, depth + 1, &pos);
			if (err != MCIM_OK)
				return err;
		}
	} else {
		const uint8_t *prev = NULL;
		size_t prev_len = 0;

		for (uint64_t i = 0; i < h.arg; i++) {
			size_t key_end;

			err = item_end(buf, len, pos, depth + 1, &key_end);
			if (err != MCIM_OK)
				return err;
			if (prev != NULL &&
			    key_cmp(prev, prev_len, buf + pos, key_end - pos) >= 0)
				return MCIM_ERR_PARSE;
			prev = buf + pos;
			prev_len = key_end - pos;
			err = item_end(buf, len, key_end, depth + 1, &pos);
			if (err != MCIM_OK)
				return err;
		}
	}
	*end = pos;
	return MCIM_OK;
}

void mcim_cbor_reader_init(struct mcim_cbor_reader *r, const uint8_t *buf, size_t len)
{
	MCIM_ASSERT(r != NULL);
	MCIM_ASSERT(buf != NULL || len == 0);
	r->buf = buf;
	r->len = len;
	r->off = 0;
}

size_t mcim_cbor_remaining(const struct mcim_cbor_reader *r)
{
	MCIM_ASSERT(r != NULL && r->off <= r->len);
	return r->len - r->off;
}

mcim_err mcim_cbor_peek(const struct mcim_cbor_reader *r, enum mcim_cbor_type *type)
{
	static const enum mcim_cbor_type by_major[] = {
	    MCIM_CBOR_UINT,  MCIM_CBOR_NINT, MCIM_CBOR_BSTR, MCIM_CBOR_TSTR,
	    MCIM_CBOR_ARRAY, MCIM_CBOR_MAP,  MCIM_CBOR_TAG,
	};
	uint8_t ib, ai;

	MCIM_ASSERT(r != NULL && type != NULL);
	if (r->off >= r->len)
		return MCIM_ERR_TRUNCATED;
	ib = r->buf[r->off];
	ai = ib & 0x1f;
	if (ib >> 5 == MAJOR_SIMPLE) {
		if (ai == AI_FALSE || ai == AI_TRUE)
			*type = MCIM_CBOR_BOOL;
		else if (ai == AI_NULL)
			*type = MCIM_CBOR_NULL;
		else
			return MCIM_ERR_PARSE;
		return MCIM_OK;
	}
	if (ai > AI_1BYTE + 3)
		return MCIM_ERR_PARSE;
	*type = by_major[ib >> 5];
	return MCIM_OK;
}

/* The head at the cursor, which must be of major type major. */
static mcim_err expect_head(const struct mcim_cbor_reader *r, uint8_t major,
			    struct head *h)
{
	mcim_err err;

	MCIM_ASSERT(r != NULL && r->off <= r->len);
	err = read_head(r->buf, r->len, r->off, h);
	if (err != MCIM_OK)
		return err;
	return h->major == major ? MCIM_OK : MCIM_ERR_PARSE;
}

mcim_err mcim_cbor_read_uint(struct mcim_cbor_reader *r, uint64_t *v)
{
	struct head h;
	mcim_err err = expect_head(r, MAJOR_UINT, &h);

	MCIM_ASSERT(v != NULL);
	if (err != MCIM_OK)
		return err;
	*v = h.arg;
	r->off += h.len;
	return MCIM_OK;
}

mcim_err mcim_cbor_read_nint(struct mcim_cbor_reader *r, uint64_t *n)
{
	struct head h;
	mcim_err err = expect_head(r, MAJOR_NINT, &h);

	MCIM_ASSERT(n != NULL);
	if (err != MCIM_OK)
		return err;
	*n = h.arg;
	r->off += h.len;
	return MCIM_OK;
}

/* The signed value of an integer head, or TOO_LARGE. */
static mcim_err head_int(const struct head *h, int64_t *v)
{
	if (h->major != MAJOR_UINT && h->major != MAJOR_NINT)
		return MCIM_ERR_PARSE;
	if (h->arg > (uint64_t)INT64_MAX)
		return MCIM_ERR_TOO_LARGE;
	*v = h->major == MAJOR_UINT ? (int64_t)h->arg : -1 - (int64_t)h->arg;
	return MCIM_OK;
}

mcim_err mcim_cbor_read_int(struct mcim_cbor_reader *r, int64_t *v)
{
	struct head h;
	mcim_err err;

	MCIM_ASSERT(r != NULL && v != NULL);
	err = read_head(r->buf, r->len, r->off, &h);
	if (err == MCIM_OK)
		err = head_int(&h, v);
	if (err != MCIM_OK)
		return err;
	r->off += h.len;
	return MCIM_OK;
}

static mcim_err read_string(struct mcim_cbor_reader *r, uint8_t major,
			    const uint8_t **data, size_t *len)
{
	struct head h;
	size_t end;
	mcim_err err = expect_head(r, major, &h);

	MCIM_ASSERT(data != NULL && len != NULL);
	if (err != MCIM_OK)
		return err;
	err = string_end(r->buf, r->len, r->off, &h, &end);
	if (err != MCIM_OK)
		return err;
	*data = r->buf + r->off + h.len;
	*len = (size_t)h.arg;
	r->off = end;
	return MCIM_OK;
}

mcim_err mcim_cbor_read_bstr(struct mcim_cbor_reader *r, const uint8_t **data,
			     size_t *len)
{
	return read_string(r, MAJOR_BSTR, data, len);
}

mcim_err mcim_cbor_read_tstr(struct mcim_cbor_reader *r, const char **s, size_t *len)
{
	const uint8_t *data;
	mcim_err err;

	MCIM_ASSERT(s != NULL);
	err = read_string(r, MAJOR_TSTR, &data, len);
	if (err == MCIM_OK)
		*s = (const char *)data;
	return err;
}

static mcim_err read_container(struct mcim_cbor_reader *r, uint8_t major, size_t *count)
{
	struct head h;
	mcim_err err = expect_head(r, major, &h);

	MCIM_ASSERT(count != NULL);
	if (err != MCIM_OK)
		return err;
	err = check_count(r->len, r->off + h.len, h.arg, major == MAJOR_MAP ? 2 : 1);
	if (err != MCIM_OK)
		return err;
	*count = (size_t)h.arg;
	r->off += h.len;
	return MCIM_OK;
}

mcim_err mcim_cbor_read_array(struct mcim_cbor_reader *r, size_t *count)
{
	return read_container(r, MAJOR_ARRAY, count);
}

mcim_err mcim_cbor_read_map(struct mcim_cbor_reader *r, size_t *pairs)
{
	return read_container(r, MAJOR_MAP, pairs);
}

mcim_err mcim_cbor_read_bool(struct mcim_cbor_reader *r, bool *v)
{
	struct head h;
	mcim_err err = expect_head(r, MAJOR_SIMPLE, &h);

	MCIM_ASSERT(v != NULL);
	if (err != MCIM_OK)
		return err;
	if (h.ai != AI_FALSE && h.ai != AI_TRUE)
		return MCIM_ERR_PARSE;
	*v = h.ai == AI_TRUE;
	r->off += h.len;
	return MCIM_OK;
}

mcim_err mcim_cbor_read_null(struct mcim_cbor_reader *r)
{
	struct head h;
	mcim_err err = expect_head(r, MAJOR_SIMPLE, &h);

	if (err != MCIM_OK)
		return err;
	if (h.ai != AI_NULL)
		return MCIM_ERR_PARSE;
	r->off += h.len;
	return MCIM_OK;
}

mcim_err mcim_cbor_read_tag(struct mcim_cbor_reader *r, uint64_t *tag)
{
	struct head h;
	mcim_err err = expect_head(r, MAJOR_TAG, &h);

	MCIM_ASSERT(tag != NULL);
	if (err != MCIM_OK)
		return err;
	*tag = h.arg;
	r->off += h.len;
	return MCIM_OK;
}

mcim_err mcim_cbor_read_item(struct mcim_cbor_reader *r, const uint8_t **data,
			     size_t *len)
{
	size_t end;
	mcim_err err;

	MCIM_ASSERT(r != NULL && r->off <= r->len);
	err = item_end(r->buf, r->len, r->off, 0, &end);
	if (err != MCIM_OK)
		return err;
	if (data != NULL)
		*data = r->buf + r->off;
	if (len != NULL)
		*len = end - r->off;
	r->off = end;
	return MCIM_OK;
}

mcim_err mcim_cbor_skip(struct mcim_cbor_reader *r)
{
	return mcim_cbor_read_item(r, NULL, NULL);
}

mcim_err mcim_cbor_map_open(struct mcim_cbor_reader *r, struct mcim_cbor_map *m)
{
	size_t pairs;
	mcim_err err;

	MCIM_ASSERT(m != NULL);
	err = mcim_cbor_read_map(r, &pairs);
	if (err != MCIM_OK)
		return err;
	m->left = pairs;
	m->prev_key = NULL;
	m->prev_key_len = 0;
	return MCIM_OK;
}

bool mcim_cbor_map_more(const struct mcim_cbor_map *m)
{
	MCIM_ASSERT(m != NULL);
	return m->left > 0;
}

/* Accepts the key spanning [r->off, end) if it sorts after the previous key. */
static mcim_err take_key(struct mcim_cbor_reader *r, struct mcim_cbor_map *m, size_t end)
{
	const uint8_t *key = r->buf + r->off;
	size_t key_len = end - r->off;

	if (m->prev_key != NULL &&
	    key_cmp(m->prev_key, m->prev_key_len, key, key_len) >= 0)
		return MCIM_ERR_PARSE;
	m->prev_key = key;
	m->prev_key_len = key_len;
	m->left--;
	r->off = end;
	return MCIM_OK;
}

mcim_err mcim_cbor_map_key_int(struct mcim_cbor_reader *r, struct mcim_cbor_map *m,
			       int64_t *key)
{
	struct head h;
	int64_t v;
	mcim_err err;

	MCIM_ASSERT(r != NULL && m != NULL && key != NULL);
	MCIM_ASSERT(m->left > 0);
	err = read_head(r->buf, r->len, r->off, &h);
	if (err == MCIM_OK)
		err = head_int(&h, &v);
	if (err == MCIM_OK)
		err = take_key(r, m, r->off + h.len);
	if (err != MCIM_OK)
		return err;
	*key = v;
	return MCIM_OK;
}

mcim_err mcim_cbor_map_key_tstr(struct mcim_cbor_reader *r, struct mcim_cbor_map *m,
				const char **s, size_t *len)
{
	struct head h;
	size_t end;
	const char *text;
	mcim_err err;

	MCIM_ASSERT(m != NULL && s != NULL && len != NULL);
	MCIM_ASSERT(m->left > 0);
	err = expect_head(r, MAJOR_TSTR, &h);
	if (err == MCIM_OK)
		err = string_end(r->buf, r->len, r->off, &h, &end);
	if (err != MCIM_OK)
		return err;
	text = (const char *)(r->buf + r->off + h.len);
	err = take_key(r, m, end);
	if (err != MCIM_OK)
		return err;
	*s = text;
	*len = (size_t)h.arg;
	return MCIM_OK;
}

mcim_err mcim_cbor_map_key_item(struct mcim_cbor_reader *r, struct mcim_cbor_map *m,
				const uint8_t **data, size_t *len)
{
	size_t start, end;
	mcim_err err;

	MCIM_ASSERT(r != NULL && m != NULL);
	MCIM_ASSERT(m->left > 0);
	start = r->off;
	err = item_end(r->buf, r->len, start, 0, &end);
	if (err == MCIM_OK)
		err = take_key(r, m, end);
	if (err != MCIM_OK)
		return err;
	if (data != NULL)
		*data = r->buf + start;
	if (len != NULL)
		*len = end - start;
	return MCIM_OK;
}
