package dev.gvsim.simcli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;

/**
 * The module graph of docs/architecture.md at class level (Maven's enforcer rules hold it at
 * artifact level): sim-core &lt;- arm64-mmu, pcie-fabric &lt;- devices &lt;- guest-traces / machine &lt;- sim-cli.
 * Each package may use only the packages listed for it (an allowlist, so a new device module's
 * package is outside every list but its own); a device never uses another device; the machine and
 * the CLI never name a concrete device class; guest models may read a device's {@code layout}
 * package only. Checked on the main classes of every module (sim-cli's test class path holds them all).
 */
class ArchitectureTest {
    static final String[] JDK = {"java..", "javax.."};
    static final String CORE = "dev.gvsim.simcore..";
    static final String MMU = "dev.gvsim.arm64mmu..";
    static final String FABRIC = "dev.gvsim.pciefabric..";
    static final String GUEST = "dev.gvsim.guesttraces..";
    static final String MACHINE = "dev.gvsim.machine..";
    static final String CLI = "dev.gvsim.simcli..";
    /** gvsim-junit: beside the CLI on the machine module, never using it (on sim-cli's test class path for this test). */
    static final String JUNIT = "dev.gvsim.junit..";
    static final String VIEWER = "dev.gvsim.viewer..";
    /** The device modules' packages: each may use the lower layers and itself only. */
    static final List<String> DEVICES = List.of("dev.gvsim.qxldevice..", "dev.gvsim.virtiogpudevice..", "dev.gvsim.gpupassthroughmodel..");
    /** Device modules with no class yet (issues 20 and 25 write them): their rule may match nothing. */
    static final java.util.Set<String> NOT_WRITTEN_YET = java.util.Set.of();
    /** Libraries a device may use besides the lower layers: gpu-passthrough-model reads its profile files with Jackson (issue 25). */
    static final java.util.Map<String, String> DEVICE_LIBRARIES = java.util.Map.of("dev.gvsim.gpupassthroughmodel..", "com.fasterxml.jackson..");
    /** What guest models may read of a device: its layout classes (offsets of packed guest structures). */
    static final String DEVICE_LAYOUTS = "dev.gvsim.*.layout..";

    static JavaClasses classes;

    @BeforeAll
    static void importMainClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("dev.gvsim");
    }

    static Stream<Arguments> rules() {
        List<Arguments> out = new ArrayList<>();
        out.add(Arguments.of(CORE, allowed(CORE, "org.agrona..", "org.HdrHistogram..", "com.fasterxml.jackson..")));
        out.add(Arguments.of(MMU, allowed(MMU, CORE)));
        out.add(Arguments.of(FABRIC, allowed(FABRIC, CORE, "org.agrona..")));
        for (String d : DEVICES) {
            out.add(Arguments.of(d, allowed(d, CORE, MMU, FABRIC, "org.agrona..", DEVICE_LIBRARIES.getOrDefault(d, "org.agrona.."))));
        }
        out.add(Arguments.of(GUEST, allowed(GUEST, CORE, DEVICE_LAYOUTS, "org.tukaani..")));
        out.add(Arguments.of(MACHINE, allowed(MACHINE, CORE, MMU, FABRIC, GUEST, "org.tukaani..", "com.fasterxml.jackson..", "org.HdrHistogram..")));
        out.add(Arguments.of(CLI, allowed(CLI, MACHINE, CORE, MMU, FABRIC, GUEST, "picocli..", "com.fasterxml.jackson..", VIEWER)));
        // sim-viewer (gvsim view): the machine's replay and scanouts, a jctools hand-over, an LWJGL window
        out.add(Arguments.of(VIEWER, allowed(VIEWER, MACHINE, CORE, FABRIC, GUEST, "org.jctools..", "org.lwjgl..")));
        out.add(Arguments.of(JUNIT, allowed(JUNIT, MACHINE, CORE, FABRIC, GUEST, "org.junit.jupiter.api..", "org.opentest4j..", "org.assertj..")));
        return out.stream();
    }

    static String[] allowed(String... pkgs) {
        List<String> all = new ArrayList<>(List.of(JDK));
        all.addAll(List.of(pkgs));
        return all.toArray(String[]::new);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rules")
    void aPackageUsesOnlyWhatItsModuleMay(String pkg, String[] allowed) {
        boolean present = classes.stream().anyMatch(c -> c.getPackageName().startsWith(pkg.replace("..", "")));
        assertThat(present || NOT_WRITTEN_YET.contains(pkg)).as("classes of %s were imported (else the rule would check nothing)", pkg).isTrue();
        classes().that().resideInAPackage(pkg).should().onlyDependOnClassesThat().resideInAnyPackage(allowed)
                .allowEmptyShould(NOT_WRITTEN_YET.contains(pkg)).check(classes);
    }
}
