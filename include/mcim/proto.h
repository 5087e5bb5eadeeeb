/*
 * mcim/proto.h: the messages of the provisioning protocol (docs/protocol.md), one
 * encoding for both ends: the TRE (device side, through the agent) and the network
 * functions of mcimd (ICF, DRF, PVA, DPF, AuC).
 *
 * Every message is a deterministic CBOR map (mcim/cbor.h) with text keys, written
 * in the order the profile requires (shorter keys first, then bytewise). Each one
 * has a fixed-size struct, an encoder and a strict decoder: unknown, missing,
 * repeated or disordered keys, another type, a wrong length and trailing octets are
 * refused (MCIM_ERR_PARSE, MCIM_ERR_TRUNCATED, MCIM_ERR_TOO_LARGE); nothing is read
 * past len. A signed object (COSE_Sign1, ES256, the signer's chain in x5chain, leaf
 * first) travels inside a message as a byte string holding the tagged COSE object;
 * the decoded struct gives it as a span of the caller's input (valid as long as the
 * input is), and its verify function is what checks it.
 *
 * Verification (the *_verify functions) goes from the outside in, and the first
 * failure is returned:
 *   size (MCIM_ERR_TOO_LARGE above MCIM_PROTO_SIGNED_MAX) and COSE structure;
 *   the x5chain to the CI root at trust->now, revocation (MCIM_ERR_BAD_CERT,
 *   MCIM_ERR_EXPIRED), the leaf's role and where the protocol says so its operator
 *   id (MCIM_ERR_WRONG_ROLE); the signature with the leaf's key
 *   (MCIM_ERR_BAD_SIGNATURE); the payload, strictly, with its context string
 *   (MCIM_ERR_PARSE for another kind of object); freshness
 *   iat - skew <= now < exp + skew (MCIM_ERR_EXPIRED, also for "not yet valid");
 *   then the bindings the caller expects: a nonce or challenge of the checker's
 *   that differs is MCIM_ERR_REPLAY, an object bound to another TRE, registration,
 *   transaction or operator is MCIM_ERR_DENIED. Outputs are written only on success.
 *
 * TRE identities are 16 octets in the protocol; a TRE certificate carries the same
 * id as 32 lowercase hex digits (mcim/cert.h tre_id), which verifiers compare.
 *
 * Secrets: the download keys (struct mcim_proto_dl_keys), ephemeral private keys
 * and ECDH outputs live in fixed-size structures; the functions here wipe their own
 * copies on every path, the caller wipes what it owns with mcim_proto_dl_keys_wipe()
 * / mcim_p256_priv_wipe(). mcim_proto_dl_keys_derive() wipes the ephemeral private
 * key it is given, whatever happens (forward secrecy).
 *
 * Nothing allocates (with the openssl crypto backend, OpenSSL allocates inside
 * signatures and key agreement).
 * NULL where a pointer is required is a caller bug (assert); (pointer, 0) ranges may
 * be NULL. All functions are thread-safe (reentrant; the COSE layer's scratch buffer
 * is per thread).
 */
#ifndef MCIM_PROTO_H
#define MCIM_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mcim/cert.h"
#include "mcim/crypto.h"
#include "mcim/err.h"
#include "mcim/evidence.h"
#include "mcim/kdf.h"
#include "mcim/profile.h"
#include "mcim/rand.h"
#include "mcim/tamper.h"

/* ---- sizes ---- */

#define MCIM_PROTO_TRE_ID_LEN	16
#define MCIM_PROTO_NONCE_LEN	16			/* n_d, c_t, c_d */
#define MCIM_PROTO_N_P_LEN	MCIM_EVIDENCE_NONCE_LEN /* the PVA's nonce: 32 */
#define MCIM_PROTO_TXID_LEN	16
#define MCIM_PROTO_REG_ID_LEN	16
#define MCIM_PROTO_SID_LEN	16
#define MCIM_PROTO_MCIM_ID_LEN	MCIM_PROFILE_ID_LEN
#define MCIM_PROTO_PCID_MAX	64  /* printable ASCII */
#define MCIM_PROTO_URL_MAX	255 /* printable ASCII */
#define MCIM_PROTO_RAND_LEN	16
#define MCIM_PROTO_AUTN_LEN	16
#define MCIM_PROTO_AUTS_LEN	14
#define MCIM_PROTO_RES_MAX	16 /* RES of the PCID's MILENAGE: 4..16 octets */
#define MCIM_PROTO_KC_LEN	32
#define MCIM_PROTO_IMSI_MAX	MCIM_PROFILE_IMSI_MAX
#define MCIM_PROTO_OPERATOR_MAX MCIM_CERT_OPERATOR_MAX
#define MCIM_PROTO_VERDICTS_MAX MCIM_APPRAISAL_ITEMS_MAX
#define MCIM_PROTO_MESSAGE_MAX	128 /* error message text */
/* The largest signed object accepted or produced (payload and chain). */
#define MCIM_PROTO_SIGNED_MAX 6144
/* The largest signed payload produced. */
#define MCIM_PROTO_PAYLOAD_MAX 4096
/* The largest message accepted (the PVA evidence request carries a whole evidence). */
#define MCIM_PROTO_MSG_MAX 20480
/* The default tolerated clock difference, seconds (docs/protocol.md §1). */
#define MCIM_PROTO_SKEW_DEFAULT 300

/* Context strings of the signed objects. */
#define MCIM_PROTO_CTX_SESSION "mcim/icf/session"
#define MCIM_PROTO_CTX_REG     "mcim/reg"
#define MCIM_PROTO_CTX_PVA     "mcim/pva/result"
#define MCIM_PROTO_CTX_M2      "mcim/dl/m2"
#define MCIM_PROTO_CTX_M3      "mcim/dl/m3"
#define MCIM_PROTO_CTX_RECEIPT "mcim/dl/receipt"

/* ---- signing and trust ---- */

/* Who signs: the private key of chain[0] and its chain (DER, leaf first, root
 * excluded, 1..MCIM_COSE_X5CHAIN_MAX certificates). */
struct mcim_proto_signer {
	const struct mcim_p256_priv *key;
	const struct mcim_iov *chain;
	size_t n_chain;
};

/* What a verifier trusts and when it checks. */
struct mcim_proto_trust {
	const uint8_t *ci_root; /* the CI root certificate, DER */
	size_t ci_root_len;
	const struct mcim_cert_serial *revoked; /* or NULL */
	size_t n_revoked;
	int64_t now;  /* seconds since the epoch */
	int64_t skew; /* tolerated clock difference, >= 0 (MCIM_PROTO_SKEW_DEFAULT) */
};

/* A signed object or an opaque item inside a message: a span of the input when
 * decoded, of the caller's memory when encoded. */
struct mcim_proto_span {
	const uint8_t *data;
	size_t len;
};

/* ---- errors (any response with HTTP status 4xx/5xx) ---- */

struct mcim_proto_error {
	mcim_err err;				  /* never MCIM_OK */
	char message[MCIM_PROTO_MESSAGE_MAX + 1]; /* printable ASCII, may be "" */
};

/* {"error": mcim_err_name, "message": text}. Errors: MCIM_ERR_INVALID_ARG (MCIM_OK
 * or a value out of range, a message not printable), MCIM_ERR_BUFFER_TOO_SMALL. */
mcim_err mcim_proto_error_encode(const struct mcim_proto_error *e, uint8_t *out,
				 size_t cap, size_t *len);
mcim_err mcim_proto_error_decode(const uint8_t *buf, size_t len,
				 struct mcim_proto_error *out)
    __attribute__((warn_unused_result));

/* ---- ICF: initial connectivity (§2) ---- */

/* {"pcid"} */
struct mcim_proto_icf_challenge_req {
	char pcid[MCIM_PROTO_PCID_MAX + 1];
};
/* {"rand", "autn"} */
struct mcim_proto_icf_challenge {
	uint8_t rand[MCIM_PROTO_RAND_LEN];
	uint8_t autn[MCIM_PROTO_AUTN_LEN];
};
/* {"pcid", "res"} or {"pcid", "auts"} */
struct mcim_proto_icf_attach_req {
	char pcid[MCIM_PROTO_PCID_MAX + 1];
	bool resync; /* false: res; true: auts */
	uint8_t res[MCIM_PROTO_RES_MAX];
	size_t res_len; /* 4..MCIM_PROTO_RES_MAX */
	uint8_t auts[MCIM_PROTO_AUTS_LEN];
};
/* {"session": Sign_ICF} */
struct mcim_proto_icf_attach_resp {
	struct mcim_proto_span session;
};

mcim_err mcim_proto_icf_challenge_req_encode(const struct mcim_proto_icf_challenge_req *m,
					     uint8_t *out, size_t cap, size_t *len);
mcim_err mcim_proto_icf_challenge_req_decode(const uint8_t *buf, size_t len,
					     struct mcim_proto_icf_challenge_req *out)
    __attribute__((warn_unused_result));
mcim_err mcim_proto_icf_challenge_encode(const struct mcim_proto_icf_challenge *m,
					 uint8_t *out, size_t cap, size_t *len);
mcim_err mcim_proto_icf_challenge_decode(const uint8_t *buf, size_t len,
					 struct mcim_proto_icf_challenge *out)
    __attribute__((warn_unused_result));
mcim_err mcim_proto_icf_attach_req_encode(const struct mcim_proto_icf_attach_req *m,
					  uint8_t *out, size_t cap, size_t *len);
mcim_err mcim_proto_icf_attach_req_decode(const uint8_t *buf, size_t len,
					  struct mcim_proto_icf_attach_req *out)
    __attribute__((warn_unused_result));
mcim_err mcim_proto_icf_attach_resp_encode(const struct mcim_proto_icf_attach_resp *m,
					   uint8_t *out, size_t cap, size_t *len);
mcim_err mcim_proto_icf_attach_resp_decode(const uint8_t *buf, size_t len,
					   struct mcim_proto_icf_attach_resp *out)
    __attribute__((warn_unused_result));

/* The functions a session reaches (bits of scope). */
enum {
	MCIM_PROTO_SCOPE_DRF = 1u << 0,
	MCIM_PROTO_SCOPE_PVA = 1u << 1,
	MCIM_PROTO_SCOPE_DPF = 1u << 2,
};

/* Sign_ICF{"ctx": "mcim/icf/session", "pcid", "scope": ["drf", "pva", "dpf"] (a
 * non-empty subset, in that order), "sid", "iat", "exp"}, signed by an icf. */
struct mcim_proto_session {
	char pcid[MCIM_PROTO_PCID_MAX + 1];
	uint32_t scope; /* MCIM_PROTO_SCOPE_* bits, at least one, no others */
	uint8_t sid[MCIM_PROTO_SID_LEN];
	int64_t iat, exp; /* iat <= exp */
};

/* ICF side. Errors: MCIM_ERR_INVALID_ARG (a field out of range, n_chain),
 * MCIM_ERR_BUFFER_TOO_SMALL, MCIM_ERR_CRYPTO. */
mcim_err mcim_proto_session_sign(const struct mcim_proto_session *s,
				 const struct mcim_proto_signer *signer, uint8_t *out,
				 size_t cap, size_t *len);
/*
 * DRF, PVA, DPF side: role icf (and operator id icf_operator unless NULL), fresh,
 * and scope including need (one MCIM_PROTO_SCOPE_* bit; MCIM_ERR_DENIED otherwise).
 * signer_cert, if not NULL, gets the ICF's certificate.
 */
mcim_err mcim_proto_session_verify(const uint8_t *buf, size_t len,
				   const struct mcim_proto_trust *trust,
				   const char *icf_operator, uint32_t need,
				   struct mcim_proto_session *out,
				   struct mcim_cert_info *signer_cert)
    __attribute__((warn_unused_result));

/* ---- DRF: discovery and registration (§3) ---- */

/* {"n_d", "tre_id"} */
struct mcim_proto_discover_req {
	uint8_t tre_id[MCIM_PROTO_TRE_ID_LEN];
	uint8_t n_d[MCIM_PROTO_NONCE_LEN];
};
/* {"token": Sign_DRF} */
struct mcim_proto_discover_resp {
	struct mcim_proto_span token;
};

mcim_err mcim_proto_discover_req_encode(const struct mcim_proto_discover_req *m,
					uint8_t *out, size_t cap, size_t *len);
mcim_err mcim_proto_discover_req_decode(const uint8_t *buf, size_t len,
					struct mcim_proto_discover_req *out)
    __attribute__((warn_unused_result));
mcim_err mcim_proto_discover_resp_encode(const struct mcim_proto_discover_resp *m,
					 uint8_t *out, size_t cap, size_t *len);
mcim_err mcim_proto_discover_resp_decode(const uint8_t *buf, size_t len,
					 struct mcim_proto_discover_resp *out)
    __attribute__((warn_unused_result));

/* Sign_DRF{"ctx": "mcim/reg", "tre_id", "sho", "dpf_url", "pva_url", "reg_id", "n_d",
 * "iat", "exp"}: the registration token, signed by a drf. */
struct mcim_proto_reg_token {
	uint8_t tre_id[MCIM_PROTO_TRE_ID_LEN];
	char sho[MCIM_PROTO_OPERATOR_MAX + 1]; /* MCC+MNC, 5 or 6 digits */
	char dpf_url[MCIM_PROTO_URL_MAX + 1];  /* printable ASCII, not empty */
	char pva_url[MCIM_PROTO_URL_MAX + 1];
	uint8_t reg_id[MCIM_PROTO_REG_ID_LEN];
	uint8_t n_d[MCIM_PROTO_NONCE_LEN];
	int64_t iat, exp;
};

mcim_err mcim_proto_reg_token_sign(const struct mcim_proto_reg_token *t,
				   const struct mcim_proto_signer *signer, uint8_t *out,
				   size_t cap, size_t *len);
/*
 * TRE side: expected_n_d is its nonce (MCIM_ERR_REPLAY when another); DPF side:
 * expected_n_d NULL (the DPF never saw it) and expected_sho its own operator
 * (MCIM_ERR_DENIED when another; NULL: any). A token for another TRE than
 * expected_tre_id is MCIM_ERR_DENIED. Role drf; the DRF's operator id is not
 * constrained (a registration operator serves many SHOs).
 */
mcim_err mcim_proto_reg_token_verify(
    const uint8_t *buf, size_t len, const struct mcim_proto_trust *trust,
    const uint8_t expected_tre_id[MCIM_PROTO_TRE_ID_LEN], const uint8_t *expected_n_d,
    const char *expected_sho, struct mcim_proto_reg_token *out,
    struct mcim_cert_info *signer_cert) __attribute__((warn_unused_result));

/* ---- PVA: platform validation (§4) ---- */

/* {"mode": "remote" / "semi" / "autonomous", "tre_id"} */
struct mcim_proto_pva_challenge_req {
	uint8_t tre_id[MCIM_PROTO_TRE_ID_LEN];
	enum mcim_evidence_mode mode;
};
/* {"exp", "n_p"} */
struct mcim_proto_pva_challenge {
	uint8_t n_p[MCIM_PROTO_N_P_LEN];
	int64_t exp;
};
/* {"evidence": Sign_TRE (mcim/evidence.h)} */
struct mcim_proto_pva_evidence_req {
	struct mcim_proto_span evidence;
};
/* {"result": Sign_PVA} */
struct mcim_proto_pva_result_resp {
	struct mcim_proto_span result;
};

mcim_err mcim_proto_pva_challenge_req_encode(const struct mcim_proto_pva_challenge_req *m,
					     uint8_t *out, size_t cap, size_t *len);
mcim_err mcim_proto_pva_challenge_req_decode(const uint8_t *buf, size_t len,
					     struct mcim_proto_pva_challenge_req *out)
    __attribute__((warn_unused_result));
mcim_err mcim_proto_pva_challenge_encode(const struct mcim_proto_pva_challenge *m,
					 uint8_t *out, size_t cap, size_t *len);
mcim_err mcim_proto_pva_challenge_decode(const uint8_t *buf, size_t len,
					 struct mcim_proto_pva_challenge *out)
    __attribute__((warn_unused_result));
mcim_err mcim_proto_pva_evidence_req_encode(const struct mcim_proto_pva_evidence_req *m,
					    uint8_t *out, size_t cap, size_t *len);
mcim_err mcim_proto_pva_evidence_req_decode(const uint8_t *buf, size_t len,
					    struct mcim_proto_pva_evidence_req *out)
    __attribute__((warn_unused_result));
mcim_err mcim_proto_pva_result_resp_encode(const struct mcim_proto_pva_result_resp *m,
					   uint8_t *out, size_t cap, size_t *len);
mcim_err mcim_proto_pva_result_resp_decode(const uint8_t *buf, size_t len,
					   struct mcim_proto_pva_result_resp *out)
    __attribute__((warn_unused_result));

struct mcim_proto_verdict {
	char name[MCIM_MANIFEST_NAME_MAX + 1]; /* printable ASCII, 1..31, unique */
	enum mcim_ear_status status;	       /* affirming, warning, contraindicated */
};

/*
 * Sign_PVA{"ctx": "mcim/pva/result", "tre_id", "n_p", "status", "verdicts":
 * {name: status, ...}, "ev_hash": H(evidence as received), "iat", "exp"}, signed by
 * a pva. Statuses travel as their names ("affirming", "warning",
 * "contraindicated"); verdicts may be given in any order (the encoder sorts them).
 */
struct mcim_proto_pva_result {
	uint8_t tre_id[MCIM_PROTO_TRE_ID_LEN];
	uint8_t n_p[MCIM_PROTO_N_P_LEN];
	enum mcim_ear_status status;
	size_t n_verdicts;
	struct mcim_proto_verdict verdicts[MCIM_PROTO_VERDICTS_MAX];
	uint8_t ev_hash[MCIM_SHA256_LEN];
	int64_t iat, exp;
};

mcim_err mcim_proto_pva_result_sign(const struct mcim_proto_pva_result *r,
				    const struct mcim_proto_signer *signer, uint8_t *out,
				    size_t cap, size_t *len);
/*
 * Role pva (operator id pva_operator unless NULL), fresh, for expected_tre_id
 * (MCIM_ERR_DENIED), and, when expected_n_p is not NULL (the device's check), over
 * that nonce (MCIM_ERR_REPLAY). The status is reported, not judged: a
 * contraindicated result verifies (the device learns why); the DPF's judgement is in
 * mcim_proto_m3_verify().
 */
mcim_err mcim_proto_pva_result_verify(
    const uint8_t *buf, size_t len, const struct mcim_proto_trust *trust,
    const char *pva_operator, const uint8_t expected_tre_id[MCIM_PROTO_TRE_ID_LEN],
    const uint8_t *expected_n_p, struct mcim_proto_pva_result *out,
    struct mcim_cert_info *signer_cert) __attribute__((warn_unused_result));

/* ---- DPF: MCIM download (§5) ---- */

/* M1 {"c_t", "token": Sign_DRF, "tre_id"} */
struct mcim_proto_m1 {
	uint8_t tre_id[MCIM_PROTO_TRE_ID_LEN];
	struct mcim_proto_span token;
	uint8_t c_t[MCIM_PROTO_NONCE_LEN];
};

mcim_err mcim_proto_m1_encode(const struct mcim_proto_m1 *m, uint8_t *out, size_t cap,
			      size_t *len);
/* UNAUTHENTICATED until the DPF verifies the token (mcim_proto_reg_token_verify
 * with m->tre_id, expected_n_d NULL, its own operator id). */
mcim_err mcim_proto_m1_decode(const uint8_t *buf, size_t len, struct mcim_proto_m1 *out)
    __attribute__((warn_unused_result));

/*
 * M2 {"c_d", "epk", "sig": Sign_DPF, "txid"} with Sign_DPF{"c_d", "c_t", "ctx":
 * "mcim/dl/m2", "epk", "txid", "reg_id", "tre_id"}: the outer txid, c_d and epk are
 * copies for the agent and must equal the signed ones.
 */
struct mcim_proto_m2 {
	uint8_t txid[MCIM_PROTO_TXID_LEN];
	uint8_t c_d[MCIM_PROTO_NONCE_LEN];
	struct mcim_p256_pub epk; /* the DPF's ephemeral public key */
	/* signed only: */
	uint8_t c_t[MCIM_PROTO_NONCE_LEN];
	uint8_t tre_id[MCIM_PROTO_TRE_ID_LEN];
	uint8_t reg_id[MCIM_PROTO_REG_ID_LEN];
};

/* DPF side: signs and encodes the whole M2 (signer: a dpf). */
mcim_err mcim_proto_m2_make(const struct mcim_proto_m2 *m,
			    const struct mcim_proto_signer *signer, uint8_t *out,
			    size_t cap, size_t *len);
/*
 * TRE side: role dpf with operator id token->sho, the signature, the copies equal
 * the signed fields (MCIM_ERR_BAD_SIGNATURE otherwise), c_t is the pending challenge
 * (MCIM_ERR_REPLAY), tre_id and reg_id are the token's (MCIM_ERR_DENIED), epk a
 * point on the curve (MCIM_ERR_PARSE). token is the verified registration token.
 */
mcim_err mcim_proto_m2_verify(const uint8_t *buf, size_t len,
			      const struct mcim_proto_trust *trust,
			      const struct mcim_proto_reg_token *token,
			      const uint8_t pending_c_t[MCIM_PROTO_NONCE_LEN],
			      struct mcim_proto_m2 *out, struct mcim_cert_info *dpf_cert)
    __attribute__((warn_unused_result));

/*
 * M3 {"epk", "pva": Sign_PVA, "sig": Sign_TRE, "txid", "release": Sign_SHO
 * (optional)} with Sign_TRE{"th": H(M1||M2), "ctx": "mcim/dl/m3", "epk", "txid",
 * "pva_hash": H(pva), "rel_hash": H(release) (present exactly with a release)}.
 */
struct mcim_proto_m3 {
	uint8_t txid[MCIM_PROTO_TXID_LEN];
	struct mcim_p256_pub epk; /* the TRE's ephemeral public key */
	struct mcim_proto_span pva;
	struct mcim_proto_span release; /* data NULL, len 0: none */
	uint8_t th[MCIM_SHA256_LEN];	/* H(M1 || M2) */
};

/* TRE side: signs and encodes the whole M3 (signer: the TRE identity key). */
mcim_err mcim_proto_m3_make(const struct mcim_proto_m3 *m,
			    const struct mcim_proto_signer *signer, uint8_t *out,
			    size_t cap, size_t *len);
/* UNAUTHENTICATED: the outer fields, for the DPF to find its transaction. */
mcim_err mcim_proto_m3_decode(const uint8_t *buf, size_t len, struct mcim_proto_m3 *out)
    __attribute__((warn_unused_result));
/*
 * DPF side: txid is the transaction's (MCIM_ERR_DENIED), the TRE's chain (role tre,
 * the certificate's TRE id = tre_id: MCIM_ERR_DENIED), the signature, th = the
 * transcript the DPF holds (MCIM_ERR_DENIED), txid and epk signed as sent, the
 * hashes of pva and release; then the PVA result (mcim_proto_pva_result_verify for
 * tre_id: role pva, fresh), whose status must be affirming, or warning when
 * accept_warning (MCIM_ERR_BAD_BOOT otherwise). pva_out and tre_cert may be NULL.
 * The release, when present, is passed on as it is: only the TRE holds the key that
 * verifies it.
 */
mcim_err
mcim_proto_m3_verify(const uint8_t *buf, size_t len, const struct mcim_proto_trust *trust,
		     const uint8_t txid[MCIM_PROTO_TXID_LEN],
		     const uint8_t tre_id[MCIM_PROTO_TRE_ID_LEN],
		     const uint8_t th[MCIM_SHA256_LEN], bool accept_warning,
		     struct mcim_proto_m3 *out, struct mcim_proto_pva_result *pva_out,
		     struct mcim_cert_info *tre_cert) __attribute__((warn_unused_result));

/* The transcript hashes: H(M1 || M2) (m3 NULL, 0) and H(M1 || M2 || M3), over the
 * exact octets of the bodies. */
mcim_err mcim_proto_dl_transcript(const uint8_t *m1, size_t m1_len, const uint8_t *m2,
				  size_t m2_len, const uint8_t *m3, size_t m3_len,
				  uint8_t th[MCIM_SHA256_LEN]);

/* The download keys. Secret: wipe with mcim_proto_dl_keys_wipe(). */
struct mcim_proto_dl_keys {
	uint8_t aead[MCIM_AEAD_KEY_LEN];
	uint8_t confirm[32];
};

void mcim_proto_dl_keys_wipe(struct mcim_proto_dl_keys *k);

/*
 * Z = ECDH(eph, peer); HKDF-SHA-256(ikm = Z, salt = th3 = H(M1||M2||M3), info =
 * "mcim/dl/keys", 64 octets) = aead || confirm. eph is wiped on return, success or
 * not; Z too. Errors: MCIM_ERR_INVALID_ARG (peer off the curve), MCIM_ERR_CRYPTO.
 */
mcim_err mcim_proto_dl_keys_derive(struct mcim_p256_priv *eph,
				   const struct mcim_p256_pub *peer,
				   const uint8_t th3[MCIM_SHA256_LEN],
				   struct mcim_proto_dl_keys *out);

/* HMAC-SHA-256(keys->confirm, "mcim/dl/confirm" || txid): the receipt's proof. */
mcim_err mcim_proto_dl_confirm(const struct mcim_proto_dl_keys *keys,
			       const uint8_t txid[MCIM_PROTO_TXID_LEN],
			       uint8_t out[MCIM_SHA256_LEN]);

/* M4 {"pkg": COSE_Encrypt0, "txid", "mcim_id"} */
struct mcim_proto_m4 {
	uint8_t txid[MCIM_PROTO_TXID_LEN];
	uint8_t mcim_id[MCIM_PROTO_MCIM_ID_LEN];
	struct mcim_proto_span pkg;
};

/* An upper bound on an encoded M4. */
#define MCIM_PROTO_M4_MAX (MCIM_PROFILE_ENCODED_MAX + 128)

/*
 * DPF side: encodes profile (mcim_profile_encode, the plaintext wiped after use) and
 * seals it with keys->aead (fresh IV from rng; aad = txid || tre_id || mcim_id,
 * mcim_id = profile->id) into the whole M4. Errors: those of mcim_profile_encode,
 * MCIM_ERR_BUFFER_TOO_SMALL, MCIM_ERR_RANDOM, MCIM_ERR_CRYPTO.
 */
mcim_err mcim_proto_m4_seal(const struct mcim_proto_dl_keys *keys,
			    const struct mcim_rng *rng,
			    const uint8_t txid[MCIM_PROTO_TXID_LEN],
			    const uint8_t tre_id[MCIM_PROTO_TRE_ID_LEN],
			    const struct mcim_profile *profile, uint8_t *out, size_t cap,
			    size_t *len);
/* UNAUTHENTICATED: the outer fields. */
mcim_err mcim_proto_m4_decode(const uint8_t *buf, size_t len, struct mcim_proto_m4 *out)
    __attribute__((warn_unused_result));
/*
 * TRE side: txid is the pending transaction's (MCIM_ERR_DENIED), decrypts under
 * keys->aead with aad = txid || tre_id || mcim_id (MCIM_ERR_DECRYPT for any change),
 * decodes the profile strictly (mcim_profile_decode's errors), whose id must be the
 * announced mcim_id (MCIM_ERR_DENIED). On success *profile (secret: the caller wipes
 * it) and ct_hash = H(pkg) for the receipt; on error *profile is wiped.
 */
mcim_err mcim_proto_m4_open(const struct mcim_proto_dl_keys *keys, const uint8_t *buf,
			    size_t len, const uint8_t txid[MCIM_PROTO_TXID_LEN],
			    const uint8_t tre_id[MCIM_PROTO_TRE_ID_LEN],
			    struct mcim_profile *profile,
			    uint8_t ct_hash[MCIM_SHA256_LEN])
    __attribute__((warn_unused_result));

/*
 * R {"txid", "receipt": Sign_TRE} with Sign_TRE{"ctx": "mcim/dl/receipt", "txid",
 * "mcim_id", "result": mcim_err name, "ct_hash": H(pkg), "confirm": HMAC(confirm key,
 * "mcim/dl/confirm" || txid)}.
 */
struct mcim_proto_receipt {
	uint8_t txid[MCIM_PROTO_TXID_LEN];
	uint8_t mcim_id[MCIM_PROTO_MCIM_ID_LEN];
	mcim_err result;
	uint8_t ct_hash[MCIM_SHA256_LEN];
	uint8_t confirm[MCIM_SHA256_LEN]; /* computed by make, checked by verify */
};

/* TRE side: computes confirm from keys and signs the whole R (signer: the TRE). */
mcim_err mcim_proto_receipt_make(const struct mcim_proto_receipt *r,
				 const struct mcim_proto_dl_keys *keys,
				 const struct mcim_proto_signer *signer, uint8_t *out,
				 size_t cap, size_t *len);
/* UNAUTHENTICATED: the outer txid and the signed object's span. */
mcim_err mcim_proto_receipt_decode(const uint8_t *buf, size_t len,
				   uint8_t txid[MCIM_PROTO_TXID_LEN],
				   struct mcim_proto_span *receipt)
    __attribute__((warn_unused_result));
/*
 * DPF side: the TRE's chain (role tre, TRE id = tre_id: MCIM_ERR_DENIED), the
 * signature, outer and signed txid = txid, mcim_id = the one sent, ct_hash = H(pkg
 * sent) (MCIM_ERR_DENIED), and the confirmation under keys (MCIM_ERR_MAC_FAILURE).
 * out->result is the TRE's outcome.
 */
mcim_err mcim_proto_receipt_verify(
    const uint8_t *buf, size_t len, const struct mcim_proto_trust *trust,
    const struct mcim_proto_dl_keys *keys, const uint8_t txid[MCIM_PROTO_TXID_LEN],
    const uint8_t tre_id[MCIM_PROTO_TRE_ID_LEN],
    const uint8_t mcim_id[MCIM_PROTO_MCIM_ID_LEN], const uint8_t ct_hash[MCIM_SHA256_LEN],
    struct mcim_proto_receipt *out, struct mcim_cert_info *tre_cert)
    __attribute__((warn_unused_result));

/* ---- AuC: attach (§7) ---- */

/* {"snn", "imsi"} */
struct mcim_proto_attach_challenge_req {
	char imsi[MCIM_PROTO_IMSI_MAX + 1]; /* 6..15 digits */
	char snn[MCIM_SNN_MAX + 1];	    /* printable ASCII, 1..MCIM_SNN_MAX */
};
/* {"autn", "kind": "5g", "rand"} */
struct mcim_proto_attach_challenge {
	uint8_t rand[MCIM_PROTO_RAND_LEN];
	uint8_t autn[MCIM_PROTO_AUTN_LEN];
};
/* {"kc", "imsi", "res_star"} or {"auts", "imsi"} */
struct mcim_proto_attach_confirm_req {
	char imsi[MCIM_PROTO_IMSI_MAX + 1];
	bool resync;
	uint8_t res_star[MCIM_RES_STAR_LEN];
	uint8_t kc[MCIM_PROTO_KC_LEN];
	uint8_t auts[MCIM_PROTO_AUTS_LEN];
};
/* {"kc", "ok": true} */
struct mcim_proto_attach_confirm {
	uint8_t kc[MCIM_PROTO_KC_LEN];
};

mcim_err
mcim_proto_attach_challenge_req_encode(const struct mcim_proto_attach_challenge_req *m,
				       uint8_t *out, size_t cap, size_t *len);
mcim_err
mcim_proto_attach_challenge_req_decode(const uint8_t *buf, size_t len,
				       struct mcim_proto_attach_challenge_req *out)
    __attribute__((warn_unused_result));
mcim_err mcim_proto_attach_challenge_encode(const struct mcim_proto_attach_challenge *m,
					    uint8_t *out, size_t cap, size_t *len);
mcim_err mcim_proto_attach_challenge_decode(const uint8_t *buf, size_t len,
					    struct mcim_proto_attach_challenge *out)
    __attribute__((warn_unused_result));
mcim_err
mcim_proto_attach_confirm_req_encode(const struct mcim_proto_attach_confirm_req *m,
				     uint8_t *out, size_t cap, size_t *len);
mcim_err mcim_proto_attach_confirm_req_decode(const uint8_t *buf, size_t len,
					      struct mcim_proto_attach_confirm_req *out)
    __attribute__((warn_unused_result));
mcim_err mcim_proto_attach_confirm_encode(const struct mcim_proto_attach_confirm *m,
					  uint8_t *out, size_t cap, size_t *len);
mcim_err mcim_proto_attach_confirm_decode(const uint8_t *buf, size_t len,
					  struct mcim_proto_attach_confirm *out)
    __attribute__((warn_unused_result));

/* Who proves: the device or the home network. */
enum mcim_proto_attach_role {
	MCIM_PROTO_ATTACH_UE = 1, /* "ue" */
	MCIM_PROTO_ATTACH_HN = 2, /* "hn" */
};

/* kc = HMAC-SHA-256(KAUSF, "mcim/attach/confirm" || role name || RAND). */
mcim_err mcim_proto_attach_kc(const uint8_t kausf[MCIM_KAUSF_LEN],
			      enum mcim_proto_attach_role role,
			      const uint8_t rand[MCIM_PROTO_RAND_LEN],
			      uint8_t kc[MCIM_PROTO_KC_LEN]);
/* MCIM_OK when kc is role's proof for kausf and rand (constant time), else
 * MCIM_ERR_MAC_FAILURE. */
mcim_err mcim_proto_attach_kc_check(const uint8_t kausf[MCIM_KAUSF_LEN],
				    enum mcim_proto_attach_role role,
				    const uint8_t rand[MCIM_PROTO_RAND_LEN],
				    const uint8_t kc[MCIM_PROTO_KC_LEN])
    __attribute__((warn_unused_result));

/* ---- DPF: tamper reports (§10) ---- */

/* Reports one request carries (a TRE queues at most as many). */
#define MCIM_PROTO_TAMPER_REPORTS_MAX 16

/*
 * {"chain": [cert, ...], "reports": [Sign_TRE, ...]}: the TRE's certificate chain
 * (DER, leaf first: the TRE's certificate, then its M2MES CA; the CI root may
 * follow) and its signed tamper reports (mcim/tamper.h), as the TRE gave them.
 */
struct mcim_proto_tamper_req {
	size_t n_chain; /* 1..MCIM_CERT_CHAIN_MAX, each 1..MCIM_CERT_MAX_LEN octets */
	struct mcim_proto_span chain[MCIM_CERT_CHAIN_MAX];
	size_t n_reports; /* 1..MCIM_PROTO_TAMPER_REPORTS_MAX, each 1..
			     MCIM_TAMPER_REPORT_MAX octets */
	struct mcim_proto_span reports[MCIM_PROTO_TAMPER_REPORTS_MAX];
};
/* {"accepted", "duplicates"}: how many reports were recorded now, how many had
 * been already (accepted + duplicates <= MCIM_PROTO_TAMPER_REPORTS_MAX). */
struct mcim_proto_tamper_resp {
	uint32_t accepted, duplicates;
};

mcim_err mcim_proto_tamper_req_encode(const struct mcim_proto_tamper_req *m, uint8_t *out,
				      size_t cap, size_t *len);
/* UNAUTHENTICATED until mcim_proto_tamper_req_verify. */
mcim_err mcim_proto_tamper_req_decode(const uint8_t *buf, size_t len,
				      struct mcim_proto_tamper_req *out)
    __attribute__((warn_unused_result));
mcim_err mcim_proto_tamper_resp_encode(const struct mcim_proto_tamper_resp *m,
				       uint8_t *out, size_t cap, size_t *len);
mcim_err mcim_proto_tamper_resp_decode(const uint8_t *buf, size_t len,
				       struct mcim_proto_tamper_resp *out)
    __attribute__((warn_unused_result));

/*
 * DPF side (R-TRE-G11): the chain leads to the CI root at trust->now under its
 * revocation list, with a leaf of role tre (MCIM_ERR_BAD_CERT, MCIM_ERR_EXPIRED,
 * MCIM_ERR_WRONG_ROLE, MCIM_ERR_TOO_LARGE; a last certificate equal to the root is the
 * root itself), whose TRE id is 32 lowercase hex digits (MCIM_ERR_DENIED otherwise);
 * then every report verifies with the leaf's key for that TRE id
 * (mcim_tamper_verify: MCIM_ERR_BAD_SIGNATURE, MCIM_ERR_DENIED for another TRE's kid
 * or payload, the decode errors). One bad report refuses the whole request. On
 * MCIM_OK: tre_id, reports[0..m->n_reports) decoded, and *tre_cert (may be NULL).
 * No freshness is asked of a report: it may have waited long in the queue, and
 * the receiver records each (TRE id, seq) once.
 */
mcim_err mcim_proto_tamper_req_verify(const struct mcim_proto_tamper_req *m,
				      const struct mcim_proto_trust *trust,
				      uint8_t tre_id[MCIM_PROTO_TRE_ID_LEN],
				      struct mcim_tamper_report *reports,
				      struct mcim_cert_info *tre_cert)
    __attribute__((warn_unused_result));

#endif
