/*
 * mcim/manifest.h: the firmware manifest, signed by the device maker (M2MES), that
 * says which components a device of a given model may run. The TRE checks its boot
 * against it (secure boot), the PVA uses it as the reference values for attestation,
 * and firmware updates are authorised by it.
 *
 * Signed object: a tagged COSE_Sign1 (ES256, mcim/cose.h) whose x5chain carries the
 * signer's certificate, leaf first (an m2mes certificate is issued by the CI root
 * itself, so the chain is usually just the leaf; a trailing copy of the root is
 * tolerated). No external_aad. The payload is a deterministic CBOR map (mcim/cbor.h):
 *
 *   {
 *     1: "mcim/fw/manifest",      context: no other signed object passes as a manifest
 *     2: sequence,                uint 0..2^32-1, grows with every release
 *     3: security_version,        uint 0..2^32-1, the anti-rollback floor
 *     4: platform,                tstr 1..MCIM_MANIFEST_PLATFORM_MAX, the device model
 *     5: [ component, ... ]       1..MCIM_MANIFEST_COMPONENTS_MAX entries
 *   }
 *   component = {
 *     1: name,                    tstr 1..MCIM_MANIFEST_NAME_MAX
 *     2: version,                 tstr 1..MCIM_MANIFEST_VERSION_MAX
 *     3: digest,                  bstr .size 32: SHA-256 of the component's file
 *     ? 4: size                   uint: the file's length in octets
 *   }
 *
 * Strict: every text is printable ASCII (0x20..0x7e), no key other than these, no
 * key missing (size is optional), two components never share a name.
 *
 * Conventions: outputs are written only on success. NULL where a pointer is required
 * is a caller bug (assert). Nothing here allocates (with the openssl crypto backend,
 * OpenSSL allocates inside signatures). All functions are thread-safe.
 */
#ifndef MCIM_MANIFEST_H
#define MCIM_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "mcim/cert.h"
#include "mcim/crypto.h"
#include "mcim/err.h"

#define MCIM_MANIFEST_CONTEXT	     "mcim/fw/manifest"
#define MCIM_MANIFEST_COMPONENTS_MAX 16
#define MCIM_MANIFEST_NAME_MAX	     31 /* characters, without the NUL */
#define MCIM_MANIFEST_VERSION_MAX    23
#define MCIM_MANIFEST_PLATFORM_MAX   31
/* The largest payload mcim_manifest_encode() can produce, with room to spare. */
#define MCIM_MANIFEST_PAYLOAD_MAX 2048
/* The largest signed manifest accepted: payload plus a chain of certificates. */
#define MCIM_MANIFEST_MAX_LEN 16384

struct mcim_manifest_component {
	char name[MCIM_MANIFEST_NAME_MAX + 1];
	char version[MCIM_MANIFEST_VERSION_MAX + 1];
	uint8_t digest[MCIM_SHA256_LEN];
	bool has_size; /* whether size is stated */
	uint64_t size;
};

struct mcim_manifest {
	uint32_t sequence;	   /* the release's sequence number */
	uint32_t security_version; /* a device never boots below the highest it saw */
	char platform[MCIM_MANIFEST_PLATFORM_MAX + 1];
	size_t n; /* components[0..n) */
	struct mcim_manifest_component components[MCIM_MANIFEST_COMPONENTS_MAX];
};

/*
 * The payload (the CBOR map above) of m. Errors: MCIM_ERR_INVALID_ARG (m outside the
 * format: n of 0 or above the maximum, an empty or non-printable text, a duplicate
 * name), MCIM_ERR_BUFFER_TOO_SMALL.
 */
mcim_err mcim_manifest_encode(const struct mcim_manifest *m, uint8_t *out, size_t cap,
			      size_t *out_len);

/*
 * UNAUTHENTICATED: decodes a payload strictly (nothing may follow the map). For
 * tools and fuzzers; a device or a PVA uses mcim_manifest_verify().
 * Errors: MCIM_ERR_TRUNCATED, MCIM_ERR_PARSE (malformed, another context string, a
 * key missing, unknown or repeated, a text or digest of the wrong length or
 * characters, a duplicate component name), MCIM_ERR_TOO_LARGE (an integer above its
 * range, more components than the maximum).
 */
mcim_err mcim_manifest_decode(const uint8_t *buf, size_t len, struct mcim_manifest *m);

/*
 * Encodes m and signs it with key, the private key of chain[0], an m2mes
 * certificate; chain holds n_chain (1..MCIM_COSE_X5CHAIN_MAX) DER certificates, leaf
 * first, and goes into the x5chain. The key is not checked against the certificate
 * here (a mismatch fails every verification). Errors: those of mcim_manifest_encode,
 * MCIM_ERR_INVALID_ARG (n_chain), MCIM_ERR_BUFFER_TOO_SMALL, MCIM_ERR_CRYPTO.
 */
mcim_err mcim_manifest_sign(const struct mcim_manifest *m,
			    const struct mcim_p256_priv *key,
			    const struct mcim_iov *chain, size_t n_chain, uint8_t *out,
			    size_t cap, size_t *out_len);

/*
 * Verifies a signed manifest against the CI root (DER) at time now: the x5chain
 * leads to the root (mcim_cert_verify_chain), its leaf has the role m2mes, every
 * certificate is valid at now, the leaf's key made the signature, and the payload
 * decodes strictly. On MCIM_OK fills *m and, if signer is not NULL, the leaf's
 * content.
 * Errors, the first that applies: MCIM_ERR_TOO_LARGE (above MCIM_MANIFEST_MAX_LEN,
 * or from the COSE or chain checks), MCIM_ERR_TRUNCATED / MCIM_ERR_PARSE /
 * MCIM_ERR_UNSUPPORTED (not a COSE_Sign1 of the profile), MCIM_ERR_BAD_CERT (no
 * x5chain, or a chain that does not lead to this root: unknown CA, forged, malformed),
 * MCIM_ERR_EXPIRED, MCIM_ERR_WRONG_ROLE (an authentic leaf that is not m2mes),
 * MCIM_ERR_BAD_SIGNATURE (the leaf's key did not sign this object), then the
 * errors of mcim_manifest_decode (a validly signed object that is no manifest).
 */
mcim_err mcim_manifest_verify(const uint8_t *buf, size_t len, const uint8_t *ci_root,
			      size_t ci_root_len, time_t now, struct mcim_manifest *m,
			      struct mcim_cert_info *signer)
    __attribute__((warn_unused_result));

/* The component called name, or NULL. */
const struct mcim_manifest_component *mcim_manifest_find(const struct mcim_manifest *m,
							 const char *name);

/*
 * SHA-256 of the file at path, and its length in octets (size may be NULL). The
 * file is read through work (the caller's buffer, at least 1 octet; no allocation
 * here) in chunks of work_cap octets, so a component of any size is hashed in
 * constant memory; a larger buffer only means fewer reads. digest and size are
 * written only on success. Errors: MCIM_ERR_NOT_FOUND (no such file), MCIM_ERR_IO
 * (unreadable, not a regular file, a read error midway).
 */
mcim_err mcim_manifest_hash_file(const char *path, uint8_t *work, size_t work_cap,
				 uint8_t digest[MCIM_SHA256_LEN], uint64_t *size);

#endif
