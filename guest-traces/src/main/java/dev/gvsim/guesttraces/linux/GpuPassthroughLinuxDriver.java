package dev.gvsim.guesttraces.linux;

import static dev.gvsim.gpupassthroughmodel.layout.GpuRegs.*;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.gvsim.gpupassthroughmodel.layout.GpuProfile;
import dev.gvsim.gpupassthroughmodel.layout.GpuProfiles;
import dev.gvsim.guesttraces.guest.GuestCpu;
import dev.gvsim.guesttraces.guest.GuestFault;
import dev.gvsim.simcore.Access;

/**
 * An executable model of the driver side of a passed-through GPU in a Linux guest (issue 25): what
 * amdgpu, nouveau/nvidia or a domestic vendor's driver do that decides the two studies, not their
 * register programming. Probe: PCI enable, BAR addresses from configuration space, the register BAR
 * mapped with {@code ioremap} (Device-nGnRE), VRAM with {@code ioremap_wc} (Normal-NC), the doorbell
 * BAR with {@code ioremap} (amdgpu_doorbell_init); init: the firmware state check a driver makes (a
 * running firmware after a reset the chip ignored is what the AMD reset bug leaves), the firmware
 * load and its poll, MSI/MSI-X set-up, a ring test; then buffer uploads into VRAM with the kernel's
 * {@code memcpy} (arm64 memcpy.S: unaligned heads and tails as overlapping 16-byte pairs) from a
 * staging buffer in guest RAM, and the doorbell. The register numbers are the model's
 * ({@code dev.gvsim.gpupassthroughmodel.layout.GpuRegs}) and the BAR layout the card's profile; the
 * model uses nothing else of the device module and reaches the device only through the
 * {@link GuestCpu}.
 */
public final class GpuPassthroughLinuxDriver {
    /** Synthetic kernel virtual addresses of the driver's mappings. */
    public static final long VA_REGS = 0xffff_8000_2000_0000L;
    public static final long VA_DOORBELL = 0xffff_8000_2800_0000L;
    public static final long VA_VRAM = 0xffff_8000_3000_0000L;
    public static final long VA_STAGING = 0xffff_0000_5000_0000L;
    /** How much of the VRAM aperture the model maps (the uploads' window). */
    public static final long VRAM_WINDOW = 1L << 20;
    /** How much of the register BAR it maps at most (enough for the MSI-X tables of the profiles). */
    public static final long REGS_WINDOW_MAX = 16L << 20;
    /** Staging buffer in guest RAM (a kmalloc'd bounce buffer). */
    public static final long STAGING_BYTES = 1L << 20;
    /** The part of the staging buffer the uploads read (offsets below 64 KiB plus the longest upload), and its fill byte. */
    static final long STAGING_USED = (64L << 10) + (256L << 10);
    static final int STAGING_FILL = 0xA5;

    /**
     * The upload workload: VRAM offset and length of each buffer, with unaligned heads and tails (a
     * texture row block at an odd offset, a vertex buffer one page and 13 bytes long, a 24-byte
     * constant buffer, an aligned 256 KiB texture, a 100-byte buffer at offset 7 into a line).
     * The model's choice, not a recorded application.
     */
    public static final long[][] UPLOADS = {{0x1003, 64 << 10}, {0x2_0011, 4096 + 13}, {0x3_0005, 24}, {0x4_0000, 256 << 10}, {0x8_0007, 100}};

    /** PCI configuration offsets (PCI Local Bus 3.0 §6.1) and Command bits. */
    static final int CFG_ID = 0x00;
    static final int CFG_COMMAND = 0x04;
    static final int CFG_BAR0 = 0x10;
    static final int CMD_MEM_MASTER = 0x6;
    /** MSI / MSI-X Message Control enable bits (PCI Local Bus 3.0 §6.8.1.3, §6.8.2.3). */
    static final int MSI_ENABLE = 0x1;
    static final int MSIX_ENABLE = 0x8000;
    /** The firmware poll: msleep(1) per try, up to 2 s (the model's choice of a driver's usec_timeout; not from a driver source). */
    public static final long FW_POLL_PS = 1_000_000_000L;
    public static final int FW_POLL_TRIES = 2000;
    /** The ring test's scratch value (amdgpu_ring_test_helper style write/read-back). */
    static final long RING_TEST_VALUE = 0xCAFE_DEADL;

    private final GuestCpu cpu;
    private final GpuProfile profile;
    private final int bdf;
    private final long stagingPa;
    private long regsPa;
    private long vramPa;
    private long doorbellPa = -1;
    private long fence;
    private String failure;
    private final List<String> log = new ArrayList<>();

    /**
     * @param profileName the card's profile (bundled name or .json path)
     * @param bdf the graphics function
     * @param stagingPa guest RAM physical address of the 1 MiB staging buffer
     */
    public GpuPassthroughLinuxDriver(GuestCpu cpu, String profileName, int bdf, long stagingPa) {
        this.cpu = cpu;
        this.profile = GpuProfiles.get(profileName);
        this.bdf = bdf;
        this.stagingPa = stagingPa;
    }

    /** The bundled profiles as {@code gvsim profiles} lists them. */
    public static List<Map<String, Object>> profileSummaries() {
        return GpuProfiles.all().stream().map(GpuProfile::summary).toList();
    }

    /** One profile's summary (bundled name or path); IllegalArgumentException with the reason otherwise. */
    public static Map<String, Object> profileSummary(String nameOrPath) {
        return GpuProfiles.get(nameOrPath).summary();
    }

    public List<String> log() {
        return log;
    }

    /** Why probe or init failed (the driver's error line), or null. */
    public String failure() {
        return failure;
    }

    private boolean fail(String why) {
        failure = why;
        log.add(why);
        return false;
    }

    /** PCI enable, BARs, mappings. False (with {@link #failure}) where the driver's probe would fail. */
    public boolean probe() throws GuestFault {
        cpu.mark("gpu_pci_probe");
        long id = cpu.configRead(bdf, CFG_ID, 4);
        long want = (long) profile.gpu().deviceId() << 16 | profile.gpu().vendorId();
        if (id != want) {
            return fail(String.format("probe: config space reads id 0x%08x, not the card's 0x%08x (device not ready or not there)", id, want));
        }
        long cmd = cpu.configRead(bdf, CFG_COMMAND, 2);
        cpu.configWrite(bdf, CFG_COMMAND, 2, cmd | CMD_MEM_MASTER); // pci_enable_device_mem + pci_set_master
        GpuProfile.BarSpec regs = profile.gpu().bar(GpuProfile.ROLE_REGISTERS);
        GpuProfile.BarSpec vram = profile.gpu().bar(GpuProfile.ROLE_VRAM);
        GpuProfile.BarSpec db = profile.gpu().bar(GpuProfile.ROLE_DOORBELL);
        regsPa = barAddress(regs);
        vramPa = barAddress(vram);
        if (regsPa == 0 || vramPa == 0) {
            return fail("probe: BAR not assigned (registers 0x" + Long.toHexString(regsPa) + ", VRAM 0x" + Long.toHexString(vramPa) + ")");
        }
        cpu.map(VA_REGS, regsPa, Math.min(regs.size(), REGS_WINDOW_MAX), "device-ngnre", "register BAR ioremap");
        cpu.map(VA_VRAM, vramPa, Math.min(vram.size(), VRAM_WINDOW), "normal-nc", "VRAM aperture ioremap_wc");
        if (db != null) {
            doorbellPa = barAddress(db);
            cpu.map(VA_DOORBELL, doorbellPa, 4096, "device-ngnre", "doorbell BAR ioremap (amdgpu_doorbell_init)");
        }
        cpu.map(VA_STAGING, stagingPa, STAGING_BYTES, "normal-wb", "staging buffer (kmalloc)");
        log.add(String.format("probe: %s, registers at 0x%x, VRAM at 0x%x", profile.title(), regsPa, vramPa));
        return true;
    }

    private long barAddress(GpuProfile.BarSpec b) {
        int off = CFG_BAR0 + 4 * b.index();
        long lo = cpu.configRead(bdf, off, 4) & ~0xFL;
        long hi = b.is64() ? cpu.configRead(bdf, off + 4, 4) : 0;
        return hi << 32 | lo;
    }

    /**
     * Driver init: identity check through the register BAR, the firmware state check (a card whose
     * firmware already runs was not reset: init fails, as amdgpu's does after the AMD reset bug), the
     * firmware load and poll, MSI or MSI-X, the ring test. False (with {@link #failure}) if it fails.
     */
    public boolean init() throws GuestFault {
        cpu.mark("gpu_driver_init");
        long id = cpu.read(VA_REGS + ID, 4, 0, "gpu_device_init");
        long want = (long) profile.gpu().deviceId() << 16 | profile.gpu().vendorId();
        if (id != want) {
            return fail(String.format("init: register BAR reads id 0x%08x, not 0x%08x", id, want));
        }
        long st = cpu.read(VA_REGS + FW_STATE, 4, 0, "gpu_fw_check");
        if (st != FW_POST) {
            return fail("init: firmware already " + (st == FW_RUNNING ? "running" : "loading") + " (state " + st
                    + ") before the driver loaded it: the reset between VMs did not reach the chip");
        }
        cpu.write(VA_REGS + FW_LOAD, 4, FW_LOAD_KEY, 0, "gpu_fw_load");
        int tries = 0;
        while (true) {
            st = cpu.read(VA_REGS + FW_STATE, 4, 0, "gpu_fw_wait");
            if (st == FW_RUNNING) {
                break;
            }
            if (++tries > FW_POLL_TRIES) {
                return fail("init: firmware did not start (state " + st + " after " + FW_POLL_TRIES + " polls)");
            }
            cpu.delay(FW_POLL_PS);
        }
        setUpInterrupts();
        cpu.write(VA_REGS + SCRATCH, 4, RING_TEST_VALUE, 0, "gpu_ring_test");
        if (cpu.read(VA_REGS + SCRATCH, 4, 0, "gpu_ring_test") != RING_TEST_VALUE) {
            return fail("init: ring test failed (scratch register does not hold what was written)");
        }
        if (ringDoorbell() != fence) {
            return fail("init: ring test failed (fence " + fence + " not signalled)");
        }
        log.add("init: firmware running after " + tries + " polls, ring test passed");
        return true;
    }

    /** MSI-X vector 0 programmed and enabled where the card has MSI-X, else MSI enabled (pci_alloc_irq_vectors). */
    private void setUpInterrupts() throws GuestFault {
        GpuProfile.CapSpec msix = profile.gpu().capability("msix");
        if (msix != null && msix.tableBar() == profile.gpu().bar(GpuProfile.ROLE_REGISTERS).index()
                && msix.tableOffset() + 16 <= Math.min(profile.gpu().bar(GpuProfile.ROLE_REGISTERS).size(), REGS_WINDOW_MAX)) {
            long e = VA_REGS + msix.tableOffset();
            cpu.write(e, 4, 0x0802_0040L, 0, "msix_program"); // message address low (GICv2m-like doorbell; the virt board models none)
            cpu.write(e + 4, 4, 0, 0, "msix_program");
            cpu.write(e + 8, 4, 0x20, 0, "msix_program"); // message data
            cpu.write(e + 12, 4, 0, 0, "msix_program"); // vector control: unmasked
            long mc = cpu.configRead(bdf, msix.offset() + 2, 2);
            cpu.configWrite(bdf, msix.offset() + 2, 2, mc | MSIX_ENABLE);
        } else {
            GpuProfile.CapSpec msi = profile.gpu().capability("msi");
            if (msi != null) {
                long mc = cpu.configRead(bdf, msi.offset() + 2, 2);
                cpu.configWrite(bdf, msi.offset() + 2, 2, mc | MSI_ENABLE);
            }
        }
    }

    /** Rings the doorbell with the next fence value (a release store) and reads the fence back. */
    public long ringDoorbell() throws GuestFault {
        fence++;
        if (doorbellPa >= 0) {
            cpu.write(VA_DOORBELL, 4, fence, Access.F_REL, "gpu_ring_commit");
        } else {
            cpu.write(VA_REGS + DOORBELL, 4, fence, Access.F_REL, "gpu_ring_commit");
        }
        return cpu.read(VA_REGS + FENCE, 4, 0, "gpu_fence_read");
    }

    /** The upload workload ({@link #UPLOADS}) with the kernel's memcpy, then the doorbell; returns the bytes copied. */
    public long uploadAll() throws GuestFault {
        long bytes = 0;
        cpu.mark("fill_staging");
        cpu.memset(VA_STAGING, STAGING_FILL, STAGING_USED, "memset"); // the application's data (a recognisable byte)
        for (int i = 0; i < UPLOADS.length; i++) {
            long dst = UPLOADS[i][0];
            long len = UPLOADS[i][1];
            cpu.mark("upload" + i);
            // the staging copy sits at the same offset within a 16-byte granule as the destination (a
            // driver's bounce buffer mirrors the object's layout), so heads and tails are unaligned on both sides
            cpu.memcpy(VA_VRAM + dst, VA_STAGING + (dst & 0xFFFF), len, "gpu_bo_upload");
            bytes += len;
        }
        ringDoorbell(); // the fence read completes after every store before it has reached the card
        cpu.mark("upload_done");
        return bytes;
    }

    public long fence() {
        return fence;
    }

    /** Summary for reports. */
    public Map<String, Object> state() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("profile", profile.name());
        m.put("fence", fence);
        m.put("failure", failure == null ? "none" : failure);
        m.put("log", log);
        return m;
    }
}
