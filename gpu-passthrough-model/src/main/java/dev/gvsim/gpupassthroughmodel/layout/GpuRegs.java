package dev.gvsim.gpupassthroughmodel.layout;

/**
 * The registers gvsim models at the start of a card's register BAR (and, for a card with a doorbell
 * BAR, the doorbell at its offset 0), shared by the device and the guest driver model. Real cards
 * have thousands of registers whose maps are partly unpublished; the model keeps the few the
 * issue's two studies need, each standing for a real mechanism (source in each constant):
 * identity, the firmware state a driver's init checks (what the AMD reset bug leaves stale), the
 * firmware load, a scratch register, the vendor-specific reset and the doorbell/fence pair a driver
 * rings after an upload. All 32-bit; declared on the register layer by the device.
 */
public final class GpuRegs {
    private GpuRegs() {
    }

    /** RO: vendor ID | device ID << 16 (as config dword 0), so a driver can check what it mapped. */
    public static final int ID = 0x00;
    /**
     * RO: the firmware state: {@link #FW_POST} after power-on or a reset that reaches the firmware,
     * {@link #FW_LOADING}, {@link #FW_RUNNING}. Stands for the SMU/PSP state amdgpu checks at init
     * (a running SMU after a reset the chip ignored is the reset bug: docs/facts/sharing-passthrough.md §2.3).
     */
    public static final int FW_STATE = 0x04;
    /** WO: write {@link #FW_LOAD_KEY} to start the firmware (the driver's microcode load at init). */
    public static final int FW_LOAD = 0x08;
    /** RW: scratch, survives nothing but power (driver ring test). */
    public static final int SCRATCH = 0x0C;
    /**
     * WO: write {@link #VENDOR_RESET_KEY} to run the card's vendor-specific reset (the BACO sequence
     * gnif/vendor-reset's Polaris/Vega strategies drive through the SMU: §2.3); refused when the
     * profile has none.
     */
    public static final int VENDOR_RESET = 0x10;
    /** RO: the last doorbell value the card has processed. */
    public static final int FENCE = 0x14;
    /** WO: the doorbell, for a card without a doorbell BAR (otherwise the doorbell BAR's offset 0). */
    public static final int DOORBELL = 0x18;
    /** RO: how many times the firmware was loaded since the last reset that reached it. */
    public static final int FW_LOADS = 0x1C;
    /** Bytes the model's register block takes. */
    public static final int BLOCK_SIZE = 0x20;

    public static final int FW_POST = 0;
    public static final int FW_LOADING = 1;
    public static final int FW_RUNNING = 2;
    public static final int FW_LOAD_KEY = 0x4C4F4144; // "LOAD"
    public static final int VENDOR_RESET_KEY = 0x4241434F; // "BACO"
}
