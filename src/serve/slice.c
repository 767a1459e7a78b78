/*
 * slice.c: splitting a batch of users into slices, so that n servers
 * (streaming replicas, or sessions of one server) each compute one.
 *
 * linkpred_topk_many(..., shard => s, shards => n) returns the rows of the
 * users whose key falls in slice s of n; linkpred_shard(key, n) says which
 * slice a key falls in, so a target table can be sliced the same way.  The
 * hash is kernels/shard.h: the same on every server and platform.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "keymap.h"
#include "slice.h"

PG_FUNCTION_INFO_V1(linkpred_shard);

#define SLICE_HINT "Pass shard => s, shards => n with 0 <= s < n to compute slice s of n; leave both out for every user."

bool
LpSliceArgs(FunctionCallInfo fcinfo, int argno, const char *fn, int32 *shard, int32 *shards)
{
	bool		no_shard = PG_NARGS() <= argno || PG_ARGISNULL(argno);
	bool		no_shards = PG_NARGS() <= argno + 1 || PG_ARGISNULL(argno + 1);

	if (no_shard && no_shards)
		return false;
	if (no_shard || no_shards)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s needs both shard and shards, or neither", fn),
				 no_shard ? errdetail("shards is %d and shard is NULL.", PG_GETARG_INT32(argno + 1))
				 : errdetail("shard is %d and shards is NULL.", PG_GETARG_INT32(argno)),
				 errhint(SLICE_HINT)));
	*shard = PG_GETARG_INT32(argno);
	*shards = PG_GETARG_INT32(argno + 1);
	if (*shards < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("shards must be at least 1, not %d", *shards),
				 errdetail("%s splits the users into shards slices, numbered 0 to shards - 1.", fn),
				 errhint(SLICE_HINT)));
	if (*shard < 0 || *shard >= *shards)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("shard %d is out of range for %d shards", *shard, *shards),
				 errdetail("The slices of %d shards are numbered 0 to %d.", *shards, *shards - 1),
				 errhint(SLICE_HINT)));
	return true;
}

/*
 * linkpred_shard(key anyelement, shards integer): the slice (0 .. shards-1)
 * key falls in.  Integer keys hash as their bigint value, text, varchar
 * and uuid keys as their text (uuid: canonical lower-case form).
 */
Datum
linkpred_shard(PG_FUNCTION_ARGS)
{
	Oid			ktype = get_fn_expr_argtype(fcinfo->flinfo, 0);
	int32		shards = PG_GETARG_INT32(1);
	LpKeyKind	kind;

	if (!LpKeyKindForType(ktype, &kind))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("linkpred_shard cannot place a key of type %s", format_type_be(ktype)),
				 errdetail("Keys are of type %s.", LpSupportedKeyTypes()),
				 errhint("Pass the user key in the type of the model's user column.")));
	if (shards < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("shards must be at least 1, not %d", shards),
				 errdetail("linkpred_shard places a key in one of shards slices, numbered 0 to shards - 1."),
				 errhint("Pass the same shards as to linkpred_topk_many or linkpred_materialize.")));
	PG_RETURN_INT32(LpShardOfDatum(kind, ktype, PG_GETARG_DATUM(0), ktype, shards));
}
