-- mvcert 0.1.0 -> 0.2.0: ALTER EXTENSION mvcert UPDATE TO '0.2.0'. Keeps every row: targets,
-- rules, baselines, history, the registry and the queue. For a flat install (no extension),
-- `make -C sql` writes the same changes as build/mvcert_flat_update--0.1.0--0.2.0.sql.
\echo Use "ALTER EXTENSION mvcert UPDATE TO '0.2.0'" to load this file. \quit

SET LOCAL check_function_bodies = off;
