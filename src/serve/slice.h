/*
 * slice.h: "shard => s, shards => n" arguments of the batch functions, and
 * linkpred_shard (slice.c).  The hash itself is kernels/shard.h.
 */
#ifndef LINKPRED_SLICE_H
#define LINKPRED_SLICE_H

#include "fmgr.h"

/*
 * The slice arguments of fn at argno (shard) and argno + 1 (shards): false
 * when both are NULL (every user); true with *shard, *shards set when both
 * are given and 0 <= shard < shards; an ERROR otherwise.
 */
extern bool LpSliceArgs(FunctionCallInfo fcinfo, int argno, const char *fn,
						int32 *shard, int32 *shards);

#endif							/* LINKPRED_SLICE_H */
