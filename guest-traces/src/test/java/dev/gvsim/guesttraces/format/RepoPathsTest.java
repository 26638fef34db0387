package dev.gvsim.guesttraces.format;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * No file of the repository names an absolute path of a particular machine (a home directory or
 * the development machines' work directory), and every document it cites under docs/ exists:
 * documents, comments and tests refer to files by their path inside the repository, so that a
 * fresh clone is complete. Walks the repository from the
 * module's parent directory, skipping .git, build output and what the root .gitignore ignores, and
 * reads every text file (a file with a NUL byte in its first 8 KiB counts as binary).
 */
class RepoPathsTest {
    /** Maven runs the tests with the module directory as working directory. */
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    /**
     * An absolute path into the work or home directory tree (slash, "work" or "home", slash) where a
     * path starts, not inside a longer word or a URL's path. Built from pieces so that this file
     * does not match itself.
     */
    private static final Pattern MACHINE_PATH = Pattern.compile("(?<![A-Za-z0-9_.~-])/(?:" + "wor" + "k|" + "hom" + "e)/");

    /** A reference to a Markdown document under the repository's docs directory (citations, links). */
    private static final Pattern DOC_REF = Pattern.compile("(?<![A-Za-z0-9_.-])docs/[A-Za-z0-9_./-]+?\\.md");

    /** Documents named in files that are not in the repository (a citation that no reader can follow). */
    private final List<String> missingDocs = new ArrayList<>();

    @Test
    void noFileNamesAnAbsolutePathOfThisMachine() throws IOException {
        assertThat(ROOT.resolve("pom.xml")).as("repository root %s", ROOT).exists();
        assertThat(ROOT.resolve("guest-traces")).as("repository root %s", ROOT).isDirectory();
        Ignored ignored = new Ignored(ROOT.resolve(".gitignore"));
        List<String> found = new ArrayList<>();
        int[] scanned = {0};
        Files.walkFileTree(ROOT, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                String name = dir.getFileName() == null ? "" : dir.getFileName().toString();
                if (!dir.equals(ROOT) && (name.equals(".git") || name.equals("target") || ignored.directory(ROOT.relativize(dir)))) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Path rel = ROOT.relativize(file);
                if (!attrs.isRegularFile() || rel.getFileName().toString().equals(".git") || ignored.file(rel)) {
                    return FileVisitResult.CONTINUE;
                }
                byte[] b = Files.readAllBytes(file);
                for (int i = 0; i < Math.min(b.length, 8192); i++) {
                    if (b[i] == 0) {
                        return FileVisitResult.CONTINUE;
                    }
                }
                scanned[0]++;
                String[] lines = new String(b, StandardCharsets.UTF_8).split("\n", -1);
                for (int i = 0; i < lines.length; i++) {
                    Matcher m = MACHINE_PATH.matcher(lines[i]);
                    if (m.find()) {
                        String line = lines[i].strip();
                        found.add(rel + ":" + (i + 1) + ": " + (line.length() > 160 ? line.substring(0, 160) + "..." : line));
                    }
                    Matcher d = DOC_REF.matcher(lines[i]);
                    while (d.find()) {
                        if (!Files.isRegularFile(ROOT.resolve(d.group()))) {
                            missingDocs.add(rel + ":" + (i + 1) + ": " + d.group());
                        }
                    }
                }
                return FileVisitResult.CONTINUE;
            }
        });
        assertThat(scanned[0]).as("text files scanned").isGreaterThan(100);
        assertThat(found).as("absolute paths of a particular machine; name files by their path in the repository instead")
                .isEmpty();
        assertThat(missingDocs).as("references to documents under docs that are not in the repository").isEmpty();
    }

    /**
     * The root .gitignore, for the pattern forms it uses: {@code name/} (a directory anywhere),
     * {@code /name/} (a directory at the root), {@code *.ext} and plain file names (anywhere).
     */
    static final class Ignored {
        private final List<String> dirsAnywhere = new ArrayList<>();
        private final List<String> dirsAtRoot = new ArrayList<>();
        private final List<String> suffixes = new ArrayList<>();
        private final List<String> names = new ArrayList<>();

        Ignored(Path gitignore) throws IOException {
            if (!Files.exists(gitignore)) {
                return;
            }
            try (InputStream in = Files.newInputStream(gitignore)) {
                for (String raw : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                    String p = raw.strip();
                    if (p.isEmpty() || p.startsWith("#")) {
                        continue;
                    }
                    if (p.startsWith("!") || p.indexOf('*', 1) >= 0 || p.contains("?") || p.contains("[")
                            || p.substring(0, p.length() - 1).replaceFirst("^/", "").contains("/")) {
                        throw new IllegalStateException(".gitignore pattern '" + p + "' is not one RepoPathsTest understands; extend it");
                    }
                    if (p.endsWith("/")) {
                        (p.startsWith("/") ? dirsAtRoot : dirsAnywhere).add(p.replaceAll("^/|/$", ""));
                    } else if (p.startsWith("*.")) {
                        suffixes.add(p.substring(1));
                    } else {
                        names.add(p.replaceFirst("^/", ""));
                    }
                }
            }
        }

        boolean directory(Path rel) {
            String name = rel.getFileName().toString();
            return dirsAnywhere.contains(name) || rel.getNameCount() == 1 && dirsAtRoot.contains(name);
        }

        boolean file(Path rel) {
            String name = rel.getFileName().toString();
            return names.contains(name) || suffixes.stream().anyMatch(name::endsWith);
        }
    }
}
