/*
 * tap.h: the few lines of TAP every unit-test program prints.  Included by
 * the test programs after their includes (it undoes postgres.h's mapping
 * of printf to pg_printf, which lives in the server).
 */
#ifndef LINKPRED_TAP_H
#define LINKPRED_TAP_H

#include <stdio.h>

#undef printf

static int	tap_run = 0;
static int	tap_failed = 0;

/* one test line; detail (may be NULL) follows the description */
static inline void
TapLine(bool ok, const char *what, const char *detail)
{
	tap_run++;
	if (!ok)
		tap_failed++;
	printf("%s %d - %s%s\n", ok ? "ok" : "not ok", tap_run, what, detail ? detail : "");
}

static inline void
Check(bool ok, const char *what)
{
	TapLine(ok, what, NULL);
}

/* the closing summary line; the program's exit code */
static inline int
TapFinish(void)
{
	printf("# %d passed, %d failed\n", tap_run - tap_failed, tap_failed);
	return tap_failed ? 1 : 0;
}

#endif
