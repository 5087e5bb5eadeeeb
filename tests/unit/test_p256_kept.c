/*
 * Signing keys kept imported (mcim_p256_keep_signing_keys, mcim/crypto.h), as mcimd
 * runs: every signature verifies under its own key's public key and under no other,
 * while more keys than the table holds are used in turn (each use after an eviction
 * imports again) and while threads sign at once, keys being dropped from the table
 * under them; turned off, the table is emptied and signing goes on. On the builtin
 * backend the call keeps nothing and the same must hold. A wrong key answering from
 * the table, or a key freed while in use (ASan), fails here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <pthread.h>

#include "mcim/crypto.h"

#define KEYS	24 /* more than MCIM_P256_KEPT_SIGNERS */
#define THREADS 4
#define ROUNDS	40

static struct mcim_p256_priv priv[KEYS];
static struct mcim_p256_pub pub[KEYS];

static int setup(void **state)
{
	(void)state;
	for (size_t i = 0; i < KEYS; i++)
		if (mcim_p256_keygen(&priv[i], &pub[i]) != MCIM_OK)
			return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	mcim_p256_keep_signing_keys(false);
	for (size_t i = 0; i < KEYS; i++)
		mcim_p256_priv_wipe(&priv[i]);
	return 0;
}

/* 1 when key k's signature over msg verifies under k and not under k's neighbour. */
static int sign_checks(size_t k, const char *msg)
{
	uint8_t sig[MCIM_P256_SIG_LEN];
	size_t other = (k + 1) % KEYS;

	if (mcim_p256_sign(&priv[k], (const uint8_t *)msg, strlen(msg), sig) != MCIM_OK)
		return 0;
	return mcim_p256_verify(&pub[k], (const uint8_t *)msg, strlen(msg), sig) ==
		   MCIM_OK &&
	       mcim_p256_verify(&pub[other], (const uint8_t *)msg, strlen(msg), sig) ==
		   MCIM_ERR_BAD_SIGNATURE;
}

static void each_signature_is_its_keys(void **state)
{
	(void)state;
	mcim_p256_keep_signing_keys(true);
	for (int round = 0; round < 3; round++)
		for (size_t k = 0; k < KEYS; k++)
			assert_true(sign_checks(k, "kept"));
	/* The same few keys again and again, as a server signs. */
	for (int i = 0; i < 50; i++)
		assert_true(sign_checks((size_t)i % 3, "hot"));
	mcim_p256_keep_signing_keys(false);
	for (size_t k = 0; k < KEYS; k++)
		assert_true(sign_checks(k, "off"));
}

static void *signer(void *arg)
{
	size_t first = (size_t)(uintptr_t)arg;

	for (size_t i = 0; i < ROUNDS; i++)
		if (!sign_checks((first * 7 + i * 5) % KEYS, "threads"))
			return (void *)1;
	return NULL;
}

static void threads_sign_while_keys_are_dropped(void **state)
{
	pthread_t t[THREADS];
	void *bad;

	(void)state;
	mcim_p256_keep_signing_keys(true);
	for (size_t i = 0; i < THREADS; i++)
		assert_int_equal(
		    pthread_create(&t[i], NULL, signer, (void *)(uintptr_t)i), 0);
	/* Turned off and on while they sign: every kept key is dropped under them. */
	mcim_p256_keep_signing_keys(false);
	mcim_p256_keep_signing_keys(true);
	for (size_t i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(t[i], &bad), 0);
		assert_null(bad);
	}
	mcim_p256_keep_signing_keys(false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(each_signature_is_its_keys),
	    cmocka_unit_test(threads_sign_while_keys_are_dropped),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
