package dev.gvsim.junit;

import org.assertj.core.api.AbstractAssert;
import org.assertj.core.api.AbstractStringAssert;
import org.assertj.core.api.Assertions;
import org.assertj.core.api.ListAssert;

import dev.gvsim.guesttraces.edk2.BootOutcome;

/** AssertJ assertions on a {@link BootRun}: a GOP console or not, the driver, the mode, why not. */
public final class BootRunAssert extends AbstractAssert<BootRunAssert, BootRun> {
    public BootRunAssert(BootRun actual) {
        super(actual, BootRunAssert.class);
    }

    private String context() {
        BootOutcome o = actual.outcome();
        return "\n  run: " + actual.name() + "\n  outcome: " + o.summary() + (o.diagnosis.isEmpty() ? "" : "\n  why: " + String.join("; ", o.diagnosis));
    }

    /** A GOP was installed and the console drew into its framebuffer, and the device shows it. */
    public BootRunAssert hasGop() {
        isNotNull();
        if (!actual.outcome().consoleUp || !actual.deviceShowsConsole()) {
            failWithMessage("expected a GOP console%s", context());
        }
        return this;
    }

    /** No GOP console. */
    public BootRunAssert hasNoGop() {
        isNotNull();
        if (actual.outcome().consoleUp) {
            failWithMessage("expected no GOP console%s", context());
        }
        return this;
    }

    /** The GOP driver that bound contains {@code text} ({@code Bochs I/O ports}, {@code QXL}, ...). */
    public BootRunAssert withGopDriver(String text) {
        isNotNull();
        if (actual.outcome().gopDriver == null || !actual.outcome().gopDriver.contains(text)) {
            failWithMessage("expected the GOP driver to contain '%s', but it is %s%s", text, actual.outcome().gopDriver, context());
        }
        return this;
    }

    /** The console's mode. */
    public BootRunAssert withMode(int width, int height, int bpp) {
        hasGop();
        BootOutcome o = actual.outcome();
        if (o.width != width || o.height != height || o.bpp != bpp) {
            failWithMessage("expected a %dx%dx%d console, but it is %dx%dx%d%s", width, height, bpp, o.width, o.height, o.bpp, context());
        }
        return this;
    }

    /** The GOP driver's EFI status and reason ({@code EFI_DEVICE_ERROR - QemuVideo: BochsID mismatch (got 0xffff)}). */
    public AbstractStringAssert<?> failure() {
        isNotNull();
        BootOutcome o = actual.outcome();
        return Assertions.assertThat(o.status + (o.reason != null ? " - " + o.reason : "")).as("GOP status of %s", actual.name());
    }

    /** Where the failing access went, level by level. */
    public ListAssert<String> diagnosis() {
        isNotNull();
        return Assertions.assertThat(actual.outcome().diagnosis).as("diagnosis of %s", actual.name());
    }
}
