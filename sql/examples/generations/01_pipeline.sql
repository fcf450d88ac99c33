-- Generations example: a small pipeline whose every row says which ingestion batch
-- (generation) it came from, for the load tests. They read it through a guarded view
-- while runs publish one generation after another, and check from the generations
-- they got that readers only ever saw generations a certification passed.
--
-- gen.item holds one row per key; each ingestion batch rewrites every row with its
-- generation number (gen.ingest). gen.event is append-only ingestion that writers
-- feed at a fixed rate. Two independent materialized views over them, one joining
-- them, and the entry view gen.feature_v that readers use.
--
-- Load once into a fresh database, then fill with SELECT gen.generate_data(1000).
-- Plain SQL, no psql meta-commands, no dependency on the mvcert extension.

CREATE SCHEMA gen;
COMMENT ON SCHEMA gen IS 'Generations example: rows that carry the ingestion batch they came from.';

CREATE TABLE gen.item (
    id          integer PRIMARY KEY,
    generation  integer NOT NULL,
    v           integer NOT NULL
);

CREATE TABLE gen.event (
    event_id    bigserial PRIMARY KEY,
    id          integer NOT NULL,
    amount      integer NOT NULL
);

CREATE MATERIALIZED VIEW gen.item_mv AS
    SELECT id, generation, v FROM gen.item
    WITH NO DATA;
CREATE UNIQUE INDEX item_mv_id ON gen.item_mv (id);

CREATE MATERIALIZED VIEW gen.event_total_mv AS
    SELECT id, count(*) AS events, sum(amount) AS amount FROM gen.event GROUP BY id
    WITH NO DATA;
CREATE UNIQUE INDEX event_total_mv_id ON gen.event_total_mv (id);

CREATE MATERIALIZED VIEW gen.feature_mv AS
    SELECT i.id, i.generation, i.v, coalesce(e.events, 0) AS events, coalesce(e.amount, 0) AS amount
      FROM gen.item_mv i LEFT JOIN gen.event_total_mv e USING (id)
    WITH NO DATA;
CREATE UNIQUE INDEX feature_mv_id ON gen.feature_mv (id);

CREATE VIEW gen.feature_v AS
    SELECT id, generation, v, events, amount FROM gen.feature_mv;

-- Ingestion batch p_generation: every item gets the generation and a new value. A poisoned
-- batch gives item 1 a negative value, which the example's certification rule refuses.
CREATE FUNCTION gen.ingest(p_generation integer, p_poisoned boolean DEFAULT false)
RETURNS void
LANGUAGE sql
AS $$
    UPDATE gen.item
       SET generation = p_generation,
           v = (id * 7 + p_generation) % 1000 - CASE WHEN p_poisoned AND id = 1 THEN 100000 ELSE 0 END;
$$;

-- p_items keys, all of generation 1, and five events per key.
CREATE FUNCTION gen.generate_data(p_items integer)
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    TRUNCATE gen.item, gen.event;
    INSERT INTO gen.item (id, generation, v) SELECT g, 1, 0 FROM generate_series(1, p_items) g;
    PERFORM gen.ingest(1);
    INSERT INTO gen.event (id, amount) SELECT 1 + g % p_items, g % 100 FROM generate_series(1, 5 * p_items) g;
END
$$;
