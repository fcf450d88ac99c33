
-- pg_dump keeps the rows of configuration tables (not of history: that is operational).
-- Every configuration table is listed here, nowhere else.
SELECT pg_catalog.pg_extension_config_dump('audit.target', '');
SELECT pg_catalog.pg_extension_config_dump('audit.declared_dependency', '');
SELECT pg_catalog.pg_extension_config_dump('audit.breaker_policy', '');
