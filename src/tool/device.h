/*
 * A device directory, as the factory tools make it and the command line opens it
 * (R-TRE-G03, R-TRE-G07; docs/tre.md "Device directory"):
 *   D/device.json    the normal world's configuration: backend, directories, boot
 *                    components, IMEI, device model (TOOL_DEVICE_CONFIG)
 *   D/hw/            what stands for hardware (soft backend: root key, counters)
 *   D/card/, D/m2me  uicc backend instead: the emulated card, and the M2ME's own
 *                    identity and pairing secret (0600; stands for its fuses)
 *   D/store/         sealed store, audit log audit.log, tamper report queue
 *   D/fw/            the firmware components (demo content)
 *   D/manifest.cose  the first firmware manifest, signed by the M2MES signer
 *   D/tre-cert.pem   the TRE identity certificate (public: for audit verification)
 *   D/m2mes-ca.pem   the M2MES CA's certificate: with tre-cert.pem, the TRE's chain
 *                    when the TRE cannot give it (failed: a tamper report's relay)
 *   D/factory.json   the factory's export for the ICF and the maintenance staff:
 *                    TRE id, IMEI, PCID IMSI, K and OPc, the PIN (0600; secrets)
 * Also helpers the tools and tests share around the TRE: CBOR shown as JSON, and a
 * DPF-side MCIM package builder for the interim install command. Reading a device's
 * configuration and the command interface's requests and responses are in
 * tool/devcfg.h, which the device's own TRE program links without the rest.
 *
 * Conventions: part of the tools library (allocates, uses jansson), not of libmcim.
 * Failures leave a message naming the file or step in err (TOOL_DEVICE_ERR_MAX).
 * NULL where a pointer is required is a caller bug (assert).
 */
#ifndef MCIM_TOOL_DEVICE_H
#define MCIM_TOOL_DEVICE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "mcim/cert.h"
#include "mcim/crypto.h"
#include "mcim/err.h"
#include "mcim/profile.h"
#include "mcim/tre.h"
#include "tool/devcfg.h"

#define TOOL_DEVICE_FACTORY    "factory.json"
#define TOOL_DEVICE_CERT       "tre-cert.pem"
#define TOOL_DEVICE_CA_CERT    "m2mes-ca.pem"
#define TOOL_DEVICE_MANIFEST   "manifest.cose"
#define TOOL_DEVICE_MODEL      "openmcim-m2me"
#define TOOL_DEVICE_COMPONENTS 3 /* default number of demo components */
#define TOOL_DEVICE_PIN_TRIES  5
#define TOOL_DEVICE_COMP_SIZE  4096 /* octets of a demo component */

/* What `mcim device init` is told. */
struct tool_device_opts {
	const char *pki_dir;
	const char *imei;    /* NULL: 15 random digits */
	const char *pin;     /* NULL: 8 random digits (written to factory.json) */
	unsigned components; /* 1..MCIM_TRE_COMPONENTS_MAX; 0: TOOL_DEVICE_COMPONENTS */
	enum mcim_cert_backend backend; /* SOFT or UICC */
	time_t now;
};

/* What it made. */
struct tool_device_made {
	uint8_t tre_id[MCIM_TRE_ID_LEN];
	char imei[MCIM_CERT_PLATFORM_ID_MAX + 1];
	char pcid_imsi[16];
	char usim_imsi[16]; /* uicc: the card's USIM */
	enum mcim_tre_state state;
};

/*
 * Manufactures a device in dir (which must not exist, or be empty): hardware,
 * firmware and manifest, configuration, then the TRE's own manufacture through its
 * command interface (mfg-keys, the certificate from the PKI's M2MES CA, mfg-issue),
 * and the public and factory exports. Errors: MCIM_ERR_EXISTS, MCIM_ERR_INVALID_ARG,
 * MCIM_ERR_UNSUPPORTED (backend), the PKI's, the TRE's and I/O errors.
 */
mcim_err tool_device_init(const char *dir, const struct tool_device_opts *opts,
			  struct tool_device_made *made, char err[TOOL_DEVICE_ERR_MAX]);

/* The CBOR item as JSON (jansson json_t *, returned as void * to keep jansson out of
 * this header): byte strings as lowercase hex, maps with text keys as objects. NULL
 * for what is not in the profile. The caller json_decref()s it. */
void *tool_cbor_to_json(const uint8_t *buf, size_t len);

/* ---- the DPF's side of the interim install command (docs/tre.md) ---- */

/*
 * Builds the package for profile p, for the TRE tre_id whose key-agreement public key
 * is tre_ka, signed with dpf_key (chain: the DPF's certificates, leaf first). The
 * format is the one src/tre/tre_mcim.c describes.
 */
mcim_err tool_dl_package(const struct mcim_profile *p,
			 const uint8_t tre_id[MCIM_TRE_ID_LEN],
			 const struct mcim_p256_pub *tre_ka,
			 const struct mcim_p256_priv *dpf_key,
			 const struct mcim_iov *chain, size_t n_chain, uint8_t *out,
			 size_t cap, size_t *len);

#endif
