/*
 * mcim/cert.h: the certificates of the openmcim PKI (X.509 v3, RFC 5280 profile;
 * ECDSA P-256 with SHA-256 only).
 *
 * One certificate issuer (CI) root per ecosystem certifies the M2MES CAs (which
 * certify TRE identity keys), the M2MES firmware signers, and the network functions
 * of operators and third parties. Who may certify whom is fixed:
 *   ci       -> m2mes-ca, m2mes, dpf, sho-mgmt, pva, drf, icf
 *   m2mes-ca -> tre
 * Only ci (path length 1) and m2mes-ca (path length 0) are CAs, so a chain is at most
 * root, one intermediate, leaf; MCIM_CERT_CHAIN_MAX bounds what a caller may present.
 *
 * Every certificate carries openmcim extensions under the arc
 *   MCIM_CERT_OID_ARC = 2.25.93764288976738039926403647347177654826 (a UUID, X.667)
 *   arc.1.1 role        ENUMERATED (enum mcim_cert_role), critical, always present
 *   arc.1.2 operator id PrintableString, PLMN id as MCC+MNC digits ("00101",
 *                       "310410"), critical; present for dpf, sho-mgmt and icf,
 *                       optional for pva and drf, absent otherwise
 *   arc.1.3 TRE         SEQUENCE { treId UTF8String, platformId UTF8String,
 *                       backend UTF8String ("soft" | "tpm2" | "uicc"),
 *                       assurance INTEGER (0..255) }, not critical, present exactly in
 *                       tre certificates
 * beside basicConstraints and keyUsage (both critical: keyCertSign|cRLSign for the
 * two CA roles, digitalSignature otherwise), subjectKeyIdentifier and (when not
 * self-signed) authorityKeyIdentifier (RFC 7093 method 1: 160 bits of SHA-256 of the
 * key). The subject is a single commonName. A certificate that breaks any of this
 * profile is MCIM_ERR_BAD_CERT wherever it is read; unknown critical extensions are
 * refused, unknown non-critical ones skipped.
 *
 * Conventions: certificates travel as DER, at most MCIM_CERT_MAX_LEN octets
 * (MCIM_ERR_TOO_LARGE above it). Decoders take (buf, len) and read nothing past len.
 * Outputs are written only on success. Strings in struct mcim_cert_info are
 * NUL-terminated, printable ASCII (0x20..0x7e), bounded by the *_MAX constants.
 * Private keys are the caller's (struct mcim_p256_priv, wiped by the caller); the
 * functions here wipe their own copies. Passing NULL where a pointer is required is
 * a caller bug (assert). All functions are thread-safe.
 */
#ifndef MCIM_CERT_H
#define MCIM_CERT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "mcim/crypto.h"
#include "mcim/err.h"
#include "mcim/rand.h"

#define MCIM_CERT_OID_ARC	  "2.25.93764288976738039926403647347177654826"
#define MCIM_CERT_OID_ROLE	  MCIM_CERT_OID_ARC ".1.1"
#define MCIM_CERT_OID_OPERATOR	  MCIM_CERT_OID_ARC ".1.2"
#define MCIM_CERT_OID_TRE	  MCIM_CERT_OID_ARC ".1.3"
#define MCIM_CERT_MAX_LEN	  4096
#define MCIM_CERT_CHAIN_MAX	  4 /* certificates from leaf to root, both included */
#define MCIM_CERT_NAME_MAX	  64
#define MCIM_CERT_OPERATOR_MAX	  6 /* MCC (3 digits) + MNC (2 or 3) */
#define MCIM_CERT_TRE_ID_MAX	  64
#define MCIM_CERT_PLATFORM_ID_MAX 32
#define MCIM_CERT_ASSURANCE_MAX	  255
#define MCIM_CERT_SERIAL_MAX	  20	/* octets (RFC 5280 4.1.2.2) */
#define MCIM_CERT_PEM_MAX	  16384 /* largest PEM file read */

/* Roles; the numbers are what the role extension carries and never change. */
enum mcim_cert_role {
	MCIM_CERT_ROLE_CI = 1,	     /* the ecosystem's root */
	MCIM_CERT_ROLE_M2MES_CA = 2, /* a device maker's CA for TRE identity keys */
	MCIM_CERT_ROLE_M2MES = 3,    /* a device maker's firmware/manifest signer */
	MCIM_CERT_ROLE_TRE = 4,	     /* a TRE's identity key */
	MCIM_CERT_ROLE_DPF = 5, /* an operator's download and provisioning function */
	MCIM_CERT_ROLE_SHO_MGMT = 6, /* an operator's MCIM management key */
	MCIM_CERT_ROLE_PVA = 7,	     /* platform validation authority */
	MCIM_CERT_ROLE_DRF = 8,	     /* discovery and registration function */
	MCIM_CERT_ROLE_ICF = 9,	     /* initial connectivity function */
};

/* A TRE's implementation, as its certificate states it. */
enum mcim_cert_backend {
	MCIM_CERT_BACKEND_NONE = 0, /* not a tre certificate */
	MCIM_CERT_BACKEND_SOFT = 1,
	MCIM_CERT_BACKEND_TPM2 = 2,
	MCIM_CERT_BACKEND_UICC = 3,
};

/* A serial number: its value big-endian, without leading zero octets. */
struct mcim_cert_serial {
	uint8_t v[MCIM_CERT_SERIAL_MAX];
	size_t len;
};

/*
 * What a certificate says. For mcim_cert_issue the caller fills role, common_name,
 * operator_id (or ""), the tre fields (tre certificates only; "" / NONE / 0
 * otherwise), not_before and not_after; the other fields are ignored and set by the
 * library. mcim_cert_parse fills everything.
 */
struct mcim_cert_info {
	enum mcim_cert_role role;
	char common_name[MCIM_CERT_NAME_MAX + 1];
	char operator_id[MCIM_CERT_OPERATOR_MAX + 1];
	char tre_id[MCIM_CERT_TRE_ID_MAX + 1];
	char platform_id[MCIM_CERT_PLATFORM_ID_MAX + 1];
	enum mcim_cert_backend backend;
	unsigned assurance;
	time_t not_before; /* valid from this second ... */
	time_t not_after;  /* ... to this one, both included (RFC 5280 4.1.2.5) */
	/* Set by the library: */
	struct mcim_cert_serial serial;
	char issuer_name[MCIM_CERT_NAME_MAX + 1]; /* the issuer's common name */
	int is_ca;
	int path_len; /* the CA's path length constraint; -1 for a leaf */
};

/* What a relying party expects of a chain's leaf, and when it checks. */
struct mcim_cert_policy {
	enum mcim_cert_role role;
	const char *operator_id; /* NULL: any; else the leaf must carry exactly this id */
	time_t now;
	const struct mcim_cert_serial *revoked; /* serials no longer trusted, or NULL */
	size_t n_revoked;
};

/* "ci", "m2mes-ca", "m2mes", "tre", "dpf", "sho-mgmt", "pva", "drf", "icf"; NULL for a
 * value that is no role. */
const char *mcim_cert_role_name(enum mcim_cert_role role);
/* The role named name; MCIM_ERR_INVALID_ARG for any other text. */
mcim_err mcim_cert_role_from_name(const char *name, enum mcim_cert_role *role);
/* "soft", "tpm2", "uicc"; NULL for NONE or any other value. */
const char *mcim_cert_backend_name(enum mcim_cert_backend backend);
/* The backend named name; MCIM_ERR_INVALID_ARG for any other text. */
mcim_err mcim_cert_backend_from_name(const char *name, enum mcim_cert_backend *backend);

/*
 * Issues a certificate for subject_pub described by subject, signed with issuer_priv,
 * the key of the certificate issuer_der. For the CI root, issuer_der is NULL
 * (issuer_len 0): the certificate is self-signed and issuer_priv must be subject_pub's
 * own key. The serial number is 126 random bits from rng. The DER goes to out
 * (*out_len octets).
 * Errors: MCIM_ERR_INVALID_ARG (a field outside the profile, validity not within the
 * issuer's, issuer_priv not the issuer's key, subject_pub not a point), MCIM_ERR_BAD_CERT
 * (issuer_der malformed), MCIM_ERR_WRONG_ROLE (the issuer's role may not certify
 * this role, or a root that is not ci), MCIM_ERR_BUFFER_TOO_SMALL, MCIM_ERR_RANDOM,
 * MCIM_ERR_CRYPTO.
 */
mcim_err mcim_cert_issue(const struct mcim_cert_info *subject,
			 const struct mcim_p256_pub *subject_pub,
			 const struct mcim_p256_priv *issuer_priv,
			 const uint8_t *issuer_der, size_t issuer_len,
			 const struct mcim_rng *rng, uint8_t *out, size_t out_cap,
			 size_t *out_len);

/*
 * Reads a certificate: its content into info and, if pub is not NULL, its subject's
 * public key. Nothing about its issuer or signature is checked here.
 * Errors: MCIM_ERR_TOO_LARGE, MCIM_ERR_BAD_CERT.
 */
mcim_err mcim_cert_parse(const uint8_t *der, size_t len, struct mcim_cert_info *info,
			 struct mcim_p256_pub *pub);

/*
 * Verifies leaf against the trusted root through intermediates (n_inter DER
 * certificates, the one that issued leaf first, as in an x5chain), as RFC 5280 6.1
 * does for this profile: each certificate is issued by the next (issuer name, role
 * table, signature), none is revoked, all are within their validity at policy->now,
 * and the leaf has policy->role and, when asked, policy->operator_id. The root is a
 * trust anchor: its role (ci) and validity are checked, not its self-signature (the
 * caller trusts it by configuration), and it cannot be revoked here. On success the
 * leaf's content and public key go to leaf_info and leaf_pub when they are not NULL.
 * Errors, the first that applies: MCIM_ERR_TOO_LARGE (a certificate above
 * MCIM_CERT_MAX_LEN, more than MCIM_CERT_CHAIN_MAX certificates), MCIM_ERR_BAD_CERT
 * (malformed, outside the profile, not issued by the next one or not allowed to be,
 * bad signature, revoked), MCIM_ERR_EXPIRED (any certificate outside its validity,
 * before it starts as well as after it ends), MCIM_ERR_WRONG_ROLE (an authentic leaf
 * with another role or operator).
 */
mcim_err
mcim_cert_verify_chain(const uint8_t *leaf, size_t leaf_len, const struct mcim_iov *inter,
		       size_t n_inter, const uint8_t *root, size_t root_len,
		       const struct mcim_cert_policy *policy,
		       struct mcim_cert_info *leaf_info, struct mcim_p256_pub *leaf_pub)
    __attribute__((warn_unused_result));

/*
 * PEM files for the command line tools' demo PKI. Files are written whole to a
 * temporary file in the same directory and renamed over path, so a reader never sees
 * half a file; a certificate is written mode 0644, a private key mode 0600 (PKCS#8
 * "PRIVATE KEY", with its public key, as `openssl pkey` reads and writes it). Readers
 * take the first block of the right kind, refuse files above MCIM_CERT_PEM_MAX and
 * check a key's public part when it is there.
 * Errors: MCIM_ERR_NOT_FOUND (no such file), MCIM_ERR_IO, MCIM_ERR_TOO_LARGE,
 * MCIM_ERR_PARSE (no such block, bad base64, a key that is not P-256 or whose public
 * key does not match), MCIM_ERR_BUFFER_TOO_SMALL, MCIM_ERR_INVALID_ARG (a key 0 or not
 * below the order).
 */
mcim_err mcim_cert_write_pem(const char *path, const uint8_t *der, size_t len);
mcim_err mcim_cert_read_pem(const char *path, uint8_t *der, size_t cap, size_t *len);
mcim_err mcim_cert_write_key_pem(const char *path, const struct mcim_p256_priv *priv);
mcim_err mcim_cert_read_key_pem(const char *path, struct mcim_p256_priv *priv);

#endif
