/*
 * PEM files (RFC 7468) for certificates and P-256 private keys, so that the command
 * line tools can keep a demo PKI on disk that OpenSSL's tools read as well. Keys are
 * PKCS#8 PrivateKeyInfo (RFC 5208) around an RFC 5915 ECPrivateKey, the form
 * `openssl genpkey` writes. Files are replaced atomically (temporary file, fsync,
 * rename) and a key file is created with mode 0600 from the start, never widened.
 * Every buffer that held key material (DER, base64 text, the file's contents) is
 * wiped before returning.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/check.h"
#include "crypto/cert_int.h"
#include "mcim/bytes.h"

#define PEM_LINE      64
#define PEM_LABEL_MAX 32
#define KEY_DER_MAX   160 /* a PKCS#8 P-256 key with its public key is 138 octets */
#define PATH_TMP_MAX  4096

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* The PEM text of der under label into out, which the callers size for their largest
 * input; returns its length without the terminating NUL. */
static size_t pem_encode(const char *label, const uint8_t *der, size_t len, char *out,
			 size_t cap)
{
	size_t b64_len = (len + 2) / 3 * 4;
	size_t need =
	    2 * (strlen(label) + 16) + b64_len + (b64_len + PEM_LINE - 1) / PEM_LINE;
	size_t o, col = 0;

	MCIM_ASSERT(need < cap);
	(void)need;
	o = (size_t)snprintf(out, cap, "-----BEGIN %s-----\n", label);
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)der[i] << 16;
		size_t n = len - i < 3 ? len - i : 3;

		if (n > 1)
			v |= (uint32_t)der[i + 1] << 8;
		if (n > 2)
			v |= der[i + 2];
		for (size_t k = 0; k < 4; k++)
			out[o + k] =
			    k <= n ? b64_alphabet[v >> (18 - 6 * k) & 0x3f] : '=';
		o += 4;
		col += 4;
		if (col == PEM_LINE || i + 3 >= len) {
			out[o++] = '\n';
			col = 0;
		}
	}
	o += (size_t)snprintf(out + o, cap - o, "-----END %s-----\n", label);
	return o;
}

/* The start of the line after p (or end), within text[0, len). */
static size_t next_line(const char *text, size_t len, size_t p)
{
	while (p < len && text[p] != '\n')
		p++;
	return p < len ? p + 1 : len;
}

static int line_is(const char *text, size_t len, size_t p, const char *what,
		   const char *label)
{
	char expect[PEM_LABEL_MAX + 24];
	size_t n =
	    (size_t)snprintf(expect, sizeof(expect), "-----%s %s-----", what, label);
	size_t end = next_line(text, len, p);

	/* The line without its "\n" or "\r\n". */
	if (end > p && text[end - 1] == '\n')
		end--;
	if (end > p && text[end - 1] == '\r')
		end--;
	return end - p == n && memcmp(text + p, expect, n) == 0;
}

/* Decodes the first block labelled label in text into der. */
static mcim_err pem_decode(const char *text, size_t len, const char *label, uint8_t *der,
			   size_t cap, size_t *der_len)
{
	size_t p = 0, o = 0, pad = 0;
	unsigned acc = 0, nbits = 0;

	while (p < len && !line_is(text, len, p, "BEGIN", label))
		p = next_line(text, len, p);
	if (p == len)
		return MCIM_ERR_PARSE;
	for (p = next_line(text, len, p); p < len; p++) {
		char c = text[p];
		int v;

		if (c == '\n' || c == '\r' || c == ' ' || c == '\t')
			continue;
		if (c == '-')
			break;
		if (c == '=') {
			pad++;
			continue;
		}
		v = b64_value(c);
		/* Nothing may follow padding. */
		if (v < 0 || pad != 0)
			return MCIM_ERR_PARSE;
		acc = acc << 6 | (unsigned)v;
		nbits += 6;
		if (nbits >= 8) {
			nbits -= 8;
			if (o == cap)
				return MCIM_ERR_BUFFER_TOO_SMALL;
			der[o++] = (uint8_t)(acc >> nbits);
		}
		acc &= (1u << nbits) - 1;
	}
	/* Whole groups of four characters, padding only to complete the last one, no
	 * stray bits left, then the END line. */
	if (p == len || !line_is(text, len, p, "END", label) ||
	    (nbits + 6 * pad) % 8 != 0 || pad > 2 || (pad != 0 && pad * 2 != nbits) ||
	    acc != 0 || o == 0)
		return MCIM_ERR_PARSE;
	*der_len = o;
	return MCIM_OK;
}

static mcim_err errno_err(void)
{
	return errno == ENOENT ? MCIM_ERR_NOT_FOUND : MCIM_ERR_IO;
}

/* Writes data to path whole, with the given mode, through a temporary file. */
static mcim_err write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	char tmp[PATH_TMP_MAX];
	const char *p = data;
	int fd, n = snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	mcim_err err = MCIM_OK;

	if (n < 0 || (size_t)n >= sizeof(tmp))
		return MCIM_ERR_INVALID_ARG;
	/* mkstemp creates the file 0600: a key is never readable by others, not even
	 * for a moment. */
	fd = mkstemp(tmp);
	if (fd < 0)
		return MCIM_ERR_IO;
	if (fchmod(fd, mode) != 0)
		err = MCIM_ERR_IO;
	while (err == MCIM_OK && len != 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			err = MCIM_ERR_IO;
			break;
		}
		p += w;
		len -= (size_t)w;
	}
	if (err == MCIM_OK && fsync(fd) != 0)
		err = MCIM_ERR_IO;
	if (close(fd) != 0 && err == MCIM_OK)
		err = MCIM_ERR_IO;
	if (err == MCIM_OK && rename(tmp, path) != 0)
		err = MCIM_ERR_IO;
	if (err != MCIM_OK)
		unlink(tmp);
	return err;
}

/* Reads a whole regular file of at most MCIM_CERT_PEM_MAX octets into buf. */
static mcim_err read_small(const char *path, char *buf, size_t cap, size_t *len)
{
	struct stat st;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	mcim_err err = MCIM_OK;

	if (fd < 0)
		return errno_err();
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		err = MCIM_ERR_IO;
	else if ((unsigned long long)st.st_size > cap)
		err = MCIM_ERR_TOO_LARGE;
	while (err == MCIM_OK) {
		ssize_t r = read(fd, buf + got, cap - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			err = MCIM_ERR_IO;
		else if (r == 0)
			break;
		else if ((got += (size_t)r) == cap)
			err = MCIM_ERR_TOO_LARGE; /* grew since fstat */
	}
	close(fd);
	if (err != MCIM_OK)
		mcim_wipe(buf, cap);
	else
		*len = got;
	return err;
}

mcim_err mcim_cert_write_pem(const char *path, const uint8_t *der, size_t len)
{
	char text[MCIM_CERT_PEM_MAX];
	size_t text_len;

	MCIM_ASSERT(path != NULL && der != NULL);
	if (len > MCIM_CERT_MAX_LEN)
		return MCIM_ERR_TOO_LARGE;
	text_len = pem_encode("CERTIFICATE", der, len, text, sizeof(text));
	return write_atomic(path, text, text_len, 0644);
}

mcim_err mcim_cert_read_pem(const char *path, uint8_t *der, size_t cap, size_t *len)
{
	char text[MCIM_CERT_PEM_MAX];
	size_t text_len;
	mcim_err err;

	MCIM_ASSERT(path != NULL && der != NULL && len != NULL);
	err = read_small(path, text, sizeof(text), &text_len);
	if (err != MCIM_OK)
		return err;
	return pem_decode(text, text_len, "CERTIFICATE", der, cap, len);
}

/* PrivateKeyInfo { 0, {id-ecPublicKey, prime256v1}, OCTET STRING ECPrivateKey { 1, d,
 * [1] publicKey } }, written back to front. */
static mcim_err key_encode(const struct mcim_p256_priv *priv, uint8_t *buf, size_t cap,
			   const uint8_t **der, size_t *der_len)
{
	static const uint8_t zero = 0;
	struct mcim_p256_pub pub;
	struct crypto_der_w w;
	size_t mark, inner;
	mcim_err err = mcim_p256_pub_from_priv(priv, &pub);

	if (err != MCIM_OK)
		return err;
	crypto_der_w_init(&w, buf, cap);
	inner = crypto_der_w_len(&w);
	mark = crypto_der_w_len(&w);
	crypto_der_w_raw(&w, pub.q, sizeof(pub.q));
	crypto_der_w_raw(&w, &zero, 1);
	crypto_der_w_wrap(&w, CRYPTO_DER_BIT_STRING, mark);
	crypto_der_w_wrap(&w, CRYPTO_DER_CTX(1), mark);
	crypto_der_w_prim(&w, CRYPTO_DER_OCTET_STRING, priv->d, sizeof(priv->d));
	crypto_der_w_small(&w, CRYPTO_DER_INTEGER, 1);
	crypto_der_w_wrap(&w, CRYPTO_DER_SEQUENCE, inner);
	crypto_der_w_wrap(&w, CRYPTO_DER_OCTET_STRING, inner);
	mark = crypto_der_w_len(&w);
	crypto_der_w_prim(&w, CRYPTO_DER_OID, crypto_oid_prime256v1,
			  sizeof(crypto_oid_prime256v1));
	crypto_der_w_prim(&w, CRYPTO_DER_OID, crypto_oid_ec_public_key,
			  sizeof(crypto_oid_ec_public_key));
	crypto_der_w_wrap(&w, CRYPTO_DER_SEQUENCE, mark);
	crypto_der_w_small(&w, CRYPTO_DER_INTEGER, 0);
	crypto_der_w_wrap(&w, CRYPTO_DER_SEQUENCE, 0);
	return crypto_der_w_done(&w, der, der_len);
}

/* The ECPrivateKey inside the PKCS#8 wrapper; [0] parameters and [1] publicKey are
 * optional but must agree with P-256 and with d when present. */
static mcim_err ec_private_key_decode(struct crypto_der *d, struct mcim_p256_priv *priv)
{
	struct crypto_der seq, scalar, params, pubwrap, bits;
	struct mcim_p256_pub pub, derived;
	unsigned long version;
	mcim_err err;

	if (crypto_der_get(d, CRYPTO_DER_SEQUENCE, &seq) != MCIM_OK || d->len != 0 ||
	    crypto_der_get_small(&seq, CRYPTO_DER_INTEGER, 1, &version) != MCIM_OK ||
	    version != 1 ||
	    crypto_der_get(&seq, CRYPTO_DER_OCTET_STRING, &scalar) != MCIM_OK ||
	    scalar.len == 0 || scalar.len > sizeof(priv->d))
		return MCIM_ERR_PARSE;
	if (crypto_der_peek(&seq) == CRYPTO_DER_CTX(0) &&
	    (crypto_der_get(&seq, CRYPTO_DER_CTX(0), &params) != MCIM_OK ||
	     crypto_der_expect_oid(&params, crypto_oid_prime256v1,
				   sizeof(crypto_oid_prime256v1)) != MCIM_OK ||
	     params.len != 0))
		return MCIM_ERR_PARSE;
	pub.q[0] = 0;
	if (crypto_der_peek(&seq) == CRYPTO_DER_CTX(1)) {
		if (crypto_der_get(&seq, CRYPTO_DER_CTX(1), &pubwrap) != MCIM_OK ||
		    crypto_der_get(&pubwrap, CRYPTO_DER_BIT_STRING, &bits) != MCIM_OK ||
		    pubwrap.len != 0 || bits.len != 1 + sizeof(pub.q) || bits.p[0] != 0)
			return MCIM_ERR_PARSE;
		memcpy(pub.q, bits.p + 1, sizeof(pub.q));
	}
	if (seq.len != 0)
		return MCIM_ERR_PARSE;
	/* Some writers drop the scalar's leading zero octets. */
	memset(priv->d, 0, sizeof(priv->d));
	memcpy(priv->d + sizeof(priv->d) - scalar.len, scalar.p, scalar.len);
	err = mcim_p256_pub_from_priv(priv, &derived);
	if (err == MCIM_OK && pub.q[0] != 0 &&
	    memcmp(pub.q, derived.q, sizeof(pub.q)) != 0)
		err = MCIM_ERR_PARSE;
	return err;
}

static mcim_err key_decode(const uint8_t *der, size_t len, struct mcim_p256_priv *priv)
{
	struct crypto_der all = {der, len}, info, alg, octets;
	unsigned long version;

	if (crypto_der_get(&all, CRYPTO_DER_SEQUENCE, &info) != MCIM_OK || all.len != 0 ||
	    crypto_der_get_small(&info, CRYPTO_DER_INTEGER, 0, &version) != MCIM_OK ||
	    crypto_der_get(&info, CRYPTO_DER_SEQUENCE, &alg) != MCIM_OK ||
	    crypto_der_expect_oid(&alg, crypto_oid_ec_public_key,
				  sizeof(crypto_oid_ec_public_key)) != MCIM_OK ||
	    crypto_der_expect_oid(&alg, crypto_oid_prime256v1,
				  sizeof(crypto_oid_prime256v1)) != MCIM_OK ||
	    alg.len != 0 ||
	    crypto_der_get(&info, CRYPTO_DER_OCTET_STRING, &octets) != MCIM_OK ||
	    info.len != 0)
		return MCIM_ERR_PARSE;
	return ec_private_key_decode(&octets, priv);
}

mcim_err mcim_cert_write_key_pem(const char *path, const struct mcim_p256_priv *priv)
{
	uint8_t buf[KEY_DER_MAX];
	char text[512];
	const uint8_t *der;
	size_t der_len, text_len;
	mcim_err err;

	MCIM_ASSERT(path != NULL && priv != NULL);
	err = key_encode(priv, buf, sizeof(buf), &der, &der_len);
	if (err == MCIM_OK) {
		text_len = pem_encode("PRIVATE KEY", der, der_len, text, sizeof(text));
		err = write_atomic(path, text, text_len, 0600);
	}
	mcim_wipe(buf, sizeof(buf));
	mcim_wipe(text, sizeof(text));
	return err;
}

mcim_err mcim_cert_read_key_pem(const char *path, struct mcim_p256_priv *priv)
{
	char text[MCIM_CERT_PEM_MAX];
	uint8_t der[KEY_DER_MAX];
	struct mcim_p256_priv key;
	size_t text_len, der_len;
	mcim_err err;

	MCIM_ASSERT(path != NULL && priv != NULL);
	err = read_small(path, text, sizeof(text), &text_len);
	if (err != MCIM_OK)
		return err;
	err = pem_decode(text, text_len, "PRIVATE KEY", der, sizeof(der), &der_len);
	if (err == MCIM_ERR_BUFFER_TOO_SMALL)
		err = MCIM_ERR_PARSE;
	if (err == MCIM_OK)
		err = key_decode(der, der_len, &key);
	if (err == MCIM_OK)
		*priv = key;
	mcim_wipe(text, text_len);
	mcim_wipe(der, sizeof(der));
	mcim_p256_priv_wipe(&key);
	return err;
}
