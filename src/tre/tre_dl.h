/*
 * tre/tre_dl.h: the TRE's side of the provisioning protocol (docs/protocol.md §3, §5,
 * §6, §7): the commands the agent relays the network's messages through. The TRE
 * does every check and all the cryptography; the agent only carries octets.
 *
 *   dl-discover     draws the DRF nonce n_d (kept until a token answers it)
 *   dl-m1           verifies the DRF's token (role drf, this TRE, n_d), draws c_t
 *                   and answers M1 with the token's verified URLs
 *   dl-m3           verifies M2 (role dpf of the token's SHO, c_t consumed), makes
 *                   an ephemeral key, signs M3, derives the download keys (the
 *                   ephemeral private key is wiped at once: only the derived keys
 *                   are kept, sealed, for this one transaction)
 *   dl-install      opens M4 with those keys, installs the MCIM through the registry
 *                   in one transaction with its audit record, answers the signed
 *                   receipt R; the same M4 again answers the same R octets, a later
 *                   download of an installed MCIM answers a receipt with result OK
 *   mgmt-signed     the SHO's command (as "mgmt") with the signed result the DPF's
 *                   command-results takes
 *   attach          5G AKA with the active MCIM; answers RES* and the device's key
 *                   confirmation kc = HMAC(KAUSF, "mcim/attach/confirm" || "ue" ||
 *                   RAND); KAUSF stays sealed in the TRE
 *   attach-confirm  checks the home network's kc ("hn") against that KAUSF, once
 *
 * Sealed-store keys (core's "dl/" namespace, tre-arch.md):
 *   dl/nd    the n_d issued and not yet answered
 *   dl/pend  the download in progress: its state, c_t, H(M1), the token's SHO and
 *            reg_id, then txid and the download keys (secret), then the MCIM id
 *   dl/rcpt  the last receipt message R (answered again to a repeated M4)
 *   dl/att   an attach awaiting the network's confirmation: RAND, KAUSF (secret),
 *            the MCIM id
 *
 * Conventions of tre_int.h: no allocation, one thread, secrets wiped on every path.
 */
#ifndef MCIM_TRE_DL_H
#define MCIM_TRE_DL_H

#include "tre/tre_int.h"

/* The download's own audit event codes, in a block of the TRE's range that the
 * core's codes (tre_int.h) do not use. Never renumbered. */
enum {
	TRE_EV_DL_DISCOVER = MCIM_AUDIT_EV_TRE_BASE + 0x40,
	TRE_EV_DL_M1 = MCIM_AUDIT_EV_TRE_BASE + 0x41,
	TRE_EV_DL_M3 = MCIM_AUDIT_EV_TRE_BASE + 0x42,
	TRE_EV_DL_RECEIPT = MCIM_AUDIT_EV_TRE_BASE + 0x43,
	TRE_EV_ATTACH = MCIM_AUDIT_EV_TRE_BASE + 0x44,
	TRE_EV_ATTACH_CONFIRM = MCIM_AUDIT_EV_TRE_BASE + 0x45,
};

#define TRE_KEY_DL_ND	"dl/nd"
#define TRE_KEY_DL_PEND "dl/pend"
#define TRE_KEY_DL_RCPT "dl/rcpt"
#define TRE_KEY_DL_ATT	"dl/att"

/* The argument specs of the commands (rows of tre_cmd.c's access table). */
extern const struct tre_arg_spec tre_dl_m1_args[1];	 /* token */
extern const struct tre_arg_spec tre_dl_m3_args[4];	 /* m1, m2, pva, release */
extern const struct tre_arg_spec tre_dl_install_args[1]; /* m4 */
extern const struct tre_arg_spec tre_dl_attach_args[3];	 /* rand, autn, snn */
extern const struct tre_arg_spec tre_dl_confirm_args[1]; /* kc */

/* result {"n_d": bstr16, "tre_id": bstr16} */
mcim_err tre_cmd_dl_discover(struct tre_int *t, const struct tre_args *a,
			     struct mcim_cbor_writer *res);
/* result {"m1": bstr, "sho": tstr, "dpf_url": tstr, "pva_url": tstr}. Errors: STATE
 * (no n_d issued), the token's (mcim_proto_reg_token_verify: REPLAY, DENIED, ...). */
mcim_err tre_cmd_dl_m1(struct tre_int *t, const struct tre_args *a,
		       struct mcim_cbor_writer *res);
/* result {"m3": bstr, "txid": bstr16}. Errors: REPLAY (no challenge pending: M2
 * replayed or already answered), DENIED (M1 not the one pending), M2's and the PVA
 * result's verification errors; nothing changes on any of them. */
mcim_err tre_cmd_dl_m3(struct tre_int *t, const struct tre_args *a,
		       struct mcim_cbor_writer *res);
/* result {"existed": bool, "id": bstr16, "receipt": bstr (the message R), "state":
 * tstr, "version": uint}. After the keys are known a failure answers the error with
 * result {"receipt": R} carrying it. Errors: STATE (no M3 answered), DENIED, DECRYPT,
 * the profile's, WRONG_ROLE (an MCIM of another SHO than the token's), the
 * registry's. */
mcim_err tre_cmd_dl_install(struct tre_int *t, const struct tre_args *a,
			    struct mcim_cbor_writer *res);
/* result {"command", "counter", "id", "result": bstr (Sign_TRE), "state"}. */
mcim_err tre_cmd_mgmt_signed(struct tre_int *t, const struct tre_args *a,
			     struct mcim_cbor_writer *res);
/* result {"kc": bstr32, "mcim": bstr16, "res_star": bstr16}; SYNC_FAILURE answers
 * {"auts", "mcim"}; aka's errors otherwise. */
mcim_err tre_cmd_attach(struct tre_int *t, const struct tre_args *a,
			struct mcim_cbor_writer *res);
/* result {"mcim": bstr16, "ok": true}. Errors: STATE (no attach pending),
 * MAC_FAILURE (the network's kc is not the one for this KAUSF: the attach is
 * dropped all the same). */
mcim_err tre_cmd_attach_confirm(struct tre_int *t, const struct tre_args *a,
				struct mcim_cbor_writer *res);

#endif
