package dev.mvcert.engine.certify;

/**
 * One object of a target's closure as {@code audit.closure} reports it, plus its schema and
 * definition hash. {@code relid} is a pg_class oid, or a pg_proc oid for functions.
 */
public record ClosureObject(String name, long relid, String kind, int depth, String parent, String via,
                            String schema, String definitionHash) {

    public boolean isFunction() {
        return kind.equals("function") || kind.equals("procedure") || kind.equals("aggregate");
    }

    public boolean isView() {
        return kind.equals("view") || kind.equals("materialized view");
    }

    public boolean isMaterializedView() {
        return kind.equals("materialized view");
    }
}
