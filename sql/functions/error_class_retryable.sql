-- Whether an error class is worth retrying: transient conditions (lock and statement
-- timeouts, serialization failures, deadlocks, exhausted resources, lost connections) are;
-- errors in the data, the definitions or privileges, cancels and internal errors are not,
-- since the same refresh would fail the same way. Mirrors ErrorClass.retryable().
CREATE FUNCTION audit.error_class_retryable(p_error_class text)
RETURNS boolean
LANGUAGE sql
IMMUTABLE PARALLEL SAFE
SET search_path TO pg_catalog, pg_temp
AS $$
    SELECT COALESCE(p_error_class OPERATOR(pg_catalog.=) ANY (ARRAY['lock_timeout', 'statement_timeout', 'deadlock',
                                                                    'serialization', 'resources', 'connection']), false)
$$;
COMMENT ON FUNCTION audit.error_class_retryable(text) IS
  'True for error classes worth a retry (lock_timeout, statement_timeout, deadlock, serialization, resources, connection).';
