/*
 * shard.h: which slice of a batch a user key falls in.
 *
 * linkpred_topk_many and linkpred_materialize take "shard => s,
 * shards => n" so that n servers (streaming replicas, or sessions) each
 * compute one slice of the users.  A user's slice must be the same on every
 * server, platform and PostgreSQL build, so it is not PostgreSQL's hash
 * (hash_bytes has byte-order dependent paths and hash partitioning may mix
 * in a seed) but a fixed, documented one, computed here on plain integers:
 *
 *   integer keys (smallint, integer, bigint), as the int64 value x:
 *       h = mix64(x)
 *   text keys (text, varchar, uuid), as the bytes b of the canonical text:
 *       h = mix64(fnv1a64(b))
 *   slice = h mod n   (h unsigned 64-bit; slices 0 .. n-1)
 *
 * mix64 is the output function of SplitMix64 (Steele, Lea and Flood 2014;
 * Vigna's constants), fnv1a64 the 64-bit FNV-1a hash.  Both use only
 * unsigned 64-bit arithmetic and read text byte by byte, so the result does
 * not depend on byte order.  Pure C.
 */
#ifndef LINKPRED_SHARD_H
#define LINKPRED_SHARD_H

#include "postgres.h"

/* SplitMix64's output function */
static inline uint64
LpMix64(uint64 z)
{
	z = (z ^ (z >> 30)) * UINT64CONST(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64CONST(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* 64-bit FNV-1a of len bytes */
static inline uint64
LpFnv1a64(const char *s, size_t len)
{
	uint64		h = UINT64CONST(0xcbf29ce484222325);

	for (size_t i = 0; i < len; i++)
	{
		h ^= (uint64) (unsigned char) s[i];
		h *= UINT64CONST(0x100000001b3);
	}
	return h;
}

/* the slice (0 .. shards - 1) of an integer key; shards >= 1 */
static inline int32
LpShardOfInt(int64 key, int32 shards)
{
	return (int32) (LpMix64((uint64) key) % (uint64) shards);
}

/* the slice (0 .. shards - 1) of a text key of len bytes; shards >= 1 */
static inline int32
LpShardOfText(const char *key, size_t len, int32 shards)
{
	return (int32) (LpMix64(LpFnv1a64(key, len)) % (uint64) shards);
}

#endif							/* LINKPRED_SHARD_H */
