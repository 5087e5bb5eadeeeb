/*
 * The process's store connection pools (net/store/store.h "connection pools"), on a
 * real SQLite file: the functions that open the same store share one pool; the
 * connection given back last is the one handed out next (it holds the warm page
 * cache: docs/store.md); a connection given back inside a transaction comes out of
 * the pool without it; a durable and a non-durable store are pools apart; a pool
 * outlives its first user and ends with its last.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../unit/tre_fault.h"
#include "net/store/store.h"

static char dir[256], db[320];

static int setup(void **state)
{
	(void)state;
	tre_test_mkdtemp(dir, sizeof(dir), "mcim-pool");
	snprintf(db, sizeof(db), "%s/store.db", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rm_tree(dir);
	return 0;
}

static void functions_on_one_store_share_a_lifo_pool(void **state)
{
	struct net_store_config c = {.url = db};
	struct net_store_pool *a, *b;
	struct net_store *s1, *s2, *got;

	(void)state;
	assert_int_equal(net_store_pool_acquire(&c, &a), MCIM_OK);
	assert_int_equal(net_store_pool_acquire(&c, &b), MCIM_OK);
	assert_ptr_equal(a, b);
	assert_int_equal(net_store_pool_get(a, &s1), MCIM_OK);
	assert_int_equal(net_store_pool_get(b, &s2), MCIM_OK);
	assert_ptr_not_equal(s1, s2);
	assert_int_equal(net_store_ping(s1), MCIM_OK);
	net_store_pool_put(a, s2);
	net_store_pool_put(a, s1);
	/* Last in, first out, whoever asks. */
	assert_int_equal(net_store_pool_get(b, &got), MCIM_OK);
	assert_ptr_equal(got, s1);
	net_store_pool_put(b, got);
	net_store_pool_release(a);
	/* Still b's. */
	assert_int_equal(net_store_pool_get(b, &got), MCIM_OK);
	assert_ptr_equal(got, s1);
	assert_int_equal(net_store_ping(got), MCIM_OK);
	net_store_pool_put(b, got);
	net_store_pool_release(b);
}

static void transaction_left_open_is_rolled_back(void **state)
{
	struct net_store_config c = {.url = db};
	struct net_store_pool *p;
	struct net_store *st, *again;
	struct net_store_tenant t, found;

	(void)state;
	assert_int_equal(net_store_pool_acquire(&c, &p), MCIM_OK);
	assert_int_equal(net_store_pool_get(p, &st), MCIM_OK);
	assert_int_equal(net_store_begin(st), MCIM_OK);
	memset(&t, 0, sizeof(t));
	snprintf(t.name, sizeof(t.name), "never");
	t.roles = NET_STORE_ROLE_RO;
	t.created = 1;
	assert_int_equal(net_store_tenant_create(st, &t), MCIM_OK);
	net_store_pool_put(p, st);
	assert_int_equal(net_store_pool_get(p, &again), MCIM_OK);
	assert_ptr_equal(again, st);
	assert_false(again->in_tx);
	assert_int_equal(net_store_tenant_find(again, "never", &found),
			 MCIM_ERR_NOT_FOUND);
	net_store_pool_put(p, again);
	net_store_pool_release(p);
}

static void durable_and_not_are_different_pools(void **state)
{
	struct net_store_config c = {.url = db}, d = {.url = db, .durable = 1};
	struct net_store_pool *a, *b;

	(void)state;
	assert_int_equal(net_store_pool_acquire(&c, &a), MCIM_OK);
	assert_int_equal(net_store_pool_acquire(&d, &b), MCIM_OK);
	assert_ptr_not_equal(a, b);
	net_store_pool_release(a);
	net_store_pool_release(b);
}

static void pool_needs_a_url(void **state)
{
	struct net_store_config c = {.url = ""};
	struct net_store_pool *p = (struct net_store_pool *)&c;

	(void)state;
	assert_int_equal(net_store_pool_acquire(&c, &p), MCIM_ERR_INVALID_ARG);
	assert_null(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(functions_on_one_store_share_a_lifo_pool),
	    cmocka_unit_test(transaction_left_open_is_rolled_back),
	    cmocka_unit_test(durable_and_not_are_different_pools),
	    cmocka_unit_test(pool_needs_a_url),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
