package dev.gvsim.machine.scenario;

import java.util.ArrayList;
import java.util.List;

import dev.gvsim.guesttraces.guest.GuestCpu;
import dev.gvsim.guesttraces.guest.GuestFault;
import dev.gvsim.guesttraces.linux.GpuHostVendorReset;
import dev.gvsim.guesttraces.linux.LinuxPciQuirks;
import dev.gvsim.machine.Machine;
import dev.gvsim.pciefabric.Bar;
import dev.gvsim.pciefabric.PciBridgeBase;
import dev.gvsim.pciefabric.PciFunction;
import dev.gvsim.simcore.ParamDef;

/**
 * The host kernel's PCI resets of a passed-through card as Linux performs them
 * (drivers/pci/pci.c; docs/facts/sharing-passthrough.md §2.2), issued as configuration accesses
 * through a {@link GuestCpu} standing for the host CPU, in simulated time: {@code flr} (refused
 * without DevCap FLR; Initiate FLR, {@code passthrough.linux.flr_wait}, ready poll), {@code pm}
 * (refused with No_Soft_Reset or outside D0; D3hot, {@code d3hot_wait}, D0, {@code d3hot_wait},
 * ready poll), {@code bus} (Secondary Bus Reset on the parent bridge held {@code sbr_hold}, then
 * {@code sbr_wait}, every function below polled and restored) and {@code device_specific} (the
 * vendor reset, {@link GpuHostVendorReset}); after each, the functions it reset get back the
 * configuration vfio-pci saved when the VMM opened the device (vfio_pci_core_enable:
 * pci_store_saved_state; restored after a reset with pci_load_saved_state / pci_restore_state),
 * the first 256 bytes here ({@link #restoreOpen}). The ready poll reads the Vendor ID until it
 * is not all ones (a request completed with CRS reads all ones), doubling its interval from
 * {@code ready_poll}, up to {@code ready_timeout}. The time every reset takes is summed in
 * {@link #resetPs}.
 */
final class PassthroughResets {
    /** PCIe capability registers (PCIe Base 4.0 §7.5.3.3, §7.5.3.4): DevCap FLR capable, DevCtl Initiate FLR. */
    static final int DEVCAP_FLR = 1 << 28;
    static final int DEVCTL_FLR = 0x8000;
    /** PMCSR (PCI PM 1.2 §3.2.4): PowerState, No_Soft_Reset. */
    static final int PMCSR_D3HOT = 3;
    static final int PMCSR_NO_SOFT_RESET = 0x8;
    /** Bridge Control Secondary Bus Reset (PCI-to-PCI Bridge 1.2 §3.2.5.18). */
    static final int BCTL_SBR = 0x40;
    /** The configuration the model saves at open: the header and the capability area, 64 dwords (PCI Local Bus 3.0 §6.1, §6.7). */
    static final int SAVED_DWORDS = 64;
    static final int HEADER_DWORDS = 16;
    /** The state vfio-pci saved when the VMM opened each function on the card's bus. */
    private final java.util.Map<PciFunction, int[]> savedAtOpen = new java.util.IdentityHashMap<>();

    private final Machine m;
    private final GuestCpu host;
    private final String profile;
    private final PciFunction gpu;
    private final long flrWait;
    private final long d3Wait;
    private final long sbrHold;
    private final long d3coldWait;
    private final long sbrWait;
    private final long poll;
    private final long timeout;
    /** The host kernel carries the T4 no-bus-reset quirk ({@link LinuxPciQuirks}). */
    private final boolean t4Quirk;
    /** Simulated time spent in resets so far. */
    long resetPs;
    /** One line per reset step, in order. */
    final List<String> log = new ArrayList<>();

    PassthroughResets(Machine m, GuestCpu host, String profile, PciFunction gpu) {
        this.m = m;
        this.host = host;
        this.profile = profile;
        this.gpu = gpu;
        this.flrWait = duration("passthrough.linux.flr_wait");
        this.d3Wait = duration("passthrough.linux.d3hot_wait");
        this.sbrHold = duration("passthrough.linux.sbr_hold");
        this.d3coldWait = duration("passthrough.linux.d3cold_wait");
        this.sbrWait = duration("passthrough.linux.sbr_wait");
        this.poll = duration("passthrough.linux.ready_poll");
        this.timeout = duration("passthrough.linux.ready_timeout");
        this.t4Quirk = m.params().getBoolean(m.params().definitions().get("passthrough.linux.t4_no_bus_reset_quirk"));
        for (PciFunction f : m.pci().busOf(gpu).functions()) {
            savedAtOpen.put(f, save(f)); // the VMM opens the device before the VM's first boot
        }
    }

    PciFunction gpu() {
        return gpu;
    }

    /** The functions on the card's bus (the card's functions). */
    List<PciFunction> functions() {
        return m.pci().busOf(gpu).functions();
    }

    long duration(String name) {
        ParamDef d = m.params().definitions().get(name);
        if (d == null) {
            throw new IllegalStateException("parameter " + name + " is not declared (is gpu-passthrough-model on the class path?)");
        }
        return m.params().getDuration(d);
    }

    private long read(PciFunction f, int off, int size) {
        return host.configRead(f.bdf(), off, size);
    }

    private void write(PciFunction f, int off, int size, long v) {
        host.configWrite(f.bdf(), off, size, v);
    }

    private void waitPs(long ps) {
        host.delay(ps);
    }

    /** Polls the Vendor ID until the function answers; false after the timeout. */
    boolean pollReady(PciFunction f) {
        long waited = 0;
        long step = poll;
        while (read(f, PciFunction.VENDOR_ID, 4) == 0xFFFF_FFFFL) {
            if (waited >= timeout) {
                return false;
            }
            waitPs(step);
            waited += step;
            step = Math.min(step * 2, timeout);
        }
        return true;
    }

    int[] save(PciFunction f) {
        int[] h = new int[SAVED_DWORDS];
        for (int i = 0; i < SAVED_DWORDS; i++) {
            h[i] = (int) read(f, 4 * i, 4);
        }
        return h;
    }

    /** Restores what vfio-pci saved at open into {@code f}. */
    void restoreOpen(PciFunction f) {
        restore(f, savedAtOpen.get(f));
    }

    void restore(PciFunction f, int[] h) {
        for (int i = HEADER_DWORDS; i < SAVED_DWORDS; i++) {
            write(f, 4 * i, 4, h[i] & 0xFFFF_FFFFL); // capabilities (read-only bits keep their value: the masks apply)
        }
        for (int i = 4; i < 10; i++) {
            write(f, 4 * i, 4, h[i] & 0xFFFF_FFFFL); // BARs
        }
        write(f, PciFunction.COMMAND, 2, h[1] & 0xFFFF); // command last: decode on with the BARs in place
    }

    /**
     * Resets the card with {@code method}; null when done, else why it was refused or failed (the
     * -ENOTTY / timeout cases of pci_reset_function).
     */
    String reset(String method) throws GuestFault {
        long start = host.now();
        String r = switch (method) {
            case "flr" -> flr();
            case "pm" -> pm();
            case "bus" -> bus();
            case "device_specific" -> vendor();
            default -> "unknown reset method " + method;
        };
        resetPs += host.now() - start;
        log.add(method + (r == null ? " done" : ": " + r) + String.format(" (%.1f ms)", (host.now() - start) / 1e9));
        return r;
    }

    private String flr() {
        int cap = gpu.expressCapability();
        if (cap == 0 || (read(gpu, cap + 4, 4) & DEVCAP_FLR) == 0) {
            return "refused: not FLR capable (DevCap bit 28 clear; pcie_reset_flr -ENOTTY)";
        }
        write(gpu, cap + 8, 2, read(gpu, cap + 8, 2) | DEVCTL_FLR);
        waitPs(flrWait);
        if (!pollReady(gpu)) {
            return "failed: not ready after FLR";
        }
        restoreOpen(gpu);
        return null;
    }

    private String pm() {
        int pm = gpu.pmCapability();
        if (pm == 0) {
            return "refused: no PM capability";
        }
        long pmcsr = read(gpu, pm + 4, 2);
        if ((pmcsr & PMCSR_NO_SOFT_RESET) != 0) {
            return "refused: No_Soft_Reset set (pci_pm_reset -ENOTTY: D3hot->D0 would keep the state)";
        }
        if ((pmcsr & 3) != 0) {
            return "refused: not in D0";
        }
        enterD3hot();
        leaveD3hot();
        if (!pollReady(gpu)) {
            return "failed: not ready after D3hot->D0";
        }
        restoreOpen(gpu);
        return null;
    }

    /** PMCSR to D3hot, then the D3hot wait (pci_set_power_state). */
    void enterD3hot() {
        int pm = gpu.pmCapability();
        write(gpu, pm + 4, 2, (read(gpu, pm + 4, 2) & ~3L) | PMCSR_D3HOT);
        waitPs(d3Wait);
    }

    /** Slot Control Power Controller Control (PCIe Base 4.0 §7.5.3.10): 1 = power off. */
    static final int SLTCTL_PCC = 0x400;
    static final int EXP_SLTCTL = 0x18;

    /**
     * Power below the card's root port off (D3cold, as a platform power-off would) or back on; on
     * power-on the D3cold wait and the ready poll. False if the card is not below a root port with a
     * slot, or not ready after power-on.
     */
    boolean slotPower(boolean on) {
        PciBridgeBase br = m.pci().busOf(gpu).bridge();
        int cap = br == null ? 0 : br.expressCapability();
        if (cap == 0) {
            return false;
        }
        long ctl = read(br, cap + EXP_SLTCTL, 2);
        write(br, cap + EXP_SLTCTL, 2, on ? ctl & ~SLTCTL_PCC : ctl | SLTCTL_PCC);
        if (!on) {
            return true;
        }
        waitPs(d3coldWait);
        for (PciFunction f : m.pci().busOf(gpu).functions()) {
            if (!pollReady(f)) {
                return false;
            }
        }
        return true;
    }

    /** PMCSR to D0, then the D3hot->D0 wait. */
    void leaveD3hot() {
        int pm = gpu.pmCapability();
        write(gpu, pm + 4, 2, read(gpu, pm + 4, 2) & ~3L);
        waitPs(d3Wait);
    }

    long powerState() {
        int pm = gpu.pmCapability();
        return pm == 0 ? 0 : read(gpu, pm + 4, 2) & 3;
    }

    private String bus() {
        PciBridgeBase br = m.pci().busOf(gpu).bridge();
        if (br == null) {
            return "refused: the card is on the root bus (no bridge to reset it)";
        }
        List<PciFunction> below = m.pci().busOf(gpu).functions();
        for (PciFunction f : below) {
            // the kernel flags a device when it enumerates it (DECLARE_PCI_FIXUP_HEADER), so the check makes no access now
            String why = LinuxPciQuirks.noBusReset((int) f.configRead(PciFunction.VENDOR_ID, 2), (int) f.configRead(PciFunction.DEVICE_ID, 2), t4Quirk);
            if (why != null) {
                return "refused: " + f.id() + " has PCI_DEV_FLAGS_NO_BUS_RESET, " + why + " (pci_bus_resetable / pci_parent_bus_reset -ENOTTY)";
            }
        }
        long bctl = read(br, PciBridgeBase.BRIDGE_CONTROL, 2);
        write(br, PciBridgeBase.BRIDGE_CONTROL, 2, bctl | BCTL_SBR);
        waitPs(sbrHold);
        write(br, PciBridgeBase.BRIDGE_CONTROL, 2, bctl & ~BCTL_SBR);
        waitPs(sbrWait);
        for (int i = 0; i < below.size(); i++) {
            if (!pollReady(below.get(i))) {
                return "failed: " + below.get(i).id() + " not ready after the bus reset";
            }
            restoreOpen(below.get(i));
        }
        return null;
    }

    private String vendor() throws GuestFault {
        if (!GpuHostVendorReset.available(profile)) {
            return "refused: no vendor-specific reset for " + profile;
        }
        long regs = 0;
        for (int i = 0; i < 6; i++) {
            Bar b = gpu.bar(i);
            if (b != null && "registers".equals(b.name)) {
                regs = gpu.barAddress(i);
            }
        }
        write(gpu, PciFunction.COMMAND, 2, read(gpu, PciFunction.COMMAND, 2) | PciFunction.CMD_MEMORY);
        GpuHostVendorReset.reset(host, profile, regs);
        if (!pollReady(gpu)) {
            return "failed: not ready after the vendor reset";
        }
        restoreOpen(gpu);
        return null;
    }
}
