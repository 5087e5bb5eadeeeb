/*
 * The memo of verified signatures (mcim_p256_set_memo, mcim/crypto.h), with a memo
 * that records what it is asked: a signature that verified is offered to the memo
 * under SHA-256(public key || SHA-256(message) || signature) and, once there, is
 * answered from it; a signature that fails is computed again every time and never
 * added; a change of message, key or signature is a different triple that the curve
 * judges; malformed signatures are refused before the memo is consulted; without a
 * memo (the default) nothing is consulted. A server relies on this to skip only
 * repeated work, never a check (issue 4, docs/mcimd.md "Signature memo").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mcim/crypto.h"

#define KEYS_MAX 8

struct rec {
	uint8_t keys[KEYS_MAX][MCIM_SHA256_LEN];
	size_t n_keys;
	unsigned seen_calls, add_calls;
	int claim_all; /* answer "seen" to every question */
};

static int rec_seen(void *arg, const uint8_t key[MCIM_SHA256_LEN])
{
	struct rec *r = arg;

	r->seen_calls++;
	if (r->claim_all)
		return 1;
	for (size_t i = 0; i < r->n_keys; i++)
		if (memcmp(r->keys[i], key, MCIM_SHA256_LEN) == 0)
			return 1;
	return 0;
}

static void rec_add(void *arg, const uint8_t key[MCIM_SHA256_LEN])
{
	struct rec *r = arg;

	r->add_calls++;
	assert_true(r->n_keys < KEYS_MAX);
	memcpy(r->keys[r->n_keys++], key, MCIM_SHA256_LEN);
}

struct fix {
	struct mcim_p256_priv priv;
	struct mcim_p256_pub pub, other;
	uint8_t msg[100], sig[MCIM_P256_SIG_LEN];
	struct rec rec;
	struct mcim_p256_memo memo;
};

static int setup(void **state)
{
	static struct fix f;
	struct mcim_p256_priv other;

	memset(&f, 0, sizeof(f));
	if (mcim_p256_keygen(&f.priv, &f.pub) != MCIM_OK ||
	    mcim_p256_keygen(&other, &f.other) != MCIM_OK)
		return -1;
	mcim_p256_priv_wipe(&other);
	memset(f.msg, 0x5a, sizeof(f.msg));
	if (mcim_p256_sign(&f.priv, f.msg, sizeof(f.msg), f.sig) != MCIM_OK)
		return -1;
	f.memo = (struct mcim_p256_memo){rec_seen, rec_add, &f.rec};
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;

	mcim_p256_set_memo(NULL);
	mcim_p256_priv_wipe(&f->priv);
	return 0;
}

/* Without a memo nothing is asked, and verification is what it always was. */
static void no_memo_by_default(void **state)
{
	struct fix *f = *state;

	mcim_p256_set_memo(&f->memo);
	mcim_p256_set_memo(NULL);
	assert_int_equal(mcim_p256_verify(&f->pub, f->msg, sizeof(f->msg), f->sig),
			 MCIM_OK);
	assert_int_equal(f->rec.seen_calls + f->rec.add_calls, 0);
}

/* A good signature is added once, under the documented key, and then answered from
 * the memo (asked, not added again). */
static void verified_triple_remembered_under_its_hash(void **state)
{
	struct fix *f = *state;
	uint8_t digest[MCIM_SHA256_LEN], key[MCIM_SHA256_LEN];
	const struct mcim_iov parts[3] = {{f->pub.q, sizeof(f->pub.q)},
					  {digest, sizeof(digest)},
					  {f->sig, sizeof(f->sig)}};

	assert_int_equal(mcim_sha256(f->msg, sizeof(f->msg), digest), MCIM_OK);
	assert_int_equal(mcim_sha256_v(parts, 3, key), MCIM_OK);
	mcim_p256_set_memo(&f->memo);
	assert_int_equal(mcim_p256_verify(&f->pub, f->msg, sizeof(f->msg), f->sig),
			 MCIM_OK);
	assert_int_equal(f->rec.seen_calls, 1);
	assert_int_equal(f->rec.add_calls, 1);
	assert_memory_equal(f->rec.keys[0], key, sizeof(key));
	assert_int_equal(mcim_p256_verify(&f->pub, f->msg, sizeof(f->msg), f->sig),
			 MCIM_OK);
	assert_int_equal(f->rec.seen_calls, 2);
	assert_int_equal(f->rec.add_calls, 1);
}

/* The memo's answer is taken before the curve arithmetic: a memo claiming every
 * triple makes even a wrong signature pass. (Which is why only the memo's owner's
 * own verified triples may be in it: nothing else ever calls add.) */
static void memo_answer_comes_before_the_curve(void **state)
{
	struct fix *f = *state;
	uint8_t bad[MCIM_P256_SIG_LEN];

	memcpy(bad, f->sig, sizeof(bad));
	bad[40] ^= 0x01;
	f->rec.claim_all = 1;
	mcim_p256_set_memo(&f->memo);
	assert_int_equal(mcim_p256_verify(&f->pub, f->msg, sizeof(f->msg), bad), MCIM_OK);
	assert_int_equal(f->rec.add_calls, 0);
}

/* A failure is never remembered: the same bad signature is refused each time, and
 * each time it is judged again. */
static void failures_never_added(void **state)
{
	struct fix *f = *state;
	uint8_t bad[MCIM_P256_SIG_LEN];

	memcpy(bad, f->sig, sizeof(bad));
	bad[63] ^= 0x80;
	mcim_p256_set_memo(&f->memo);
	for (int i = 0; i < 3; i++)
		assert_int_equal(mcim_p256_verify(&f->pub, f->msg, sizeof(f->msg), bad),
				 MCIM_ERR_BAD_SIGNATURE);
	assert_int_equal(f->rec.seen_calls, 3);
	assert_int_equal(f->rec.add_calls, 0);
}

/* A remembered signature does not carry over to another message or another key. */
static void other_message_or_key_is_judged(void **state)
{
	struct fix *f = *state;
	uint8_t msg2[sizeof(f->msg)];

	mcim_p256_set_memo(&f->memo);
	assert_int_equal(mcim_p256_verify(&f->pub, f->msg, sizeof(f->msg), f->sig),
			 MCIM_OK);
	memcpy(msg2, f->msg, sizeof(msg2));
	msg2[0] ^= 1;
	assert_int_equal(mcim_p256_verify(&f->pub, msg2, sizeof(msg2), f->sig),
			 MCIM_ERR_BAD_SIGNATURE);
	assert_int_equal(mcim_p256_verify(&f->other, f->msg, sizeof(f->msg), f->sig),
			 MCIM_ERR_BAD_SIGNATURE);
	assert_int_equal(f->rec.add_calls, 1);
	assert_int_equal(f->rec.n_keys, 1);
}

/* r or s out of [1, n-1] is refused before the memo is asked. */
static void malformed_signature_refused_first(void **state)
{
	struct fix *f = *state;
	uint8_t zero[MCIM_P256_SIG_LEN] = {0};

	f->rec.claim_all = 1;
	mcim_p256_set_memo(&f->memo);
	assert_int_equal(mcim_p256_verify(&f->pub, f->msg, sizeof(f->msg), zero),
			 MCIM_ERR_BAD_SIGNATURE);
	assert_int_equal(f->rec.seen_calls, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(no_memo_by_default, setup, teardown),
	    cmocka_unit_test_setup_teardown(verified_triple_remembered_under_its_hash,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(memo_answer_comes_before_the_curve, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(failures_never_added, setup, teardown),
	    cmocka_unit_test_setup_teardown(other_message_or_key_is_judged, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(malformed_signature_refused_first, setup,
					    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
