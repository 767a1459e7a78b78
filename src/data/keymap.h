/*
 * keymap.h: external node ids <-> dense indices 0..n-1.
 *
 * Training and serving both need to turn the ids a user's table holds
 * (integer, bigint, text, uuid) into dense row numbers of an embedding
 * matrix and back.  Integer ids are kept as int64; every other supported
 * type is kept as its canonical text form.  Lookups are open addressing on
 * a power-of-two table, so a miss costs one probe sequence, no allocation.
 */
#ifndef LINKPRED_KEYMAP_H
#define LINKPRED_KEYMAP_H

#include "postgres.h"

typedef enum LpKeyKind
{
	LP_KEY_INT,					/* smallint, integer, bigint */
	LP_KEY_TEXT					/* text, varchar, uuid: canonical text form */
} LpKeyKind;

typedef struct LpKeyMap
{
	LpKeyKind	kind;
	int32		n;				/* keys stored */
	int32		cap;			/* capacity of the key arrays */
	uint32		mask;			/* slots - 1 */
	int32	   *slots;			/* -1 = empty, else key index; NULL: built on the
								 * first lookup (LpKeyMapAppend) */
	int64	   *ikeys;			/* LP_KEY_INT */
	int64	   *toff;			/* LP_KEY_TEXT: offsets into tbuf, n + 1 */
	char	   *tbuf;
	Size		tlen;
	Size		tcap;
	bool		frozen;			/* arrays live elsewhere (shared memory): read only */
} LpKeyMap;

/*
 * A map laid out flat inside a larger block (the shared serving cache):
 * offsets from the block's start, so the block can be mapped at any address
 * in any process.  Made by LpKeyMapFlatten, read through a frozen LpKeyMap
 * from LpKeyMapInitFlat.
 */
typedef struct LpFlatKeyMap
{
	LpKeyKind	kind;
	int32		n;
	uint32		nslots;
	Size		slots_off;		/* nslots int32 */
	Size		keys_off;		/* LP_KEY_INT: n int64; LP_KEY_TEXT: n + 1 int64 offsets */
	Size		tbuf_off;		/* LP_KEY_TEXT: tlen bytes */
	Size		tlen;
} LpFlatKeyMap;

/* the key kind for a column type, or false if the type is unsupported */
extern bool LpKeyKindForType(Oid typid, LpKeyKind *kind);
extern const char *LpSupportedKeyTypes(void);

extern LpKeyMap *LpKeyMapCreate(LpKeyKind kind, int32 expected);
/* the bytes a key map's arrays take: its hash slots and its keys */
extern double LpKeyMapBytes(const LpKeyMap *map);
extern int32 LpKeyMapIntern(LpKeyMap *map, int64 ikey, const char *tkey, int tlen);
extern int32 LpKeyMapFind(const LpKeyMap *map, int64 ikey, const char *tkey, int tlen);

/*
 * Keys known to be distinct, in index order (a stored version's side),
 * without their hash table: LpKeyMapAppend stores key n and returns n; the
 * table is built on the map's first lookup (LpKeyMapFind, Intern, Flatten),
 * which refuses the map then (ERRCODE_DATA_CORRUPTED) if two keys are
 * equal after all.  Index to key (LpKeyMapText, LpKeyToDatum) needs no
 * table.  A serving copy's first top-k thus skips hashing two million
 * item keys it does not look up.  LpKeyMapCreateUnhashed makes such a map
 * with room for expected keys.
 */
extern LpKeyMap *LpKeyMapCreateUnhashed(LpKeyKind kind, int32 expected);
extern int32 LpKeyMapAppend(LpKeyMap *map, int64 ikey, const char *tkey, int tlen);
extern char *LpKeyMapText(const LpKeyMap *map, int32 idx);

/*
 * Flat layout: LpKeyMapFlatSize is the bytes LpKeyMapFlatten writes at
 * base + offset (offset aligned to 8); it fills *flat.  LpKeyMapInitFlat
 * points map at a flattened map in base; the result finds and prints keys
 * but cannot intern new ones.
 */
extern Size LpKeyMapFlatSize(const LpKeyMap *map);
extern void LpKeyMapFlatten(const LpKeyMap *map, char *base, Size offset, LpFlatKeyMap *flat);
extern void LpKeyMapInitFlat(LpKeyMap *map, const LpFlatKeyMap *flat, const char *base);

/*
 * A Datum of any supported type, as a lookup key.  Returns false when the
 * value cannot be a key of this map (for example text that is not a number
 * for an integer map): such a value is simply unknown.
 */
extern bool LpKeyFromDatum(LpKeyKind kind, Oid keytype, Datum value, Oid valtype,
						   int64 *ikey, char **tkey);
/*
 * The index of a Datum of any supported type in map (whose keys came from
 * a column of type keytype), -1 when it is not a key of the map.
 */
extern int32 LpKeyMapFindDatum(const LpKeyMap *map, Oid keytype, Datum value, Oid valtype);
/* a stored key back as a Datum of type typid */
extern Datum LpKeyToDatum(const LpKeyMap *map, int32 idx, Oid typid);

/*
 * The slice (0 .. shards - 1, kernels/shard.h) of stored key idx, and of a
 * Datum as a key of kind kind from a column of type keytype.  A Datum that
 * cannot be such a key (LpKeyFromDatum fails) is placed by its text form.
 */
extern int32 LpKeyMapShard(const LpKeyMap *map, int32 idx, int32 shards);
extern int32 LpShardOfDatum(LpKeyKind kind, Oid keytype, Datum value, Oid valtype, int32 shards);

#endif
