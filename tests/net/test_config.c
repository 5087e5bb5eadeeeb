/*
 * mcimd's config loader (src/net/config.c) and the strict JSON readers under it: a
 * complete config read field by field, the defaults, relative paths resolved against
 * the config file's directory, and every refusal naming its key path — one case per
 * check, so that a person reading the message knows what to fix. Token entries are
 * SHA-256 hashes only (T-05: no usable credential in the file).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "net/api_util.h"
#include "net/config.h"

/* SHA-256("abc") and SHA-256("") (FIPS 180-2 examples): valid 64-digit hashes. */
#define H1 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define H2 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static const char full_config[] =
    "{\"listen\": {\"address\": \"::1\", \"port\": 8443},\n"
    " \"roles\": [\"dpf\", \"auc\"],\n"
    " \"store\": {\"path\": \"db/mcim.sqlite\"},\n"
    " \"log\": {\"level\": \"debug\"},\n"
    " \"pki\": {\"dir\": \"/etc/mcim/pki\"},\n"
    " \"tenants\": [\n"
    "  {\"name\": \"sho-a\", \"kind\": \"sho\", \"plmn\": \"00101\",\n"
    "   \"api_token_sha256\": [\"" H1 "\", \"" H2 "\"]},\n"
    "  {\"name\": \"ro1\", \"kind\": \"ro\", \"plmn\": \"310410\"},\n"
    "  {\"name\": \"pva\", \"kind\": \"pva\", \"plmn\": \"00102\"},\n"
    "  {\"name\": \"vno\", \"kind\": \"vno\", \"plmn\": \"00103\", \"api_token_sha256\": "
    "[]}\n"
    " ],\n"
    " \"limits\": {\"max_body_bytes\": 4096, \"idle_timeout_s\": 5, "
    "\"shutdown_grace_s\": 0,\n"
    "            \"threads\": 2, \"max_connections\": 10},\n"
    " \"protocol\": {\"clock_skew_s\": 90},\n"
    " \"drf\": {\"token_ttl_s\": 1200, \"dpf_url\": \"https://dpf.example:8443\",\n"
    "         \"pva_url\": \"http://10.0.0.2/pva\"},\n"
    " \"pva\": {\"modes\": [\"semi\", \"remote\"], \"semi_lenient\": true,\n"
    "         \"noncritical\": [\"app\", \"modem-fw\"], \"min_assurance\": 2}}\n";

static void full(void **state)
{
	struct net_config cfg;
	struct net_jerr e;
	uint8_t h1[32];

	(void)state;
	assert_int_equal(
	    net_config_parse(full_config, strlen(full_config), "/srv/mcim", &cfg, &e),
	    MCIM_OK);
	assert_string_equal(cfg.listen_address, "::1");
	assert_int_equal(cfg.port, 8443);
	assert_int_equal(cfg.roles, NET_ROLE_DPF | NET_ROLE_AUC);
	assert_string_equal(cfg.store_path, "/srv/mcim/db/mcim.sqlite");
	assert_string_equal(cfg.pki_dir, "/etc/mcim/pki");
	assert_int_equal(cfg.log_level, NET_LOG_DEBUG);
	assert_int_equal(cfg.n_tenants, 4);
	assert_string_equal(cfg.tenants[0].name, "sho-a");
	assert_int_equal(cfg.tenants[0].kind, NET_TENANT_SHO);
	assert_string_equal(cfg.tenants[0].plmn, "00101");
	assert_int_equal(cfg.tenants[0].n_tokens, 2);
	for (size_t i = 0; i < 32; i++) {
		unsigned v;
		assert_int_equal(sscanf(&H1[2 * i], "%2x", &v), 1);
		h1[i] = (uint8_t)v;
	}
	assert_memory_equal(cfg.tenants[0].token_sha256[0], h1, 32);
	assert_int_equal(cfg.tenants[1].kind, NET_TENANT_RO);
	assert_string_equal(cfg.tenants[1].plmn, "310410");
	assert_int_equal(cfg.tenants[1].n_tokens, 0);
	assert_int_equal(cfg.tenants[2].kind, NET_TENANT_PVA);
	assert_int_equal(cfg.tenants[3].kind, NET_TENANT_VNO);
	assert_int_equal(cfg.limits.max_body_bytes, 4096);
	assert_int_equal(cfg.limits.idle_timeout_s, 5);
	assert_int_equal(cfg.limits.shutdown_grace_s, 0);
	assert_int_equal(cfg.limits.threads, 2);
	assert_int_equal(cfg.limits.max_connections, 10);
	assert_int_equal(cfg.clock_skew_s, 90);
	assert_int_equal(cfg.drf.token_ttl_s, 1200);
	assert_string_equal(cfg.drf.dpf_url, "https://dpf.example:8443");
	assert_string_equal(cfg.drf.pva_url, "http://10.0.0.2/pva");
	/* enum mcim_evidence_mode: remote 1, semi-autonomous 3 */
	assert_int_equal(cfg.pva.modes, (1u << 1) | (1u << 3));
	assert_int_equal(cfg.pva.semi_lenient, 1);
	assert_int_equal(cfg.pva.n_noncritical, 2);
	assert_string_equal(cfg.pva.noncritical[1], "modem-fw");
	assert_int_equal(cfg.pva.min_assurance, 2);
	assert_ptr_equal(net_config_tenant(&cfg, "ro1"), &cfg.tenants[1]);
	assert_null(net_config_tenant(&cfg, "ro"));
	net_config_free(&cfg);
	assert_null(cfg.tenants);
	assert_int_equal(cfg.n_tenants, 0);
	net_config_free(NULL);
}

/* An empty object is a complete config: loopback, any port, every role. */
/* TLS paths resolve like the others; a public address is accepted with TLS or with
 * plain_http (a proxy ends TLS), loopback in any form without either. */
static void tls_and_addresses(void **state)
{
	static const char *const ok[] = {
	    ("{\"listen\":{\"address\":\"0.0.0.0\"},\"tls\":{\"cert\":\"c.pem\","
	     "\"key\":\"/k/key.pem\"}}"),
	    "{\"listen\":{\"address\":\"10.1.2.3\",\"plain_http\":true}}",
	    "{\"listen\":{\"address\":\"127.8.9.10\"}}",
	    "{\"listen\":{\"address\":\"::1\"}}",
	};
	struct net_config cfg;
	struct net_jerr e;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (net_config_parse(ok[i], strlen(ok[i]), "/srv", &cfg, &e) != MCIM_OK)
			fail_msg("%s: %s", ok[i], e.msg);
		if (i == 0) {
			assert_string_equal(cfg.tls_cert, "/srv/c.pem");
			assert_string_equal(cfg.tls_key, "/k/key.pem");
		}
		assert_int_equal(cfg.plain_http, i == 1);
		net_config_free(&cfg);
	}
}

static void defaults(void **state)
{
	struct net_config cfg;
	struct net_jerr e;

	(void)state;
	assert_int_equal(net_config_parse("{}", 2, "", &cfg, &e), MCIM_OK);
	assert_string_equal(cfg.listen_address, "127.0.0.1");
	assert_int_equal(cfg.port, 0);
	assert_int_equal(cfg.plain_http, 0);
	assert_string_equal(cfg.tls_cert, "");
	assert_string_equal(cfg.tls_key, "");
	assert_int_equal(cfg.roles, NET_ROLES_ALL);
	assert_string_equal(cfg.store_path, "mcimd.db");
	assert_string_equal(cfg.pki_dir, "pki");
	assert_int_equal(cfg.log_level, NET_LOG_INFO);
	assert_int_equal(cfg.n_tenants, 0);
	assert_int_equal(cfg.limits.max_body_bytes, 1u << 20);
	assert_int_equal(cfg.limits.idle_timeout_s, 30);
	assert_int_equal(cfg.limits.shutdown_grace_s, 10);
	assert_int_equal(cfg.limits.threads, 4);
	assert_int_equal(cfg.limits.max_connections, 1024);
	assert_int_equal(cfg.clock_skew_s, 0);
	assert_int_equal(cfg.drf.token_ttl_s, 0);
	assert_string_equal(cfg.drf.dpf_url, "");
	assert_int_equal(cfg.pva.modes, 0);
	assert_int_equal(cfg.pva.semi_lenient, 0);
	assert_int_equal(cfg.pva.n_noncritical, 0);
	net_config_free(&cfg);

	assert_int_equal(
	    net_config_parse("{\"store\":{},\"listen\":{}}", 24, "/d", &cfg, &e),
	    MCIM_OK);
	assert_string_equal(cfg.store_path, "/d/mcimd.db");
	assert_string_equal(cfg.pki_dir, "/d/pki");
	net_config_free(&cfg);
}

struct bad_case {
	const char *doc;
	mcim_err err;
	const char *msg; /* the whole message, or its start when it ends in '*' */
};

static const struct bad_case bad_cases[] = {
    {"[]", MCIM_ERR_INVALID_ARG, "must be an object"},
    {"{", MCIM_ERR_PARSE, "not valid JSON: line 1, column 1:*"},
    {"{\"log\":{\"level\":\"info\"},\"log\":{}}", MCIM_ERR_PARSE, "not valid JSON:*"},
    {"{\"listn\":{}}", MCIM_ERR_INVALID_ARG, "listn: unknown key"},
    {"{\"listen\":[]}", MCIM_ERR_INVALID_ARG, "listen: must be an object"},
    {"{\"listen\":{\"addr\":\"::1\"}}", MCIM_ERR_INVALID_ARG, "listen.addr: unknown key"},
    {"{\"listen\":{\"address\":\"localhost\"}}", MCIM_ERR_INVALID_ARG,
     "listen.address: must be an IPv4 or IPv6 address"},
    {"{\"listen\":{\"address\":7}}", MCIM_ERR_INVALID_ARG,
     "listen.address: must be a string"},
    {"{\"listen\":{\"port\":65536}}", MCIM_ERR_INVALID_ARG,
     "listen.port: must be between 0 and 65535"},
    {"{\"listen\":{\"port\":-1}}", MCIM_ERR_INVALID_ARG,
     "listen.port: must be between 0 and 65535"},
    {"{\"listen\":{\"port\":\"80\"}}", MCIM_ERR_INVALID_ARG,
     "listen.port: must be an integer"},
    {"{\"listen\":{\"port\":80.5}}", MCIM_ERR_INVALID_ARG,
     "listen.port: must be an integer"},
    {"{\"roles\":\"drf\"}", MCIM_ERR_INVALID_ARG, "roles: must be an array"},
    {"{\"roles\":[]}", MCIM_ERR_INVALID_ARG, "roles: must name at least one role"},
    {"{\"roles\":[\"drf\",\"ccf\"]}", MCIM_ERR_INVALID_ARG,
     "roles[1]: must be one of drf, pva, dpf, auc, icf"},
    {"{\"roles\":[\"drf\",1]}", MCIM_ERR_INVALID_ARG,
     "roles[1]: must be one of drf, pva, dpf, auc, icf"},
    {"{\"roles\":[\"icf\",\"icf\"]}", MCIM_ERR_INVALID_ARG,
     "roles[1]: role \"icf\" given twice"},
    {"{\"roles\":[\"drf\",\"pva\",\"dpf\",\"auc\",\"icf\",\"drf\"]}",
     MCIM_ERR_INVALID_ARG, "roles: at most 5 items"},
    {"{\"store\":{\"path\":\"\"}}", MCIM_ERR_INVALID_ARG,
     "store.path: must be 1 to 1023 characters long"},
    {"{\"store\":{\"path\":null}}", MCIM_ERR_INVALID_ARG, "store.path: must be a string"},
    {"{\"store\":{\"path\":\"a\\u0001b\"}}", MCIM_ERR_INVALID_ARG,
     "store.path: must not contain control characters"},
    {"{\"store\":{\"path\":\"a\\u0000b\"}}", MCIM_ERR_PARSE,
     "not valid JSON: line 1, column 27: \\u0000 is not allowed*"},
    {"{\"store\":{\"file\":\"x\"}}", MCIM_ERR_INVALID_ARG, "store.file: unknown key"},
    {"{\"store\":\"x.db\"}", MCIM_ERR_INVALID_ARG, "store: must be an object"},
    {"{\"log\":{\"level\":\"verbose\"}}", MCIM_ERR_INVALID_ARG,
     "log.level: must be one of error, warn, info, debug"},
    {"{\"log\":{\"lvl\":\"info\"}}", MCIM_ERR_INVALID_ARG, "log.lvl: unknown key"},
    {"{\"pki\":{\"directory\":\"x\"}}", MCIM_ERR_INVALID_ARG,
     "pki.directory: unknown key"},
    {"{\"tenants\":{}}", MCIM_ERR_INVALID_ARG, "tenants: must be an array"},
    {"{\"tenants\":[7]}", MCIM_ERR_INVALID_ARG, "tenants[0]: must be an object"},
    {"{\"tenants\":[{\"kind\":\"sho\",\"plmn\":\"00101\"}]}", MCIM_ERR_INVALID_ARG,
     "tenants[0].name: missing"},
    {"{\"tenants\":[{\"name\":\"a\",\"plmn\":\"00101\"}]}", MCIM_ERR_INVALID_ARG,
     "tenants[0].kind: missing"},
    {"{\"tenants\":[{\"name\":\"a\",\"kind\":\"sho\"}]}", MCIM_ERR_INVALID_ARG,
     "tenants[0].plmn: missing"},
    {"{\"tenants\":[{\"name\":\"a\",\"kind\":\"sho\",\"plmn\":\"00101\"},"
     "{\"name\":\"b\",\"kind\":\"sho\",\"plmn\":\"0010\"}]}",
     MCIM_ERR_INVALID_ARG, "tenants[1].plmn: must be 5 or 6 digits (MCC and MNC)"},
    {"{\"tenants\":[{\"name\":\"a\",\"kind\":\"sho\",\"plmn\":\"0010x\"}]}",
     MCIM_ERR_INVALID_ARG, "tenants[0].plmn: must be 5 or 6 digits (MCC and MNC)"},
    {"{\"tenants\":[{\"name\":\"a\",\"kind\":\"sho\",\"plmn\":\"0010123\"}]}",
     MCIM_ERR_INVALID_ARG, "tenants[0].plmn: must be 5 or 6 digits (MCC and MNC)"},
    {"{\"tenants\":[{\"name\":\"Sho A\",\"kind\":\"sho\",\"plmn\":\"00101\"}]}",
     MCIM_ERR_INVALID_ARG,
     "tenants[0].name: must be lower-case letters, digits and '-', not starting with "
     "'-'"},
    {"{\"tenants\":[{\"name\":\"-a\",\"kind\":\"sho\",\"plmn\":\"00101\"}]}",
     MCIM_ERR_INVALID_ARG, "tenants[0].name: must be lower-case*"},
    {"{\"tenants\":[{\"name\":\"abcdefghijklmnopqrstuvwxyz0123456\",\"kind\":\"sho\","
     "\"plmn\":\"00101\"}]}",
     MCIM_ERR_INVALID_ARG, "tenants[0].name: must be 1 to 32 characters long"},
    {"{\"tenants\":[{\"name\":\"a\",\"kind\":\"sho\",\"plmn\":\"00101\"},"
     "{\"name\":\"a\",\"kind\":\"ro\",\"plmn\":\"00102\"}]}",
     MCIM_ERR_INVALID_ARG, "tenants[1].name: \"a\" already used by tenants[0]"},
    {"{\"tenants\":[{\"name\":\"a\",\"kind\":\"mno\",\"plmn\":\"00101\"}]}",
     MCIM_ERR_INVALID_ARG, "tenants[0].kind: must be one of sho, ro, pva, vno"},
    {"{\"tenants\":[{\"name\":\"a\",\"kind\":\"sho\",\"plmn\":\"00101\",\"token\":\"x\"}]"
     "}",
     MCIM_ERR_INVALID_ARG, "tenants[0].token: unknown key"},
    {"{\"tenants\":[{\"name\":\"a\",\"kind\":\"sho\",\"plmn\":\"00101\","
     "\"api_token_sha256\":[\"my-secret-token\"]}]}",
     MCIM_ERR_INVALID_ARG,
     "tenants[0].api_token_sha256[0]: must be 64 hex digits (the SHA-256 of the token, "
     "never the token itself)"},
    {"{\"tenants\":[{\"name\":\"a\",\"kind\":\"sho\",\"plmn\":\"00101\","
     "\"api_token_sha256\":[\"" H1 "\",\"" H1 "0\"]}]}",
     MCIM_ERR_INVALID_ARG, "tenants[0].api_token_sha256[1]: must be 64 hex digits*"},
    {"{\"tenants\":[{\"name\":\"a\",\"kind\":\"sho\",\"plmn\":\"00101\","
     "\"api_token_sha256\":[\"" H1 "\"]},{\"name\":\"b\",\"kind\":\"sho\","
     "\"plmn\":\"00102\",\"api_token_sha256\":[\"" H2 "\",\"" H1 "\"]}]}",
     MCIM_ERR_INVALID_ARG,
     "tenants[1].api_token_sha256[1]: same hash as tenants[0].api_token_sha256[0] (a "
     "token belongs to one tenant)"},
    {"{\"tenants\":[{\"name\":\"a\",\"kind\":\"sho\",\"plmn\":\"00101\","
     "\"api_token_sha256\":[\"" H1 "\",\"" H1 "\"]}]}",
     MCIM_ERR_INVALID_ARG,
     "tenants[0].api_token_sha256[1]: same hash as tenants[0].api_token_sha256[0]*"},
    {"{\"tenants\":[{\"name\":\"a\",\"kind\":\"sho\",\"plmn\":\"00101\","
     "\"api_token_sha256\":[\"" H1 "\",\"" H1 "\",\"" H1 "\",\"" H1 "\",\"" H1 "\",\"" H1
     "\",\"" H1 "\",\"" H1 "\",\"" H1 "\"]}]}",
     MCIM_ERR_INVALID_ARG, "tenants[0].api_token_sha256: at most 8 items"},
    {"{\"limits\":{\"threads\":0}}", MCIM_ERR_INVALID_ARG,
     "limits.threads: must be between 1 and 256"},
    {"{\"limits\":{\"max_body_bytes\":0}}", MCIM_ERR_INVALID_ARG,
     "limits.max_body_bytes: must be between 1 and 1073741824"},
    {"{\"limits\":{\"idle_timeout_s\":3601}}", MCIM_ERR_INVALID_ARG,
     "limits.idle_timeout_s: must be between 1 and 3600"},
    {"{\"limits\":{\"shutdown_grace_s\":true}}", MCIM_ERR_INVALID_ARG,
     "limits.shutdown_grace_s: must be an integer"},
    {"{\"limits\":{\"max_connections\":65537}}", MCIM_ERR_INVALID_ARG,
     "limits.max_connections: must be between 1 and 65536"},
    {"{\"limits\":{\"timeout\":1}}", MCIM_ERR_INVALID_ARG, "limits.timeout: unknown key"},
    {"{\"protocol\":{\"skew\":1}}", MCIM_ERR_INVALID_ARG, "protocol.skew: unknown key"},
    {"{\"protocol\":{\"clock_skew_s\":601}}", MCIM_ERR_INVALID_ARG,
     "protocol.clock_skew_s: must be between 1 and 600"},
    {"{\"drf\":{\"token_ttl_s\":59}}", MCIM_ERR_INVALID_ARG,
     "drf.token_ttl_s: must be between 60 and 86400"},
    {"{\"drf\":{\"token_ttl_s\":86401}}", MCIM_ERR_INVALID_ARG,
     "drf.token_ttl_s: must be between 60 and 86400"},
    {"{\"drf\":{\"dpf_url\":\"dpf.example:80\"}}", MCIM_ERR_INVALID_ARG,
     "drf.dpf_url: must be an http:// or https:// URL without a trailing '/'"},
    {"{\"drf\":{\"pva_url\":\"http://pva.example/\"}}", MCIM_ERR_INVALID_ARG,
     "drf.pva_url: must be an http:// or https:// URL without a trailing '/'"},
    {"{\"drf\":{\"pva_url\":\"http://a b.example\"}}", MCIM_ERR_INVALID_ARG,
     "drf.pva_url: must be an http:// or https:// URL without a trailing '/'"},
    {"{\"drf\":{\"pva_url\":\"http://\"}}", MCIM_ERR_INVALID_ARG, "drf.pva_url:*"},
    {"{\"drf\":{\"url\":1}}", MCIM_ERR_INVALID_ARG, "drf.url: unknown key"},
    {"{\"pva\":{\"modes\":[]}}", MCIM_ERR_INVALID_ARG,
     "pva.modes: must name at least one mode"},
    {"{\"pva\":{\"modes\":[\"local\"]}}", MCIM_ERR_INVALID_ARG,
     "pva.modes[0]: must be one of remote, autonomous, semi"},
    {"{\"pva\":{\"modes\":[\"semi\",\"semi\"]}}", MCIM_ERR_INVALID_ARG,
     "pva.modes[1]: mode \"semi\" given twice"},
    {"{\"pva\":{\"modes\":[1]}}", MCIM_ERR_INVALID_ARG,
     "pva.modes[0]: must be one of remote, autonomous, semi"},
    {"{\"pva\":{\"semi_lenient\":1}}", MCIM_ERR_INVALID_ARG,
     "pva.semi_lenient: must be true or false"},
    {"{\"pva\":{\"noncritical\":[\"app\"]}}", MCIM_ERR_INVALID_ARG,
     "pva.noncritical: only applies with \"semi_lenient\": true"},
    {"{\"pva\":{\"semi_lenient\":true,\"noncritical\":[\"\"]}}", MCIM_ERR_INVALID_ARG,
     "pva.noncritical[0]: must be a component name of 1..31 characters"},
    {"{\"pva\":{\"semi_lenient\":true,\"noncritical\":[\"a\",\"a\"]}}",
     MCIM_ERR_INVALID_ARG, "pva.noncritical[1]: \"a\" given twice"},
    {"{\"pva\":{\"min_assurance\":256}}", MCIM_ERR_INVALID_ARG,
     "pva.min_assurance: must be between 0 and 255"},
    {"{\"pva\":{\"strict\":true}}", MCIM_ERR_INVALID_ARG, "pva.strict: unknown key"},
    /* T-05: tokens and sessions never cross a network in clear by accident. */
    {"{\"listen\":{\"address\":\"0.0.0.0\"}}", MCIM_ERR_INVALID_ARG,
     "listen.address: 0.0.0.0 is reachable from other hosts: configure tls, or set "
     "listen.plain_http when a proxy in front ends TLS"},
    {"{\"listen\":{\"address\":\"::\"}}", MCIM_ERR_INVALID_ARG,
     "listen.address: :: is reachable from other hosts:*"},
    {"{\"listen\":{\"address\":\"10.1.2.3\",\"plain_http\":1}}", MCIM_ERR_INVALID_ARG,
     "listen.plain_http: must be true or false"},
    {"{\"tls\":{\"cert\":\"c.pem\"}}", MCIM_ERR_INVALID_ARG, "tls.key: missing"},
    {"{\"tls\":{\"key\":\"k.pem\"}}", MCIM_ERR_INVALID_ARG, "tls.cert: missing"},
    {"{\"tls\":{\"cert\":\"c\",\"key\":\"k\",\"ca\":\"x\"}}", MCIM_ERR_INVALID_ARG,
     "tls.ca: unknown key"},
};

static void check_msg(const char *got, const char *want, const char *doc)
{
	size_t n = strlen(want);
	int ok =
	    want[n - 1] == '*' ? strncmp(got, want, n - 1) == 0 : strcmp(got, want) == 0;

	if (!ok)
		fail_msg("document %s\n  message \"%s\"\n  expected \"%s\"", doc, got,
			 want);
}

static void bad_keys(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct net_config cfg;
		struct net_jerr e;
		mcim_err err = net_config_parse(c->doc, strlen(c->doc), "", &cfg, &e);

		if (err != c->err)
			fail_msg("document %s: %d, expected %d (%s)", c->doc, err, c->err,
				 e.msg);
		check_msg(e.msg, c->msg, c->doc);
		assert_null(cfg.tenants);
	}
}

/* A resolved path longer than NET_PATH_MAX is refused, named. */
static void long_paths(void **state)
{
	char doc[1200], dir[700];
	struct net_config cfg;
	struct net_jerr e;

	(void)state;
	memset(dir, 'd', sizeof(dir) - 1);
	dir[0] = '/';
	dir[sizeof(dir) - 1] = '\0';
	snprintf(doc, sizeof(doc), "{\"pki\":{\"dir\":\"%0500d\"}}", 0);
	assert_int_equal(net_config_parse(doc, strlen(doc), dir, &cfg, &e),
			 MCIM_ERR_INVALID_ARG);
	assert_string_equal(e.msg, "pki.dir: longer than 1023 characters once resolved");
	/* Absolute paths are not resolved, so the same length fits. */
	snprintf(doc, sizeof(doc), "{\"pki\":{\"dir\":\"/%0500d\"}}", 0);
	assert_int_equal(net_config_parse(doc, strlen(doc), dir, &cfg, &e), MCIM_OK);
	net_config_free(&cfg);
	/* A config directory that leaves no room for the default names. */
	char big[NET_PATH_MAX + 10];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(net_config_parse("{}", 2, big, &cfg, &e), MCIM_ERR_INVALID_ARG);
	assert_string_equal(e.msg, "config directory path too long");
}

static char tmpdir[64];

static int make_tmpdir(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/mcim-test-config-XXXXXX");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int remove_tmpdir(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void load_file(void **state)
{
	char path[128];
	struct net_config cfg;
	struct net_jerr e;

	(void)state;
	snprintf(path, sizeof(path), "%s/mcimd.json", tmpdir);
	write_file(path, full_config, strlen(full_config));
	assert_int_equal(net_config_load(path, &cfg, &e), MCIM_OK);
	/* Relative store path: beside the config file. */
	char want[160];
	snprintf(want, sizeof(want), "%s/db/mcim.sqlite", tmpdir);
	assert_string_equal(cfg.store_path, want);
	assert_string_equal(cfg.pki_dir, "/etc/mcim/pki");
	net_config_free(&cfg);

	snprintf(path, sizeof(path), "%s/missing.json", tmpdir);
	assert_int_equal(net_config_load(path, &cfg, &e), MCIM_ERR_IO);
	assert_string_equal(e.msg, "cannot open: No such file or directory");

	assert_int_equal(net_config_load(tmpdir, &cfg, &e), MCIM_ERR_IO);
	assert_string_equal(e.msg, "cannot read: Is a directory");

	snprintf(path, sizeof(path), "%s/bad.json", tmpdir);
	const char *doc = "{\n  \"tenants\": [\n    {\"name\": \"a\", \"kind\": \"sho\", "
			  "\"plmn\": \"1\"}\n  ]\n}\n";
	write_file(path, doc, strlen(doc));
	assert_int_equal(net_config_load(path, &cfg, &e), MCIM_ERR_INVALID_ARG);
	assert_string_equal(e.msg,
			    "tenants[0].plmn: must be 5 or 6 digits (MCC and MNC)");

	doc = "{\n  \"roles\": [\"drf\",]\n}\n";
	write_file(path, doc, strlen(doc));
	assert_int_equal(net_config_load(path, &cfg, &e), MCIM_ERR_PARSE);
	check_msg(e.msg, "not valid JSON: line 2*", "bad.json");

	/* One octet over the size limit. */
	size_t big = NET_CONFIG_FILE_MAX + 1;
	char *text = malloc(big);
	assert_non_null(text);
	memset(text, ' ', big);
	text[0] = '{';
	text[big - 1] = '}';
	write_file(path, text, big);
	free(text);
	assert_int_equal(net_config_load(path, &cfg, &e), MCIM_ERR_TOO_LARGE);
	assert_string_equal(e.msg, "larger than 1048576 octets");
}

static void roles(void **state)
{
	unsigned bits = 0;
	struct net_jerr e;
	char out[32];

	(void)state;
	assert_int_equal(net_roles_parse("drf,pva", &bits, &e), MCIM_OK);
	assert_int_equal(bits, NET_ROLE_DRF | NET_ROLE_PVA);
	assert_int_equal(net_roles_parse("icf,auc,dpf,pva,drf", &bits, &e), MCIM_OK);
	assert_int_equal(bits, NET_ROLES_ALL);
	net_roles_format(bits, out, sizeof(out));
	assert_string_equal(out, "drf,pva,dpf,auc,icf");
	net_roles_format(NET_ROLE_AUC, out, sizeof(out));
	assert_string_equal(out, "auc");
	net_roles_format(NET_ROLES_ALL, out, 8);
	assert_string_equal(out, "drf,pva");

	bits = 7;
	assert_int_equal(net_roles_parse("", &bits, &e), MCIM_ERR_INVALID_ARG);
	assert_string_equal(e.msg, "empty role list (drf, pva, dpf, auc, icf)");
	assert_int_equal(net_roles_parse("drf,,pva", &bits, &e), MCIM_ERR_INVALID_ARG);
	assert_string_equal(e.msg, "unknown role \"\" (drf, pva, dpf, auc, icf)");
	assert_int_equal(net_roles_parse("drf,ccif", &bits, &e), MCIM_ERR_INVALID_ARG);
	assert_string_equal(e.msg, "unknown role \"ccif\" (drf, pva, dpf, auc, icf)");
	assert_int_equal(net_roles_parse("pva,pva", &bits, &e), MCIM_ERR_INVALID_ARG);
	assert_string_equal(e.msg, "role \"pva\" given twice");
	assert_int_equal(bits, 7);

	assert_string_equal(net_tenant_kind_name(NET_TENANT_VNO), "vno");
	assert_string_equal(net_tenant_kind_name((enum net_tenant_kind)0), "?");
	assert_string_equal(net_tenant_kind_name((enum net_tenant_kind)9), "?");
}

/* The path helpers cut long paths rather than overflow. */
static void paths(void **state)
{
	char a[NET_JPATH_MAX], b[NET_JPATH_MAX], key[200];
	struct net_jerr e;

	(void)state;
	net_jpath_key(a, "", "tenants");
	net_jpath_index(b, a, 12);
	net_jpath_key(a, b, "plmn");
	assert_string_equal(a, "tenants[12].plmn");
	memset(key, 'k', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	net_jpath_key(a, "x", key);
	assert_int_equal(strlen(a), NET_JPATH_MAX - 1);
	assert_string_equal(a + NET_JPATH_MAX - 4, "...");
	assert_int_equal(net_jerr_set(&e, "", "plain %d", 1), MCIM_ERR_INVALID_ARG);
	assert_string_equal(e.msg, "plain 1");
	assert_true(net_is_name("a-1", 3));
	assert_false(net_is_name("a-1", 2));
	assert_false(net_is_name("", 3));
	assert_false(net_is_name("a_b", 3));
	assert_true(net_is_digits("12345", 5, 6));
	assert_false(net_is_digits("1234", 5, 6));
	assert_false(net_is_digits("12a45", 5, 6));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(full),
	    cmocka_unit_test(defaults),
	    cmocka_unit_test(tls_and_addresses),
	    cmocka_unit_test(bad_keys),
	    cmocka_unit_test(long_paths),
	    cmocka_unit_test(load_file),
	    cmocka_unit_test(roles),
	    cmocka_unit_test(paths),
	};
	return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
