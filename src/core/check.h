/*
 * core/check.h: the assertion of the device-side code (src/core, src/aka,
 * src/crypto, src/proto, src/tre). Assertions catch callers' bugs and stay on in
 * every build (CMakeLists.txt). In the device profile (MCIM_COMPACT_ASSERT) a failed
 * one reports only its file and line, so that a device does not carry the text of
 * every condition and function name (about 3 KiB in the TRE alone, docs/bench.md);
 * the line names the condition in the source of that release. Elsewhere it is the C
 * library's assert, which prints the condition too.
 */
#ifndef MCIM_CORE_CHECK_H
#define MCIM_CORE_CHECK_H

#if defined(MCIM_COMPACT_ASSERT) && !defined(NDEBUG)
/* Prints "FILE:LINE: assertion failed" on stderr and aborts. */
_Noreturn void mcim_assert_fail(const char *file, unsigned line) __attribute__((cold));
#define MCIM_ASSERT(cond)                                                                \
	((cond) ? (void)0 : mcim_assert_fail(__FILE__, (unsigned)__LINE__))
#else
#include <assert.h>
#define MCIM_ASSERT(cond) assert(cond)
#endif

#endif
