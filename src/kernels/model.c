/*
 * model.c: the registries of encoders (model.h) and decoders (decoder.h).
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

static Registry encoders = {.max = LP_MAX_ENCODERS};
static Registry decoders = {.max = LP_MAX_DECODERS};

static int
RegistryIndex(const Registry *r, const char *name)
{
	for (int i = 0; i < r->n; i++)
		if (strcmp(r->names[i], name) == 0)
			return i;
	return -1;
}

static int
RegistryAdd(Registry *r, const void *kind, const char *name)
{
	int			i = RegistryIndex(r, name);

	if (i >= 0)
		return i;
	if (r->n >= r->max)
		return -1;
	r->kinds[r->n] = kind;
	r->names[r->n] = name;
	r->names[r->n + 1] = NULL;
	return r->n++;
}

static const void *
RegistryAt(const Registry *r, int i)
{
	return i >= 0 && i < r->n ? r->kinds[i] : NULL;
}

int
LpRegisterEncoder(const LpEncoderKind *kind)
{
	return RegistryAdd(&encoders, kind, kind->name);
}

const LpEncoderKind *
LpEncoderAt(int i)
{
	return RegistryAt(&encoders, i);
}

int
LpEncoderIndex(const char *name)
{
	return RegistryIndex(&encoders, name);
}

const char *const *
LpEncoderNames(void)
{
	return encoders.names;
}

int
LpEncoderEpochs(const LpEncoderKind *kind, const LpTrainConfig *cfg)
{
	return kind->epochs ? kind->epochs(cfg) : cfg->epochs;
}

int
LpEncoderThreads(const LpEncoderKind *kind, const LpGraph *g, const LpTrainConfig *cfg)
{
	return kind->threads ? kind->threads(g, cfg) : 1;
}

int
LpRegisterDecoder(const LpDecoderKind *kind)
{
	return RegistryAdd(&decoders, kind, kind->name);
}

const LpDecoderKind *
LpDecoderAt(int i)
{
	return RegistryAt(&decoders, i);
}

int
LpDecoderIndex(const char *name)
{
	return RegistryIndex(&decoders, name);
}

const char *const *
LpDecoderNames(void)
{
	return decoders.names;
}
