-- Schema audit holds all of mvcert: state tables, catalog functions, gates, history.
-- Created by the script so that it belongs to the extension and DROP EXTENSION removes it.
CREATE SCHEMA audit;
COMMENT ON SCHEMA audit IS 'mvcert: certified materialized-view refresh (state, gates, history)';
