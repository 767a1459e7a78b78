/*
 * test_eval.c: unit tests of the metrics (src/kernels/metrics.c) against values
 * computed by hand: AUC with ties, Recall / NDCG / Hits / MRR with fewer
 * relevant items than K, training items excluded, users without test items
 * not counted, unknown users counted with zeros, sampled-negative AUC.
 */
#include "postgres.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "metrics.h"

#include "tap.h"

static void
Near(double got, double want, const char *what)
{
	char		detail[64];

	snprintf(detail, sizeof(detail), " (got %.6f, want %.6f)", got, want);
	TapLine(fabs(got - want) < 1e-6, what, detail);
}

/* a scorer over a fixed score matrix */
typedef struct Fixed
{
	int32		n_items;
	const float *s;
} Fixed;

static double
FixedPair(void *arg, int32 u, int32 v)
{
	Fixed	   *f = arg;

	if (u < 0 || v < 0)
		return 0;				/* a node with no history */
	return f->s[u * f->n_items + v];
}

static void
FixedBlock(void *arg, const int32 *users, int nb, float *out)
{
	Fixed	   *f = arg;

	for (int b = 0; b < nb; b++)
		memcpy(out + b * f->n_items, f->s + users[b] * f->n_items, sizeof(float) * f->n_items);
}

static LpEvalScratch
Scratch(int64 npairs, int32 n_users, int32 n_items, int kmax, int block)
{
	LpEvalScratch s;

	s.order = malloc(sizeof(int64) * npairs);
	s.uoff = malloc(sizeof(int64) * (n_users + 2));
	s.scores = malloc(sizeof(float) * n_items * block);
	s.top = malloc(sizeof(int32) * kmax);
	s.pos = malloc(sizeof(double) * npairs);
	s.neg = malloc(sizeof(double) * npairs);
	s.users = malloc(sizeof(int32) * block);
	return s;
}

int
main(void)
{
	/* 3 users x 5 items */
	static const float S[15] = {
		0.9f, 0.8f, 0.7f, 0.6f, 0.5f,	/* user 0 */
		0.1f, 0.5f, 0.5f, 0.9f, 0.2f,	/* user 1 */
		0.3f, 0.3f, 0.3f, 0.3f, 0.3f	/* user 2: all tied */
	};
	Fixed		f = {5, S};
	LpEvalScorer sc = {&f, FixedPair, FixedBlock, 2};
	int64		seen_start[3] = {0, 0, 1};
	int32		seen_len[3] = {0, 1, 0};
	int32		seen[1] = {3};	/* user 1 had item 3 in training */
	LpEvalTrainView view = {3, 5, false, seen_start, seen_len, seen, NULL};
	int			ks[2] = {2, 10};
	LpEvalResult r;

	printf("1..18\n");

	/* labelled AUC with ties: positives 0.9 (u0,i0), 0.5 (u1,i1), 0.5 (u1,i2);
	 * negatives 0.5 (u0,i4), 0.1 (u1,i0).  Wins: 2 + 1.5 + 1.5 = 5 of 6. */
	{
		int32		u[5] = {0, 1, 1, 0, 1};
		int32		v[5] = {0, 1, 2, 4, 0};
		int8		lab[5] = {1, 1, 1, 0, 0};
		LpEvalPairs p = {5, u, v, lab, 0};
		LpEvalScratch s = Scratch(5, 3, 5, 10, 2);

		LpEvaluate(&view, &sc, &p, 0, ks, 1, &s, NULL, NULL, &r);
		Near(r.auc, 5.0 / 6.0, "labelled AUC counts ties one half");
		/* Hanley-McNeil with A = 5/6, 3 positives, 2 negatives: Q1 = A / (2 - A)
		 * = 5/7, Q2 = 2A^2 / (1 + A) = 25/33 */
		Near(r.auc_se, sqrt((5.0 / 36 + 2 * (5.0 / 7 - 25.0 / 36) + (25.0 / 33 - 25.0 / 36)) / 6),
			 "labelled AUC: Hanley and McNeil's standard error");
	}

	/* a node the model never saw scores as a node with no history (0 here):
	 * positives 0.9 and 0 (unknown user), negatives 0.5 and 0 (unknown):
	 * wins 1 + 1 + 0 + 0.5 of 4 */
	{
		int32		u[4] = {0, -1, 0, -1};
		int32		v[4] = {0, 2, 4, 1};
		int8		lab[4] = {1, 1, 0, 0};
		LpEvalPairs p = {4, u, v, lab, 0};
		LpEvalScratch s = Scratch(4, 3, 5, 10, 2);

		LpEvaluate(&view, &sc, &p, 0, ks, 1, &s, NULL, NULL, &r);
		Near(r.auc, 2.5 / 4.0, "an unknown node scores as a node with no history, and ties");
	}

	/* ranking: user 0 relevant {1, 3}; nothing excluded.  Top 2 = [0, 1]:
	 * recall@2 = 1/2, ndcg@2 = (1/log2 3) / (1 + 1/log2 3), hits@2 = 1.
	 * K = 10 > 5 items: recall 1, ndcg = (1/log2 3 + 1/log2 5) / (1 + 1/log2 3).
	 * MRR: best relevant is item 1 at rank 2. */
	{
		int32		u[2] = {0, 0};
		int32		v[2] = {1, 3};
		LpEvalPairs p = {2, u, v, NULL, 0};
		LpEvalScratch s = Scratch(2, 3, 5, 10, 2);
		double		idcg = 1 + 1 / log2(3);

		LpEvaluate(&view, &sc, &p, 2, ks, 1, &s, NULL, NULL, &r);
		Near(r.recall[0], 0.5, "recall@2");
		Near(r.ndcg[0], (1 / log2(3)) / idcg, "ndcg@2");
		Near(r.hits[0], 1.0, "hits@2");
		Near(r.recall[1], 1.0, "recall@10 with fewer items than K");
		Near(r.ndcg[1], (1 / log2(3) + 1 / log2(5)) / idcg, "ndcg@10 with fewer relevant items than K");
		Near(r.mrr, 0.5, "MRR = 1 / rank of the best relevant item");
		Near((double) r.users, 1, "users without test items are not counted");
	}

	/* training items are excluded: user 1 had item 3 (score 0.9); the top
	 * is then item 1 or 2 (0.5, tie broken by lower index: 1).  Relevant
	 * {2}: rank 2, so hits@2 = 1, recall@2 = 1, ndcg@2 = 1/log2 3, MRR 1/2. */
	{
		int32		u[1] = {1};
		int32		v[1] = {2};
		LpEvalPairs p = {1, u, v, NULL, 0};
		LpEvalScratch s = Scratch(1, 3, 5, 10, 2);

		LpEvaluate(&view, &sc, &p, 2, ks, 1, &s, NULL, NULL, &r);
		Near(r.recall[0], 1.0, "training items never take a top-K place");
		Near(r.ndcg[0], 1 / log2(3), "ndcg@2 after exclusion");
		Near(r.mrr, 0.5, "MRR after exclusion and a tie");
	}

	/* an unknown user counts with zeros: user 0 as above (recall@2 1/2)
	 * plus one unknown user: mean recall@2 = 1/4 over 2 users */
	{
		int32		u[3] = {0, 0, -1};
		int32		v[3] = {1, 3, 2};
		LpEvalPairs p = {3, u, v, NULL, 1};
		LpEvalScratch s = Scratch(3, 3, 5, 10, 2);

		LpEvaluate(&view, &sc, &p, 2, ks, 1, &s, NULL, NULL, &r);
		Near(r.recall[0], 0.25, "an unknown user counts with zero recall");
		/* recalls 1/2 and 0: variance 1/16, error sqrt(1/16 / 2) */
		Near(r.recall_se[0], sqrt(1.0 / 32), "recall's standard error over users, the unknown one included");
		Near((double) r.unknown, 1, "pairs with an unknown node are counted");
	}

	/* sampled AUC: user 0's positive item 0 scores above every other item: 1;
	 * user 2 scores everything the same: 1/2.  Mean over the two: 3/4. */
	{
		int32		u[2] = {0, 2};
		int32		v[2] = {0, 4};
		LpEvalPairs p = {2, u, v, NULL, 0};
		LpEvalScratch s = Scratch(2, 3, 5, 10, 2);

		LpEvaluate(&view, &sc, &p, 0, ks, 7, &s, NULL, NULL, &r);
		Near(r.auc, 0.75, "sampled AUC: wins 1, ties 1/2");
		/* draws 1 and 1/2: variance 1/16, error sqrt(1/16 / 2) */
		Near(r.auc_se, sqrt(1.0 / 32), "sampled AUC: the standard error of its draws");
	}

	return TapFinish();
}
