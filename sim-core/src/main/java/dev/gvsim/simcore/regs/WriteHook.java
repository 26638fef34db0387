package dev.gvsim.simcore.regs;

/**
 * A register's write side effect, run by {@link RegisterFile#write} after the masked value is
 * stored: {@code old} is the register's value before the access, {@code value} after it (write-only
 * fields still holding what was written; they are cleared after the hook). Runs for every write
 * that touches the register, changed or not. Must not allocate.
 */
@FunctionalInterface
public interface WriteHook {
    void written(Register register, long old, long value);
}
