/*
 * test_sage_attrs.c: node attributes as GraphSAGE's input features
 * (src/kernels/sage_attrs.c) on planted groups.  Prints TAP.
 *
 * Items: 120 users and 48 warm items in 4 groups, each user linked to 7
 * items of its group; 8 cold items (2 per group) with no edge.  Every item
 * has two attributes, 1/2 each: its group's and a noise value (the warm
 * items one of 3, shared across groups; every cold item the same one).
 * After the fit
 *
 *  - users score their group's cold items above the other groups' ones,
 *    which only the attributes can teach (no edge reaches a cold item);
 *    the same graph without attributes does not (about 1 user in 4, the
 *    chance that the best of 2 random items beats the best of 6);
 *  - the two cold items of a group, which have the same attributes, have
 *    the same vector and bias: a cold item has no id part;
 *  - the fit's loss is finite.
 *
 * Users (option user_features): the same graph with no item attributes
 * and 8 cold users (2 per group), every user with its group's value:
 * cold users rank their group's items above the others' (AUC).
 *
 * Undirected (a homogeneous graph whose user and item lists are the same
 * arrays, as the node attributes of a tied graph are; then with the item
 * lists alone): 100 nodes in 4 groups, 8 cold ones; cold nodes rank their
 * group's nodes first.
 */
#include "postgres.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "attrs.h"
#include "sage.h"

#include "tap.h"
#include "fixtures.h"

#define NU 120
#define NW 48
#define NC 8
#define GROUPS 4
#define DIM 16

static LpTrainConfig
Config(void)
{
	LpTrainConfig cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.dim = DIM;
	cfg.layers = 2;
	for (int k = 0; k < LP_MAX_LAYERS; k++)
		cfg.fanout[k] = 5;
	cfg.epochs = 60;
	cfg.lr = 0.03f;
	cfg.reg = 1e-3f;
	cfg.loss = LP_TRAIN_BCE;
	cfg.negatives = 4;
	cfg.bias = true;
	cfg.seed = 11;
	cfg.neg_mode = LP_NEG_PLAIN;
	cfg.mean_degree = 1;
	cfg.id_dropout = LP_ATTR_DEFAULT_ID_DROPOUT;
	return cfg;
}

/* the fit on g, with attributes when g has them; emb's U, V in one array */
static LpEmbeddings
Train(const LpGraph *g, const LpTrainConfig *cfg, LpTrainResult *result, double *loss)
{
	LpEmbeddings emb;
	LpSamplerState s;
	int32		rows = g->tied ? g->n_src : g->n_src + g->n_dst;
	float	   *work = malloc(sizeof(float) * LpSageWorkFloats(g, cfg));
	void	   *index = malloc(LpSageIndexBytes(g, cfg));
	LpEntry    *order = malloc(sizeof(LpEntry) * g->n_entries);
	int32	   *entry_src = malloc(sizeof(int32) * g->n_entries);

	memset(&emb, 0, sizeof(emb));
	emb.dim = cfg->dim;
	emb.U = malloc(sizeof(float) * rows * cfg->dim);
	emb.bu = malloc(sizeof(float) * rows);
	emb.V = g->tied ? emb.U : emb.U + (size_t) g->n_src * cfg->dim;
	emb.bv = g->tied ? emb.bu : emb.bu + g->n_src;
	LpInitEmbeddings(&emb, g->n_src, g->n_dst, g->tied, cfg->seed);
	if (g->n_attrs > 0)
	{
		emb.A = malloc(sizeof(float) * g->n_attrs * cfg->dim);
		emb.ab = malloc(sizeof(float) * g->n_attrs);
		LpAttrsInit(g, &emb, cfg->seed);
	}
	LpSamplerInitUniform(&s, g->n_dst);
	*result = LpSageTrain(g, cfg, &s, &emb, order, entry_src, work, index, NULL, NULL, loss);
	free(work);
	free(index);
	free(order);
	free(entry_src);
	return emb;
}

static float
Score(const LpEmbeddings *emb, int32 u, int32 i)
{
	return LpDot(emb->U + (size_t) u * DIM, emb->V + (size_t) i * DIM, DIM) + emb->bu[u] + emb->bv[i];
}

static int32
GroupOf(int32 i)
{
	return i < NW ? i % GROUPS : (i - NW) % GROUPS;
}

/* users whose best score among their group's cold items beats every other group's */
static int
ColdWins(const LpEmbeddings *emb)
{
	int			wins = 0;

	for (int32 u = 0; u < NU; u++)
	{
		float		own = -INFINITY,
					other = -INFINITY;

		for (int32 c = NW; c < NW + NC; c++)
		{
			float		s = Score(emb, u, c);

			if (GroupOf(c) == u % GROUPS)
				own = Max(own, s);
			else
				other = Max(other, s);
		}
		wins += own > other;
	}
	return wins;
}

/* lists of n nodes: weights w of group(i) and of noise(i), given as two attributes each */
static void
Attrs(int32 n, int32 (*group) (int32), int32 (*noise) (int32), int64 **off, int32 **attr, float **w)
{
	int			per = noise ? 2 : 1;

	*off = malloc(sizeof(int64) * (n + 1));
	*attr = malloc(sizeof(int32) * per * n);
	*w = malloc(sizeof(float) * per * n);
	for (int32 i = 0; i <= n; i++)
		(*off)[i] = (int64) per * i;
	for (int32 i = 0; i < n; i++)
	{
		(*attr)[per * i] = group(i);
		(*w)[per * i] = 1.0f / per;
		if (noise)
		{
			(*attr)[per * i + 1] = noise(i);
			(*w)[per * i + 1] = 0.5f;
		}
	}
}

static int32
ItemNoise(int32 i)
{
	return GROUPS + (i < NW ? i % 3 : 0);
}

/* the item side: cold items from their attributes, and without them */
static void
Items(void)
{
	int32		held[NU];
	LpGraph		g = TestPlantedBipartite(NU, NW, GROUPS, 8, 7, held);
	LpTrainConfig cfg = Config();
	LpEmbeddings emb;
	LpTrainResult r;
	double		loss;
	int			wins,
				plain_wins;
	float		same = 0;
	char		detail[128];

	/* the cold items join the item side with no edge */
	g.n_dst = NW + NC;
	g.dst_degree = realloc(g.dst_degree, sizeof(int32) * g.n_dst);
	memset(g.dst_degree + NW, 0, sizeof(int32) * NC);

	emb = Train(&g, &cfg, &r, &loss);
	plain_wins = ColdWins(&emb);

	g.n_attrs = GROUPS + 3;
	Attrs(g.n_dst, GroupOf, ItemNoise, &g.item_attr_off, &g.item_attr, &g.item_attr_w);
	emb = Train(&g, &cfg, &r, &loss);
	Check(r == LP_TRAIN_OK && isfinite(loss), "items: the fit with attributes finishes with a finite loss");
	wins = ColdWins(&emb);
	snprintf(detail, sizeof(detail), " (%d of %d; without attributes %d)", wins, NU, plain_wins);
	TapLine(wins >= NU * 95 / 100,
			"items: at least 95% of users score their group's cold items above the others'", detail);
	TapLine(plain_wins <= NU / 2,
			"items: without attributes, at most half of them do (chance: 1 in 4)", detail);

	/* cold items g and g + 4 have the same attributes */
	for (int32 c = NW; c < NW + GROUPS; c++)
	{
		for (int d = 0; d < DIM; d++)
			same = Max(same, fabsf(emb.V[c * DIM + d] - emb.V[(c + GROUPS) * DIM + d]));
		same = Max(same, fabsf(emb.bv[c] - emb.bv[c + GROUPS]));
	}
	snprintf(detail, sizeof(detail), " (largest difference %.1e)", same);
	TapLine(same == 0, "items: cold items with the same attributes have the same vector and bias (no id part)",
			detail);
}

#define NCU 8

static int32
UserGroupOf(int32 u)
{
	return u < NU ? u % GROUPS : (u - NU) % GROUPS;
}

/* the user side: cold users ranked from their attributes */
static void
Users(void)
{
	int32		held[NU];
	LpGraph		g = TestPlantedBipartite(NU, NW, GROUPS, 8, 7, held);
	LpTrainConfig cfg = Config();
	LpEmbeddings emb;
	LpTrainResult r;
	double		loss,
				auc_min = 1,
				auc_sum = 0;
	char		detail[128];

	/* the cold users join the user side with no edge and no CSR entry */
	g.n_src = NU + NCU;
	g.offsets = realloc(g.offsets, sizeof(int64) * (g.n_src + 1));
	for (int32 u = NU + 1; u <= g.n_src; u++)
		g.offsets[u] = g.offsets[NU];
	g.src_degree = realloc(g.src_degree, sizeof(int32) * g.n_src);
	memset(g.src_degree + NU, 0, sizeof(int32) * NCU);
	g.n_attrs = GROUPS;
	Attrs(g.n_src, UserGroupOf, NULL, &g.user_attr_off, &g.user_attr, &g.user_attr_w);

	emb = Train(&g, &cfg, &r, &loss);
	Check(r == LP_TRAIN_OK && isfinite(loss), "users: the fit with attributes finishes with a finite loss");
	for (int32 u = NU; u < NU + NCU; u++)
	{
		double		above = 0,
					pairs = 0;

		for (int32 i = 0; i < NW; i++)
			for (int32 j = 0; j < NW; j++)
				if (i % GROUPS == UserGroupOf(u) && j % GROUPS != UserGroupOf(u))
				{
					float		si = Score(&emb, u, i),
								sj = Score(&emb, u, j);

					above += si > sj ? 1 : si == sj ? 0.5 : 0;
					pairs += 1;
				}
		auc_min = Min(auc_min, above / pairs);
		auc_sum += above / pairs;
	}
	snprintf(detail, sizeof(detail), " (mean %.3f, worst %.3f)", auc_sum / NCU, auc_min);
	TapLine(auc_sum / NCU >= 0.9 && auc_min >= 0.75,
			"users: cold users rank their group's items above the others' (mean AUC >= 0.9)", detail);
}

#define NN 100
#define NCN 8

static int32
NodeGroupOf(int32 v)
{
	return v % GROUPS;
}

/*
 * an undirected graph whose both attribute lists are the same arrays
 * (both), or which has the item lists alone
 */
static void
Undirected(bool both)
{
	int32		us[NN * 8],
				vs[NN * 8];
	int			m = 0;
	int32		warm = NN - NCN;
	LpRng		rng;
	LpGraph		g;
	LpTrainConfig cfg = Config();
	LpEmbeddings emb;
	LpTrainResult r;
	double		loss,
				auc_sum = 0;
	char		detail[128];

	/* warm nodes 0 .. 91 link to 6 others of their group; 92 .. 99 are cold */
	LpRngSeed(&rng, 3);
	for (int32 u = 0; u < warm; u++)
		for (int k = 0; k < 6; k++)
		{
			int32		v;

			do
				v = NodeGroupOf(u) + GROUPS * (int32) LpRngBelow(&rng, warm / GROUPS);
			while (v == u);
			us[m] = u;
			vs[m++] = v;
		}
	g = TestCsr(NN, NN, m, us, vs, true, true);
	g.n_attrs = GROUPS;
	Attrs(NN, NodeGroupOf, NULL, &g.item_attr_off, &g.item_attr, &g.item_attr_w);
	if (both)
	{
		g.user_attr_off = g.item_attr_off;
		g.user_attr = g.item_attr;
		g.user_attr_w = g.item_attr_w;
	}

	emb = Train(&g, &cfg, &r, &loss);
	Check(r == LP_TRAIN_OK && isfinite(loss), "undirected: the fit with attributes finishes with a finite loss");
	for (int32 c = warm; c < NN; c++)
	{
		double		above = 0,
					pairs = 0;

		for (int32 i = 0; i < warm; i++)
			for (int32 j = 0; j < warm; j++)
				if (NodeGroupOf(i) == NodeGroupOf(c) && NodeGroupOf(j) != NodeGroupOf(c))
				{
					float		si = Score(&emb, c, i),
								sj = Score(&emb, c, j);

					above += si > sj ? 1 : si == sj ? 0.5 : 0;
					pairs += 1;
				}
		auc_sum += above / pairs;
	}
	snprintf(detail, sizeof(detail), " (%s; mean AUC %.3f)",
			 both ? "user and item lists the same arrays" : "item lists alone", auc_sum / NCN);
	TapLine(auc_sum / NCN >= 0.9, "undirected: cold nodes rank their group's nodes first (mean AUC >= 0.9)",
			detail);
}

int
main(void)
{
	TestRegisterDecoders();
	Items();
	Users();
	Undirected(true);
	Undirected(false);
	return TapFinish();
}
