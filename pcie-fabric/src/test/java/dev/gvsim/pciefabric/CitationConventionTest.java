package dev.gvsim.pciefabric;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.gvsim.simcore.cite.Citations;

/**
 * Issue 23's convention for the resource-assignment policies (linux, linux-acpi, edk2): every method of
 * their classes says which Linux 6.1 / EDK II function it follows ({@code @Follows("path/File.c Function")})
 * or is marked a helper that applies no rule; the checker itself refuses a method with neither and a
 * citation that is not of that form.
 */
class CitationConventionTest {
    static final Class<?>[] POLICY = classes("LinuxAllocator", "LinuxAllocator$Run", "LinuxPlacement", "LinuxDistribute",
            "Edk2Allocator", "Edk2Allocator$Node", "AllocSupport", "AllocSupport$Res", "AllocSupport$Space");

    static Class<?>[] classes(String... names) {
        Class<?>[] out = new Class<?>[names.length];
        for (int i = 0; i < names.length; i++) {
            try {
                out[i] = Class.forName("dev.gvsim.pciefabric." + names[i]);
            } catch (ClassNotFoundException e) {
                throw new AssertionError(names[i], e);
            }
        }
        return out;
    }

    @Test
    void everyPolicyMethodCitesTheFunctionItFollowsOrIsAHelper() {
        assertThat(Citations.violations(POLICY)).isEmpty();
    }

    /** The checker catches what it must: a class with an uncited method and a malformed citation. */
    @Test
    void theCheckerRefusesUncitedMethodsAndMalformedCitations() {
        List<String> v = Citations.violations(Uncited.class);
        assertThat(v).anyMatch(s -> s.startsWith("Uncited.plain: neither"));
        assertThat(v).anyMatch(s -> s.contains("citation 'setup-bus.c' is not"));
        assertThat(v).noneMatch(s -> s.startsWith("Uncited.cited"));
    }

    @SuppressWarnings("unused")
    static final class Uncited {
        @dev.gvsim.simcore.cite.Helper("test fixture")
        Uncited() {
        }

        void plain() {
        }

        @dev.gvsim.simcore.cite.Follows("setup-bus.c")
        void malformed() {
        }

        @dev.gvsim.simcore.cite.Follows("drivers/pci/setup-bus.c pbus_size_mem")
        void cited() {
        }
    }
}
