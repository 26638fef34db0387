package dev.gvsim.simcore.cite;

import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The convention for firmware and OS policy classes: every method and constructor they declare either
 * {@link Follows} named source functions or is marked a {@link Helper}, and every citation has the
 * form {@code "path/File.ext Function"} under a source tree the project reads (Linux: drivers/, arch/,
 * kernel/, include/, lib/; QEMU: hw/; EDK II: MdeModulePkg/, MdePkg/, OvmfPkg/, ArmVirtPkg/).
 */
public final class Citations {
    /** {@code "path/File.c Function"}: a path under a known tree, a C source or header, one identifier. */
    public static final Pattern CITATION = Pattern.compile(
            "(drivers|arch|kernel|include|lib|hw|MdeModulePkg|MdePkg|OvmfPkg|ArmVirtPkg)/[A-Za-z0-9_./-]+\\.(c|h|dsc|dec|inf) [A-Za-z_][A-Za-z0-9_]*");

    private Citations() {
    }

    /** One line per method or constructor of {@code classes} that breaks the convention; empty if none. */
    public static List<String> violations(Class<?>... classes) {
        List<String> out = new ArrayList<>();
        for (Class<?> c : classes) {
            for (Method m : c.getDeclaredMethods()) {
                if (!m.isSynthetic() && !m.isBridge() && !m.getName().startsWith("lambda$")) {
                    check(c, m, out);
                }
            }
            for (Constructor<?> k : c.getDeclaredConstructors()) {
                if (!k.isSynthetic() && !c.isRecord() && !c.isEnum()) {
                    check(c, k, out);
                }
            }
        }
        return out;
    }

    private static void check(Class<?> c, Executable e, List<String> out) {
        String name = c.getSimpleName() + "." + (e instanceof Constructor ? "<init>" : e.getName());
        Follows f = e.getAnnotation(Follows.class);
        Helper h = e.getAnnotation(Helper.class);
        if (f == null && h == null) {
            out.add(name + ": neither @Follows nor @Helper");
            return;
        }
        if (f != null && h != null) {
            out.add(name + ": both @Follows and @Helper");
        }
        if (h != null && h.value().isBlank()) {
            out.add(name + ": @Helper without a reason");
        }
        if (f != null) {
            if (f.value().length == 0) {
                out.add(name + ": @Follows without a citation");
            }
            for (String v : f.value()) {
                if (!CITATION.matcher(v).matches()) {
                    out.add(name + ": citation '" + v + "' is not 'path/File.c Function'");
                }
            }
        }
    }
}
