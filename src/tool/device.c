/*
 * The factory (device.h): manufacturing a device directory with the demo PKI, CBOR
 * shown as JSON for the tools' output, and the DPF side of the interim MCIM package.
 * Reading the directory's configuration and the TRE's requests and responses are in
 * devcfg.c.
 */
#include "tool/device.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mcim/bytes.h"
#include "mcim/cbor.h"
#include "mcim/cose.h"
#include "mcim/manifest.h"
#include "mcim/rand.h"
#include "tool/pki.h"
#include "tre/soft/soft.h"
#include "tre/uicc/uicc.h"

#define PKG_CONTEXT  "mcim/dl/pkg"
#define PKG_KEY_INFO "mcim/dl/pkg/key"
#define MSG_MAX	     MCIM_TRE_MSG_MAX

static const char *const comp_names[MCIM_TRE_COMPONENTS_MAX] = {
    "bootloader", "kernel", "agent", "modem", "app1", "app2",  "app3",	"app4",
    "app5",	  "app6",   "app7",  "app8",  "app9", "app10", "app11", "app12",
};

static mcim_err write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	const uint8_t *p = data;

	if (fd < 0)
		return MCIM_ERR_IO;
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			return MCIM_ERR_IO;
		}
		p += n;
		len -= (size_t)n;
	}
	if (fsync(fd) != 0) {
		close(fd);
		return MCIM_ERR_IO;
	}
	return close(fd) == 0 ? MCIM_OK : MCIM_ERR_IO;
}

/* A directory that does not exist or is empty. */
static mcim_err dir_free(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (d == NULL)
		return errno == ENOENT ? MCIM_OK : MCIM_ERR_IO;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
			closedir(d);
			return MCIM_ERR_EXISTS;
		}
	closedir(d);
	return MCIM_OK;
}

static mcim_err random_digits(char *out, size_t n)
{
	uint8_t r[32];
	mcim_err err;

	assert(n <= sizeof(r));
	err = mcim_rng_fill(mcim_rng_system(), r, n);
	if (err != MCIM_OK)
		return err;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)('0' + r[i] % 10);
	out[n] = '\0';
	mcim_wipe(r, sizeof(r));
	return MCIM_OK;
}

/* ---- requests and responses ---- */

static json_t *to_json(struct mcim_cbor_reader *r, int depth)
{
	enum mcim_cbor_type type;
	json_t *j = NULL;

	if (depth > MCIM_CBOR_MAX_DEPTH || mcim_cbor_peek(r, &type) != MCIM_OK)
		return NULL;
	switch (type) {
	case MCIM_CBOR_UINT: {
		uint64_t u;

		if (mcim_cbor_read_uint(r, &u) == MCIM_OK)
			j = json_integer((json_int_t)u);
		break;
	}
	case MCIM_CBOR_NINT: {
		int64_t v;

		if (mcim_cbor_read_int(r, &v) == MCIM_OK)
			j = json_integer(v);
		break;
	}
	case MCIM_CBOR_BSTR: {
		const uint8_t *d;
		size_t n;

		if (mcim_cbor_read_bstr(r, &d, &n) == MCIM_OK) {
			char *hex = malloc(2 * n + 1);

			if (hex != NULL) {
				mcim_hex_encode(d, n, hex, 2 * n + 1);
				j = json_string(hex);
				free(hex);
			}
		}
		break;
	}
	case MCIM_CBOR_TSTR: {
		const char *s;
		size_t n;

		if (mcim_cbor_read_tstr(r, &s, &n) == MCIM_OK)
			j = json_stringn(s, n);
		break;
	}
	case MCIM_CBOR_ARRAY: {
		size_t n;

		if (mcim_cbor_read_array(r, &n) != MCIM_OK)
			break;
		j = json_array();
		for (size_t i = 0; i < n && j != NULL; i++) {
			json_t *e = to_json(r, depth + 1);

			if (e == NULL || json_array_append_new(j, e) != 0) {
				json_decref(j);
				j = NULL;
			}
		}
		break;
	}
	case MCIM_CBOR_MAP: {
		struct mcim_cbor_map m;

		if (mcim_cbor_map_open(r, &m) != MCIM_OK)
			break;
		j = json_object();
		while (j != NULL && mcim_cbor_map_more(&m)) {
			const uint8_t *kd;
			size_t kl;
			char key[64];
			struct mcim_cbor_reader kr;
			enum mcim_cbor_type kt;
			json_t *v;

			if (mcim_cbor_map_key_item(r, &m, &kd, &kl) != MCIM_OK) {
				json_decref(j);
				j = NULL;
				break;
			}
			mcim_cbor_reader_init(&kr, kd, kl);
			(void)mcim_cbor_peek(&kr, &kt);
			if (kt == MCIM_CBOR_TSTR) {
				const char *s;
				size_t sl;

				(void)mcim_cbor_read_tstr(&kr, &s, &sl);
				snprintf(key, sizeof(key), "%.*s", (int)sl, s);
			} else {
				int64_t v64 = 0;

				(void)mcim_cbor_read_int(&kr, &v64);
				snprintf(key, sizeof(key), "%lld", (long long)v64);
			}
			v = to_json(r, depth + 1);
			if (v == NULL || json_object_set_new(j, key, v) != 0) {
				json_decref(j);
				j = NULL;
			}
		}
		break;
	}
	case MCIM_CBOR_TAG: {
		uint64_t tag;
		json_t *v;

		if (mcim_cbor_read_tag(r, &tag) != MCIM_OK)
			break;
		v = to_json(r, depth + 1);
		if (v != NULL)
			j = json_pack("{s:I,s:o}", "tag", (json_int_t)tag, "value", v);
		break;
	}
	case MCIM_CBOR_BOOL: {
		bool b;

		if (mcim_cbor_read_bool(r, &b) == MCIM_OK)
			j = json_boolean(b);
		break;
	}
	case MCIM_CBOR_NULL:
		if (mcim_cbor_read_null(r) == MCIM_OK)
			j = json_null();
		break;
	}
	return j;
}

void *tool_cbor_to_json(const uint8_t *buf, size_t len)
{
	struct mcim_cbor_reader r;
	json_t *j;

	mcim_cbor_reader_init(&r, buf, len);
	j = to_json(&r, 0);
	if (j != NULL && mcim_cbor_remaining(&r) != 0) {
		json_decref(j);
		j = NULL;
	}
	return j;
}

/* ---- manufacture ---- */

/* Demo firmware: recognisable text, TOOL_DEVICE_COMP_SIZE octets. */
static mcim_err write_component(const char *path, const char *name, uint8_t digest[32])
{
	uint8_t buf[TOOL_DEVICE_COMP_SIZE];
	size_t off = 0;
	mcim_err err;

	while (off < sizeof(buf)) {
		int n = snprintf((char *)buf + off, sizeof(buf) - off,
				 "openmcim demo firmware: %s 1.0, block %zu\n", name,
				 off / 64);

		if (n < 0)
			return MCIM_ERR_INTERNAL;
		off += (size_t)n < sizeof(buf) - off ? (size_t)n : sizeof(buf) - off;
	}
	err = write_file(path, buf, sizeof(buf), 0644);
	if (err == MCIM_OK)
		err = mcim_sha256(buf, sizeof(buf), digest);
	return err;
}

static mcim_err write_config(const char *dir, const char *imei, size_t n,
			     enum mcim_cert_backend be, char err[TOOL_DEVICE_ERR_MAX])
{
	char path[TOOL_DEVICE_PATH_MAX + 32];
	json_t *comps = json_array(), *root;
	char *text;
	mcim_err e;

	for (size_t i = 0; i < n; i++) {
		char p[64];

		snprintf(p, sizeof(p), "fw/%s.bin", comp_names[i]);
		json_array_append_new(
		    comps, json_pack("{s:s,s:s}", "name", comp_names[i], "path", p));
	}
	root = json_pack("{s:i,s:s,s:s,s:s,s:s,s:s,s:s,s:o}", "version", 1, "backend",
			 mcim_cert_backend_name(be), "hw",
			 be == MCIM_CERT_BACKEND_UICC ? "card" : "hw", "store", "store",
			 "imei", imei, "model", TOOL_DEVICE_MODEL, "manifest",
			 TOOL_DEVICE_MANIFEST, "components", comps);
	if (root != NULL && be == MCIM_CERT_BACKEND_UICC)
		json_object_set_new(root, "m2me", json_string("m2me"));
	text = root != NULL ? json_dumps(root, JSON_INDENT(2)) : NULL;
	json_decref(root);
	if (text == NULL)
		return tool_fail(err, MCIM_ERR_NOMEM, "device.json");
	tool_path_join(path, sizeof(path), dir, TOOL_DEVICE_CONFIG);
	e = write_file(path, text, strlen(text), 0644);
	free(text);
	return e != MCIM_OK ? tool_fail(err, e, "%s", path) : MCIM_OK;
}

static mcim_err make_manifest(struct tool_pki *pki, const char *dir, size_t n,
			      uint8_t *out, size_t cap, size_t *len,
			      char err[TOOL_DEVICE_ERR_MAX])
{
	struct mcim_manifest m;
	struct mcim_p256_priv key;
	struct mcim_iov chain[MCIM_CERT_CHAIN_MAX];
	size_t n_chain;
	char path[TOOL_DEVICE_PATH_MAX + 32];
	mcim_err e;

	memset(&m, 0, sizeof(m));
	m.sequence = 1;
	m.security_version = 1;
	snprintf(m.platform, sizeof(m.platform), "%s", TOOL_DEVICE_MODEL);
	m.n = n;
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/fw/%s.bin", dir, comp_names[i]);
		e = write_component(path, comp_names[i], m.components[i].digest);
		if (e != MCIM_OK)
			return tool_fail(err, e, "%s", path);
		snprintf(m.components[i].name, sizeof(m.components[i].name), "%s",
			 comp_names[i]);
		snprintf(m.components[i].version, sizeof(m.components[i].version), "1.0");
		m.components[i].has_size = true;
		m.components[i].size = TOOL_DEVICE_COMP_SIZE;
	}
	e = tool_pki_key(pki, "m2mes", &key);
	if (e != MCIM_OK)
		return tool_fail(err, e, "%s", pki->err);
	e = tool_pki_chain(pki, "m2mes", 0, chain, MCIM_CERT_CHAIN_MAX, &n_chain);
	if (e == MCIM_OK)
		e = mcim_manifest_sign(&m, &key, chain, n_chain, out, cap, len);
	mcim_p256_priv_wipe(&key);
	if (e != MCIM_OK)
		return tool_fail(err, e, "signing the manifest");
	tool_path_join(path, sizeof(path), dir, TOOL_DEVICE_MANIFEST);
	e = write_file(path, out, *len, 0644);
	return e != MCIM_OK ? tool_fail(err, e, "%s", path) : MCIM_OK;
}

/* One command to the TRE; the response's result is left in resp. */
static mcim_err call(struct mcim_tre *tre, const char *cmd, const struct tool_tre_arg *a,
		     size_t n, uint8_t *req, uint8_t *resp, size_t *resp_len,
		     struct tool_tre_resp *r, char err[TOOL_DEVICE_ERR_MAX])
{
	size_t req_len;
	mcim_err e = tool_tre_request(cmd, a, n, req, MSG_MAX, &req_len);

	if (e == MCIM_OK)
		e = mcim_tre_call(tre, req, req_len, resp, MSG_MAX, resp_len);
	mcim_wipe(req, MSG_MAX);
	if (e == MCIM_OK)
		e = tool_tre_response(resp, *resp_len, r);
	if (e == MCIM_OK)
		e = r->status;
	return e != MCIM_OK ? tool_fail(err, e, "TRE command %s", cmd) : MCIM_OK;
}

static mcim_err write_factory(const char *dir, const struct tool_device_made *made,
			      const uint8_t k[16], const uint8_t opc[16], const char *pin,
			      const struct uicc_profile *card,
			      char err[TOOL_DEVICE_ERR_MAX])
{
	char path[TOOL_DEVICE_PATH_MAX + 32], id[33], kh[33], oh[33];
	json_t *root;
	char *text;
	mcim_err e;

	mcim_hex_encode(made->tre_id, MCIM_TRE_ID_LEN, id, sizeof(id));
	mcim_hex_encode(k, 16, kh, sizeof(kh));
	mcim_hex_encode(opc, 16, oh, sizeof(oh));
	root = json_pack("{s:s,s:s,s:{s:s,s:s,s:s,s:s},s:s}", "tre_id", id, "imei",
			 made->imei, "pcid", "imsi", made->pcid_imsi, "algorithm",
			 "milenage", "k", kh, "opc", oh, "pin", pin);
	if (root != NULL && card != NULL) {
		char sk[65], adm[UICC_ADM_LEN + 1];

		mcim_hex_encode(card->cred.k, 16, kh, sizeof(kh));
		mcim_hex_encode(card->cred.opc, 16, oh, sizeof(oh));
		mcim_hex_encode(card->sho_key, sizeof(card->sho_key), sk, sizeof(sk));
		memcpy(adm, card->adm, UICC_ADM_LEN);
		adm[UICC_ADM_LEN] = '\0';
		json_object_set_new(root, "usim",
				    json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "iccid",
					      card->iccid, "imsi", card->imsi,
					      "algorithm", "milenage", "k", kh, "opc", oh,
					      "sho_key", sk, "adm", adm));
		mcim_wipe(sk, sizeof(sk));
		mcim_wipe(adm, sizeof(adm));
	}
	mcim_wipe(kh, sizeof(kh));
	mcim_wipe(oh, sizeof(oh));
	text = root != NULL ? json_dumps(root, JSON_INDENT(2)) : NULL;
	json_decref(root);
	if (text == NULL)
		return tool_fail(err, MCIM_ERR_NOMEM, "factory.json");
	tool_path_join(path, sizeof(path), dir, TOOL_DEVICE_FACTORY);
	e = write_file(path, text, strlen(text), 0600);
	mcim_wipe(text, strlen(text));
	free(text);
	return e != MCIM_OK ? tool_fail(err, e, "%s", path) : MCIM_OK;
}

/* The TRE's part of manufacture, through its command interface. */
static mcim_err issue(struct tool_pki *pki, const char *dir,
		      const struct tool_device_opts *o, const uint8_t *manifest,
		      size_t manifest_len, const char *pin,
		      const struct uicc_profile *card, struct tool_device_made *made,
		      char err[TOOL_DEVICE_ERR_MAX])
{
	struct tool_device dev;
	struct mcim_tre *tre = NULL;
	uint8_t *req = malloc(MSG_MAX), *resp = malloc(MSG_MAX);
	uint8_t cert[MCIM_CERT_MAX_LEN], k[16], opc[16], keys[32];
	size_t resp_len, cert_len, ci_len;
	const uint8_t *ci, *pub;
	size_t pub_len;
	struct tool_tre_resp r;
	struct mcim_p256_pub id_pub;
	const struct tool_pki_entity *ca;
	char tre_hex[33], path[TOOL_DEVICE_PATH_MAX + 32];
	struct tool_pki_tre treq = {0};
	mcim_err e;

	e = req == NULL || resp == NULL ? MCIM_ERR_NOMEM : MCIM_OK;
	if (e == MCIM_OK)
		e = tool_device_load(dir, &dev, err);
	if (e == MCIM_OK) {
		tre = malloc(sizeof(*tre));
		e = tre == NULL ? MCIM_ERR_NOMEM : mcim_tre_open(tre, &dev.cfg);
		if (e != MCIM_OK) {
			free(tre);
			tre = NULL;
			tool_fail(err, e, "opening the new TRE");
		}
	}
	if (e == MCIM_OK)
		e = call(tre, "mfg-keys", NULL, 0, req, resp, &resp_len, &r, err);
	if (e == MCIM_OK && (tool_cbor_get_bstr(r.result, r.result_len, "tre_id", &pub,
						&pub_len) != MCIM_OK ||
			     pub_len != sizeof(made->tre_id)))
		e = tool_fail(err, MCIM_ERR_PARSE, "mfg-keys answer");
	if (e == MCIM_OK) {
		memcpy(made->tre_id, pub, sizeof(made->tre_id));
		if (tool_cbor_get_bstr(r.result, r.result_len, "id_pub", &pub,
				       &pub_len) != MCIM_OK ||
		    pub_len != sizeof(id_pub.q))
			e = tool_fail(err, MCIM_ERR_PARSE, "mfg-keys answer");
	}
	if (e == MCIM_OK) {
		memcpy(id_pub.q, pub, sizeof(id_pub.q));
		mcim_hex_encode(made->tre_id, MCIM_TRE_ID_LEN, tre_hex, sizeof(tre_hex));
		treq.pub = &id_pub;
		treq.tre_id = tre_hex;
		treq.platform_id = made->imei;
		treq.backend = o->backend;
		treq.assurance = 1;
		treq.not_before = o->now - 3600;
		e = tool_pki_issue_tre(pki, &treq, cert, sizeof(cert), &cert_len);
		if (e != MCIM_OK)
			tool_fail(err, e, "issuing the TRE certificate: %s", pki->err);
	}
	ca = tool_pki_find(pki, "m2mes-ca");
	if (e == MCIM_OK && ca == NULL)
		e = tool_fail(err, MCIM_ERR_NOT_FOUND, "the PKI has no m2mes-ca");
	if (e == MCIM_OK) {
		e = tool_pki_root(pki, &ci, &ci_len);
		if (e != MCIM_OK)
			tool_fail(err, e, "the PKI's root");
	}
	if (e == MCIM_OK) {
		e = mcim_rng_fill(mcim_rng_system(), keys, sizeof(keys));
		memcpy(k, keys, 16);
		memcpy(opc, keys + 16, 16);
		mcim_wipe(keys, sizeof(keys));
		snprintf(made->pcid_imsi, sizeof(made->pcid_imsi), "%s",
			 TOOL_PKI_VNO_PLMN);
		if (e == MCIM_OK)
			e = random_digits(made->pcid_imsi + strlen(TOOL_PKI_VNO_PLMN),
					  10);
	}
	if (e == MCIM_OK) {
		const struct tool_tre_arg a[] = {
		    {"cert", TOOL_ARG_BSTR, cert, cert_len, 0},
		    {"ca", TOOL_ARG_BSTR, ca->der, ca->der_len, 0},
		    {"ci", TOOL_ARG_BSTR, ci, ci_len, 0},
		    {"manifest", TOOL_ARG_BSTR, manifest, manifest_len, 0},
		    {"platform_id", TOOL_ARG_TSTR, made->imei, 0, 0},
		    {"model", TOOL_ARG_TSTR, TOOL_DEVICE_MODEL, 0, 0},
		    {"pcid_imsi", TOOL_ARG_TSTR, made->pcid_imsi, 0, 0},
		    {"pcid_k", TOOL_ARG_BSTR, k, 16, 0},
		    {"pcid_opc", TOOL_ARG_BSTR, opc, 16, 0},
		    {"pin", TOOL_ARG_TSTR, pin, 0, 0},
		    {"pin_tries", TOOL_ARG_UINT, NULL, 0, TOOL_DEVICE_PIN_TRIES},
		};

		e = call(tre, "mfg-issue", a, sizeof(a) / sizeof(a[0]), req, resp,
			 &resp_len, &r, err);
	}
	if (tre != NULL) {
		made->state = mcim_tre_state(tre, NULL);
		mcim_tre_close(tre);
		free(tre);
	}
	if (e == MCIM_OK) {
		tool_path_join(path, sizeof(path), dir, TOOL_DEVICE_CERT);
		e = mcim_cert_write_pem(path, cert, cert_len);
		if (e != MCIM_OK)
			tool_fail(err, e, "%s", path);
	}
	if (e == MCIM_OK) {
		tool_path_join(path, sizeof(path), dir, TOOL_DEVICE_CA_CERT);
		e = mcim_cert_write_pem(path, ca->der, ca->der_len);
		if (e != MCIM_OK)
			tool_fail(err, e, "%s", path);
	}
	if (e == MCIM_OK)
		e = write_factory(dir, made, k, opc, pin, card, err);
	mcim_wipe(k, sizeof(k));
	mcim_wipe(opc, sizeof(opc));
	if (resp != NULL)
		mcim_wipe(resp, MSG_MAX);
	free(req);
	free(resp);
	return e;
}

/*
 * The uicc backend's hardware: a removable card paired at manufacture with this
 * M2ME, whose identity and pairing secret go to D/m2me; the card's USIM holds a
 * MILENAGE credential of sho1 (pre-provisioned out of band, R-TRE-G03).
 */
static mcim_err make_card(const char *dir, struct uicc_profile *p,
			  struct tool_device_made *made, char err[TOOL_DEVICE_ERR_MAX])
{
	char path[TOOL_DEVICE_PATH_MAX + 32];
	uint8_t m2me[MCIM_TRE_M2ME_ID_LEN + MCIM_TRE_M2ME_SECRET_LEN],
	    iccid[UICC_ICCID_LEN];
	char digits[20];
	mcim_err e;

	memset(p, 0, sizeof(*p));
	p->form = UICC_FORM_REMOVABLE;
	memcpy(p->iccid, "89882", 5);
	e = random_digits(digits, 14);
	if (e == MCIM_OK) {
		memcpy(p->iccid + 5, digits, 15);
		memcpy(p->imsi, "00101", 5);
		e = random_digits(p->imsi + 5, 10);
	}
	if (e == MCIM_OK)
		e = random_digits(digits, UICC_ADM_LEN);
	if (e == MCIM_OK) {
		memcpy(p->adm, digits, UICC_ADM_LEN);
		p->cred.alg = MCIM_AKA_MILENAGE;
		p->cred.k_len = 16;
		mcim_milenage_default_consts(&p->cred.params.milenage);
		mcim_sqn_cfg_default(&p->sqn_cfg);
		e = mcim_rng_fill(mcim_rng_system(), p->cred.k, 16);
	}
	if (e == MCIM_OK)
		e = mcim_rng_fill(mcim_rng_system(), p->cred.opc, 16);
	if (e == MCIM_OK)
		e = mcim_rng_fill(mcim_rng_system(), p->sho_key, sizeof(p->sho_key));
	if (e == MCIM_OK)
		e = mcim_rng_fill(mcim_rng_system(), m2me, sizeof(m2me));
	if (e == MCIM_OK)
		e = uicc_iccid_encode(p->iccid, iccid);
	if (e == MCIM_OK) {
		p->paired = 1;
		memcpy(p->m2me_id, m2me, sizeof(p->m2me_id));
		e = uicc_pair_key(m2me + MCIM_TRE_M2ME_ID_LEN, iccid, p->pair_key);
	}
	if (e == MCIM_OK) {
		tool_path_join(path, sizeof(path), dir, "m2me");
		e = write_file(path, m2me, sizeof(m2me), 0600);
	}
	mcim_wipe(m2me, sizeof(m2me));
	mcim_wipe(digits, sizeof(digits));
	if (e != MCIM_OK)
		return tool_fail(err, e, "%s: the M2ME's identity", dir);
	tool_path_join(path, sizeof(path), dir, "card");
	e = uicc_card_manufacture(path, p, NULL, NULL);
	if (e != MCIM_OK)
		return tool_fail(err, e, "%s: manufacturing the card", path);
	memcpy(made->usim_imsi, p->imsi, sizeof(p->imsi));
	return MCIM_OK;
}

mcim_err tool_device_init(const char *dir, const struct tool_device_opts *o,
			  struct tool_device_made *made, char err[TOOL_DEVICE_ERR_MAX])
{
	struct tool_pki pki;
	char path[TOOL_DEVICE_PATH_MAX + 32], pin[33];
	uint8_t manifest[MCIM_MANIFEST_MAX_LEN];
	struct uicc_profile card;
	size_t manifest_len,
	    n = o->components != 0 ? o->components : TOOL_DEVICE_COMPONENTS;
	mcim_err e;

	memset(made, 0, sizeof(*made));
	memset(&card, 0, sizeof(card));
	if (o->backend != MCIM_CERT_BACKEND_SOFT && o->backend != MCIM_CERT_BACKEND_UICC)
		return tool_fail(err, MCIM_ERR_UNSUPPORTED, "backend %s",
				 mcim_cert_backend_name(o->backend) != NULL
				     ? mcim_cert_backend_name(o->backend)
				     : "?");
	if (n > MCIM_TRE_COMPONENTS_MAX)
		return tool_fail(err, MCIM_ERR_INVALID_ARG, "--components %zu", n);
	if (strlen(dir) + 32 > TOOL_DEVICE_PATH_MAX)
		return tool_fail(err, MCIM_ERR_INVALID_ARG, "%s: path too long", dir);
	if (o->imei != NULL) {
		if (tool_copy_str(made->imei, sizeof(made->imei), o->imei) != MCIM_OK)
			return tool_fail(err, MCIM_ERR_INVALID_ARG, "--imei");
	} else if ((e = random_digits(made->imei, 15)) != MCIM_OK) {
		return tool_fail(err, e, "random IMEI");
	}
	if (o->pin != NULL) {
		if (strlen(o->pin) < 4 || strlen(o->pin) >= sizeof(pin))
			return tool_fail(err, MCIM_ERR_INVALID_ARG,
					 "--pin: 4..32 characters");
		memcpy(pin, o->pin, strlen(o->pin) + 1);
	} else if ((e = random_digits(pin, 8)) != MCIM_OK) {
		return tool_fail(err, e, "random PIN");
	}
	e = dir_free(dir);
	if (e != MCIM_OK)
		return tool_fail(err, e, "%s", dir);
	e = tool_pki_load(o->pki_dir, &pki);
	if (e != MCIM_OK) {
		tool_fail(err, e, "%s", pki.err);
		tool_pki_free(&pki);
		return e;
	}
	if ((mkdir(dir, 0700) != 0 && errno != EEXIST) ||
	    tool_path_join(path, sizeof(path), dir, "store") != MCIM_OK ||
	    mkdir(path, 0700) != 0 ||
	    tool_path_join(path, sizeof(path), dir, "fw") != MCIM_OK ||
	    mkdir(path, 0755) != 0) {
		e = tool_fail(err, MCIM_ERR_IO, "%s: %s", dir, strerror(errno));
		goto out;
	}
	if (o->backend == MCIM_CERT_BACKEND_UICC) {
		e = make_card(dir, &card, made, err);
	} else {
		e = mcim_rng_fill(mcim_rng_system(), made->tre_id, sizeof(made->tre_id));
		if (e == MCIM_OK) {
			tool_path_join(path, sizeof(path), dir, "hw");
			e = tre_soft_manufacture(path, made->tre_id, NULL, NULL);
			if (e != MCIM_OK)
				tool_fail(err, e, "%s: manufacturing the hardware", path);
		}
	}
	if (e == MCIM_OK)
		e = make_manifest(&pki, dir, n, manifest, sizeof(manifest), &manifest_len,
				  err);
	if (e == MCIM_OK)
		e = write_config(dir, made->imei, n, o->backend, err);
	if (e == MCIM_OK)
		e = issue(&pki, dir, o, manifest, manifest_len, pin,
			  o->backend == MCIM_CERT_BACKEND_UICC ? &card : NULL, made, err);
out:
	uicc_profile_wipe(&card);
	mcim_wipe(pin, sizeof(pin));
	tool_pki_free(&pki);
	return e;
}

/* ---- the DPF's package ---- */

mcim_err tool_dl_package(const struct mcim_profile *p,
			 const uint8_t tre_id[MCIM_TRE_ID_LEN],
			 const struct mcim_p256_pub *tre_ka,
			 const struct mcim_p256_priv *dpf_key,
			 const struct mcim_iov *chain, size_t n_chain, uint8_t *out,
			 size_t cap, size_t *len)
{
	struct mcim_p256_priv e_priv;
	struct mcim_p256_pub e_pub;
	uint8_t z[MCIM_P256_ECDH_LEN], salt[32], key[32];
	uint8_t info[sizeof(PKG_KEY_INFO) - 1 + MCIM_TRE_ID_LEN];
	uint8_t pt[MCIM_PROFILE_ENCODED_MAX];
	uint8_t ct[MCIM_PROFILE_ENCODED_MAX + 64],
	    payload[MCIM_PROFILE_ENCODED_MAX + 256];
	size_t pt_len = 0, ct_len, payload_len;
	struct mcim_iov parts[2] = {{e_pub.q, MCIM_P256_PUB_LEN},
				    {tre_ka->q, MCIM_P256_PUB_LEN}};
	struct mcim_cose_sign1_opts opts = {0};
	struct mcim_cbor_writer w;
	mcim_err e;

	e = mcim_p256_keygen(&e_priv, &e_pub);
	if (e == MCIM_OK)
		e = mcim_p256_ecdh(&e_priv, tre_ka, z);
	mcim_p256_priv_wipe(&e_priv);
	memcpy(info, PKG_KEY_INFO, sizeof(PKG_KEY_INFO) - 1);
	memcpy(info + sizeof(PKG_KEY_INFO) - 1, tre_id, MCIM_TRE_ID_LEN);
	if (e == MCIM_OK)
		e = mcim_sha256_v(parts, 2, salt);
	if (e == MCIM_OK)
		e = mcim_hkdf_sha256(salt, sizeof(salt), z, sizeof(z), info, sizeof(info),
				     key, sizeof(key));
	mcim_wipe(z, sizeof(z));
	if (e == MCIM_OK)
		e = mcim_profile_encode(p, pt, sizeof(pt), &pt_len);
	if (e == MCIM_OK)
		e = mcim_cose_encrypt0(key, mcim_rng_system(), pt, pt_len, tre_id,
				       MCIM_TRE_ID_LEN, ct, sizeof(ct), &ct_len);
	mcim_wipe(pt, sizeof(pt));
	mcim_wipe(key, sizeof(key));
	if (e != MCIM_OK)
		return e;
	mcim_cbor_writer_init(&w, payload, sizeof(payload));
	mcim_cbor_put_map(&w, 4);
	mcim_cbor_put_uint(&w, 1);
	mcim_cbor_put_cstr(&w, PKG_CONTEXT);
	mcim_cbor_put_uint(&w, 2);
	mcim_cbor_put_bstr(&w, tre_id, MCIM_TRE_ID_LEN);
	mcim_cbor_put_uint(&w, 3);
	mcim_cbor_put_bstr(&w, e_pub.q, sizeof(e_pub.q));
	mcim_cbor_put_uint(&w, 4);
	mcim_cbor_put_bstr(&w, ct, ct_len);
	e = mcim_cbor_writer_finish(&w, &payload_len);
	if (e != MCIM_OK)
		return e;
	opts.x5chain = chain;
	opts.x5chain_n = n_chain;
	return mcim_cose_sign1_sign(dpf_key, payload, payload_len, &opts, out, cap, len);
}
