-- linkpred.attribute_store: what a version keeps of its attributes
-- (options item_features, user_features) for composing, at serve time, a
-- node that training never saw.  The proof that it keeps enough: a cold
-- item (in the attribute relation, in no edge) is stored with a vector that
-- is its attributes' alone, and that vector is recomposed here in SQL from
-- the stored rows and the relation's raw values: the categorical values'
-- vectors weighted equally, plus each numeric term's vector times
-- clip((x - mean) / sd, -3, 3) * scale.
\set ON_ERROR_STOP 1
SELECT plan(15);

-- 2 groups; an item's colour, price and real[3] embedding; 2 cold items per group
CREATE TABLE se AS
SELECT u AS user_id, (u % 2) * 100 + k AS item_id
FROM generate_series(0, 59) u, generate_series(0, 11) k
WHERE (hashint4(u * 13 + k) & 3) <> 0;
CREATE TABLE sitems AS
SELECT g * 100 + k AS item_id,
       (ARRAY['red', 'green', 'blue'])[1 + (hashint4(g * 100 + k) & 1) + g] AS colour,
       (CASE g WHEN 0 THEN 5 ELSE 50 END + (hashint4(k + 3) & 255) / 25.5)::float8 AS price,
       ARRAY[g, 1 - g, (hashint4(k) & 255) / 255.0]::real[] AS emb
FROM generate_series(0, 1) g, (SELECT generate_series(0, 11) UNION ALL SELECT 50 UNION ALL SELECT 51) s(k);
INSERT INTO sitems VALUES (999, NULL, NULL, NULL);  -- a key with nothing usable: no term, no value

SELECT linkpred_train('sa', 'se', 'user_id', 'item_id',
                      options => '{"seed": 1, "dim": 8, "epochs": 5, "item_features": {"relation": "sitems", "key": "item_id", "columns": ["colour", "price", "emb"]}}');
SELECT linkpred_train('sn', 'se', 'user_id', 'item_id', options => '{"seed": 1, "dim": 8, "epochs": 5}');

SELECT is((SELECT string_agg(kind::text || ':' || column_name || ':' || coalesce(value, '') || ':' || component, ' ' ORDER BY kind, component, value)
           FROM linkpred.attribute_store WHERE model = 'sa'),
          (SELECT string_agg('c:colour:' || colour || ':0', ' ' ORDER BY colour) FROM (SELECT DISTINCT colour FROM sitems WHERE colour IS NOT NULL) c)
          || ' n:price::0 n:emb::1 n:emb::2 n:emb::3',
          'one row per categorical value (its column and text), per numeric column and per vector component');
SELECT is((SELECT count(*)::text FROM linkpred.attribute_store WHERE model = 'sa'),
          (SELECT stats->>'attributes' FROM linkpred.jobs WHERE model = 'sa' ORDER BY id DESC LIMIT 1),
          'as many rows as the job counted attributes');
SELECT is((SELECT bool_and(side = 'i' AND array_length(vec, 1) = 8) FROM linkpred.attribute_store WHERE model = 'sa'),
          true, 'item side rows, each with a vector of the model''s dim');
SELECT is((SELECT count(*) FROM linkpred.attribute_store WHERE model = 'sn'), 0::bigint,
          'a model trained without attributes stores none');

-- the numeric column's standardisation is its population mean and sd (of the values as
-- float4, as the loader keeps them), scale 1
SELECT ok((SELECT abs(a.mean - s.m) < 1e-4 AND abs(a.sd - s.sd) < 1e-4 AND a.scale = 1
           FROM linkpred.attribute_store a,
                (SELECT avg(price) m, stddev_pop(price) sd FROM sitems WHERE price IS NOT NULL) s
           WHERE a.model = 'sa' AND a.column_name = 'price'),
          'price: mean and sd of its non-NULL values, scale 1');
SELECT ok((SELECT bool_and(abs(a.mean - s.m) < 1e-6 AND abs(a.sd - s.sd) < 1e-6 AND abs(a.scale - 1 / sqrt(3)) < 1e-12)
           FROM linkpred.attribute_store a
           JOIN (SELECT c, avg(emb[c]::float8) m, stddev_pop(emb[c]::float8) sd
                 FROM sitems, generate_series(1, 3) c WHERE emb IS NOT NULL GROUP BY c) s ON s.c = a.component
           WHERE a.model = 'sa' AND a.column_name = 'emb'),
          'emb: each component''s mean and sd, scale 1 / sqrt(3)');

-- recomposing every cold item from the stored rows and the relation's values
CREATE FUNCTION recomposed(item int)
RETURNS real[] LANGUAGE sql AS $$
    WITH terms AS (
        SELECT a.idx, 1.0 / count(*) OVER () AS w
        FROM sitems i JOIN linkpred.attribute_store a
          ON a.model = 'sa' AND a.kind = 'c' AND a.column_name = 'colour' AND a.value = i.colour
        WHERE i.item_id = item
        UNION ALL
        SELECT a.idx, greatest(-3, least(3, (x - a.mean) / a.sd)) * a.scale
        FROM sitems i,
             LATERAL (SELECT 0 AS component, i.price AS x
                      UNION ALL SELECT c, i.emb[c] FROM generate_series(1, 3) c) v
        JOIN linkpred.attribute_store a
          ON a.model = 'sa' AND a.kind = 'n' AND a.component = v.component
             AND a.column_name = CASE WHEN v.component = 0 THEN 'price' ELSE 'emb' END
        WHERE i.item_id = item AND v.x IS NOT NULL)
    SELECT array_agg(s ORDER BY d)::real[]
    FROM (SELECT d, sum(t.w * a.vec[d]) AS s
          FROM terms t JOIN linkpred.attribute_store a ON a.model = 'sa' AND a.idx = t.idx,
               generate_series(1, 8) d
          GROUP BY d) x
$$;
-- the stored nodes, a row each, with their seen lists
CREATE TEMP VIEW nodes AS
SELECT c.model, c.version, c.side, n.*
FROM linkpred.embedding_store c,
     linkpred.embedding_nodes(c.idx, c.keys, c.degrees, c.biases, c.vecs, c.seen, c.seen_ends, c.nodes) n;
CREATE FUNCTION max_diff(a real[], b real[]) RETURNS float8 LANGUAGE sql AS $$
    SELECT max(abs(x - y)) FROM unnest(a, b) AS t(x, y)
$$;
SELECT is((SELECT count(*) FROM nodes e
           WHERE e.model = 'sa' AND e.side = 'i' AND e.degree = 0 AND e.key::int IN (50, 51, 150, 151)),
          4::bigint, 'the four cold items are in the version, with no edge');
SELECT cmp_ok((SELECT max(max_diff(e.vec, recomposed(e.key::int))) FROM nodes e
               WHERE e.model = 'sa' AND e.side = 'i' AND e.degree = 0 AND e.key::int IN (50, 51, 150, 151)),
              '<', 1e-5::float8,
              'each cold item''s stored vector is recomposed from linkpred.attribute_store and its raw values');
-- the check can fail: a wrong mean shifts every recomposed vector
UPDATE linkpred.attribute_store SET mean = mean + 1 WHERE model = 'sa' AND column_name = 'price';
SELECT cmp_ok((SELECT max(max_diff(e.vec, recomposed(e.key::int))) FROM nodes e
               WHERE e.model = 'sa' AND e.side = 'i' AND e.degree = 0 AND e.key::int IN (50, 51, 150, 151)),
              '>', 1e-3::float8, 'with the price''s mean off by one, the recomposed vectors differ');
UPDATE linkpred.attribute_store SET mean = mean - 1 WHERE model = 'sa' AND column_name = 'price';
SELECT is((SELECT e.vec FROM nodes e WHERE e.model = 'sa' AND e.side = 'i' AND e.key = '999'),
          array_fill(0::real, ARRAY[8]), 'a key with no usable value is a cold item with the zero vector');

-- rows go with their version: pruned by keep_versions, dropped with the model
SELECT linkpred_train('sa', 'se', 'user_id', 'item_id',
                      options => '{"seed": 2, "dim": 8, "epochs": 5, "keep_versions": 1, "item_features": {"relation": "sitems", "key": "item_id", "columns": ["colour", "price", "emb"]}}');
SELECT is((SELECT array_agg(DISTINCT version) FROM linkpred.attribute_store WHERE model = 'sa'),
          (SELECT array_agg(version) FROM linkpred.versions WHERE model = 'sa'),
          'with keep_versions 1, only the kept version''s rows remain');
SELECT linkpred_drop('sa');
SELECT is((SELECT count(*) FROM linkpred.attribute_store WHERE model = 'sa'), 0::bigint,
          'dropping the model drops its rows');
SELECT is((SELECT count(*) FROM linkpred.attribute_store), 0::bigint, 'nothing else was stored');

-- column names and values holding '=' and ':': column a's value 'b=c' and
-- column "a=b"'s value 'c' are two attributes, stored under their own names
CREATE TABLE odd_cols AS SELECT item_id, 'b=c'::text AS a, 'c'::text AS "a=b", '1:x'::text AS "1:x=y"
FROM sitems WHERE item_id < 999;
SELECT linkpred_train('so', 'se', 'user_id', 'item_id',
                      options => '{"seed": 1, "dim": 8, "epochs": 1, "item_features": {"relation": "odd_cols", "key": "item_id", "columns": ["a", "a=b", "1:x=y"]}}');
SELECT is((SELECT stats->>'attributes' FROM linkpred.jobs WHERE model = 'so' ORDER BY id DESC LIMIT 1), '3',
          'one value in each of three columns whose name=value spellings collide: three attributes');
SELECT is((SELECT string_agg(column_name || ' -> ' || value, ', ' ORDER BY column_name) FROM linkpred.attribute_store WHERE model = 'so'),
          '1:x=y -> 1:x, a -> b=c, a=b -> c', 'each stored under its own column and value');

SELECT * FROM finish();
