/*
 * What the provisioning benchmark (test_prov_bench.c) and the counting library it
 * preloads into mcimd (prov_bench_opcount.c) share: the file of counts, one
 * uint64_t per kind of public-key operation, mapped by both.
 */
#ifndef MCIM_TESTS_NET_PROV_BENCH_OPCOUNT_H
#define MCIM_TESTS_NET_PROV_BENCH_OPCOUNT_H

#define OPCOUNT_ENV	 "MCIM_OPCOUNT_FILE"
#define OPCOUNT_FILE_LEN 4096

enum opcount_kind {
	OPCOUNT_SIGN,	/* ECDSA signature */
	OPCOUNT_VERIFY, /* ECDSA verification */
	OPCOUNT_KEYGEN, /* scalar times the generator: a key pair */
	OPCOUNT_ECDH,	/* scalar times a peer's point */
	OPCOUNT_KINDS,
};

#endif
