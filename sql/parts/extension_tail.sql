
-- pg_dump keeps the rows of configuration tables (not of history: that is operational).
-- Every configuration table is listed here, nowhere else.
SELECT pg_catalog.pg_extension_config_dump('audit.target', '');
SELECT pg_catalog.pg_extension_config_dump('audit.declared_dependency', '');
SELECT pg_catalog.pg_extension_config_dump('audit.breaker_policy', '');

-- certify: rules and reviewed baselines (with the sequences behind their identity columns).
SELECT pg_catalog.pg_extension_config_dump('audit.deny_rule', '');
SELECT pg_catalog.pg_extension_config_dump('audit.gate_rule', '');
SELECT pg_catalog.pg_extension_config_dump('audit.sql_assertion', '');
SELECT pg_catalog.pg_extension_config_dump('audit.hash_day', '');
SELECT pg_catalog.pg_extension_config_dump('audit.baseline_capture', '');
SELECT pg_catalog.pg_extension_config_dump('audit.baseline_capture_capture_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('audit.baseline_capture_item', '');
SELECT pg_catalog.pg_extension_config_dump('audit.baseline', '');
SELECT pg_catalog.pg_extension_config_dump('audit.baseline_change', '');
SELECT pg_catalog.pg_extension_config_dump('audit.baseline_change_change_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('audit.analysis_exemption', '');
SELECT pg_catalog.pg_extension_config_dump('audit.analysis_exemption_exemption_id_seq', '');

-- refresh: feeds and history retention.
SELECT pg_catalog.pg_extension_config_dump('audit.feed', '');
SELECT pg_catalog.pg_extension_config_dump('audit.target_feed', '');
SELECT pg_catalog.pg_extension_config_dump('audit.history_retention', '');
