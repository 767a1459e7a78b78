/*
 * test_attrs.c: item attributes in the matrix factorisation
 * (src/kernels/attrs.h) on planted groups.
 *
 * 120 users and 48 warm items in 4 groups, each user linked to 7 items of
 * its group; 8 cold items (2 per group) with no edge.  Every item has two
 * attributes, weight 1/2 each: its group's and one of 3 noise values shared
 * across groups.  After the fit
 *
 *  - a cold item's vector is exactly the weighted mean of its attributes'
 *    vectors and its bias theirs, a warm item's is its id vector plus that;
 *  - users score their group's cold items above the other groups' ones,
 *    which only the attributes can teach (no edge reaches a cold item);
 *  - the fit's loss is finite and fell.
 */
#include "postgres.h"

#include <math.h>

#include "attrs.h"
#include "train.h"

#include "fixtures.h"
#include "tap.h"

#define NU 120
#define NW 48
#define NC 8
#define GROUPS 4
#define DIM 16

static bool
LastLoss(void *arg, int epoch, double frac, double loss, bool epoch_end)
{
	double	   *l = arg;

	if (epoch_end)
		l[epoch == 1 ? 0 : 1] = loss;
	return true;
}

static int32
GroupOf(int32 i)
{
	return i < NW ? i % GROUPS : (i - NW) % GROUPS;
}

int
main(void)
{
	int32		held[NU];
	LpGraph		g = TestPlantedBipartite(NU, NW, GROUPS, 8, 7, held);
	LpTrainConfig cfg;
	LpEmbeddings emb;
	LpSamplerState sampler;
	int32		n_dst = NW + NC;
	int64	   *order;
	int32	   *entry_src;
	float	   *id_part;
	double		loss[2] = {0, 0};
	double		final_loss;
	LpTrainResult r;
	int			wins = 0;
	float		worst = 0;

	TestRegisterDecoders();
	/* the cold items join the item side with no edge */
	g.n_dst = n_dst;
	g.dst_degree = realloc(g.dst_degree, sizeof(int32) * n_dst);
	memset(g.dst_degree + NW, 0, sizeof(int32) * NC);
	g.n_attrs = GROUPS + 3;
	g.item_attr_off = malloc(sizeof(int64) * (n_dst + 1));
	g.item_attr = malloc(sizeof(int32) * 2 * n_dst);
	g.item_attr_w = malloc(sizeof(float) * 2 * n_dst);
	for (int32 i = 0; i <= n_dst; i++)
		g.item_attr_off[i] = 2 * i;
	for (int32 i = 0; i < n_dst; i++)
	{
		g.item_attr[2 * i] = GroupOf(i);
		g.item_attr[2 * i + 1] = GROUPS + i % 3;
		g.item_attr_w[2 * i] = g.item_attr_w[2 * i + 1] = 0.5f;
	}

	memset(&cfg, 0, sizeof(cfg));
	cfg.dim = DIM;
	cfg.epochs = 30;
	cfg.lr = 0.1f;
	cfg.reg = 0.01f;
	cfg.loss = LP_TRAIN_BCE;
	cfg.negatives = 4;
	cfg.bias = true;
	cfg.seed = 11;
	cfg.neg_mode = LP_NEG_PLAIN;
	cfg.decoder = LP_DECODER_DOT;
	cfg.id_dropout = LP_ATTR_DEFAULT_ID_DROPOUT;

	memset(&emb, 0, sizeof(emb));
	emb.dim = DIM;
	emb.U = malloc(sizeof(float) * NU * DIM);
	emb.V = malloc(sizeof(float) * n_dst * DIM);
	emb.bu = malloc(sizeof(float) * NU);
	emb.bv = malloc(sizeof(float) * n_dst);
	emb.A = malloc(sizeof(float) * g.n_attrs * DIM);
	emb.ab = malloc(sizeof(float) * g.n_attrs);
	LpInitEmbeddings(&emb, NU, n_dst, false, cfg.seed);
	LpAttrsInit(&g, &emb, cfg.seed);
	LpSamplerInitUniform(&sampler, n_dst);
	order = malloc(sizeof(int64) * g.n_entries);
	entry_src = malloc(sizeof(int32) * g.n_entries);

	r = LpTrain(&g, &cfg, &sampler, &emb, order, entry_src, LastLoss, loss, &final_loss);
	Check(r == LP_TRAIN_OK && isfinite(final_loss), "the fit with attributes finishes with a finite loss");
	Check(loss[1] < loss[0], "the loss of the last epoch is below the first's");

	id_part = malloc(sizeof(float) * n_dst * DIM);
	memcpy(id_part, emb.V, sizeof(float) * n_dst * DIM);
	LpAttrsCompose(&g, &emb);

	/* composed vectors: cold = attributes' mean, warm = id + attributes' mean */
	for (int32 i = 0; i < n_dst; i++)
		for (int d = 0; d < DIM; d++)
		{
			float		a = 0.5f * emb.A[GroupOf(i) * DIM + d] + 0.5f * emb.A[(GROUPS + i % 3) * DIM + d];
			float		want = (i < NW ? id_part[i * DIM + d] : 0) + a;

			worst = Max(worst, fabsf(emb.V[i * DIM + d] - want));
		}
	Check(worst < 1e-5f, "composed: a cold item's vector is its attributes' mean, a warm item's adds its id vector");
	Check(fabsf(emb.bv[NW] - 0.5f * (emb.ab[GroupOf(NW)] + emb.ab[GROUPS + NW % 3])) < 1e-5f,
		  "composed: a cold item's bias is its attributes' mean bias");

	for (int32 u = 0; u < NU; u++)
	{
		float		own = -INFINITY,
					other = -INFINITY;

		for (int32 c = NW; c < n_dst; c++)
		{
			float		s = LpDot(emb.U + u * DIM, emb.V + c * DIM, DIM) + emb.bu[u] + emb.bv[c];

			if (GroupOf(c) == u % GROUPS)
				own = Max(own, s);
			else
				other = Max(other, s);
		}
		wins += own > other;
	}
	printf("# users ranking their group's cold items first: %d of %d\n", wins, NU);
	Check(wins >= NU * 95 / 100, "at least 95% of users score their group's cold items above the others'");

	return TapFinish();
}
