-- bench/planetoid.sql: Cora and CiteSeer (Planetoid release) link
-- prediction, run by bench/planetoid.sh from the staged data folder.
-- Prints "name|value" rows.
--
-- psql variables: seeds (how many seeds, 1..seeds).
\set words '"item_features": {"relation": "pl.words", "key": "node", "attribute": "feature"}'
--
-- (a) the graph auto-encoder protocol of Kipf & Welling 2016: per seed, the
--     undirected edges split 85/5/10 (train/validation/test) at random, as
--     many non-edges as validation and test edges drawn at random; the
--     model trains on the 85% (homogeneous, every other option at its
--     default), once without and once with the nodes' word sets (option
--     item_features, a many-to-many attribute), and scores the test edges
--     and their equal number of non-edges: AUC and AP, mean over the
--     seeds.  A pair with a node the
--     training part never saw has no score (NULL) and ranks below every
--     scored pair.  The SQL cosine similarity of the two nodes' word sets
--     is scored on the same pairs as a baseline.
-- (b) inductive: per seed, 10% of the nodes are held out with all their
--     edges; their true edges (to any node) against as many random
--     non-edges with one held-out end: AUC of the model trained on the
--     other nodes' edges with every node's word set (a held-out node is in
--     no training edge: a cold node, its vector its words' alone), and of
--     the cosine similarity of the two nodes' word sets (SQL).
\set ON_ERROR_STOP 1
CREATE SCHEMA pl;
CREATE TABLE pl.edges (g text, src int, dst int);
CREATE TABLE pl.feat (g text, node int, feature int);
CREATE TEMP TABLE raw_e (src int, dst int);
CREATE TEMP TABLE raw_f (node int, feature int);
\copy raw_e FROM 'shared/data/planetoid/cora_edges.csv' WITH (FORMAT csv, HEADER)
\copy raw_f FROM 'shared/data/planetoid/cora_features.csv' WITH (FORMAT csv, HEADER)
INSERT INTO pl.edges SELECT 'cora', src, dst FROM raw_e;
INSERT INTO pl.feat SELECT 'cora', node, feature FROM raw_f;
TRUNCATE raw_e, raw_f;
\copy raw_e FROM 'shared/data/planetoid/citeseer_edges.csv' WITH (FORMAT csv, HEADER)
\copy raw_f FROM 'shared/data/planetoid/citeseer_features.csv' WITH (FORMAT csv, HEADER)
INSERT INTO pl.edges SELECT 'citeseer', src, dst FROM raw_e;
INSERT INTO pl.feat SELECT 'citeseer', node, feature FROM raw_f;
CREATE TABLE pl.nodes AS
	SELECT g, n AS node FROM (SELECT g, src AS n FROM pl.edges UNION SELECT g, dst FROM pl.edges UNION SELECT g, node FROM pl.feat) x;
CREATE TABLE pl.fsize AS SELECT g, node, count(*) AS n FROM pl.feat GROUP BY g, node;
CREATE INDEX ON pl.feat (g, node);
CREATE INDEX ON pl.fsize (g, node);
CREATE INDEX ON pl.edges (g, src, dst);
ANALYZE pl.edges, pl.feat, pl.nodes, pl.fsize;

-- cosine similarity of two nodes' binary word sets; 0 when either has none
CREATE FUNCTION pl.cosine(p_g text, u int, v int) RETURNS double precision
LANGUAGE sql STABLE AS $$
	SELECT coalesce((SELECT count(*) FROM pl.feat a JOIN pl.feat b ON b.g = a.g AND b.feature = a.feature
					 WHERE a.g = p_g AND a.node = u AND b.node = v)
					/ nullif(sqrt((SELECT n FROM pl.fsize WHERE g = p_g AND node = u)
								  * (SELECT n FROM pl.fsize WHERE g = p_g AND node = v)), 0), 0)
$$;

-- scored pairs: (run, method, label, score); NULL scores rank lowest
CREATE TABLE pl.scored (run text, method text, label int, score double precision);

-- AUC with ties counted one half (ranks averaged), and average precision
CREATE VIEW pl.metrics AS
WITH r AS (
	SELECT run, method, label, coalesce(score, '-Infinity') AS s,
		   rank() OVER w AS lo, count(*) OVER (PARTITION BY run, method, coalesce(score, '-Infinity')) AS ties
	FROM pl.scored WINDOW w AS (PARTITION BY run, method ORDER BY coalesce(score, '-Infinity'))
), auc AS (
	SELECT run, method,
		   (sum(lo + (ties - 1) / 2.0) FILTER (WHERE label = 1)
			- count(*) FILTER (WHERE label = 1) * (count(*) FILTER (WHERE label = 1) + 1) / 2.0)
		   / (count(*) FILTER (WHERE label = 1) * count(*) FILTER (WHERE label = 0)) AS auc
	FROM r GROUP BY run, method
), d AS (
	SELECT run, method, label,
		   sum(label) OVER w AS tp, row_number() OVER w AS k
	FROM pl.scored WINDOW w AS (PARTITION BY run, method ORDER BY coalesce(score, '-Infinity') DESC, label)
), ap AS (
	SELECT run, method, sum(tp::numeric / k) FILTER (WHERE label = 1) / sum(label) AS ap
	FROM d GROUP BY run, method
)
SELECT auc.run, auc.method, auc.auc::numeric AS auc, ap.ap FROM auc JOIN ap USING (run, method);

-- (a) one graph, one seed: the split (committed before the training job
-- reads it, so not in the function that scores) ---------------------------
CREATE FUNCTION pl.gae_split(p_g text, p_seed int) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	n_e int;
	n_val int;
	n_test int;
BEGIN
	PERFORM setseed(p_seed / 1000.0);
	DROP TABLE IF EXISTS pl.split, pl.train, pl.neg, pl.words;
	CREATE TABLE pl.words AS SELECT node, feature FROM pl.feat WHERE g = p_g;
	CREATE TABLE pl.split AS SELECT src, dst, row_number() OVER (ORDER BY random()) AS r FROM pl.edges WHERE g = p_g;
	SELECT count(*) INTO n_e FROM pl.split;
	n_val := floor(n_e * 0.05);
	n_test := floor(n_e * 0.10);
	CREATE TABLE pl.train AS SELECT src, dst FROM pl.split WHERE r > n_val + n_test;
	-- non-edges: random pairs u < v of distinct nodes, not an edge of the whole graph
	CREATE TABLE pl.neg AS
		SELECT u, v, row_number() OVER (ORDER BY random()) AS r FROM (
			SELECT DISTINCT least(a, b) AS u, greatest(a, b) AS v FROM (
				SELECT (SELECT node FROM pl.nodes WHERE g = p_g OFFSET floor(random() * (SELECT count(*) FROM pl.nodes WHERE g = p_g)) LIMIT 1 + 0 * i) AS a,
					   (SELECT node FROM pl.nodes WHERE g = p_g OFFSET floor(random() * (SELECT count(*) FROM pl.nodes WHERE g = p_g)) LIMIT 1 + 0 * i) AS b
				FROM generate_series(1, 2 * (n_val + n_test)) i) p
			WHERE a <> b) q
		WHERE NOT EXISTS (SELECT 1 FROM pl.edges e WHERE e.g = p_g AND e.src = q.u AND e.dst = q.v);
	PERFORM linkpred_drop(name) FROM linkpred.models WHERE name IN ('pl_plain', 'pl_words');
END $$;

-- (a) the test pairs scored by the model pl_plain and by the cosine
CREATE FUNCTION pl.gae_score(p_g text, p_seed int) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	n_test int := floor((SELECT count(*) FROM pl.split) * 0.10);
	run text := p_g || '/' || p_seed;
BEGIN
	-- test edges are the first n_test of the split, their negatives the first n_test non-edges
	INSERT INTO pl.scored
		SELECT run, m.method, t.label,
			   CASE m.method WHEN 'mf' THEN linkpred_score(t.u, t.v, 'pl_plain')
							 WHEN 'mfwords' THEN linkpred_score(t.u, t.v, 'pl_words')
							 ELSE pl.cosine(p_g, t.u, t.v) END
		FROM (SELECT src AS u, dst AS v, 1 AS label FROM pl.split WHERE r <= n_test
			  UNION ALL SELECT u, v, 0 FROM pl.neg WHERE r <= n_test) t,
			 (VALUES ('mf'), ('mfwords'), ('cosine')) m(method);
	RAISE NOTICE 'gae % seed %: % test edges, % negatives', p_g, p_seed, n_test,
		(SELECT count(*) FROM pl.neg WHERE r <= n_test);
END $$;

-- (b) inductive: one graph, one seed: the held-out nodes, their pairs and
-- the training edges (committed before the training job reads them) ------
CREATE FUNCTION pl.inductive_split(p_g text, p_seed int) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	n_pos int;
	run text := 'ind/' || p_g || '/' || p_seed;
BEGIN
	PERFORM setseed(p_seed / 1000.0 + 0.5);
	DROP TABLE IF EXISTS pl.held, pl.pos, pl.neg, pl.train, pl.words;
	CREATE TABLE pl.words AS SELECT node, feature FROM pl.feat WHERE g = p_g;
	CREATE TABLE pl.held AS SELECT node FROM pl.nodes WHERE g = p_g ORDER BY random()
		LIMIT (SELECT ceil(count(*) * 0.10) FROM pl.nodes WHERE g = p_g);
	CREATE TABLE pl.pos AS SELECT src AS u, dst AS v FROM pl.edges e WHERE e.g = p_g
		AND (src IN (SELECT node FROM pl.held) OR dst IN (SELECT node FROM pl.held));
	SELECT count(*) INTO n_pos FROM pl.pos;
	-- non-edges with a held-out end: a random held-out node and a random node
	CREATE TABLE pl.neg AS
		SELECT u, v FROM (
			SELECT DISTINCT least(a, b) AS u, greatest(a, b) AS v FROM (
				SELECT (SELECT node FROM pl.held OFFSET floor(random() * (SELECT count(*) FROM pl.held)) LIMIT 1 + 0 * i) AS a,
					   (SELECT node FROM pl.nodes WHERE g = p_g OFFSET floor(random() * (SELECT count(*) FROM pl.nodes WHERE g = p_g)) LIMIT 1 + 0 * i) AS b
				FROM generate_series(1, 2 * n_pos) i) p
			WHERE a <> b) q
		WHERE NOT EXISTS (SELECT 1 FROM pl.edges e WHERE e.g = p_g AND e.src = q.u AND e.dst = q.v)
		ORDER BY random() LIMIT n_pos;
	CREATE TABLE pl.train AS SELECT src, dst FROM pl.edges e WHERE e.g = p_g
		AND src NOT IN (SELECT node FROM pl.held) AND dst NOT IN (SELECT node FROM pl.held);
	PERFORM linkpred_drop(name) FROM linkpred.models WHERE name = 'pl_ind';
END $$;

-- (b) the held-out nodes' pairs scored by the model pl_ind and by the cosine
CREATE FUNCTION pl.inductive_score(p_g text, p_seed int) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	run text := 'ind/' || p_g || '/' || p_seed;
BEGIN
	INSERT INTO pl.scored
		SELECT run, m.method, t.label,
			   CASE m.method WHEN 'mfwords' THEN linkpred_score(t.u, t.v, 'pl_ind')
							 ELSE pl.cosine(p_g, t.u, t.v) END
		FROM (SELECT u, v, 1 AS label FROM pl.pos UNION ALL SELECT u, v, 0 FROM pl.neg) t,
			 (VALUES ('mfwords'), ('cosine')) m(method);
	RAISE NOTICE 'inductive % seed %: % held-out nodes, % edges', p_g, p_seed,
		(SELECT count(*) FROM pl.held), (SELECT count(*) FROM pl.pos);
END $$;

-- each statement commits before the next: a training job reads only committed tables
SELECT format('SELECT pl.gae_split(%L, %s)', g, s),
	   format('SELECT linkpred_train(''pl_plain'', ''pl.train'', ''src'', ''dst'', options => ''{"bipartite": false, "seed": %s}'')', s),
	   format('SELECT linkpred_train(''pl_words'', ''pl.train'', ''src'', ''dst'', options => ''{"bipartite": false, "seed": %s, %s}'')', s, :'words'),
	   format('SELECT pl.gae_score(%L, %s)', g, s),
	   format('SELECT pl.inductive_split(%L, %s)', g, s),
	   format('SELECT linkpred_train(''pl_ind'', ''pl.train'', ''src'', ''dst'', options => ''{"bipartite": false, "seed": %s, %s}'')', s, :'words'),
	   format('SELECT pl.inductive_score(%L, %s)', g, s)
FROM unnest('{cora,citeseer}'::text[]) g, generate_series(1, :seeds) s \gexec

SELECT split_part(run, '/', 1) || '_' || method || '_auc', round(100 * avg(auc), 1) FROM pl.metrics
WHERE run NOT LIKE 'ind/%' GROUP BY 1
UNION ALL
SELECT split_part(run, '/', 1) || '_' || method || '_auc_sd', round(100 * stddev_samp(auc), 1) FROM pl.metrics
WHERE run NOT LIKE 'ind/%' GROUP BY 1
UNION ALL
SELECT split_part(run, '/', 1) || '_' || method || '_ap', round(100 * avg(ap), 1) FROM pl.metrics
WHERE run NOT LIKE 'ind/%' GROUP BY 1
UNION ALL
SELECT 'ind_' || split_part(run, '/', 2) || '_' || method || '_auc', round(100 * avg(auc), 1) FROM pl.metrics
WHERE run LIKE 'ind/%' GROUP BY 1
UNION ALL
SELECT 'train_seconds', round(avg((metrics->>'train_seconds')::numeric), 2) FROM linkpred.versions WHERE model = 'pl_plain'
UNION ALL
SELECT 'train_seconds_words', round(avg((metrics->>'train_seconds')::numeric), 2) FROM linkpred.versions WHERE model = 'pl_words';
