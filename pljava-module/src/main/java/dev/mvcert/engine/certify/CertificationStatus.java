package dev.mvcert.engine.certify;

/** Outcome of a certification, as written to the registry. */
public enum CertificationStatus {
    CERTIFIED,
    FAILED
}
