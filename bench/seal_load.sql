-- seal_load.sql: load one SEAL graph's 90%/10% splits and cut the splits
-- the run needs into tables.
--
-- psql variables (set by run.sh):
--   graph   usair | ns | pb | yeast | celegans | power | router
--   reader  shell command that writes the split CSV to stdout (cat / zcat)
--   splits  comma list of split numbers, e.g. 1,2
--
-- For split s it makes, in schema seal (setup.sql creates it),
-- seal.<graph>_train_<s> (src, dst): the split's training edges, label 1
-- only (the file also lists training non-edges, which a link predictor
-- must not see as edges), and seal.<graph>_test_<s> (src, dst, label): the
-- split's test edges (1) and test non-edges (0).

CREATE TEMP TABLE seal_raw (split integer, part text, src integer, dst integer, label integer);
COPY seal_raw FROM PROGRAM :'reader' WITH (FORMAT csv, HEADER);

SELECT format('CREATE TABLE seal.%I AS SELECT src, dst FROM seal_raw
               WHERE split = %s AND part = ''train'' AND label = 1 ORDER BY src, dst',
              :'graph' || '_train_' || s, s),
       format('CREATE TABLE seal.%I AS SELECT src, dst, label FROM seal_raw
               WHERE split = %s AND part = ''test'' ORDER BY src, dst',
              :'graph' || '_test_' || s, s)
FROM unnest(string_to_array(:'splits', ',')::integer[]) AS s
\gexec

-- sizes, for the report (split 1 stands for all: every split has the same counts)
INSERT INTO bench.seal_graphs
SELECT :'graph',
       (SELECT count(DISTINCT n) FROM seal_raw r, LATERAL (VALUES (r.src), (r.dst)) v (n)
        WHERE r.split = 1 AND r.label = 1),
       count(*) FILTER (WHERE part = 'train' AND label = 1),
       count(*) FILTER (WHERE part = 'test' AND label = 1),
       count(*) FILTER (WHERE part = 'test' AND label = 0)
FROM seal_raw WHERE split = 1;
