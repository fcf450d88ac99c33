package dev.mvcert.pljava;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/** The jar install/pljava.sh loads into PostgreSQL holds the engine and its entry points, nothing else. */
class DeployedJarTest {

    @Test
    void deployedJarHoldsOnlyTheEngineAndItsDeploymentDescriptor() throws IOException {
        Path jar = PljavaDeployment.engineJar();
        try (JarFile jf = new JarFile(jar.toFile())) {
            List<String> classes = jf.stream().map(e -> e.getName()).filter(n -> n.endsWith(".class")).toList();
            assertFalse(classes.isEmpty(), "the jar has classes");
            List<String> foreign = classes.stream()
                    .filter(n -> !n.startsWith("dev/mvcert/engine/") && !n.startsWith("dev/mvcert/pljava/")).toList();
            assertEquals(List.of(), foreign, "classes outside the engine in the deployed jar");
            assertTrue(jf.getEntry("deployment/mvcert.ddr") != null, "deployment descriptor present");
            assertEquals("TRUE", jf.getManifest().getAttributes("deployment/mvcert.ddr").getValue("SQLJDeploymentDescriptor"));
        }
    }
}
