/*
 * test_model.c: the model seam (src/kernels/model.h, src/kernels/model.c) as a newcomer
 * would use it.  A toy encoder, defined here and never shown to users,
 * plugs in through the registry alone: one LpEncoderKind with a fit that
 * runs the shared epoch loop (train.h), one LpRegistryAdd call.  Then
 *
 *  - the registry numbers it, finds it by name and lists it among the
 *    names the "encoder" option accepts; registering it again changes
 *    nothing;
 *  - its fit, dispatched through the kind, learns what it should (item
 *    popularity) with the loop's shuffling, learning rate and loss;
 *  - the loop reports every epoch, and a progress callback that says stop
 *    stops it after the first batch; a loss that turns NaN is reported as
 *    divergence.
 *
 * Then two toy decoders (decoder.h) plug in the same way: the registry
 * numbers them and finds them by name, and the trainer asks the kind
 * whether its parallel loop can run one.
 */
#include "postgres.h"

#include "decoder.h"
#include "model.h"

#include "fixtures.h"
#include "tap.h"

/* Two toy decoders: one the parallel loop can run, one it cannot. */
static const LpDecoderKind ToyParallelDecoder = {.name = "toy_parallel", .traits = LP_DEC_PARALLEL};
static const LpDecoderKind ToySerialDecoder = {.name = "toy_serial"};

/* The toy: one learnt bias per item, the logistic loss, uniform negatives. */
typedef struct ToyRun
{
	const LpFitArgs *a;
	bool		poison;			/* make the loss NaN: the divergence test */
} ToyRun;

static void
ToyBatch(void *state, const LpEntry *order, const LpBatch *b, LpRng *rng, double *loss)
{
	ToyRun	   *r = state;
	const LpGraph *g = r->a->g;
	float	   *bv = r->a->emb->bv;

	for (int64 p = b->start; p < b->end; p++)
	{
		int32		i = g->targets[order[p]];
		int32		j = (int32) LpRngBelow(rng, (uint32) g->n_dst);

		bv[i] += b->lr * (1.0f - LpSigmoid(bv[i]));
		bv[j] -= b->lr * LpSigmoid(bv[j]);
		*loss += LpSoftplusNeg(bv[i]) + LpSoftplusNeg(-bv[j]);
	}
	if (r->poison)
		*loss = NAN;
}

static LpTrainResult
ToyFit(const LpFitArgs *a)
{
	ToyRun		r = {a, false};
	LpRng		rng;

	r.poison = a->cfg->margin < 0;	/* the test's switch */
	LpTrainBegin(a->g, a->cfg, &rng, a->order, a->entry_src);
	return LpEpochLoop(a->g, a->cfg, 64, LP_ORDER_SHUFFLED, &rng, a->order, ToyBatch, &r, a->progress,
					   a->arg, a->final_loss);
}

static const LpEncoderKind ToyEncoder = {
	.name = "toy",
	.fit = {.run = ToyFit},
	.permits = LP_ENC_MINIMISES_LOSS,
};

typedef struct Seen
{
	int			epochs_ended;
	int			calls;
	bool		stop;
} Seen;

static bool
Watch(void *arg, int epoch, double frac, double loss, bool epoch_end)
{
	Seen	   *s = arg;

	s->calls++;
	if (epoch_end)
		s->epochs_ended++;
	return !s->stop;
}

static LpTrainResult
FitToy(const LpGraph *g, LpTrainConfig *cfg, LpEmbeddings *emb, Seen *seen, double *loss)
{
	const LpEncoderKind *kind = LpEncoderAt(LpRegistryIndex(LP_ENCODERS, "toy"));
	LpSamplerState s;
	LpFitArgs	a;

	LpSamplerInitUniform(&s, g->n_dst);
	cfg->encoder = kind;
	emb->dim = cfg->dim;
	emb->U = calloc((size_t) g->n_src * cfg->dim, sizeof(float));
	emb->V = calloc((size_t) g->n_dst * cfg->dim, sizeof(float));
	emb->bu = calloc(g->n_src, sizeof(float));
	emb->bv = calloc(g->n_dst, sizeof(float));
	a.g = g;
	a.cfg = cfg;
	a.sampler = &s;
	a.emb = emb;
	a.order = malloc(sizeof(LpEntry) * g->n_entries);
	a.entry_src = malloc(sizeof(int32) * g->n_entries);
	a.progress = Watch;
	a.arg = seen;
	a.final_loss = loss;
	return kind->fit.run(&a);
}

int
main(void)
{
	/* items 0..9; item k has 10 * (10 - k) users: popularity falls with k */
	int32		us[550],
				vs[550];
	int			m = 0;
	LpGraph		g;
	LpTrainConfig cfg;
	LpEmbeddings emb;
	Seen		seen = {0};
	double		loss = -1;
	int			n;
	bool		listed = false;
	bool		falls = true;
	LpTrainResult r;

	for (int32 k = 0; k < 10; k++)
		for (int32 u = 0; u < 10 * (10 - k); u++)
		{
			us[m] = u;
			vs[m++] = k;
		}
	g = TestCsr(100, 10, m, us, vs, false, false);

	n = LpRegistryAdd(LP_ENCODERS, &ToyEncoder);
	Check(n == 0 && LpEncoderAt(n) == &ToyEncoder, "the toy encoder registers as number 0");
	Check(LpRegistryIndex(LP_ENCODERS, "toy") == n &&
		  LpRegistryIndex(LP_ENCODERS, "nonesuch") == -1,
		  "it is found by name, an unknown name is not");
	for (const char *const *nm = LpRegistryNames(LP_ENCODERS); *nm; nm++)
		listed |= strcmp(*nm, "toy") == 0;
	Check(listed, "its name is among those the encoder option accepts");
	Check(LpRegistryAdd(LP_ENCODERS, &ToyEncoder) == n && LpEncoderAt(1) == NULL,
		  "registering it again adds nothing");
	Check(LpEncoderPermits(&ToyEncoder, LP_ENC_MINIMISES_LOSS) &&
		  !LpEncoderPermits(&ToyEncoder, LP_ENC_MINIMISES_LOSS | LP_ENC_WARM_START),
		  "it permits the bits it sets, and asked several at once, only all of them");

	memset(&cfg, 0, sizeof(cfg));
	cfg.dim = 4;
	cfg.epochs = 6;
	cfg.lr = 0.05f;
	cfg.seed = 1;
	Check(LpEncoderEpochs(&ToyEncoder, &cfg) == 6, "with no epochs hook it reports cfg's epochs");

	r = FitToy(&g, &cfg, &emb, &seen, &loss);
	Check(r == LP_TRAIN_OK && isfinite(loss) && loss > 0, "the fit runs through the kind");
	for (int32 k = 1; k < 10; k++)
		falls &= emb.bv[k] < emb.bv[k - 1] + 0.05f;
	Check(falls && emb.bv[0] > emb.bv[9] + 0.5f, "it learns the items' popularity");
	Check(seen.epochs_ended == 6 && seen.calls == 6 * ((m + 63) / 64),
		  "the loop reports every batch and every epoch's end");

	memset(&seen, 0, sizeof(seen));
	seen.stop = true;
	r = FitToy(&g, &cfg, &emb, &seen, &loss);
	Check(r == LP_TRAIN_STOPPED && seen.calls == 1, "a progress callback's false stops it at once");

	memset(&seen, 0, sizeof(seen));
	cfg.margin = -1;			/* ToyFit poisons the loss */
	r = FitToy(&g, &cfg, &emb, &seen, &loss);
	Check(r == LP_TRAIN_DIVERGED && seen.calls == 0, "a NaN loss is divergence, before any report");

	n = LpRegistryAdd(LP_DECODERS, &ToyParallelDecoder);
	Check(n == 0 && LpRegistryAdd(LP_DECODERS, &ToySerialDecoder) == 1 &&
		  LpDecoderAt(1) == &ToySerialDecoder &&
		  LpRegistryAdd(LP_DECODERS, &ToySerialDecoder) == 1 && LpDecoderAt(2) == NULL,
		  "toy decoders register as numbers 0 and 1, once");
	Check(LpRegistryIndex(LP_DECODERS, "toy_serial") == 1 &&
		  strcmp(LpRegistryNames(LP_DECODERS)[0], "toy_parallel") == 0 &&
		  LpRegistryNames(LP_DECODERS)[2] == NULL,
		  "they are found by name and listed as the decoder option's values");
	Check(LpRegistryIndex(LP_DECODERS, "toy") == -1 && LpEncoderAt(0) == &ToyEncoder,
		  "the two registries are apart: the toy encoder is no decoder and is still encoder 0");
	cfg.threads = 4;
	cfg.decoder = 0;
	Check(LpTrainThreads(&g, &cfg) == 4, "the trainer runs a decoder its kind calls parallel on 4 threads");
	cfg.decoder = 1;
	Check(LpTrainThreads(&g, &cfg) == 1, "and one that is not on one thread");
	return TapFinish();
}
