-- Reviewed exemptions from the time-of-query analysis: a function certification cannot read
-- (dynamic SQL, C outside pg_catalog, another language, a body that does not parse) fails
-- closed unless an admin reviewed exactly its current body and recorded that here with
-- audit.exempt_function. The exemption holds for that body only (body_hash): once the body
-- changes, certification fails again, naming the exemption. Rows are never deleted: exempting
-- again ends the current row as 'superseded', audit.revoke_exemption ends it as 'revoked', so
-- the table is the history of every review. At most one row per function is current.
CREATE TABLE audit.analysis_exemption (
    exemption_id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- schema.name(identity arguments), as certification names functions (audit._function_identity)
    function_identity   text NOT NULL,
    body_hash           text NOT NULL,
    exempted_by         text NOT NULL,
    exempted_at         timestamptz NOT NULL,
    note                text NOT NULL,
    ended_at            timestamptz,
    ended_by            text,
    end_reason          text,
    CONSTRAINT analysis_exemption_note_given CHECK (pg_catalog.btrim(note) OPERATOR(pg_catalog.<>) ''),
    CONSTRAINT analysis_exemption_end_complete
        CHECK ((ended_at IS NULL) = (ended_by IS NULL) AND (ended_at IS NULL) = (end_reason IS NULL)),
    CONSTRAINT analysis_exemption_end_reason_known CHECK (end_reason IN ('superseded', 'revoked'))
);
CREATE UNIQUE INDEX analysis_exemption_current_idx ON audit.analysis_exemption (function_identity)
    WHERE ended_at IS NULL;
COMMENT ON TABLE audit.analysis_exemption IS
  'Certification: reviewed exemptions of functions the time-of-query analysis cannot read, each for one body (hash); with history.';
