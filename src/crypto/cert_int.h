/*
 * Internal: the certificate codec beneath mcim/cert.h, shared by cert.c (issue,
 * parse, chains) and cert_pem.c (files), and open to the tests, which build with it
 * the certificates that a correct issuer would refuse to make (a CA without its CA
 * flag, an M2MES CA certifying a DPF, a TRE certificate without TRE fields) and check
 * that every reader refuses them.
 */
#ifndef MCIM_CRYPTO_CERT_INT_H
#define MCIM_CRYPTO_CERT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/der.h"
#include "mcim/cert.h"

/* PKCS#8 / SPKI algorithm identifiers' object identifiers (encoded contents). */
extern const uint8_t crypto_oid_ec_public_key[7];
extern const uint8_t crypto_oid_prime256v1[8];

/* A certificate read by crypto_cert_parse; the views point into the DER given. */
struct crypto_cert {
	struct mcim_cert_info info;
	struct mcim_p256_pub pub;
	struct crypto_der tbs;	   /* TBSCertificate, header included: what is signed */
	struct crypto_der issuer;  /* issuer Name, header included */
	struct crypto_der subject; /* subject Name, header included */
	uint8_t sig[MCIM_P256_SIG_LEN];
};

/*
 * Reads a certificate and checks it against the openmcim profile (see mcim/cert.h):
 * MCIM_ERR_TOO_LARGE above MCIM_CERT_MAX_LEN, MCIM_ERR_BAD_CERT for anything else
 * wrong. No signature is checked.
 */
mcim_err crypto_cert_parse(const uint8_t *der, size_t len, struct crypto_cert *cert);

/*
 * Encodes info (its serial, is_ca and path_len included) and pub as a certificate
 * signed with issuer_priv, naming issuer as its issuer (NULL: self-issued), without
 * checking info against the profile: mcim_cert_issue checks, then calls this.
 * keyUsage follows info->is_ca. Errors: MCIM_ERR_BUFFER_TOO_SMALL, MCIM_ERR_INVALID_ARG
 * (a date outside the years 1950..9999), the signature's errors.
 */
mcim_err crypto_cert_encode(const struct mcim_cert_info *info,
			    const struct mcim_p256_pub *pub,
			    const struct crypto_cert *issuer,
			    const struct mcim_p256_priv *issuer_priv, uint8_t *out,
			    size_t out_cap, size_t *out_len);

#endif
