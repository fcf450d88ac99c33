-- Which feeds a target requires. A run of the target is skipped, naming the feed, when
-- the feed's latest batch failed, is still running, or no successful batch finished
-- within max_age (the feed's own max_age when NULL).
CREATE TABLE audit.target_feed (
    target          text NOT NULL REFERENCES audit.target (target) ON DELETE CASCADE,
    feed            text NOT NULL REFERENCES audit.feed (feed) ON DELETE CASCADE,
    max_age         interval,
    PRIMARY KEY (target, feed),
    CONSTRAINT target_feed_max_age_positive CHECK (max_age > interval '0')
);
COMMENT ON TABLE audit.target_feed IS 'Required ingestion feeds of each target (run preconditions).';
