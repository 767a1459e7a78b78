-- linkpred 0.2.0 -> 0.3.0.
--
-- 0.3.0 keeps each version's learnt attribute vectors and the numeric
-- columns' standardisation (linkpred.attribute_store), what composing a
-- node added after training needs.  test/shell/upgrade.sh checks that an
-- upgraded 0.1.0 holds the same objects as a fresh 0.3.0.

\echo Use "ALTER EXTENSION linkpred UPDATE TO '0.3.0'" to load this file. \quit

-- What composing a node from its attributes needs (options item_features,
-- user_features), one row per attribute of a version: its side, the column
-- it comes from, for a categorical value its text, for a numeric or vector
-- term the mean, sd and scale that turned a raw value into its weight
-- (clip((x - mean) / sd, -3, 3) * scale), and its learnt vector and bias.
-- A version trained without attributes has no rows.  Deleted with its
-- version (the few rows per version make the foreign key cheap).
CREATE TABLE linkpred.attribute_store (
    model      text NOT NULL,
    version    integer NOT NULL,
    idx        integer NOT NULL,
    side       "char" NOT NULL CHECK (side IN ('u', 'i')),
    kind       "char" NOT NULL CHECK (kind IN ('c', 'n')),
    column_name text NOT NULL,
    value      text,
    component  integer NOT NULL DEFAULT 0,
    mean       double precision,
    sd         double precision,
    scale      double precision,
    bias       real NOT NULL,
    vec        real[] NOT NULL,
    PRIMARY KEY (model, version, idx),
    FOREIGN KEY (model, version) REFERENCES linkpred.version_catalog (model, version)
        ON UPDATE CASCADE ON DELETE CASCADE
);
COMMENT ON TABLE linkpred.attribute_store IS
'linkpred''s private store of learnt attribute vectors and their standardisation: one row per version and attribute';
REVOKE ALL ON linkpred.attribute_store FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('linkpred.attribute_store', '');
