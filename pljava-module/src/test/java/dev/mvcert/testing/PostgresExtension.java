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
 * injected as a {@link TestDatabase} parameter. Classes annotated {@link ProductionDurability}
 * get theirs (and the {@link LocalCluster} parameter) from a second cluster that runs with
 * production durability settings.
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

    /**
     * The cluster of the test class (fast, or with production durability when the class asks);
     * clusters live in the root store, whose resources JUnit closes when the whole run ends.
     */
    public static LocalCluster cluster(ExtensionContext context) {
        boolean production = context.getTestClass().map(c -> c.isAnnotationPresent(ProductionDurability.class)).orElse(false);
        LocalCluster.Durability durability = production ? LocalCluster.Durability.PRODUCTION : LocalCluster.Durability.THROWAWAY;
        return context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent("cluster-" + durability,
                key -> new ClusterResource(LocalCluster.start(Path.of("target"), durability)), ClusterResource.class).cluster();
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
