package dev.gvsim.guesttraces.edk2;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What the firmware model's boot ended with: a GOP console, or no GOP and why. */
public final class BootOutcome {
    /** True if a GOP was installed with the requested mode and the console drew into its framebuffer. */
    public boolean consoleUp;
    /** The GOP driver that bound (or tried to): "QemuVideoDxe (Bochs I/O ports)", … ; null if none matched. */
    public String gopDriver;
    /** The display function the GOP driver started on, or null. */
    public String device;
    /** EFI status of the driver's Start(): EFI_SUCCESS, EFI_UNSUPPORTED, EFI_DEVICE_ERROR, EFI_NOT_FOUND. */
    public String status = "EFI_NOT_FOUND";
    /** The driver's reason ("QemuVideo: BochsID mismatch (got 0xffff)"). */
    public String reason;
    /** The access that failed, in words: "ioRead port 0x1d0 (16-bit) -> 0xffff after ioWrite port 0x1ce <- 0x0000". */
    public String failedAccess;
    public long failedPort = -1;
    public long failedValue = -1;
    /** Where that port went, level by level (from config space). */
    public List<String> diagnosis = new ArrayList<>();
    public int width;
    public int height;
    public int bpp;
    public long framebuffer;
    public long framebufferSize;
    /** The firmware's own log (PciBus, QemuVideo lines). */
    public final List<String> log = new ArrayList<>();
    /** The I/O layout the fix programmed, if a fix re-laid the I/O pool out. */
    public List<String> ioRelayout = List.of();

    public String summary() {
        if (consoleUp) {
            return String.format("console up: %s on %s, %dx%dx%d, framebuffer 0x%x", gopDriver, device, width, height, bpp, framebuffer);
        }
        return "no GOP: " + status + (reason != null ? " - " + reason : "") + (failedAccess != null ? " [" + failedAccess + "]" : "");
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("console_up", consoleUp);
        m.put("gop_driver", gopDriver);
        m.put("device", device);
        m.put("status", status);
        m.put("reason", reason);
        m.put("failed_access", failedAccess);
        m.put("failed_port", failedPort < 0 ? null : String.format("0x%x", failedPort));
        m.put("failed_value", failedValue < 0 ? null : String.format("0x%x", failedValue));
        m.put("diagnosis", List.copyOf(diagnosis));
        if (consoleUp) {
            m.put("mode", width + "x" + height + "x" + bpp);
            m.put("framebuffer", String.format("0x%x", framebuffer));
            m.put("framebuffer_size", framebufferSize);
        }
        m.put("io_relayout", List.copyOf(ioRelayout));
        m.put("log", List.copyOf(log));
        return m;
    }
}
