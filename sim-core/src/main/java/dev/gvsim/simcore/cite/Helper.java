package dev.gvsim.simcore.cite;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A method of a policy class that applies no firmware or OS rule of its own (formatting, list
 * bookkeeping, reading back registers); {@link #value} says what it does instead.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.CONSTRUCTOR})
public @interface Helper {
    String value();
}
