/*
 * mcimd's memo of verified signatures (net/sigmemo.h) on its own and as the memo of
 * mcim_p256_verify: a key added is seen, one never added is not; a full set forgets
 * its least recently used key, so the keys every provisioning hits (the daemon's
 * peers' certificate links) outlive the one-off keys of devices; adding a key twice
 * takes one place; many threads at once lose nothing they should keep; installed
 * with mcim_p256_set_memo it is told exactly the signatures that verified (issue 4,
 * docs/mcimd.md "Signature memo").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>

#include "mcim/crypto.h"
#include "net/sigmemo.h"

/* A key of set `set` (the set is chosen by the first three octets), told apart by
 * its last octet. */
static void key_in_set(unsigned set, uint8_t tag, uint8_t key[MCIM_SHA256_LEN])
{
	memset(key, 0xa5, MCIM_SHA256_LEN);
	key[0] = (uint8_t)(set >> 16);
	key[1] = (uint8_t)(set >> 8);
	key[2] = (uint8_t)set;
	key[MCIM_SHA256_LEN - 1] = tag;
}

static void added_keys_are_seen(void **state)
{
	struct net_sigmemo *m;
	struct mcim_p256_memo hook;
	uint8_t a[MCIM_SHA256_LEN], b[MCIM_SHA256_LEN];

	(void)state;
	assert_int_equal(net_sigmemo_new(&m, &hook), MCIM_OK);
	key_in_set(7, 1, a);
	key_in_set(7, 2, b);
	assert_false(net_sigmemo_seen(m, a));
	net_sigmemo_add(m, a);
	assert_true(net_sigmemo_seen(m, a));
	assert_false(net_sigmemo_seen(m, b));
	/* The hook is the same memo. */
	assert_true(hook.seen(hook.arg, a));
	hook.add(hook.arg, b);
	assert_true(net_sigmemo_seen(m, b));
	net_sigmemo_free(m);
}

/* Ways + 1 keys in one set: the one not used for longest goes; a key that keeps
 * being used stays however many others pass through. */
static void full_set_forgets_least_recently_used(void **state)
{
	struct net_sigmemo *m;
	struct mcim_p256_memo hook;
	uint8_t hot[MCIM_SHA256_LEN], k[NET_SIGMEMO_WAYS + 1][MCIM_SHA256_LEN];

	(void)state;
	assert_int_equal(net_sigmemo_new(&m, &hook), MCIM_OK);
	for (int i = 0; i <= NET_SIGMEMO_WAYS; i++)
		key_in_set(1234, (uint8_t)i, k[i]);
	for (int i = 0; i < NET_SIGMEMO_WAYS; i++)
		net_sigmemo_add(m, k[i]);
	assert_true(net_sigmemo_seen(m, k[0])); /* k[0] is now the most recent */
	net_sigmemo_add(m, k[NET_SIGMEMO_WAYS]);
	assert_false(net_sigmemo_seen(m, k[1]));
	assert_true(net_sigmemo_seen(m, k[0]));
	for (int i = 2; i <= NET_SIGMEMO_WAYS; i++)
		assert_true(net_sigmemo_seen(m, k[i]));
	/* A hot key among a stream of one-off keys in its set. */
	key_in_set(99, 0xff, hot);
	net_sigmemo_add(m, hot);
	for (int i = 0; i < 1000; i++) {
		uint8_t once[MCIM_SHA256_LEN];

		key_in_set(99, (uint8_t)i, once);
		once[5] = (uint8_t)(i >> 8);
		net_sigmemo_add(m, once);
		assert_true(net_sigmemo_seen(m, hot));
	}
	net_sigmemo_free(m);
}

static void same_key_twice_takes_one_way(void **state)
{
	struct net_sigmemo *m;
	struct mcim_p256_memo hook;
	uint8_t k[NET_SIGMEMO_WAYS][MCIM_SHA256_LEN];

	(void)state;
	assert_int_equal(net_sigmemo_new(&m, &hook), MCIM_OK);
	for (int i = 0; i < NET_SIGMEMO_WAYS; i++)
		key_in_set(5, (uint8_t)i, k[i]);
	for (int r = 0; r < 3; r++)
		net_sigmemo_add(m, k[0]);
	for (int i = 1; i < NET_SIGMEMO_WAYS; i++)
		net_sigmemo_add(m, k[i]);
	for (int i = 0; i < NET_SIGMEMO_WAYS; i++)
		assert_true(net_sigmemo_seen(m, k[i]));
	net_sigmemo_free(m);
}

struct worker {
	struct net_sigmemo *m;
	unsigned id;
	int ok;
};

/* Each thread adds keys of its own sets and must find its latest ones again. */
static void *work(void *arg)
{
	struct worker *w = arg;

	w->ok = 1;
	for (unsigned i = 0; i < 20000; i++) {
		uint8_t k[MCIM_SHA256_LEN];

		key_in_set(w->id * 256 + i % 256, (uint8_t)(i / 256), k);
		net_sigmemo_add(w->m, k);
		if (!net_sigmemo_seen(w->m, k))
			w->ok = 0;
	}
	return NULL;
}

static void threads_at_once(void **state)
{
	struct net_sigmemo *m;
	struct mcim_p256_memo hook;
	struct worker w[4];
	pthread_t t[4];

	(void)state;
	assert_int_equal(net_sigmemo_new(&m, &hook), MCIM_OK);
	for (unsigned i = 0; i < 4; i++) {
		w[i] = (struct worker){m, i, 0};
		assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
	}
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_true(w[i].ok);
	}
	net_sigmemo_free(m);
}

/* Installed: a verified signature is remembered and a refused one is not, so a
 * second verification of the first is answered and of the second refused again. */
static void installed_memo_holds_only_successes(void **state)
{
	struct net_sigmemo *m;
	struct mcim_p256_memo hook;
	struct mcim_p256_priv priv;
	struct mcim_p256_pub pub;
	uint8_t msg[32] = {1, 2, 3}, sig[MCIM_P256_SIG_LEN], bad[MCIM_P256_SIG_LEN];
	uint8_t digest[MCIM_SHA256_LEN], key[MCIM_SHA256_LEN], badkey[MCIM_SHA256_LEN];
	struct mcim_iov parts[3] = {
	    {pub.q, sizeof(pub.q)}, {digest, sizeof(digest)}, {sig, sizeof(sig)}};

	(void)state;
	assert_int_equal(net_sigmemo_new(&m, &hook), MCIM_OK);
	assert_int_equal(mcim_p256_keygen(&priv, &pub), MCIM_OK);
	assert_int_equal(mcim_p256_sign(&priv, msg, sizeof(msg), sig), MCIM_OK);
	mcim_p256_priv_wipe(&priv);
	memcpy(bad, sig, sizeof(bad));
	bad[10] ^= 4;
	assert_int_equal(mcim_sha256(msg, sizeof(msg), digest), MCIM_OK);
	assert_int_equal(mcim_sha256_v(parts, 3, key), MCIM_OK);
	parts[2].data = bad;
	assert_int_equal(mcim_sha256_v(parts, 3, badkey), MCIM_OK);

	mcim_p256_set_memo(&hook);
	assert_int_equal(mcim_p256_verify(&pub, msg, sizeof(msg), sig), MCIM_OK);
	assert_int_equal(mcim_p256_verify(&pub, msg, sizeof(msg), bad),
			 MCIM_ERR_BAD_SIGNATURE);
	assert_true(net_sigmemo_seen(m, key));
	assert_false(net_sigmemo_seen(m, badkey));
	assert_int_equal(mcim_p256_verify(&pub, msg, sizeof(msg), sig), MCIM_OK);
	assert_int_equal(mcim_p256_verify(&pub, msg, sizeof(msg), bad),
			 MCIM_ERR_BAD_SIGNATURE);
	mcim_p256_set_memo(NULL);
	net_sigmemo_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(added_keys_are_seen),
	    cmocka_unit_test(full_set_forgets_least_recently_used),
	    cmocka_unit_test(same_key_twice_takes_one_way),
	    cmocka_unit_test(threads_at_once),
	    cmocka_unit_test(installed_memo_holds_only_successes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
