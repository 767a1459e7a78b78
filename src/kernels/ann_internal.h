/*
 * ann_internal.h: what the build (ann_build.c) and the read-back and search
 * (ann.c) of the approximate top-k index share: the blob's header, its
 * layout constants and the helpers that size and check its sections.  The
 * blob's format is described at the top of ann.c.  Not for other files:
 * they use ann.h.
 */
#ifndef LINKPRED_ANN_INTERNAL_H
#define LINKPRED_ANN_INTERNAL_H

#include "postgres.h"

#include "ann.h"

#define LP_ANN_MAGIC	0x4E41504C	/* "LPAN" */
#define LP_ANN_VERSION	1
#define BLOCK			32			/* items per code block */
#define LEVELS			16			/* 4-bit codes */
#define SECTION_ALIGN	64

struct LpAnnBlob
{
	uint32		magic;
	uint32		version;
	uint32		size;			/* whole blob, bytes */
	uint32		crc;			/* CRC-32C of every byte after this field */
	int32		n;
	int32		dim;
	int32		nlist;
	int32		npairs;			/* coded coordinates (dim + 1, made even) / 2 */
	int32		nblocks;
	int32		nprobe;			/* lists probed when effort is 0 */
	int32		rerank;			/* candidates re-scored per result */
	float		bias_scale;		/* g: items carry bv[i] / g, queries g */
	float		radius;			/* largest |[V[i], bv[i] / g]| */
	uint32		off_centroids;
	uint32		off_halfnorm;
	uint32		off_levels;
	uint32		off_lists;
	uint32		off_ids;
	uint32		off_codes;
};

#define SECTION(h, off, type) ((type) ((const char *) (h) + (h)->off))

static inline Size
AlignUp(Size x, Size a)
{
	return (x + a - 1) / a * a;
}

/* bytes of a block's codes: 16 per coordinate, coordinates made even */
static inline Size
BlockBytes(const LpAnnBlob *h)
{
	return (Size) h->npairs * 2 * (BLOCK / 2);
}

/* bytes of a query's tables: 16 entries per coordinate, the same count */
static inline Size
TableBytes(const LpAnnBlob *h)
{
	return (Size) h->npairs * 2 * LEVELS;
}

/* in ann.c: the build lays a blob out and checksums it, LpAnnValid checks */
extern uint64 LpAnnLayout(LpAnnBlob *h);
extern uint32 LpAnnBlobCrc(const LpAnnBlob *h, Size size);

#endif
