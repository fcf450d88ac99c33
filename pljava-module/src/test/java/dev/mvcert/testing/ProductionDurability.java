package dev.mvcert.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The test class gets its database on a cluster that runs with production durability
 * ({@code fsync}, {@code synchronous_commit} and {@code full_page_writes} on) instead of the
 * fast throwaway settings: for tests that crash or restart the server and check that what
 * was acknowledged as committed survived. Such a cluster is started once per test run, on
 * first use, next to the fast one.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
public @interface ProductionDurability {
}
