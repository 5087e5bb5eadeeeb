/*
 * Internals of the protocol messages (mcim/proto.h) shared by the files of src/proto: a
 * table-driven codec for the text-keyed maps every message is, and the common
 * steps of signing and verifying a signed object.
 *
 * A message is described by an array of fields in the deterministic key order
 * (shorter keys first, then bytewise; asserted). The same description encodes and
 * decodes, so an encoder cannot write what its decoder would refuse.
 */
#ifndef MCIM_PROTO_INT_H
#define MCIM_PROTO_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mcim/cbor.h"
#include "mcim/cose.h"
#include "mcim/proto.h"

/* Times are accepted in 0..PROTO_TIME_MAX so that iat - skew and exp + skew never
 * overflow. */
#define PROTO_TIME_MAX	 ((int64_t)1 << 40)
#define PROTO_SKEW_MAX	 ((int64_t)1 << 32)
#define PROTO_FIELDS_MAX 12

enum proto_ftype {
	PF_BSTR,     /* exactly max octets into uint8_t[max] */
	PF_BSTR_VAR, /* min..max octets into uint8_t[max], the length into *len */
	PF_SPAN,     /* struct mcim_proto_span of min..max octets */
	PF_TSTR,     /* char[max + 1], min..max printable ASCII */
	PF_DIGITS,   /* char[max + 1], min..max decimal digits */
	PF_TIME,     /* int64_t, 0..PROTO_TIME_MAX */
	PF_TRUE,     /* the value true; nothing stored */
	PF_CONST,    /* the text str; nothing stored */
	PF_NAME,     /* unsigned: the index of the text in names[0..max) (NULL: none) */
	PF_ERR,	     /* mcim_err by its name; MCIM_OK allowed when min is 0 */
	PF_PUB,	     /* struct mcim_p256_pub: a bstr of 65 octets, a point on the curve */
	PF_CUSTOM,   /* enc / dec callbacks */
};

struct proto_field {
	const char *key;
	enum proto_ftype type;
	void *p;
	size_t min, max;
	size_t *len;		  /* PF_BSTR_VAR */
	bool *present;		  /* optional field when not NULL */
	const char *str;	  /* PF_CONST */
	const char *const *names; /* PF_NAME */
	mcim_err (*enc)(struct mcim_cbor_writer *w, const void *p);
	mcim_err (*dec)(struct mcim_cbor_reader *r, void *p);
};

/* Writes the map of the n fields. MCIM_ERR_INVALID_ARG for a value its decoder would
 * refuse, MCIM_ERR_BUFFER_TOO_SMALL. */
mcim_err proto_encode(const struct proto_field *f, size_t n, uint8_t *out, size_t cap,
		      size_t *len);
/* Reads a map of the n fields from buf[0..len), nothing after it. */
mcim_err proto_decode(const uint8_t *buf, size_t len, const struct proto_field *f,
		      size_t n);

/* Signs payload into a COSE_Sign1 with signer's chain. */
mcim_err proto_sign(const struct mcim_proto_signer *signer, const uint8_t *payload,
		    size_t payload_len, uint8_t *out, size_t cap, size_t *len);

/* The chain of buf's x5chain to the trusted root with role (and operator unless
 * NULL), then the signature; on success the payload span and the leaf. */
mcim_err proto_verify(const uint8_t *buf, size_t len,
		      const struct mcim_proto_trust *trust, enum mcim_cert_role role,
		      const char *operator_id, struct mcim_cose_sign1 *msg,
		      struct mcim_cert_info *leaf);

/* Encodes the n fields as a payload and signs it (proto_sign). */
mcim_err proto_sign_fields(const struct proto_field *f, size_t n,
			   const struct mcim_proto_signer *signer, uint8_t *out,
			   size_t cap, size_t *len);

/* proto_verify, then the payload decoded into the n fields. */
mcim_err proto_verify_fields(const uint8_t *buf, size_t len,
			     const struct mcim_proto_trust *trust,
			     enum mcim_cert_role role, const char *operator_id,
			     const struct proto_field *f, size_t n,
			     struct mcim_cert_info *leaf);

/* MCIM_OK when iat - skew <= now < exp + skew, else MCIM_ERR_EXPIRED. */
mcim_err proto_fresh(const struct mcim_proto_trust *trust, int64_t iat, int64_t exp);

/* 1 when the tre certificate names tre_id (as 32 lowercase hex digits). */
int proto_cert_is_tre(const struct mcim_cert_info *cert,
		      const uint8_t tre_id[MCIM_PROTO_TRE_ID_LEN]);

/* The names of enum mcim_ear_status values a result may carry (index = value). */
extern const char *const proto_status_names[MCIM_EAR_CONTRAINDICATED + 1];

#endif
