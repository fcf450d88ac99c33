-- The historical days of a target whose data certification hashes (row count and an
-- order-independent hash of the rows with that value in the target's day column) and
-- compares with the accepted baseline. Days should be closed: data that may still change
-- legitimately belongs to no baseline.
CREATE TABLE audit.hash_day (
    target          text NOT NULL REFERENCES audit.target (target) ON DELETE CASCADE,
    day             date NOT NULL,
    PRIMARY KEY (target, day)
);
COMMENT ON TABLE audit.hash_day IS
  'Certification: historical days of a target whose dataset hash is compared with the baseline.';
