/*
 * model.c: the registry of encoders (model.h).
 *
 * A fixed table filled at module load (registry.c lists the builtin
 * encoders) or by a unit test; each process fills its own, in the same
 * order, so an encoder's number means the same in every backend and
 * worker.  No PostgreSQL calls.
 */
#include "postgres.h"

#include "model.h"

static const LpEncoderKind *encoders[LP_MAX_ENCODERS];
static const char *names[LP_MAX_ENCODERS + 1];
static int	n_encoders;

int
LpRegisterEncoder(const LpEncoderKind *kind)
{
	int			i = LpEncoderIndex(kind->name);

	if (i >= 0)
		return i;
	if (n_encoders >= LP_MAX_ENCODERS)
		return -1;
	encoders[n_encoders] = kind;
	names[n_encoders] = kind->name;
	names[n_encoders + 1] = NULL;
	return n_encoders++;
}

const LpEncoderKind *
LpEncoderAt(int i)
{
	return i >= 0 && i < n_encoders ? encoders[i] : NULL;
}

int
LpEncoderIndex(const char *name)
{
	for (int i = 0; i < n_encoders; i++)
		if (strcmp(encoders[i]->name, name) == 0)
			return i;
	return -1;
}

const char *const *
LpEncoderNames(void)
{
	return names;
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
