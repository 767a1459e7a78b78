/*
 * model.c: the registries of encoders and decoders (model.h, decoder.h).
 *
 * Fixed tables filled at module load (registry.c lists the builtin
 * kinds) or by a unit test; each process fills its own, in the same
 * order, so a kind's number means the same in every backend and worker.
 * No PostgreSQL calls.
 */
#include "postgres.h"

#include "decoder.h"
#include "model.h"

/* one registry: its kinds and their names, index = number */
typedef struct Registry
{
	const void *kinds[LP_MAX_ENCODERS];
	const char *names[LP_MAX_ENCODERS + 1];
	int			n;
	int			max;
} Registry;

StaticAssertDecl(LP_MAX_DECODERS <= LP_MAX_ENCODERS, "one Registry size serves both");
StaticAssertDecl(offsetof(LpEncoderKind, name) == 0 && offsetof(LpDecoderKind, name) == 0,
				 "a kind begins with its name");

/* by LpRegistryId */
static Registry registries[] = {
	[LP_ENCODERS] = {.max = LP_MAX_ENCODERS},
	[LP_DECODERS] = {.max = LP_MAX_DECODERS},
};

int
LpRegistryIndex(LpRegistryId id, const char *name)
{
	const Registry *r = &registries[id];

	for (int i = 0; i < r->n; i++)
		if (strcmp(r->names[i], name) == 0)
			return i;
	return -1;
}

int
LpRegistryAdd(LpRegistryId id, const void *kind)
{
	Registry   *r = &registries[id];
	const char *name = *(const char *const *) kind;
	int			i = LpRegistryIndex(id, name);

	if (i >= 0)
		return i;
	if (r->n >= r->max)
		return -1;
	r->kinds[r->n] = kind;
	r->names[r->n] = name;
	r->names[r->n + 1] = NULL;
	return r->n++;
}

const void *
LpRegistryAt(LpRegistryId id, int i)
{
	const Registry *r = &registries[id];

	return i >= 0 && i < r->n ? r->kinds[i] : NULL;
}

const char *const *
LpRegistryNames(LpRegistryId id)
{
	return registries[id].names;
}

int
LpEncoderEpochs(const LpEncoderKind *kind, const LpTrainConfig *cfg)
{
	return kind->fit.epochs ? kind->fit.epochs(cfg) : cfg->epochs;
}

int
LpEncoderThreads(const LpEncoderKind *kind, const LpGraph *g, const LpTrainConfig *cfg)
{
	return kind->fit.threads ? kind->fit.threads(g, cfg) : 1;
}

LpSimd
LpEncoderSimd(const LpEncoderKind *kind, const LpGraph *g, const LpTrainConfig *cfg)
{
	return kind->fit.simd ? kind->fit.simd(g, cfg) : LP_SIMD_BASELINE;
}
