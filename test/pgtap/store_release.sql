-- The store gives a side's vectors and the users' seen lists back to the
-- operating system page by page as their rows are written (pipeline.c,
-- ReleaseStoredRows): what it writes must still be what was trained.
-- Graphs large enough that the arrays span many pages and several batches
-- of 1024 rows: 6,000 users with 10 items each among 2,000 (dim 64: the
-- user table is 1.5 MB).  A page released before its rows were written
-- reads back as zeros; a table shared by both sides (the bilinear
-- decoder's one table on a directed graph) freed after the users' rows
-- would leave the items' rows zeros or garbage.
\set ON_ERROR_STOP 1
SELECT plan(13);
-- the stored nodes, a row each, with their seen lists
CREATE TEMP VIEW nodes AS
SELECT c.model, c.version, c.side, n.*
FROM linkpred.embedding_store c,
     linkpred.embedding_nodes(c.idx, c.keys, c.degrees, c.biases, c.vecs, c.seen, c.seen_ends, c.nodes) n;

CREATE TABLE rel_edges AS
SELECT u AS user_id, (u * 37 + k * 101) % 2000 AS item_id
FROM generate_series(0, 5999) u, generate_series(0, 9) k;
-- the same pairs as one id space: items after the users
CREATE TABLE rel_links AS SELECT user_id AS a, item_id + 6000 AS b FROM rel_edges;

SELECT linkpred_train('rel_bip', 'rel_edges', 'user_id', 'item_id',
                      options => '{"encoder": "mf", "epochs": 1, "seed": 3}') IS NOT NULL AS trained;
SELECT linkpred_train('rel_tied', 'rel_links', 'a', 'b',
                      options => '{"epochs": 1, "seed": 3, "bipartite": false}') IS NOT NULL AS trained;
SELECT linkpred_train('rel_one', 'rel_links', 'a', 'b',
                      options => '{"epochs": 1, "seed": 3, "bipartite": false, "directed": true,
                                   "decoder": "bilinear"}') IS NOT NULL AS trained;

-- no stored vector is all zeros (a trained vector never is)
SELECT is((SELECT count(*)::int FROM nodes e
           WHERE e.model = m AND NOT EXISTS (SELECT 1 FROM unnest(e.vec) x WHERE x <> 0)),
          0, format('model %s: no stored vector is all zeros', m))
FROM unnest(ARRAY['rel_bip', 'rel_tied', 'rel_one']) m;

-- each user's seen list is its items in the relation, and its degree their count
SELECT is((SELECT count(*)::int FROM (
             (SELECT u.key, i.key FROM nodes u, unnest(u.seen) s(idx),
                     nodes i
              WHERE u.model = 'rel_bip' AND u.side = 'u' AND i.model = 'rel_bip' AND i.side = 'i'
                AND i.idx = s.idx
              EXCEPT
              SELECT DISTINCT user_id::text, item_id::text FROM rel_edges)
             UNION ALL
             (SELECT DISTINCT user_id::text, item_id::text FROM rel_edges
              EXCEPT
              SELECT u.key, i.key FROM nodes u, unnest(u.seen) s(idx),
                     nodes i
              WHERE u.model = 'rel_bip' AND u.side = 'u' AND i.model = 'rel_bip' AND i.side = 'i'
                AND i.idx = s.idx)) d),
          0, 'bipartite: the stored seen lists are exactly the relation''s pairs');
SELECT is((SELECT count(*)::int FROM nodes
           WHERE model = 'rel_bip' AND side = 'u' AND cardinality(seen) <> degree),
          0, 'bipartite: every user''s degree is the length of its seen list');
-- an undirected graph's node sees its neighbours on both ends of each pair
SELECT is((SELECT sum(cardinality(seen))::bigint FROM nodes
           WHERE model = 'rel_tied' AND side = 'n'),
          (SELECT 2 * count(*) FROM (SELECT DISTINCT a, b FROM rel_links) p),
          'undirected: the seen lists hold each pair twice');
SELECT is((SELECT count(*)::int FROM nodes u
           JOIN nodes i ON i.model = u.model AND i.key = u.key AND i.side = 'i'
           WHERE u.model = 'rel_one' AND u.side = 'u'),
          8000, 'directed, one table: each of the 8,000 nodes has a row on each side');
SELECT is((SELECT count(*)::int FROM nodes u
           JOIN nodes i ON i.model = u.model AND i.key = u.key AND i.side = 'i'
           WHERE u.model = 'rel_one' AND u.side = 'u' AND i.vec IS DISTINCT FROM u.vec),
          0, 'directed, one table: a node''s item row holds the vector of its user row');
SELECT is((SELECT count(*)::int FROM nodes
           WHERE model IN ('rel_bip', 'rel_tied', 'rel_one') AND cardinality(vec) <> 64),
          0, 'every stored vector has 64 dimensions');

-- a chunk unnests into its nodes, and a damaged one is refused
SELECT is((SELECT string_agg(idx || ':' || key || ':' || degree || ':' || bias || ':' || vec::text || ':' || seen::text,
                             ' ' ORDER BY idx)
           FROM linkpred.embedding_nodes(7, ARRAY['a', 'b'], ARRAY[1, 2], ARRAY[0.5, -1]::real[],
                                         ARRAY[1, 2, 3, 4]::real[], ARRAY[3, 5, 9], ARRAY[1, 3])),
          '7:a:1:0.5:{1,2}:{3} 8:b:2:-1:{3,4}:{5,9}', 'linkpred.embedding_nodes: a chunk''s nodes, a row each');
SELECT throws_ok($$SELECT * FROM linkpred.embedding_nodes(0, ARRAY['a', 'b'], ARRAY[1], ARRAY[0.5, 1]::real[],
                                                          ARRAY[1, 2]::real[], NULL, NULL)$$,
                 'XX001', 'a chunk of linkpred.embedding_store is damaged',
                 'a chunk whose arrays hold different numbers of nodes is refused');
SELECT throws_ok($$SELECT * FROM linkpred.embedding_nodes(0, ARRAY['a'], ARRAY[1], ARRAY[NULL]::real[],
                                                          ARRAY[1, 2]::real[], NULL, NULL)$$,
                 'XX001', 'a chunk of linkpred.embedding_store is damaged',
                 'a chunk with a NULL in an array is refused');
SELECT throws_ok($$SELECT * FROM linkpred.embedding_nodes(0, ARRAY['a', 'b'], ARRAY[1, 1], ARRAY[0, 0]::real[],
                                                          ARRAY[1, 2]::real[], ARRAY[4, 5], ARRAY[2, 1])$$,
                 'XX001', 'a chunk of linkpred.embedding_store is damaged',
                 'a chunk whose seen lists'' ends go down is refused');

SELECT * FROM finish();
