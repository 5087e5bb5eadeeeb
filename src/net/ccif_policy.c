/*
 * An MCIM's security policy (mcim/profile.h, R-SEED-09) in the operator API's
 * JSON: what an SHO sets when it orders an MCIM or later replaces the policy
 * (PUT .../mcims/{id}/policy, carried to the TRE as a signed set_policy command), and
 * what GET shows. A field left out takes the value of mcim_policy_default(), so an
 * SHO writes only what it wants different; every value is checked here, then by
 * mcim_policy_check() as the TRE will check it.
 *
 *   {"allowed": ["activate", "suspend", "resume", "delete", "release", "aka-3g",
 *                "aka-eps", "aka-5g"],
 *    "lock_until": seconds since the epoch (0: no lock), "share_functions": bool,
 *    "on_tamper": "none" | "suspend" | "wipe", "max_mac_failures": 0..65535,
 *    "auto_activate": bool}
 */
#include <stdint.h>
#include <string.h>

#include "net/api_util.h"
#include "net/sho_int.h"

/* In the order of the MCIM_POLICY_ALLOW_* bits. */
static const char *const allow_names[] = {
    "activate", "suspend", "resume", "delete", "release", "aka-3g", "aka-eps", "aka-5g",
};
#define ALLOW_N (sizeof(allow_names) / sizeof(allow_names[0]))

/* Indexed by enum mcim_tamper_response. */
static const char *const tamper_names[] = {"none", "suspend", "wipe"};
#define TAMPER_N (sizeof(tamper_names) / sizeof(tamper_names[0]))

static mcim_err allowed_from_json(const json_t *obj, const char *path, uint32_t *out,
				  struct net_jerr *e)
{
	char sub[NET_JPATH_MAX], item[NET_JPATH_MAX];
	const json_t *arr = NULL, *v;
	uint32_t bits = 0;
	size_t i, k;
	mcim_err err = net_json_array(obj, path, "allowed", 0, ALLOW_N, &arr, e);

	if (err != MCIM_OK || arr == NULL)
		return err;
	net_jpath_key(sub, path, "allowed");
	json_array_foreach(arr, i, v)
	{
		const char *name = json_string_value(v);

		for (k = 0; name != NULL && k < ALLOW_N; k++)
			if (strcmp(name, allow_names[k]) == 0)
				break;
		net_jpath_index(item, sub, i);
		if (name == NULL || k == ALLOW_N)
			return net_jerr_set(e, item,
					    "must be one of activate, suspend, resume, "
					    "delete, release, aka-3g, aka-eps, aka-5g");
		if (bits & (1u << k))
			return net_jerr_set(e, item, "is given twice");
		bits |= 1u << k;
	}
	*out = bits;
	return MCIM_OK;
}

mcim_err ccif_policy_from_json(const json_t *v, const char *path, struct mcim_policy *out,
			       struct net_jerr *e)
{
	static const char *const keys[] = {
	    "allowed",	 "lock_until",	     "share_functions",
	    "on_tamper", "max_mac_failures", "auto_activate",
	    NULL};
	struct mcim_policy p;
	const char *tamper = NULL;
	uint64_t lock = 0, mac;
	size_t k;
	mcim_err err;

	mcim_policy_default(&p);
	mac = p.max_mac_failures;
	err = net_json_object(v, path, keys, e);
	if (err == MCIM_OK)
		err = allowed_from_json(v, path, &p.allowed, e);
	if (err == MCIM_OK)
		err = net_json_uint(v, path, "lock_until", 0, 0, INT64_MAX, &lock, e);
	if (err == MCIM_OK)
		err = net_json_bool(v, path, "share_functions", 0, &p.share_functions, e);
	if (err == MCIM_OK)
		err = net_json_str(v, path, "on_tamper", 0, 1, 16, &tamper, e);
	if (err == MCIM_OK)
		err =
		    net_json_uint(v, path, "max_mac_failures", 0, 0, UINT16_MAX, &mac, e);
	if (err == MCIM_OK)
		err = net_json_bool(v, path, "auto_activate", 0, &p.auto_activate, e);
	if (err != MCIM_OK)
		return err;
	if (tamper != NULL) {
		for (k = 0; k < TAMPER_N && strcmp(tamper, tamper_names[k]) != 0; k++)
			;
		if (k == TAMPER_N) {
			char sub[NET_JPATH_MAX];

			net_jpath_key(sub, path, "on_tamper");
			return net_jerr_set(e, sub, "must be none, suspend or wipe");
		}
		p.on_tamper = (enum mcim_tamper_response)k;
	}
	p.lock_until = (int64_t)lock;
	p.max_mac_failures = (uint16_t)mac;
	if (mcim_policy_check(&p) != MCIM_OK)
		return net_jerr_set(e, path, "not a policy the TRE accepts");
	*out = p;
	return MCIM_OK;
}

json_t *ccif_policy_to_json(const struct mcim_policy *p)
{
	json_t *allowed = json_array();

	for (size_t k = 0; allowed != NULL && k < ALLOW_N; k++)
		if ((p->allowed & (1u << k)) &&
		    json_array_append_new(allowed, json_string(allow_names[k])) != 0) {
			json_decref(allowed);
			return NULL;
		}
	if (allowed == NULL || (size_t)p->on_tamper >= TAMPER_N) {
		json_decref(allowed);
		return NULL;
	}
	return json_pack("{s:o,s:I,s:b,s:s,s:i,s:b}", "allowed", allowed, "lock_until",
			 (json_int_t)p->lock_until, "share_functions", p->share_functions,
			 "on_tamper", tamper_names[p->on_tamper], "max_mac_failures",
			 (int)p->max_mac_failures, "auto_activate", p->auto_activate);
}
