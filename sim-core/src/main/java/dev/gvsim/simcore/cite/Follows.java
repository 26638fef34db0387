package dev.gvsim.simcore.cite;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The source a firmware or OS policy rule follows: one or more {@code "path/File.c Function"} entries
 * (Linux 6.1 paths from the kernel tree root, EDK II paths from the edk2 tree root), read at the release
 * the model names (Linux 6.1.192 as Debian builds linux-image-6.1.0-57; edk2-stable202211 as AAVMF
 * 2022.11). {@link #note} says what else the rule rests on: the recording that shows it, or where the
 * model knowingly departs from the function. {@link Citations} checks that every method of a policy
 * class carries this or {@link Helper}.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.CONSTRUCTOR})
public @interface Follows {
    /** {@code "path/File.c Function"} entries, e.g. {@code "drivers/pci/setup-bus.c pbus_size_mem"}. */
    String[] value();

    /** Evidence besides the source (a recording), or a known departure from it. */
    String note() default "";
}
