/*
 * The key schedule of the download and the key confirmations (docs/protocol.md §5
 * and §7, mcim/proto.h). Download: Z = ECDH of the two ephemeral keys, then
 * HKDF-SHA-256 with the transcript H(M1 || M2 || M3) as salt, so the keys belong to
 * this exact exchange; the ephemeral private key and Z are wiped here on every path,
 * which is what gives forward secrecy: once derive returns, nothing on the device
 * can recompute the keys of a recorded session. The confirmations are HMACs under
 * keys both sides derived, with a label per purpose and role, so a proof of one kind
 * is never accepted as another.
 */
#include <string.h>

#include "core/check.h"
#include "mcim/bytes.h"
#include "proto_int.h"

static const char keys_info[] = "mcim/dl/keys";
static const char dl_confirm_label[] = "mcim/dl/confirm";
static const char attach_label[] = "mcim/attach/confirm";

void mcim_proto_dl_keys_wipe(struct mcim_proto_dl_keys *k)
{
	MCIM_ASSERT(k != NULL);
	mcim_wipe(k, sizeof(*k));
}

mcim_err mcim_proto_dl_keys_derive(struct mcim_p256_priv *eph,
				   const struct mcim_p256_pub *peer,
				   const uint8_t th3[MCIM_SHA256_LEN],
				   struct mcim_proto_dl_keys *out)
{
	uint8_t z[MCIM_P256_ECDH_LEN];
	uint8_t okm[sizeof(out->aead) + sizeof(out->confirm)];
	mcim_err err;

	MCIM_ASSERT(eph != NULL && peer != NULL && th3 != NULL && out != NULL);
	err = mcim_p256_ecdh(eph, peer, z);
	mcim_p256_priv_wipe(eph);
	if (err == MCIM_OK)
		err = mcim_hkdf_sha256(th3, MCIM_SHA256_LEN, z, sizeof(z),
				       (const uint8_t *)keys_info, sizeof(keys_info) - 1,
				       okm, sizeof(okm));
	mcim_wipe(z, sizeof(z));
	if (err == MCIM_OK) {
		memcpy(out->aead, okm, sizeof(out->aead));
		memcpy(out->confirm, okm + sizeof(out->aead), sizeof(out->confirm));
	}
	mcim_wipe(okm, sizeof(okm));
	return err;
}

mcim_err mcim_proto_dl_confirm(const struct mcim_proto_dl_keys *keys,
			       const uint8_t txid[MCIM_PROTO_TXID_LEN],
			       uint8_t out[MCIM_SHA256_LEN])
{
	const struct mcim_iov parts[2] = {
	    {dl_confirm_label, sizeof(dl_confirm_label) - 1},
	    {txid, MCIM_PROTO_TXID_LEN},
	};

	MCIM_ASSERT(keys != NULL && txid != NULL && out != NULL);
	return mcim_hmac_sha256(keys->confirm, sizeof(keys->confirm), parts, 2, out);
}

mcim_err mcim_proto_attach_kc(const uint8_t kausf[MCIM_KAUSF_LEN],
			      enum mcim_proto_attach_role role,
			      const uint8_t rand[MCIM_PROTO_RAND_LEN],
			      uint8_t kc[MCIM_PROTO_KC_LEN])
{
	const char *name = role == MCIM_PROTO_ATTACH_UE ? "ue" : "hn";
	const struct mcim_iov parts[3] = {
	    {attach_label, sizeof(attach_label) - 1},
	    {name, 2},
	    {rand, MCIM_PROTO_RAND_LEN},
	};

	MCIM_ASSERT(kausf != NULL && rand != NULL && kc != NULL);
	MCIM_ASSERT(role == MCIM_PROTO_ATTACH_UE || role == MCIM_PROTO_ATTACH_HN);
	return mcim_hmac_sha256(kausf, MCIM_KAUSF_LEN, parts, 3, kc);
}

mcim_err mcim_proto_attach_kc_check(const uint8_t kausf[MCIM_KAUSF_LEN],
				    enum mcim_proto_attach_role role,
				    const uint8_t rand[MCIM_PROTO_RAND_LEN],
				    const uint8_t kc[MCIM_PROTO_KC_LEN])
{
	uint8_t want[MCIM_PROTO_KC_LEN];
	mcim_err err;

	MCIM_ASSERT(kc != NULL);
	err = mcim_proto_attach_kc(kausf, role, rand, want);
	if (err == MCIM_OK && !mcim_ct_equal(want, kc, sizeof(want)))
		err = MCIM_ERR_MAC_FAILURE;
	mcim_wipe(want, sizeof(want));
	return err;
}
