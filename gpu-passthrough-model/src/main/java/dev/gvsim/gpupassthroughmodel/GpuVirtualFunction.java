package dev.gvsim.gpupassthroughmodel;

import static dev.gvsim.gpupassthroughmodel.layout.GpuRegs.BLOCK_SIZE;
import static dev.gvsim.gpupassthroughmodel.layout.GpuRegs.DOORBELL;
import static dev.gvsim.gpupassthroughmodel.layout.GpuRegs.FENCE;
import static dev.gvsim.gpupassthroughmodel.layout.GpuRegs.FW_RUNNING;
import static dev.gvsim.gpupassthroughmodel.layout.GpuRegs.FW_STATE;
import static dev.gvsim.gpupassthroughmodel.layout.GpuRegs.ID;
import static dev.gvsim.gpupassthroughmodel.layout.GpuRegs.SCRATCH;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.gvsim.pciefabric.Bar;
import dev.gvsim.pciefabric.BarKind;
import dev.gvsim.pciefabric.BarMemory;
import dev.gvsim.pciefabric.DeviceMemory;
import dev.gvsim.pciefabric.SriovCapability;
import dev.gvsim.pciefabric.VirtualFunction;
import dev.gvsim.simcore.Access;
import dev.gvsim.simcore.InputException;
import dev.gvsim.simcore.SparseMemory;
import dev.gvsim.simcore.regs.FieldKind;
import dev.gvsim.simcore.regs.Register;
import dev.gvsim.simcore.regs.RegisterFile;
import dev.gvsim.simcore.state.StateReader;
import dev.gvsim.simcore.state.StateWriter;

/**
 * One SR-IOV virtual function of a passed-through GPU (issue 26, docs/gpu-partitioning.md): the BARs of
 * the profile's {@code vf_bars} (VRAM as plain memory: the VF's own partition of the card's memory, like
 * an MxGPU VF's frame-buffer slice; registers and doorbell with the PF's access rules), the model
 * registers of {@link dev.gvsim.gpupassthroughmodel.layout.GpuRegs} that a VF has (ID with the VF Device
 * ID, FW_STATE reading running: the host's PF driver owns the firmware, SCRATCH, FENCE, DOORBELL), and
 * its own reset: an FLR of this VF clears its partition and registers and nothing else. Its BARs take
 * the PF's stage-2 policy ({@code host-s2}). Counts the traffic it sees per BAR.
 */
public final class GpuVirtualFunction extends VirtualFunction {
    private final GpuPassthroughDevice pf;
    private final Bar regBar;
    private final Bar vramBar;
    private final Bar doorbellBar;
    private final SparseMemory vram;
    private final BarMemory vramBehind;
    private final RegisterFile mmio;

    // ---- state (checkpointed)
    private long fence;
    private long scratch;
    private long doorbells;
    private long flrs;
    private long registerAccesses;
    private long unmodelledAccesses;

    GpuVirtualFunction(GpuPassthroughDevice pf, SriovCapability cap, int n) {
        super(pf.typeName() + "-vf", cap, n);
        this.pf = pf;
        // VF BARs are memory BARs (PCIe Base 4.0 §9.3.3.14): never I/O, so their rules are the PF's for the same role
        BarRoles roles = BarRoles.declare(pf.profile().gpu().capability("sriov").vfBars(), b -> declareVfBar(new Bar(b.index(),
                b.is64() ? BarKind.MEM64 : BarKind.MEM32, b.size(), b.prefetchable(), BarRoles.rules(b), b.role())));
        this.regBar = roles.registers;
        this.vramBar = roles.vram;
        this.doorbellBar = roles.doorbell;
        this.vram = new SparseMemory(id() + ".vram", vramBar.size);
        this.vramBehind = new BarMemory(vram, 0);
        this.mmio = new RegisterFile(id() + " register BAR", BLOCK_SIZE);
        String model = "gvsim model register (layout.GpuRegs; issue 26: a VF's block)";
        mmio.declare(Register.whole("ID", ID, 4, FieldKind.RO, (long) cap.vfDeviceId() << 16 | pf.profile().gpu().vendorId(),
                model + ": vendor | VF Device ID << 16"));
        mmio.declare(Register.whole("FW_STATE", FW_STATE, 4, FieldKind.RO, FW_RUNNING, model + ": running (the PF's host driver loads the firmware)"));
        mmio.declare(Register.whole("SCRATCH", SCRATCH, 4, FieldKind.RW, 0, model + ": scratch"));
        mmio.declare(Register.whole("FENCE", FENCE, 4, FieldKind.RO, 0, model + ": last doorbell value processed"));
        mmio.declare(Register.whole("DOORBELL", DOORBELL, 4, FieldKind.WO, 0, model + ": doorbell"), (r, o, v) -> ring(v));
        mmio.seal();
        sealResetImage();
    }

    public GpuPassthroughDevice physicalGpu() {
        return pf;
    }

    @Override
    public String stage2MemoryType(Bar bar) {
        return GpuPassthroughDevice.stage2For(pf.hostS2(), bar);
    }

    @Override
    public BarMemory memoryBehind(Bar bar) {
        return bar == vramBar ? vramBehind : null;
    }

    @Override
    public void barAccess(Bar bar, long offset, Access a) {
        if (bar == vramBar) {
            vram.access(a, offset);
        } else if (bar == regBar && offset + a.size <= BLOCK_SIZE) {
            registerAccesses++;
            if (a.isRead()) {
                mmio.set(FENCE, 4, fence);
                a.data = mmio.read((int) offset, a.size);
            } else {
                mmio.write((int) offset, a.size, a.data);
                scratch = mmio.read(SCRATCH, 4);
            }
        } else if (bar == doorbellBar && offset == 0) {
            if (a.isRead()) {
                a.data = 0;
            } else {
                ring(a.data);
            }
        } else {
            unmodelledAccesses++;
            if (a.isRead()) {
                a.data = 0;
            }
        }
    }

    private void ring(long value) {
        doorbells++;
        fence = value & 0xFFFF_FFFFL;
    }

    /** The fence: the last doorbell value this VF processed. */
    public long fence() {
        return fence;
    }

    /** An FLR (or any reset) of this VF: its partition, registers and fence back to power-on; the PF and the other VFs are not touched. */
    @Override
    protected void deviceReset(ResetKind kind) {
        if (kind == ResetKind.FLR) {
            flrs++;
        }
        fence = 0;
        scratch = 0;
        mmio.reset();
        if (vram.pagesAllocated() > 0) {
            List<Long> pages = new java.util.ArrayList<>();
            vram.forEachPage((addr, contents) -> pages.add(addr));
            for (long addr : pages) {
                vram.fill(addr, SparseMemory.PAGE_SIZE, (byte) 0);
            }
        }
    }

    @Override
    public Map<String, Object> report() {
        Map<String, Object> m = new LinkedHashMap<>(super.report());
        m.put("host_s2", pf.hostS2().word);
        Map<String, Object> bars = new LinkedHashMap<>();
        for (int i = 0; i < 6; i++) {
            Bar b = bar(i);
            if (b != null) {
                bars.put("BAR" + i + " " + b.name, String.format("0x%x size 0x%x%s", barAddress(i), b.size, barDecodes(i) ? "" : " (not decoding)"));
            }
        }
        m.put("bars", bars);
        m.put("vram_pages", vram.pagesAllocated());
        m.put("fence", fence);
        m.put("doorbells", doorbells);
        m.put("register_accesses", registerAccesses);
        m.put("unmodelled_register_accesses", unmodelledAccesses);
        m.put("flrs", flrs);
        return m;
    }

    @Override
    public List<DeviceMemory> memories() {
        return List.of(new DeviceMemory("vram", vram));
    }

    @Override
    public void saveState(StateWriter w) {
        super.saveState(w);
        w.putLong(fence).putLong(scratch).putLong(doorbells).putLong(flrs).putLong(registerAccesses).putLong(unmodelledAccesses);
    }

    @Override
    public void restoreState(StateReader r) throws InputException {
        super.restoreState(r);
        fence = r.getLong();
        scratch = r.getLong();
        doorbells = r.getLong();
        flrs = r.getLong();
        registerAccesses = r.getLong();
        unmodelledAccesses = r.getLong();
        mmio.set(SCRATCH, 4, scratch);
    }
}
