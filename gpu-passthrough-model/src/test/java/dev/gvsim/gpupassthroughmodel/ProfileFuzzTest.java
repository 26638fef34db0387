package dev.gvsim.gpupassthroughmodel;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import dev.gvsim.gpupassthroughmodel.layout.GpuProfile;
import dev.gvsim.gpupassthroughmodel.layout.GpuProfiles;
import dev.gvsim.gpupassthroughmodel.layout.ProfileException;
import dev.gvsim.gpupassthroughmodel.layout.ProfileParser;

/**
 * Fuzz target for profile files (issue 25, docs/fuzzing.md): any bundled profile with characters
 * replaced, deleted or inserted, or a run cut out, parses to a profile or fails with one
 * {@link ProfileException} whose message names the file and a key; never another throwable.
 */
class ProfileFuzzTest {
    static final List<String> TEXTS = GpuProfiles.BUNDLED.stream().map(n -> {
        try {
            return GpuProfilesTest.bundledText(n);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }).toList();
    static final String ALPHABET = "{}[]\":,0123456789xabcdefKMG-.  \nunknowtrsl\\";

    @Provide
    Arbitrary<String> mutated() {
        return Arbitraries.integers().between(0, TEXTS.size() - 1).flatMap(t -> {
            String s = TEXTS.get(t);
            return Arbitraries.integers().between(0, s.length() - 1).list().ofMinSize(1).ofMaxSize(6).flatMap(positions -> Arbitraries.integers()
                    .between(0, 3).list().ofSize(positions.size()).flatMap(ops -> Arbitraries.chars().with(ALPHABET.toCharArray()).list()
                            .ofSize(positions.size()).map(chars -> apply(s, positions, ops, chars))));
        });
    }

    static String apply(String s, List<Integer> positions, List<Integer> ops, List<Character> chars) {
        StringBuilder b = new StringBuilder(s);
        for (int i = 0; i < positions.size(); i++) {
            int p = Math.min(positions.get(i), b.length() - 1);
            if (p < 0) {
                break;
            }
            switch (ops.get(i)) {
                case 0 -> b.setCharAt(p, chars.get(i));
                case 1 -> b.deleteCharAt(p);
                case 2 -> b.insert(p, chars.get(i));
                default -> b.delete(p, Math.min(b.length(), p + 1 + (p % 37)));
            }
        }
        return b.toString();
    }

    @Property(tries = 1500)
    void aMutatedProfileParsesOrFailsWithOneClearError(@ForAll("mutated") String text) {
        try {
            GpuProfile p = ProfileParser.parse("fuzz.json", new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
            assertThat(p.gpu()).isNotNull();
        } catch (ProfileException e) {
            assertThat(e.getMessage()).startsWith("profile file fuzz.json: key '").contains("': expected ").doesNotContain("\n", "\r", "\u2028");
        }
    }
}
