/*
 * keymap.c: the id <-> index maps behind training and serving.
 *
 * A map owns its arrays (palloc'd in the caller's memory context, huge
 * allocations allowed) and never shrinks.  Text keys are stored back to back
 * in one buffer, which keeps a million-key map to a few allocations.
 */
#include "postgres.h"

#include <ctype.h>

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/uuid.h"

#include "keymap.h"
#include "shard.h"
#include "linkpred.h"

#define EMPTY_SLOT (-1)

bool
LpKeyKindForType(Oid typid, LpKeyKind *kind)
{
	switch (typid)
	{
		case INT2OID:
		case INT4OID:
		case INT8OID:
			*kind = LP_KEY_INT;
			return true;
		case TEXTOID:
		case VARCHAROID:
		case UUIDOID:
			*kind = LP_KEY_TEXT;
			return true;
		default:
			return false;
	}
}

const char *
LpSupportedKeyTypes(void)
{
	return "smallint, integer, bigint, text, varchar and uuid";
}

static inline uint32
HashInt(int64 k)
{
	uint64		x = (uint64) k;

	/* splitmix64 finaliser: sequential ids spread over the table */
	x ^= x >> 30;
	x *= UINT64CONST(0xbf58476d1ce4e5b9);
	x ^= x >> 27;
	x *= UINT64CONST(0x94d049bb133111eb);
	x ^= x >> 31;
	return (uint32) x;
}

static inline uint32
HashKey(const LpKeyMap *map, int64 ikey, const char *tkey, int tlen)
{
	if (map->kind == LP_KEY_INT)
		return HashInt(ikey);
	return hash_bytes((const unsigned char *) tkey, tlen);
}

static inline bool
SlotMatches(const LpKeyMap *map, int32 idx, int64 ikey, const char *tkey, int tlen)
{
	if (map->kind == LP_KEY_INT)
		return map->ikeys[idx] == ikey;
	return map->toff[idx + 1] - map->toff[idx] == tlen &&
		memcmp(map->tbuf + map->toff[idx], tkey, tlen) == 0;
}

/*
 * The slots rebuilt for nslots (a power of two above twice the keys), in
 * the memory context of the map itself (a map whose slots are built on its
 * first lookup may be looked up in a shorter-lived context than its own).
 * Returns false if two keys are equal (a map filled by LpKeyMapAppend from
 * damaged input); interning never stores a key twice.
 */
static bool
Rehash(LpKeyMap *map, uint32 nslots)
{
	bool		distinct = true;

	if (map->slots)
		pfree(map->slots);
	map->slots = MemoryContextAllocHuge(GetMemoryChunkContext(map), sizeof(int32) * (Size) nslots);
	memset(map->slots, 0xff, sizeof(int32) * (Size) nslots);
	map->mask = nslots - 1;
	for (int32 i = 0; i < map->n; i++)
	{
		uint32		h;
		const char *t = NULL;
		int			tlen = 0;

		if (map->kind == LP_KEY_INT)
			h = HashInt(map->ikeys[i]);
		else
		{
			t = map->tbuf + map->toff[i];
			tlen = map->toff[i + 1] - map->toff[i];
			h = hash_bytes((const unsigned char *) t, tlen);
		}
		while (map->slots[h & map->mask] != EMPTY_SLOT)
		{
			if (SlotMatches(map, map->slots[h & map->mask], map->kind == LP_KEY_INT ? map->ikeys[i] : 0,
							t, tlen))
				distinct = false;
			h++;
		}
		map->slots[h & map->mask] = i;
	}
	return distinct;
}

/* slots for the keys there are: at least 64, more than twice the keys */
static uint32
SlotsFor(int32 n)
{
	uint32		nslots = 64;

	while (nslots <= (uint32) n * 2)
		nslots <<= 1;
	return nslots;
}

/*
 * A map filled by LpKeyMapAppend gets its slots on its first lookup: that
 * lookup changes no key or index, only the hash table beside them, so the
 * maps a caller holds as const are built here too.
 */
static inline void
EnsureSlots(const LpKeyMap *map)
{
	if (unlikely(map->slots == NULL))
	{
		LpKeyMap   *m = (LpKeyMap *) map;

		if (!Rehash(m, SlotsFor(m->n)))
		{
			/* no table: every later lookup fails the same way */
			pfree(m->slots);
			m->slots = NULL;
			m->mask = 0;
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("the node ids of a stored model version are not distinct"),
					 errdetail("Two nodes of one side have the same id."),
					 errhint("Retrain the model.")));
		}
	}
}

LpKeyMap *
LpKeyMapCreate(LpKeyKind kind, int32 expected)
{
	LpKeyMap   *map = LpKeyMapCreateUnhashed(kind, expected);
	uint32		nslots = 64;

	while (nslots < (uint32) map->cap * 2)
		nslots <<= 1;
	Rehash(map, nslots);
	return map;
}

double
LpKeyMapBytes(const LpKeyMap *m)
{
	double		b = 4.0 * ((double) m->mask + 1);

	if (m->kind == LP_KEY_INT)
		return b + 8.0 * m->cap;
	return b + 8.0 * ((double) m->cap + 1) + (double) m->tcap;
}

LpKeyMap *
LpKeyMapCreateUnhashed(LpKeyKind kind, int32 expected)
{
	LpKeyMap   *map = palloc0(sizeof(LpKeyMap));

	map->kind = kind;
	map->cap = Max(expected, 16);
	if (kind == LP_KEY_INT)
		map->ikeys = LpPallocHuge(sizeof(int64) * map->cap);
	else
	{
		map->toff = LpPallocHuge(sizeof(int64) * (map->cap + 1));
		map->toff[0] = 0;
		map->tcap = (Size) map->cap * 16;
		map->tbuf = LpPallocHuge(map->tcap);
	}
	return map;
}

/* a new key at index n, the arrays grown as needed; the slots untouched */
static int32
AppendKey(LpKeyMap *map, int64 ikey, const char *tkey, int tlen)
{
	int32		idx;

	if (map->n == PG_INT32_MAX - 1)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many distinct node ids"),
				 errdetail("A model holds at most %d nodes per side.", PG_INT32_MAX - 1)));

	idx = map->n;
	if (idx == map->cap)
	{
		map->cap = map->cap > PG_INT32_MAX / 2 ? PG_INT32_MAX - 1 : map->cap * 2;
		if (map->kind == LP_KEY_INT)
			map->ikeys = repalloc_huge(map->ikeys, sizeof(int64) * map->cap);
		else
			map->toff = repalloc_huge(map->toff, sizeof(int64) * (map->cap + 1));
	}
	if (map->kind == LP_KEY_INT)
		map->ikeys[idx] = ikey;
	else
	{
		if (map->tlen + tlen > map->tcap)
		{
			map->tcap = Max(map->tcap * 2, map->tlen + tlen);
			map->tbuf = repalloc_huge(map->tbuf, map->tcap);
		}
		memcpy(map->tbuf + map->tlen, tkey, tlen);
		map->tlen += tlen;
		map->toff[idx + 1] = map->tlen;
	}
	map->n++;
	return idx;
}

int32
LpKeyMapFind(const LpKeyMap *map, int64 ikey, const char *tkey, int tlen)
{
	uint32		h = HashKey(map, ikey, tkey, tlen);

	EnsureSlots(map);

	for (;;)
	{
		int32		idx = map->slots[h & map->mask];

		if (idx == EMPTY_SLOT)
			return -1;
		if (SlotMatches(map, idx, ikey, tkey, tlen))
			return idx;
		h++;
	}
}

int32
LpKeyMapIntern(LpKeyMap *map, int64 ikey, const char *tkey, int tlen)
{
	uint32		h = HashKey(map, ikey, tkey, tlen);
	int32		idx;

	if (map->frozen)
		elog(ERROR, "linkpred: a frozen key map cannot take new keys");
	EnsureSlots(map);
	for (;;)
	{
		idx = map->slots[h & map->mask];
		if (idx == EMPTY_SLOT)
			break;
		if (SlotMatches(map, idx, ikey, tkey, tlen))
			return idx;
		h++;
	}

	idx = AppendKey(map, ikey, tkey, tlen);
	map->slots[h & map->mask] = idx;
	if ((uint32) map->n * 2 > map->mask + 1)
		Rehash(map, (map->mask + 1) * 2);
	return idx;
}

int32
LpKeyMapAppend(LpKeyMap *map, int64 ikey, const char *tkey, int tlen)
{
	Assert(!map->frozen);
	if (map->slots)
	{
		/* the slots are rebuilt on the next lookup */
		pfree(map->slots);
		map->slots = NULL;
		map->mask = 0;
	}
	return AppendKey(map, ikey, tkey, tlen);
}

char *
LpKeyMapText(const LpKeyMap *map, int32 idx)
{
	if (map->kind == LP_KEY_INT)
		return psprintf(INT64_FORMAT, map->ikeys[idx]);
	return pnstrdup(map->tbuf + map->toff[idx], map->toff[idx + 1] - map->toff[idx]);
}

#define FLAT_ALIGN(x) TYPEALIGN(8, (x))

Size
LpKeyMapFlatSize(const LpKeyMap *map)
{
	Size		size;

	EnsureSlots(map);
	size = FLAT_ALIGN(sizeof(int32) * (Size) (map->mask + 1));

	if (map->kind == LP_KEY_INT)
		return size + sizeof(int64) * (Size) map->n;
	return size + FLAT_ALIGN(sizeof(int64) * ((Size) map->n + 1)) + FLAT_ALIGN(map->tlen);
}

void
LpKeyMapFlatten(const LpKeyMap *map, char *base, Size offset, LpFlatKeyMap *flat)
{
	Size		nslots;

	EnsureSlots(map);
	nslots = (Size) map->mask + 1;
	Assert(offset == FLAT_ALIGN(offset));
	memset(flat, 0, sizeof(LpFlatKeyMap));
	flat->kind = map->kind;
	flat->n = map->n;
	flat->nslots = (uint32) nslots;
	flat->slots_off = offset;
	memcpy(base + offset, map->slots, sizeof(int32) * nslots);
	offset += FLAT_ALIGN(sizeof(int32) * nslots);
	flat->keys_off = offset;
	if (map->kind == LP_KEY_INT)
	{
		memcpy(base + offset, map->ikeys, sizeof(int64) * (Size) map->n);
		return;
	}
	memcpy(base + offset, map->toff, sizeof(int64) * ((Size) map->n + 1));
	offset += FLAT_ALIGN(sizeof(int64) * ((Size) map->n + 1));
	flat->tbuf_off = offset;
	flat->tlen = map->tlen;
	memcpy(base + offset, map->tbuf, map->tlen);
}

void
LpKeyMapInitFlat(LpKeyMap *map, const LpFlatKeyMap *flat, const char *base)
{
	memset(map, 0, sizeof(LpKeyMap));
	map->kind = flat->kind;
	map->n = flat->n;
	map->cap = flat->n;
	map->mask = flat->nslots - 1;
	/* the map is frozen: Intern refuses, so the casts never lead to a write */
	map->slots = (int32 *) (base + flat->slots_off);
	if (flat->kind == LP_KEY_INT)
		map->ikeys = (int64 *) (base + flat->keys_off);
	else
	{
		map->toff = (int64 *) (base + flat->keys_off);
		map->tbuf = (char *) (base + flat->tbuf_off);
		map->tlen = map->tcap = flat->tlen;
	}
	map->frozen = true;
}

/*
 * uuid text in any accepted spelling (braces, upper case, no hyphens) to the
 * canonical form uuid_out prints; false if it is not a uuid.
 */
static bool
CanonicalUuid(const char *s, char *out)
{
	int			ndig = 0;
	int			o = 0;

	for (; *s; s++)
	{
		int			c = tolower((unsigned char) *s);

		if (c == '-' || c == '{' || c == '}')
			continue;
		if (!isxdigit(c) || ndig == 32)
			return false;
		if (ndig == 8 || ndig == 12 || ndig == 16 || ndig == 20)
			out[o++] = '-';
		out[o++] = (char) c;
		ndig++;
	}
	out[o] = '\0';
	return ndig == 32;
}

static char *
DatumText(Datum value, Oid valtype)
{
	Oid			out;
	bool		varlena;

	if (valtype == UNKNOWNOID)
		return pstrdup(DatumGetCString(value));
	if (valtype == TEXTOID || valtype == VARCHAROID)
		return TextDatumGetCString(value);
	getTypeOutputInfo(valtype, &out, &varlena);
	return OidOutputFunctionCall(out, value);
}

bool
LpKeyFromDatum(LpKeyKind kind, Oid keytype, Datum value, Oid valtype,
			   int64 *ikey, char **tkey)
{
	if (kind == LP_KEY_INT)
	{
		char	   *s,
				   *end;

		switch (valtype)
		{
			case INT2OID:
				*ikey = DatumGetInt16(value);
				return true;
			case INT4OID:
				*ikey = DatumGetInt32(value);
				return true;
			case INT8OID:
				*ikey = DatumGetInt64(value);
				return true;
			default:
				s = DatumText(value, valtype);
				errno = 0;
				*ikey = strtoll(s, &end, 10);
				if (errno != 0 || end == s)
					return false;
				while (*end == ' ')
					end++;
				return *end == '\0';
		}
	}

	if (keytype == UUIDOID)
	{
		char		canon[40];

		if (valtype == UUIDOID)
		{
			*tkey = DatumText(value, valtype);
			return true;
		}
		if (!CanonicalUuid(DatumText(value, valtype), canon))
			return false;
		*tkey = pstrdup(canon);
		return true;
	}
	*tkey = DatumText(value, valtype);
	return true;
}

int32
LpKeyMapFindDatum(const LpKeyMap *map, Oid keytype, Datum value, Oid valtype)
{
	int64		ikey = 0;
	char	   *tkey = NULL;

	if (!LpKeyFromDatum(map->kind, keytype, value, valtype, &ikey, &tkey))
		return -1;
	return LpKeyMapFind(map, ikey, tkey, tkey ? strlen(tkey) : 0);
}

Datum
LpKeyToDatum(const LpKeyMap *map, int32 idx, Oid typid)
{
	if (map->kind == LP_KEY_INT)
	{
		int64		v = map->ikeys[idx];

		switch (typid)
		{
			case INT8OID:
				return Int64GetDatum(v);
			case INT4OID:
			case INT2OID:
				if ((typid == INT4OID && (v < PG_INT32_MIN || v > PG_INT32_MAX)) ||
					(typid == INT2OID && (v < PG_INT16_MIN || v > PG_INT16_MAX)))
					ereport(ERROR,
							(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
							 errmsg("item id " INT64_FORMAT " is out of range for type %s",
									v, format_type_be(typid)),
							 errdetail("linkpred_topk returns items in the type of its user argument."),
							 errhint("Cast the user argument to bigint.")));
				return typid == INT4OID ? Int32GetDatum((int32) v) : Int16GetDatum((int16) v);
			default:
				break;
		}
	}
	{
		char	   *s = LpKeyMapText(map, idx);
		Oid			in;
		Oid			ioparam;

		if (typid == TEXTOID || typid == VARCHAROID)
			return CStringGetTextDatum(s);
		getTypeInputInfo(typid, &in, &ioparam);
		return OidInputFunctionCall(in, s, ioparam, -1);
	}
}

int32
LpKeyMapShard(const LpKeyMap *map, int32 idx, int32 shards)
{
	if (map->kind == LP_KEY_INT)
		return LpShardOfInt(map->ikeys[idx], shards);
	return LpShardOfText(map->tbuf + map->toff[idx], map->toff[idx + 1] - map->toff[idx], shards);
}

int32
LpShardOfDatum(LpKeyKind kind, Oid keytype, Datum value, Oid valtype, int32 shards)
{
	int64		ikey = 0;
	char	   *tkey = NULL;

	if (!LpKeyFromDatum(kind, keytype, value, valtype, &ikey, &tkey))
	{
		tkey = DatumText(value, valtype);
		return LpShardOfText(tkey, strlen(tkey), shards);
	}
	if (kind == LP_KEY_INT)
		return LpShardOfInt(ikey, shards);
	return LpShardOfText(tkey, strlen(tkey), shards);
}
