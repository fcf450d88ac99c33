package dev.mvcert.engine.certify;

/** Outcome of a certification, as written to the registry. */
public enum CertificationStatus {
    /** Every check passed and nothing of the closure changed while they ran. */
    CERTIFIED,
    /** A check failed. */
    FAILED,
    /** Every check passed, but an object of the closure changed while they ran (another session's refresh or DDL). */
    STALE
}
