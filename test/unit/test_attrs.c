/*
 * test_attrs.c: node attributes in the matrix factorisation
 * (src/kernels/attrs.h) on planted groups.
 *
 * Items: 120 users and 48 warm items in 4 groups, each user linked to 7
 * items of its group; 8 cold items (2 per group) with no edge.  Every item
 * has two attributes, weight 1/2 each: its group's and one of 3 noise
 * values shared across groups.  After the fit
 *
 *  - a cold item's vector is exactly the weighted mean of its attributes'
 *    vectors and its bias theirs, a warm item's is its id vector plus that;
 *  - users score their group's cold items above the other groups' ones,
 *    which only the attributes can teach (no edge reaches a cold item);
 *  - the fit's loss is finite and fell.
 *
 * Users (option user_features): the same graph, no item attributes, and 8
 * cold users (2 per group) with no edge; every user has its group's value
 * and a noise value.  After the fit a cold user's vector and bias are its
 * attributes' alone, a warm user's add its id part, and cold users rank
 * their group's items above the others' (AUC per user), which only the
 * attributes can teach; the attributes keep the trainer on one thread.
 *
 * Then the signed terms of numeric and vector columns (attrs_columns.h),
 * outside the categorical mean:
 *
 *  - one step's change of every part (id vector, a categorical value, two
 *    signed terms) is -lr times its gradient, checked by finite
 *    differences of the loss of the composed vector (handing a negative
 *    term's change back with |x| instead of x fails it);
 *  - the same planted groups told by a 2-component vector of signs
 *    (+-1/sqrt(2) per component) alone: users again score their group's
 *    cold items first.
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

/* the fit's settings both tests share */
static void
Config(LpTrainConfig *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->dim = DIM;
	cfg->epochs = 30;
	cfg->lr = 0.1f;
	cfg->reg = 0.01f;
	cfg->loss = LP_TRAIN_BCE;
	cfg->negatives = 4;
	cfg->bias = true;
	cfg->seed = 11;
	cfg->neg_mode = LP_NEG_PLAIN;
	cfg->decoder = LP_DECODER_DOT;
	cfg->id_dropout = LP_ATTR_DEFAULT_ID_DROPOUT;
}

/* n nodes' lists of two attributes, 1/2 each: group(i) and first + i % 3 */
static void
TwoAttrs(int32 n, int32 (*group) (int32), int32 first, int64 **off, int32 **attr, float **w)
{
	*off = malloc(sizeof(int64) * (n + 1));
	*attr = malloc(sizeof(int32) * 2 * n);
	*w = malloc(sizeof(float) * 2 * n);
	for (int32 i = 0; i <= n; i++)
		(*off)[i] = 2 * i;
	for (int32 i = 0; i < n; i++)
	{
		(*attr)[2 * i] = group(i);
		(*attr)[2 * i + 1] = first + i % 3;
		(*w)[2 * i] = (*w)[2 * i + 1] = 0.5f;
	}
}

/* embeddings for n_src users, n_dst items and g's attributes, initialised */
static void
AllocEmbeddings(const LpGraph *g, const LpTrainConfig *cfg, LpEmbeddings *emb)
{
	memset(emb, 0, sizeof(*emb));
	emb->dim = DIM;
	emb->U = malloc(sizeof(float) * g->n_src * DIM);
	emb->V = malloc(sizeof(float) * g->n_dst * DIM);
	emb->bu = malloc(sizeof(float) * g->n_src);
	emb->bv = malloc(sizeof(float) * g->n_dst);
	emb->A = malloc(sizeof(float) * g->n_attrs * DIM);
	emb->ab = malloc(sizeof(float) * g->n_attrs);
	LpInitEmbeddings(emb, g->n_src, g->n_dst, false, cfg->seed);
	LpAttrsInit(g, emb, cfg->seed);
}

/* the fit; loss[0] and loss[1]: the first epoch's and the last's */
static LpTrainResult
Fit(const LpGraph *g, const LpTrainConfig *cfg, LpEmbeddings *emb, double *loss, double *final_loss)
{
	LpSamplerState sampler;

	LpSamplerInitUniform(&sampler, g->n_dst);
	return LpTrain(g, cfg, &sampler, emb, malloc(sizeof(LpEntry) * g->n_entries),
				   malloc(sizeof(int32) * g->n_entries), LastLoss, loss, final_loss);
}

/* users whose best score among their group's cold items beats every other group's */
static int
ColdWins(const LpEmbeddings *emb, int32 n_dst)
{
	int			wins = 0;

	for (int32 u = 0; u < NU; u++)
	{
		float		own = -INFINITY,
					other = -INFINITY;

		for (int32 c = NW; c < n_dst; c++)
		{
			float		s = LpDot(emb->U + u * DIM, emb->V + c * DIM, DIM) + emb->bu[u] + emb->bv[c];

			if (GroupOf(c) == u % GROUPS)
				own = Max(own, s);
			else
				other = Max(other, s);
		}
		wins += own > other;
	}
	return wins;
}

/* the pointwise loss of user u against item i's composed vector */
static float
ComposedLoss(const LpGraph *g, const LpTrainConfig *cfg, const LpEmbeddings *emb, int32 u, int32 i)
{
	float		v[DIM],
				b,
				loss = 0;

	LpAttrsVector(g, emb, false, i, v, &b);
	LpDotPointGrad(cfg, emb->U + u * DIM, &emb->bu[u], v, &b, 1.0f, 1.0f, &loss);
	return loss;
}

/*
 * One step of user 0 on item 0, whose vector is V[0] + 1 A[0] - 1.7 A[1] +
 * 0.6 A[2] (a categorical value, then two signed terms): each part moves
 * by -lr times the loss's derivative, found by central differences.
 */
static void
SignedTermsGradient(void)
{
	int64		off[3] = {0, 3, 3};
	int32		attr[3] = {0, 1, 2};
	float		w[3] = {1.0f, -1.7f, 0.6f};
	float	   *parts[4];
	LpGraph		g;
	LpTrainConfig cfg;
	LpEmbeddings emb,
				before;
	LpRng		rng;
	float		scratch[4 * DIM];
	float		worst = 0;
	const float lr = 1e-3f,
				h = 1e-2f;

	memset(&g, 0, sizeof(g));
	g.n_src = 1;
	g.n_dst = 2;
	g.n_attrs = 3;
	g.item_attr_off = off;
	g.item_attr = attr;
	g.item_attr_w = w;
	Config(&cfg);
	cfg.negatives = 0;
	cfg.reg = 0;
	cfg.id_dropout = 0;
	AllocEmbeddings(&g, &cfg, &emb);
	before = emb;
	before.V = malloc(sizeof(float) * 2 * DIM);
	before.A = malloc(sizeof(float) * 3 * DIM);
	memcpy(before.V, emb.V, sizeof(float) * 2 * DIM);
	memcpy(before.A, emb.A, sizeof(float) * 3 * DIM);
	LpRngSeed(&rng, 5);

	/* the derivatives at the start, in `before`'s copies */
	parts[0] = before.V;
	parts[1] = before.A;
	parts[2] = before.A + DIM;
	parts[3] = before.A + 2 * DIM;
	{
		float		grad[4][DIM];

		for (int p = 0; p < 4; p++)
			for (int d = 0; d < DIM; d++)
			{
				float		x = parts[p][d],
							up,
							down;

				parts[p][d] = x + h;
				up = ComposedLoss(&g, &cfg, &before, 0, 0);
				parts[p][d] = x - h;
				down = ComposedLoss(&g, &cfg, &before, 0, 0);
				parts[p][d] = x;
				grad[p][d] = (up - down) / (2 * h);
			}
		LpAttrStep(&g, &cfg, NULL, &emb, &rng, 0, 0, 1.0f, lr, scratch);
		for (int d = 0; d < DIM; d++)
		{
			worst = Max(worst, fabsf((emb.V[d] - before.V[d]) + lr * grad[0][d]));
			for (int a = 0; a < 3; a++)
				worst = Max(worst, fabsf((emb.A[a * DIM + d] - before.A[a * DIM + d]) + lr * grad[a + 1][d]));
		}
	}
	printf("# largest step error against -lr x the finite-difference gradient: %g (lr %g)\n", worst, lr);
	Check(worst < 2e-5f * lr / 1e-3f,
		  "signed terms: one step moves the id vector, the value and both signed terms by -lr x their gradient");
}

/*
 * The planted groups of main, each item told by two signed terms alone:
 * +-1/sqrt(2) on two attributes, the signs spelling its group.
 */
static void
SignedTermsPlanted(LpGraph g)
{
	int32		n_dst = g.n_dst;
	LpTrainConfig cfg;
	LpEmbeddings emb;
	double		loss[2] = {0, 0};
	double		final_loss;
	int			wins;

	g.n_attrs = 2;
	for (int32 i = 0; i < n_dst; i++)
		for (int k = 0; k < 2; k++)
		{
			g.item_attr[2 * i + k] = k;
			g.item_attr_w[2 * i + k] = ((GroupOf(i) >> k) & 1 ? 1.0f : -1.0f) / sqrtf(2.0f);
		}
	Config(&cfg);
	AllocEmbeddings(&g, &cfg, &emb);
	Check(Fit(&g, &cfg, &emb, loss, &final_loss) == LP_TRAIN_OK && isfinite(final_loss),
		  "signed terms: the fit finishes with a finite loss");
	LpAttrsCompose(&g, &emb);
	wins = ColdWins(&emb, n_dst);
	printf("# signed terms alone: users ranking their group's cold items first: %d of %d\n", wins, NU);
	Check(wins >= NU * 95 / 100, "signed terms: at least 95% of users score their group's cold items above the others'");
}

/*
 * An undirected homogeneous graph: one table (U == V), a node's attribute
 * list serving both sides (graph.h).  Composing adds the attributes once,
 * and a node of degree 0 keeps its attributes' part alone.
 */
static void
TiedComposedOnce(void)
{
	enum
	{
		N = 6
	};
	LpGraph		g;
	LpEmbeddings emb;
	int32		degree[N] = {2, 1, 3, 1, 1, 0};
	float		id_part[N * DIM];
	float		worst = 0;

	memset(&g, 0, sizeof(g));
	g.homogeneous = g.tied = true;
	g.n_src = g.n_dst = N;
	g.src_degree = g.dst_degree = degree;
	g.n_attrs = GROUPS + 3;
	TwoAttrs(N, GroupOf, GROUPS, &g.item_attr_off, &g.item_attr, &g.item_attr_w);
	g.user_attr_off = g.item_attr_off;
	g.user_attr = g.item_attr;
	g.user_attr_w = g.item_attr_w;
	memset(&emb, 0, sizeof(emb));
	emb.dim = DIM;
	emb.U = emb.V = malloc(sizeof(float) * N * DIM);
	emb.bu = emb.bv = malloc(sizeof(float) * N);
	emb.A = malloc(sizeof(float) * g.n_attrs * DIM);
	emb.ab = malloc(sizeof(float) * g.n_attrs);
	LpInitEmbeddings(&emb, N, N, true, 5);
	LpAttrsInit(&g, &emb, 5);
	memcpy(id_part, emb.U, sizeof(id_part));
	LpAttrsCompose(&g, &emb);
	for (int32 i = 0; i < N; i++)
		for (int d = 0; d < DIM; d++)
		{
			float		a = 0.5f * emb.A[GroupOf(i) * DIM + d] + 0.5f * emb.A[(GROUPS + i % 3) * DIM + d];
			float		want = (degree[i] > 0 ? id_part[i * DIM + d] : 0) + a;

			worst = Max(worst, fabsf(emb.U[i * DIM + d] - want));
		}
	Check(worst < 1e-5f, "tied graph: a node is composed once (id + attributes), a node without edges from its attributes alone");
}

#define NCU 8

static int32
UserGroupOf(int32 u)
{
	return u < NU ? u % GROUPS : (u - NU) % GROUPS;
}

/* the users' side: cold users ranked from their attributes */
static void
UserSide(void)
{
	int32		held[NU];
	LpGraph		g = TestPlantedBipartite(NU, NW, GROUPS, 8, 7, held);
	int32		n_src = NU + NCU;
	LpTrainConfig cfg;
	LpEmbeddings emb;
	LpSamplerState sampler;
	LpEntry	   *order;
	int32	   *entry_src;
	float	   *id_part;
	double		final_loss;
	LpTrainResult r;
	float		worst = 0;
	double		auc_min = 1,
				auc_sum = 0;

	/* the cold users join the user side with no edge and no CSR entry */
	g.n_src = n_src;
	g.src_degree = realloc(g.src_degree, sizeof(int32) * n_src);
	memset(g.src_degree + NU, 0, sizeof(int32) * NCU);
	g.offsets = realloc(g.offsets, sizeof(int64) * (n_src + 1));
	for (int32 u = NU + 1; u <= n_src; u++)
		g.offsets[u] = g.offsets[NU];
	g.n_attrs = GROUPS + 3;
	TwoAttrs(n_src, UserGroupOf, GROUPS, &g.user_attr_off, &g.user_attr, &g.user_attr_w);

	Config(&cfg);
	cfg.threads = 2;
	Check(LpTrainThreads(&g, &cfg) == 1, "users: attributes keep the trainer on one thread");
	AllocEmbeddings(&g, &cfg, &emb);
	LpSamplerInitUniform(&sampler, NW);
	order = malloc(sizeof(int64) * g.n_entries);
	entry_src = malloc(sizeof(int32) * g.n_entries);
	r = LpTrain(&g, &cfg, &sampler, &emb, order, entry_src, NULL, NULL, &final_loss);
	Check(r == LP_TRAIN_OK && isfinite(final_loss), "users: the fit with user attributes finishes with a finite loss");

	id_part = malloc(sizeof(float) * n_src * DIM);
	memcpy(id_part, emb.U, sizeof(float) * n_src * DIM);
	LpAttrsCompose(&g, &emb);
	for (int32 u = 0; u < n_src; u++)
		for (int d = 0; d < DIM; d++)
		{
			float		a = 0.5f * emb.A[UserGroupOf(u) * DIM + d] + 0.5f * emb.A[(GROUPS + u % 3) * DIM + d];
			float		want = (u < NU ? id_part[u * DIM + d] : 0) + a;

			worst = Max(worst, fabsf(emb.U[u * DIM + d] - want));
		}
	Check(worst < 1e-5f, "users: a cold user's vector is its attributes' mean, a warm user's adds its id vector");
	Check(fabsf(emb.bu[NU] - 0.5f * (emb.ab[UserGroupOf(NU)] + emb.ab[GROUPS + NU % 3])) < 1e-5f,
		  "users: a cold user's bias is its attributes' mean bias");

	/* each cold user's AUC: its group's items against the others' */
	for (int32 u = NU; u < n_src; u++)
	{
		int64		right = 0,
					pairs = 0;

		for (int32 i = 0; i < NW; i++)
			for (int32 j = 0; j < NW; j++)
			{
				if (GroupOf(i) != UserGroupOf(u) || GroupOf(j) == UserGroupOf(u))
					continue;
				right += LpDot(emb.U + u * DIM, emb.V + i * DIM, DIM) + emb.bv[i] >
					LpDot(emb.U + u * DIM, emb.V + j * DIM, DIM) + emb.bv[j];
				pairs++;
			}
		auc_min = Min(auc_min, (double) right / pairs);
		auc_sum += (double) right / pairs;
	}
	printf("# cold users' AUC of their group's items: mean %.3f, lowest %.3f\n",
		   auc_sum / NCU, auc_min);
	Check(auc_min >= 0.9, "users: every cold user ranks its group's items above the others' (AUC >= 0.9)");
}

/* mean over users of the share of other groups' warm items their held item outscores */
static double
WarmAuc(const LpEmbeddings *emb, const int32 *held)
{
	double		sum = 0;

	for (int32 u = 0; u < NU; u++)
	{
		const float *pu = emb->U + u * DIM;
		float		sh = LpDot(pu, emb->V + held[u] * DIM, DIM) + emb->bv[held[u]];
		int			below = 0,
					n = 0;

		for (int32 c = 0; c < NW; c++)
			if (GroupOf(c) != u % GROUPS)
			{
				below += LpDot(pu, emb->V + c * DIM, DIM) + emb->bv[c] < sh;
				n++;
			}
		sum += (double) below / n;
	}
	return sum / NU;
}

/*
 * A no-signal attribute: every warm item's only attribute is one of 3
 * values given regardless of its group ((i / GROUPS) % 3).  Trained with
 * the default id_dropout, the held items' warm AUC must stay within 0.02
 * of the same fit without attributes: the attribute may not drag warm
 * quality down.
 */
static void
NoSignalAttribute(void)
{
	int32		held[NU];
	LpGraph		g = TestPlantedBipartite(NU, NW, GROUPS, 8, 7, held);
	LpTrainConfig cfg;
	LpEmbeddings emb;
	double		loss[2],
				final_loss,
				auc_plain,
				auc_attr;

	Config(&cfg);
	cfg.epochs = 15;
	AllocEmbeddings(&g, &cfg, &emb);
	Fit(&g, &cfg, &emb, loss, &final_loss);
	auc_plain = WarmAuc(&emb, held);

	g.n_attrs = 3;
	g.item_attr_off = malloc(sizeof(int64) * (NW + 1));
	g.item_attr = malloc(sizeof(int32) * NW);
	g.item_attr_w = malloc(sizeof(float) * NW);
	for (int32 i = 0; i <= NW; i++)
		g.item_attr_off[i] = i;
	for (int32 i = 0; i < NW; i++)
	{
		g.item_attr[i] = (i / GROUPS) % 3;
		g.item_attr_w[i] = 1.0f;
	}
	AllocEmbeddings(&g, &cfg, &emb);
	Fit(&g, &cfg, &emb, loss, &final_loss);
	LpAttrsCompose(&g, &emb);
	auc_attr = WarmAuc(&emb, held);
	printf("# warm AUC of the held items: %.4f without attributes, %.4f with a no-signal one\n",
		   auc_plain, auc_attr);
	Check(auc_attr >= auc_plain - 0.02,
		  "no-signal attribute: warm AUC within 0.02 of the fit without attributes");
}

int
main(void)
{
	int32		held[NU];
	LpGraph		g = TestPlantedBipartite(NU, NW, GROUPS, 8, 7, held);
	LpTrainConfig cfg;
	LpEmbeddings emb;
	int32		n_dst = NW + NC;
	float	   *id_part;
	double		loss[2] = {0, 0};
	double		final_loss;
	LpTrainResult r;
	int			wins;
	float		worst = 0;

	TestRegisterDecoders();
	/* the cold items join the item side with no edge */
	g.n_dst = n_dst;
	g.dst_degree = realloc(g.dst_degree, sizeof(int32) * n_dst);
	memset(g.dst_degree + NW, 0, sizeof(int32) * NC);
	g.n_attrs = GROUPS + 3;
	TwoAttrs(n_dst, GroupOf, GROUPS, &g.item_attr_off, &g.item_attr, &g.item_attr_w);

	Config(&cfg);
	AllocEmbeddings(&g, &cfg, &emb);
	r = Fit(&g, &cfg, &emb, loss, &final_loss);
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

	wins = ColdWins(&emb, n_dst);
	printf("# users ranking their group's cold items first: %d of %d\n", wins, NU);
	Check(wins >= NU * 95 / 100, "at least 95% of users score their group's cold items above the others'");

	UserSide();
	NoSignalAttribute();
	SignedTermsGradient();
	SignedTermsPlanted(g);
	TiedComposedOnce();
	return TapFinish();
}
