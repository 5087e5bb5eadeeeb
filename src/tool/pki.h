/*
 * The ecosystem's PKI on disk, for demos, tests and the tools that stand in for a
 * factory (`mcim pki`, `mcim device init`): one CI root, an M2MES CA and firmware
 * signer, the operators' network functions, and the TRE identity certificates the
 * factory issues (R-TRE-G03, R-TRE-G07, R-NET-S05). docs/pki.md describes the trust
 * model and the layout; in short, a directory DIR holds
 *   DIR/pki.json              the index (TOOL_PKI_INDEX): every entity, see below
 *   DIR/<name>/cert.pem       each entity's certificate (0644)
 *   DIR/<name>/key.pem        its private key, PKCS#8 (0600)
 *   DIR/revoked.txt           the revocation list, once something is revoked
 * with the entities
 *   ci                 role ci        the root, self-signed
 *   m2mes-ca           role m2mes-ca  issues TRE identity certificates
 *   m2mes              role m2mes     signs firmware manifests
 *   <sho>-dpf          role dpf       for each SHO, with its PLMN id
 *   <sho>-mgmt         role sho-mgmt  for each SHO, with its PLMN id
 *   ro-drf             role drf       the registration operator's DRF
 *   vno-icf            role icf       the VNO's ICF, with the VNO's PLMN id
 *   pva                role pva       the platform validation authority
 * every one but ci issued by ci. pki.json is
 *   {"version": 1, "root": "ci", "revocation_list": "revoked.txt",
 *    "entities": [{"name", "role", "organisation", "operator_id", "issuer",
 *                  "cert", "key"}, ...]}
 * with paths relative to DIR, so the directory can be moved.
 *
 * Conventions: part of the tools library (allocates, uses jansson), not of libmcim.
 * Functions that fail leave a message naming the file and the cause in an err buffer
 * (pki->err, or the caller's char[TOOL_PKI_ERR_MAX]). Private keys are read from
 * their files only when needed and wiped by whoever holds them. Times are seconds
 * since the epoch given by the caller. A NULL where a pointer is required is a caller
 * bug (assert). A struct tool_pki is used by one thread at a time.
 */
#ifndef MCIM_TOOL_PKI_H
#define MCIM_TOOL_PKI_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "mcim/cert.h"
#include "mcim/crypto.h"
#include "mcim/err.h"

#define TOOL_PKI_INDEX	      "pki.json"
#define TOOL_PKI_REVOKED      "revoked.txt"
#define TOOL_PKI_ERR_MAX      512
#define TOOL_PKI_NAME_MAX     32 /* an entity's name */
#define TOOL_PKI_SHO_NAME_MAX 16 /* an SHO's name: [a-z0-9][a-z0-9-]* */
#define TOOL_PKI_SHO_MAX      16
#define TOOL_PKI_ENTITIES_MAX 64
#define TOOL_PKI_REVOKED_MAX  1024
#define TOOL_PKI_PATH_MAX     4096
#define TOOL_PKI_DAYS_DEFAULT 3650
#define TOOL_PKI_DAYS_MAX     36500
#define TOOL_PKI_SKEW	      3600 /* not_before is this far before "now" */
#define TOOL_PKI_VNO_PLMN     "00199"

/* One SHO: its name (the prefix of its entities) and PLMN id (MCC+MNC digits). */
struct tool_pki_sho {
	char name[TOOL_PKI_SHO_NAME_MAX + 1];
	char plmn[MCIM_CERT_OPERATOR_MAX + 1];
};

/* What tool_pki_init makes. */
struct tool_pki_opts {
	time_t now;    /* certificates are valid from now - TOOL_PKI_SKEW (0: time()) */
	unsigned days; /* ... for this many days from now (0: TOOL_PKI_DAYS_DEFAULT) */
	size_t n_sho;  /* 0: the two defaults sho1:00101 and sho2:00102 */
	struct tool_pki_sho sho[TOOL_PKI_SHO_MAX];
	const char *vno_plmn; /* NULL: TOOL_PKI_VNO_PLMN */
};

/* Parses "NAME:PLMN" (e.g. "sho1:00101") into sho. MCIM_ERR_INVALID_ARG otherwise. */
mcim_err tool_pki_sho_parse(const char *text, struct tool_pki_sho *sho);

/*
 * Creates the PKI in dir, which must not exist or be an empty directory (its parent
 * must exist). Everything is built in a temporary directory beside it and renamed
 * into place at the end, so dir holds either a whole PKI or nothing.
 * Errors: MCIM_ERR_EXISTS (dir exists and is not empty), MCIM_ERR_INVALID_ARG (an
 * option out of range, two SHOs with one name or PLMN id), MCIM_ERR_NOT_FOUND (no
 * parent directory), MCIM_ERR_IO, and the errors of mcim/cert.h.
 */
mcim_err tool_pki_init(const char *dir, const struct tool_pki_opts *opts,
		       char err[TOOL_PKI_ERR_MAX]);

/* One entity, as the index names it and its certificate says. */
struct tool_pki_entity {
	char name[TOOL_PKI_NAME_MAX + 1];
	char organisation[TOOL_PKI_NAME_MAX + 1];
	char issuer[TOOL_PKI_NAME_MAX + 1]; /* an entity's name; "ci" for ci itself */
	enum mcim_cert_role role;
	char operator_id[MCIM_CERT_OPERATOR_MAX + 1]; /* "" when none */
	char cert_path[TOOL_PKI_PATH_MAX]; /* dir joined with the index's path */
	char key_path[TOOL_PKI_PATH_MAX];
	/* From the certificate file, when load_err is MCIM_OK: */
	uint8_t der[MCIM_CERT_MAX_LEN];
	size_t der_len;
	struct mcim_cert_info info;
	struct mcim_p256_pub pub;
	mcim_err load_err; /* why the certificate could not be read (see load_msg) */
	char load_msg[TOOL_PKI_ERR_MAX];
};

struct tool_pki {
	char dir[TOOL_PKI_PATH_MAX];
	char revoked_path[TOOL_PKI_PATH_MAX];
	size_t n;
	struct tool_pki_entity *e; /* n entities, index order; owned */
	size_t n_revoked;
	struct mcim_cert_serial *revoked; /* n_revoked serials; owned */
	size_t n_broken;		  /* entities whose load_err is not MCIM_OK */
	char err[TOOL_PKI_ERR_MAX];
};

/*
 * Reads the index, every certificate and the revocation list. Each certificate must
 * parse and say what the index says of it (role, operator id, issuer's name).
 * tool_pki_load fails on the first entity that does not; tool_pki_load_partial
 * records the failure in that entity (load_err, load_msg), counts it in n_broken and
 * goes on, so that a checker can report every broken entity. Either way pki must be
 * released with tool_pki_free, also after an error (pki->err says why).
 * Errors: MCIM_ERR_NOT_FOUND (no index), MCIM_ERR_PARSE (index or revocation list
 * malformed), MCIM_ERR_IO, MCIM_ERR_NOMEM; tool_pki_load also the certificate's
 * error: MCIM_ERR_NOT_FOUND, MCIM_ERR_PARSE (not PEM), MCIM_ERR_BAD_CERT (outside the
 * profile, or not what the index says), MCIM_ERR_TOO_LARGE.
 */
mcim_err tool_pki_load(const char *dir, struct tool_pki *pki);
mcim_err tool_pki_load_partial(const char *dir, struct tool_pki *pki);
void tool_pki_free(struct tool_pki *pki);

/* The entity named name, or NULL. */
const struct tool_pki_entity *tool_pki_find(const struct tool_pki *pki, const char *name);
/* The first entity with role and (when operator_id is not NULL) that operator id. */
const struct tool_pki_entity *tool_pki_find_role(const struct tool_pki *pki,
						 enum mcim_cert_role role,
						 const char *operator_id);
/* The CI root certificate (the trust anchor every relying party is configured with). */
mcim_err tool_pki_root(const struct tool_pki *pki, const uint8_t **der, size_t *len);

/*
 * Reads name's private key from its file and checks that it is the key of its
 * certificate. The caller wipes priv (mcim_p256_priv_wipe).
 * Errors: MCIM_ERR_NOT_FOUND (no such entity or file), the errors of
 * mcim_cert_read_key_pem, MCIM_ERR_INVALID_ARG (not the certificate's key),
 * MCIM_ERR_BAD_CERT (the entity's certificate did not load).
 */
mcim_err tool_pki_key(struct tool_pki *pki, const char *name,
		      struct mcim_p256_priv *priv);

/*
 * name's chain leaf first, as DER views into pki (valid until tool_pki_free): the
 * entity's certificate, then its issuer's, up to the root, which is included only
 * when with_root is non-zero (a receiver has the root by configuration; an x5chain
 * may carry it). Errors: MCIM_ERR_NOT_FOUND, MCIM_ERR_BAD_CERT (a certificate of the
 * chain did not load, or the issuers loop), MCIM_ERR_BUFFER_TOO_SMALL (cap).
 */
mcim_err tool_pki_chain(const struct tool_pki *pki, const char *name, int with_root,
			struct mcim_iov *chain, size_t cap, size_t *n);

/* A TRE identity certificate request: what the factory knows about the device. */
struct tool_pki_tre {
	const struct mcim_p256_pub *pub; /* the TRE's identity key, generated inside it */
	const char *tre_id;		 /* 1..MCIM_CERT_TRE_ID_MAX characters */
	const char *platform_id;	 /* the IMEI or other platform identity */
	enum mcim_cert_backend backend;
	unsigned assurance; /* 0..MCIM_CERT_ASSURANCE_MAX */
	time_t not_before;
	time_t not_after; /* 0: the M2MES CA's own not_after */
};

/*
 * Issues a TRE identity certificate from the M2MES CA ("m2mes-ca"), common name
 * "TRE <tre_id>". Its chain is then (der, tool_pki_chain("m2mes-ca")).
 * Errors: those of tool_pki_key for m2mes-ca and of mcim_cert_issue
 * (MCIM_ERR_INVALID_ARG for a field outside the profile or a validity beyond the CA's).
 */
mcim_err tool_pki_issue_tre(struct tool_pki *pki, const struct tool_pki_tre *req,
			    uint8_t *der, size_t cap, size_t *len);

/* 1 when serial is on pki's revocation list. */
int tool_pki_is_revoked(const struct tool_pki *pki,
			const struct mcim_cert_serial *serial);

/*
 * Adds name's certificate (or any certificate, for tool_pki_revoke_cert: a TRE's) to
 * the revocation list file, rewritten whole and renamed into place, and to pki.
 * Errors: MCIM_ERR_NOT_FOUND (no such entity), MCIM_ERR_INVALID_ARG (ci: the root is
 * the trust anchor, it is replaced, not revoked), MCIM_ERR_EXISTS (already revoked),
 * MCIM_ERR_FULL (TOOL_PKI_REVOKED_MAX), MCIM_ERR_BAD_CERT (the certificate does not
 * load), MCIM_ERR_IO.
 */
mcim_err tool_pki_revoke(struct tool_pki *pki, const char *name);
mcim_err tool_pki_revoke_cert(struct tool_pki *pki, const uint8_t *der, size_t len,
			      const char *label);

/*
 * A relying party's policy for role (and operator_id, NULL for any) at now, with pki's
 * revocation list: what mcim_cert_verify_chain takes. Valid until pki changes.
 */
void tool_pki_policy(const struct tool_pki *pki, enum mcim_cert_role role,
		     const char *operator_id, time_t now,
		     struct mcim_cert_policy *policy);

/*
 * Checks entity i as a relying party would: its certificate loaded, its chain
 * verifies to the root at now for its role and operator id (revocation included), and
 * its key file holds its certificate's key. MCIM_OK, or the first failure with a
 * message naming the file in pki->err.
 */
mcim_err tool_pki_verify_entity(struct tool_pki *pki, size_t i, time_t now);

#endif
