/*
 * Byte helpers shared by every module: wiping secrets, constant-time comparison, hex.
 */
#include "mcim/bytes.h"

#include <string.h>

#include "core/check.h"

void mcim_wipe(void *p, size_t len)
{
	if (len == 0)
		return;
	MCIM_ASSERT(p != NULL);
	explicit_bzero(p, len);
}

int mcim_ct_equal(const void *a, const void *b, size_t len)
{
	const volatile uint8_t *x = a;
	const volatile uint8_t *y = b;
	uint8_t diff = 0;

	for (size_t i = 0; i < len; i++)
		diff |= (uint8_t)(x[i] ^ y[i]);
	/* (diff - 1) >> 8 is all ones exactly when diff == 0, with no branch on diff. */
	return (int)(((unsigned)diff - 1u) >> 8 & 1u);
}

static int hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

mcim_err mcim_hex_decode(const char *hex, size_t hex_len, uint8_t *out, size_t out_cap,
			 size_t *out_len)
{
	MCIM_ASSERT(hex != NULL || hex_len == 0);
	MCIM_ASSERT(out_len != NULL);
	if (hex_len % 2 != 0)
		return MCIM_ERR_PARSE;
	for (size_t i = 0; i < hex_len; i++)
		if (hex_nibble(hex[i]) < 0)
			return MCIM_ERR_PARSE;
	if (hex_len / 2 > out_cap)
		return MCIM_ERR_BUFFER_TOO_SMALL;
	for (size_t i = 0; i < hex_len / 2; i++)
		out[i] =
		    (uint8_t)(hex_nibble(hex[2 * i]) << 4 | hex_nibble(hex[2 * i + 1]));
	*out_len = hex_len / 2;
	return MCIM_OK;
}

mcim_err mcim_hex_decode_exact(const char *hex, size_t hex_len, uint8_t *out, size_t len)
{
	size_t got;
	mcim_err err;

	if (hex_len != 2 * len)
		return hex_len % 2 != 0 ? MCIM_ERR_PARSE : MCIM_ERR_INVALID_ARG;
	err = mcim_hex_decode(hex, hex_len, out, len, &got);
	return err;
}

mcim_err mcim_hex_encode(const uint8_t *in, size_t len, char *out, size_t out_cap)
{
	static const char digits[] = "0123456789abcdef";

	MCIM_ASSERT(in != NULL || len == 0);
	MCIM_ASSERT(out != NULL || out_cap == 0);
	if (out_cap < 2 * len + 1) {
		if (out_cap > 0)
			out[0] = '\0';
		return MCIM_ERR_BUFFER_TOO_SMALL;
	}
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0x0f];
	}
	out[2 * len] = '\0';
	return MCIM_OK;
}
