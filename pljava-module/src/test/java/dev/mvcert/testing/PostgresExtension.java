package dev.mvcert.testing;

import dev.mvcert.local.LocalCluster;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension: one throwaway PostgreSQL cluster per test run (started on first use,
 * stopped when the run ends), and a fresh database with mvcert installed per test class,
 * injected as a {@link TestDatabase} parameter.
 */
public final class PostgresExtension implements BeforeAllCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(PostgresExtension.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        database(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == TestDatabase.class || type == LocalCluster.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) throws ParameterResolutionException {
        return parameter.getParameter().getType() == LocalCluster.class ? cluster(context) : database(context);
    }

    /** The cluster lives in the root store, whose resources JUnit closes when the whole run ends. */
    public static LocalCluster cluster(ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent("cluster",
                key -> new ClusterResource(LocalCluster.start(Path.of("target"))), ClusterResource.class).cluster();
    }

    private static TestDatabase database(ExtensionContext context) {
        Class<?> testClass = context.getRequiredTestClass();
        ExtensionContext classContext = context;
        while (classContext.getTestClass().orElse(null) != testClass || classContext.getTestMethod().isPresent()) {
            classContext = classContext.getParent().orElseThrow();
        }
        LocalCluster cluster = cluster(context);
        return classContext.getStore(NAMESPACE).getOrComputeIfAbsent("database",
                key -> new TestDatabase(cluster, cluster.createDatabase(testClass.getSimpleName())), TestDatabase.class);
    }

    private record ClusterResource(LocalCluster cluster) implements ExtensionContext.Store.CloseableResource {
        @Override
        public void close() {
            cluster.close();
        }
    }
}
