package dev.gvsim.guesttraces.linux;

import static dev.gvsim.gpupassthroughmodel.layout.GpuRegs.FENCE;
import static dev.gvsim.gpupassthroughmodel.layout.GpuRegs.FW_RUNNING;
import static dev.gvsim.gpupassthroughmodel.layout.GpuRegs.FW_STATE;
import static dev.gvsim.gpupassthroughmodel.layout.GpuRegs.ID;
import static dev.gvsim.gpupassthroughmodel.layout.GpuRegs.SCRATCH;

import dev.gvsim.guesttraces.guest.GuestCpu;
import dev.gvsim.guesttraces.guest.GuestFault;
import dev.gvsim.simcore.Access;

/**
 * The guest side of an SR-IOV virtual function of a passed-through GPU (issue 26): what a VF driver
 * (amdgpu in SR-IOV VF mode, GIM's guest side) does that decides the partitioning study. vfio-pci gives
 * the VM the VF with its BARs (vfio_pci_core virtualizes a VF's Vendor/Device ID and BARs in the VM's
 * configuration space, so the guest sees them as a normal device); the model is handed the BAR addresses
 * the VM sees (identity-mapped guest physical = host physical, as the stage 2 of the scenario maps them).
 * Init: registers {@code ioremap}, VRAM {@code ioremap_wc}, doorbell {@code ioremap}; the ID check, the
 * firmware state check (a VF finds the firmware running: the host's PF driver loaded it), a ring test;
 * then the same uploads as {@link GpuPassthroughLinuxDriver} (the kernel's memcpy with unaligned heads
 * and tails) and the doorbell. Register numbers from the device's layout package only.
 */
public final class GpuVfLinuxDriver {
    private final GuestCpu cpu;
    private final long expectId;
    private final long regsPa;
    private final long vramPa;
    private final long doorbellPa;
    private final long stagingPa;
    private final int fill;
    private long fence;

    /**
     * @param expectId the ID register's value: vendor | VF Device ID &lt;&lt; 16
     * @param fill the byte this VM's data is made of (to tell the VMs' data apart in VRAM)
     */
    public GpuVfLinuxDriver(GuestCpu cpu, long expectId, long regsPa, long vramPa, long doorbellPa, long stagingPa, int fill) {
        this.cpu = cpu;
        this.expectId = expectId;
        this.regsPa = regsPa;
        this.vramPa = vramPa;
        this.doorbellPa = doorbellPa;
        this.stagingPa = stagingPa;
        this.fill = fill & 0xFF;
    }

    /** Maps the VF's BARs and the staging buffer (the VM's kernel page tables: this VM's stage 1). */
    public void map() {
        cpu.map(GpuPassthroughLinuxDriver.VA_REGS, regsPa, 4096, "device-ngnre", "VF register BAR ioremap");
        cpu.map(GpuPassthroughLinuxDriver.VA_VRAM, vramPa, GpuPassthroughLinuxDriver.VRAM_WINDOW, "normal-nc", "VF VRAM aperture ioremap_wc");
        cpu.map(GpuPassthroughLinuxDriver.VA_DOORBELL, doorbellPa, 4096, "device-ngnre", "VF doorbell BAR ioremap");
        cpu.map(GpuPassthroughLinuxDriver.VA_STAGING, stagingPa, GpuPassthroughLinuxDriver.STAGING_BYTES, "normal-wb", "staging buffer (kmalloc)");
    }

    /** ID check, firmware state, ring test; null when it passed, else what failed. */
    public String init() throws GuestFault {
        long id = cpu.read(GpuPassthroughLinuxDriver.VA_REGS + ID, 4, 0, "gpu_vf_init");
        if (id != expectId) {
            return String.format("ID register reads 0x%08x, not 0x%08x", id, expectId);
        }
        long st = cpu.read(GpuPassthroughLinuxDriver.VA_REGS + FW_STATE, 4, 0, "gpu_vf_fw_check");
        if (st != FW_RUNNING) {
            return "firmware state " + st + ", not running";
        }
        long token = 0x5F00_0000L | fill;
        cpu.write(GpuPassthroughLinuxDriver.VA_REGS + SCRATCH, 4, token, 0, "gpu_ring_test");
        long back = cpu.read(GpuPassthroughLinuxDriver.VA_REGS + SCRATCH, 4, 0, "gpu_ring_test");
        return back == token ? null : String.format("ring test reads 0x%x, not 0x%x", back, token);
    }

    /** Fills this VM's staging buffer with its byte (the application's data). */
    public void fillStaging() throws GuestFault {
        cpu.mark("fill_staging");
        cpu.memset(GpuPassthroughLinuxDriver.VA_STAGING, fill, GpuPassthroughLinuxDriver.STAGING_USED, "memset");
    }

    /** Upload {@code i} of {@link GpuPassthroughLinuxDriver#UPLOADS} with the kernel's memcpy (mark {@code upload<i>}); returns its length. */
    public long upload(int i) throws GuestFault {
        long dst = GpuPassthroughLinuxDriver.UPLOADS[i][0];
        long len = GpuPassthroughLinuxDriver.UPLOADS[i][1];
        cpu.mark("upload" + i);
        cpu.memcpy(GpuPassthroughLinuxDriver.VA_VRAM + dst, GpuPassthroughLinuxDriver.VA_STAGING + (dst & 0xFFFF), len, "gpu_bo_upload");
        return len;
    }

    /** Every upload in order after filling the staging buffer (stops at the first fault, as the kernel would); returns the bytes copied. */
    public long uploadAll() throws GuestFault {
        fillStaging();
        long bytes = 0;
        for (int i = 0; i < GpuPassthroughLinuxDriver.UPLOADS.length; i++) {
            bytes += upload(i);
        }
        cpu.mark("upload_done");
        return bytes;
    }

    /** Rings the VF's doorbell with the next fence value (a release store) and reads the fence back. */
    public long ringDoorbell() throws GuestFault {
        fence++;
        cpu.write(GpuPassthroughLinuxDriver.VA_DOORBELL, 4, (long) fill << 16 | fence, Access.F_REL, "gpu_ring_commit");
        return cpu.read(GpuPassthroughLinuxDriver.VA_REGS + FENCE, 4, 0, "gpu_fence_read");
    }

    /** The fence value a doorbell of this VM writes: the fill byte in bits 23:16 and the count. */
    public long lastFence() {
        return (long) fill << 16 | fence;
    }
}
