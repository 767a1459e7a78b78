/*
 * test_shard.c: the slice of a user key (src/kernels/shard.h).
 *
 * Checks that:
 *  - the hash gives the published FNV-1a vector ("a") and, for integer
 *    and text keys, the values an independent implementation of the
 *    documented definition gives (Python's big integers, see below), so a
 *    change of the hash -- which would move users between slices on
 *    servers of different versions -- fails here;
 *  - every slice number is in 0 .. n-1, and n slices of 30,000
 *    consecutive keys are near equal in size (no slice off by more than
 *    5% of the mean), for n = 2, 3 and 7;
 *  - one slice is the whole set.
 *
 * The expected values come from:
 *   M = 2**64 - 1
 *   def mix(z): z &= M; z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & M
 *               z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & M; return z ^ (z >> 31)
 *   def fnv(b): h = 0xcbf29ce484222325
 *               for c in b: h = ((h ^ c) * 0x100000001b3) & M
 *               return h
 */
#include "postgres.h"

#include <string.h>

#include "shard.h"
#include "tap.h"

int
main(void)
{
	static const struct
	{
		int64		key;
		uint64		h;
		int32		of3;
		int32		of7;
	}			ints[] = {
		{0, UINT64CONST(0x0), 0, 0},
		{1, UINT64CONST(0x5692161d100b05e5), 1, 6},
		{2, UINT64CONST(0xdbd238973a2b148a), 1, 1},
		{42, UINT64CONST(0xa759ea27d4727622), 2, 3},
		{-1, UINT64CONST(0xb4d055fcf2cbbd7b), 0, 0},
		{PG_INT64_MIN, UINT64CONST(0x25c26ea579cea98a), 0, 0},
		{PG_INT64_MAX, UINT64CONST(0x5a682afe7965debd), 1, 3},
		{INT64CONST(1234567890123), UINT64CONST(0x8008118adf1627af), 0, 3},
	};
	static const struct
	{
		const char *key;
		uint64		h;
		int32		of3;
	}			texts[] = {
		{"", UINT64CONST(0xf52a15e9a9b5e89b), 0},
		{"a", UINT64CONST(0x02c0bdbf481420f8), 1},
		{"alice", UINT64CONST(0xc5d1556d66774a5c), 0},
		{"\xc5\xbc\xc3\xb3\xc5\x82w", UINT64CONST(0x78b58f69668f6929), 1},
		{"6ba7b810-9dad-11d1-80b4-00c04fd430c8", UINT64CONST(0x9c6707789b9e42db), 0},
	};
	bool		ok = true;
	int			ns[] = {2, 3, 7};

	Check(LpFnv1a64("a", 1) == UINT64CONST(0xaf63dc4c8601ec8c), "FNV-1a 64 of \"a\" is the published vector");

	for (int i = 0; i < lengthof(ints); i++)
		ok &= LpMix64((uint64) ints[i].key) == ints[i].h &&
			LpShardOfInt(ints[i].key, 3) == ints[i].of3 &&
			LpShardOfInt(ints[i].key, 7) == ints[i].of7;
	Check(ok, "integer keys: the hash and slices of the documented definition");

	ok = true;
	for (int i = 0; i < lengthof(texts); i++)
		ok &= LpMix64(LpFnv1a64(texts[i].key, strlen(texts[i].key))) == texts[i].h &&
			LpShardOfText(texts[i].key, strlen(texts[i].key), 3) == texts[i].of3;
	Check(ok, "text keys: the hash and slices of the documented definition");

	for (int t = 0; t < lengthof(ns); t++)
	{
		int			n = ns[t];
		int			count[7] = {0};
		bool		in_range = true;
		bool		even = true;
		char		what[80];
		double		mean = 30000.0 / n;

		for (int64 key = 1; key <= 30000; key++)
		{
			int32		s = LpShardOfInt(key, n);

			if (s < 0 || s >= n)
				in_range = false;
			else
				count[s]++;
		}
		for (int s = 0; s < n; s++)
			if (count[s] < 0.95 * mean || count[s] > 1.05 * mean)
				even = false;
		snprintf(what, sizeof(what), "%d slices: every slice number in range, sizes within 5%%", n);
		Check(in_range && even, what);
	}

	ok = true;
	for (int64 key = -1000; key <= 1000; key++)
		ok &= LpShardOfInt(key, 1) == 0;
	Check(ok, "one slice holds every key");
	return TapFinish();
}
