package dev.gvsim.pciefabric;

import dev.gvsim.simcore.InputException;
import dev.gvsim.simcore.state.StateReader;
import dev.gvsim.simcore.state.StateWriter;

/**
 * The Standard Hot-Plug Controller of QEMU's conventional bridges ({@code pcie-pci-bridge},
 * {@code pci-bridge}), as QEMU 7.2's hw/pci/shpc.c builds it (PCI Standard Hot-Plug Controller and
 * Subsystem Specification 1.0 §5): the working register set at BAR0 and through the SHPC capability's
 * DWORD Select / DWORD Data window in configuration space, 31 slots (PCI device numbers 1..31; slot
 * 0 is reserved, so a device on the bridge's secondary bus must sit at addr 1..31), per-byte
 * write masks and write-1-to-clear masks, the slot and controller commands
 * ({@code shpc_command}), and the interrupt locator. Values as the vgpu_pcibr recording read them
 * from QEMU 7.2: an empty slot 0x7f000d0f (disabled, power indicator off, MRL open, no card, every
 * event masked), an occupied one 0x7f000006 (enabled, power indicator on, a 7.5 W card). The
 * interrupt itself (INTx or MSI) is not raised: the locator and the status are.
 */
final class Shpc {
    /** Working register set offsets (QEMU 7.2 hw/pci/shpc.c; SHPC 1.0 §5.2). */
    static final int BASE_OFFSET = 0x00;
    static final int SLOTS_33 = 0x04;
    static final int SLOTS_66 = 0x08;
    static final int NSLOTS = 0x0C;
    static final int FIRST_DEV = 0x0D;
    static final int PHYS_SLOT = 0x0E;
    static final int SEC_BUS = 0x10;
    static final int PROG_IFC = 0x13;
    static final int CMD_CODE = 0x14;
    static final int CMD_TRGT = 0x15;
    static final int CMD_STATUS = 0x16;
    static final int INT_LOCATOR = 0x18;
    static final int SERR_INT = 0x20;

    static final int MAX_SLOTS = 31;
    /** Bytes of the register set: 0x24 + 4 per slot (SHPC_SIZEOF). */
    static final int SIZE = 0x24 + 4 * MAX_SLOTS;

    static final int PHYS_NUM_UP = 0x2000;
    static final int PHYS_MRL = 0x4000;
    static final int PHYS_BUTTON = 0x8000;
    static final int PROG_IFC_1_0 = 0x1;
    static final int CMD_STATUS_BUSY = 0x1;
    static final int CMD_STATUS_MRL_OPEN = 0x2;
    static final int CMD_STATUS_INVALID_CMD = 0x4;
    static final int CMD_STATUS_INVALID_MODE = 0x8;
    static final int INT_COMMAND = 0x1;
    static final int INT_DIS = 0x1;
    static final int SERR_DIS = 0x2;
    static final int CMD_INT_DIS = 0x4;
    static final int ARB_SERR_DIS = 0x8;
    static final int CMD_DETECTED = 0x10000;
    static final int ARB_DETECTED = 0x20000;

    /** Slot status word fields. */
    static final int SLOT_STATE_MASK = 0x03;
    static final int SLOT_PWR_LED_MASK = 0x0C;
    static final int SLOT_ATTN_LED_MASK = 0x30;
    static final int SLOT_STATUS_MRL_OPEN = 0x100;
    static final int SLOT_STATUS_66 = 0x200;
    static final int SLOT_STATUS_PRSNT_MASK = 0xC00;
    static final int STATE_NO = 0;
    static final int STATE_PWRONLY = 1;
    static final int STATE_ENABLED = 2;
    static final int STATE_DISABLED = 3;
    static final int LED_NO = 0;
    static final int LED_ON = 1;
    static final int LED_OFF = 3;
    static final int PRSNT_EMPTY = 3;
    static final int PRSNT_7_5W = 0;
    /** Slot event latch and SERR/INT disable bits. */
    static final int EVENT_PRESENCE = 0x01;
    static final int EVENT_ISOLATED_FAULT = 0x02;
    static final int EVENT_BUTTON = 0x04;
    static final int EVENT_MRL = 0x08;
    static final int EVENT_CONNECTED_FAULT = 0x10;
    static final int EVENT_MRL_SERR_DIS = 0x20;
    static final int EVENT_CONNECTED_FAULT_SERR_DIS = 0x40;
    static final int EVENTS = EVENT_PRESENCE | EVENT_ISOLATED_FAULT | EVENT_BUTTON | EVENT_MRL | EVENT_CONNECTED_FAULT;

    /** The SHPC capability's window (QEMU shpc_cap_add_config): DWORD Select at +2, CxP at +3, DWORD Data at +4. */
    static final int CAP_DWORD_SELECT = 2;
    static final int CAP_DWORD_DATA = 4;
    static final int CAP_LENGTH = 8;

    private final byte[] config = new byte[SIZE];
    private final byte[] wmask = new byte[SIZE];
    private final byte[] w1cmask = new byte[SIZE];
    private boolean initialized;

    Shpc() {
        wmask[CMD_CODE] = (byte) 0xFF;
        wmask[CMD_TRGT] = 0x1F;
        putLong(wmask, SERR_INT, INT_DIS | SERR_DIS | CMD_INT_DIS | ARB_SERR_DIS);
        putLong(w1cmask, SERR_INT, CMD_DETECTED | ARB_DETECTED);
        for (int i = 0; i < MAX_SLOTS; i++) {
            wmask[slotReg(i) + 3] = (byte) (EVENTS | EVENT_MRL_SERR_DIS | EVENT_CONNECTED_FAULT_SERR_DIS);
            w1cmask[slotReg(i) + 2] = (byte) EVENTS;
        }
    }

    static int slotReg(int slot) {
        return 0x24 + 4 * slot;
    }

    /**
     * QEMU shpc_reset: every register to its reset value, a slot enabled with its power indicator on
     * when a device sits at its PCI device number (slot + 1) on {@code secondary}, else disabled, empty,
     * MRL open.
     */
    void reset(PciBus secondary) {
        java.util.Arrays.fill(config, (byte) 0);
        config[NSLOTS] = (byte) MAX_SLOTS;
        putLong(config, SLOTS_33, MAX_SLOTS);
        config[FIRST_DEV] = 1;
        putWord(config, PHYS_SLOT, 1 | PHYS_NUM_UP | PHYS_MRL | PHYS_BUTTON);
        putLong(config, SERR_INT, INT_DIS | SERR_DIS | CMD_INT_DIS | ARB_SERR_DIS);
        config[PROG_IFC] = PROG_IFC_1_0;
        for (int i = 0; i < MAX_SLOTS; i++) {
            config[slotReg(i) + 3] = (byte) (EVENTS | EVENT_MRL_SERR_DIS | EVENT_CONNECTED_FAULT_SERR_DIS);
            boolean present = secondary != null && secondary.function((i + 1) << 3) != null;
            if (present) {
                setStatus(i, STATE_ENABLED, SLOT_STATE_MASK);
                setStatus(i, PRSNT_7_5W, SLOT_STATUS_PRSNT_MASK);
                setStatus(i, LED_ON, SLOT_PWR_LED_MASK);
            } else {
                setStatus(i, STATE_DISABLED, SLOT_STATE_MASK);
                setStatus(i, 1, SLOT_STATUS_MRL_OPEN);
                setStatus(i, PRSNT_EMPTY, SLOT_STATUS_PRSNT_MASK);
                setStatus(i, LED_OFF, SLOT_PWR_LED_MASK);
            }
        }
        interruptUpdate();
        initialized = true;
    }

    /** Reset once before the first access, when the machine has placed the devices below (QEMU resets the machine after building it). */
    void ensureReset(PciBus secondary) {
        if (!initialized) {
            reset(secondary);
        }
    }

    /** QEMU shpc_read: little-endian bytes of the register set; 0 beyond it. */
    long read(int addr, int size) {
        long v = 0;
        for (int i = 0; i < size && addr + i < SIZE; i++) {
            if (addr + i >= 0) {
                v |= (config[addr + i] & 0xFFL) << (8 * i);
            }
        }
        return v;
    }

    /** QEMU shpc_write: through the write masks (RW1C where w1cmask), then a command if CMD_CODE was written. */
    void write(int addr, int size, long value) {
        if (addr < 0 || addr >= SIZE) {
            return;
        }
        int l = Math.min(size, SIZE - addr);
        long val = value;
        for (int i = 0; i < l; i++, val >>>= 8) {
            int a = addr + i;
            int b = (int) val & 0xFF;
            config[a] = (byte) ((config[a] & ~wmask[a]) | (b & wmask[a]));
            config[a] &= (byte) ~(b & w1cmask[a]);
        }
        if (addr < CMD_CODE + 2 && CMD_CODE < addr + l) {
            command();
        }
        interruptUpdate();
    }

    private int status(int slot) {
        return (config[slotReg(slot)] & 0xFF) | (config[slotReg(slot) + 1] & 0xFF) << 8;
    }

    private int getStatus(int slot, int mask) {
        return (status(slot) & mask) >>> Integer.numberOfTrailingZeros(mask);
    }

    private void setStatus(int slot, int value, int mask) {
        int s = (status(slot) & ~mask) | (value << Integer.numberOfTrailingZeros(mask) & mask);
        putWord(config, slotReg(slot), s);
    }

    private void invalidCommand() {
        putWord(config, CMD_STATUS, word(config, CMD_STATUS) | CMD_STATUS_INVALID_CMD);
    }

    /** QEMU shpc_command (SHPC 1.0 §4.1.2, §5.2.5): slot operations 0x00-0x3f, bus speed 0x40-0x47, all-slots 0x48/0x49. */
    private void command() {
        int code = config[CMD_CODE] & 0xFF;
        putWord(config, CMD_STATUS, word(config, CMD_STATUS)
                & ~(CMD_STATUS_BUSY | CMD_STATUS_MRL_OPEN | CMD_STATUS_INVALID_CMD | CMD_STATUS_INVALID_MODE));
        if (code <= 0x3F) {
            int target = config[CMD_TRGT] & 0x1F;
            slotCommand(target, code & SLOT_STATE_MASK, (code & SLOT_PWR_LED_MASK) >> 2, (code & SLOT_ATTN_LED_MASK) >> 4);
        } else if (code <= 0x47) {
            if ((code & 0x7) != 0) { // only 33 MHz conventional (SHPC_SEC_BUS_33) is supported
                putWord(config, CMD_STATUS, word(config, CMD_STATUS) | CMD_STATUS_INVALID_MODE);
            }
        } else if (code == 0x48 || code == 0x49) {
            for (int i = 0; i < MAX_SLOTS; i++) {
                if (getStatus(i, SLOT_STATE_MASK) == STATE_ENABLED) {
                    invalidCommand();
                    putLong(config, SERR_INT, (int) read(SERR_INT, 4) | CMD_DETECTED);
                    return;
                }
            }
            for (int i = 0; i < MAX_SLOTS; i++) {
                if (getStatus(i, SLOT_STATUS_MRL_OPEN) == 0) {
                    slotCommand(i + 1, code == 0x48 ? STATE_PWRONLY : STATE_ENABLED, LED_ON, LED_NO);
                } else {
                    slotCommand(i + 1, STATE_NO, LED_OFF, LED_NO);
                }
            }
        } else {
            invalidCommand();
        }
        putLong(config, SERR_INT, (int) read(SERR_INT, 4) | CMD_DETECTED);
    }

    /** QEMU shpc_slot_command: a logical slot number 1..31; disabling a slot whose power indicator is off empties it. */
    private void slotCommand(int target, int state, int power, int attn) {
        int slot = target - 1;
        if (target < 1 || slot >= MAX_SLOTS) {
            invalidCommand();
            return;
        }
        int current = getStatus(slot, SLOT_STATE_MASK);
        if (current == STATE_ENABLED && state == STATE_PWRONLY) {
            invalidCommand();
            return;
        }
        if (power != LED_NO) {
            setStatus(slot, power, SLOT_PWR_LED_MASK);
        }
        if (attn != LED_NO) {
            setStatus(slot, attn, SLOT_ATTN_LED_MASK);
        }
        if (state != STATE_NO) {
            setStatus(slot, state, SLOT_STATE_MASK);
        }
        if ((current == STATE_ENABLED || current == STATE_PWRONLY) && state == STATE_DISABLED
                && getStatus(slot, SLOT_PWR_LED_MASK) == LED_OFF) {
            // QEMU unplugs the device here (shpc_free_devices_in_slot); gvsim keeps it and reports the slot empty
            setStatus(slot, 1, SLOT_STATUS_MRL_OPEN);
            setStatus(slot, PRSNT_EMPTY, SLOT_STATUS_PRSNT_MASK);
            config[slotReg(slot) + 2] |= (byte) (EVENT_MRL | EVENT_PRESENCE);
        }
    }

    /** QEMU shpc_interrupt_update: the interrupt locator from the unmasked slot events and the command-completion event. */
    private void interruptUpdate() {
        int locator = 0;
        for (int i = 0; i < MAX_SLOTS; i++) {
            int event = config[slotReg(i) + 2] & 0xFF;
            int disable = config[slotReg(i) + 3] & 0xFF;
            if ((event & ~disable) != 0) {
                locator |= 1 << (i + 1);
            }
        }
        int serrInt = (int) read(SERR_INT, 4);
        if ((serrInt & CMD_DETECTED) != 0 && (serrInt & CMD_INT_DIS) == 0) {
            locator |= INT_COMMAND;
        }
        putLong(config, INT_LOCATOR, locator);
    }

    /** The controller asserts its interrupt (QEMU: level = !INT_DIS && locator). */
    boolean interruptPending() {
        return (read(SERR_INT, 4) & INT_DIS) == 0 && read(INT_LOCATOR, 4) != 0;
    }

    void save(StateWriter w) {
        w.putBoolean(initialized);
        w.putBytes(config, 0, SIZE);
    }

    void restore(StateReader r) throws InputException {
        initialized = r.getBoolean();
        r.getBytes(config, 0, SIZE);
    }

    private static int word(byte[] b, int at) {
        return (b[at] & 0xFF) | (b[at + 1] & 0xFF) << 8;
    }

    private static void putWord(byte[] b, int at, int v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >>> 8);
    }

    private static void putLong(byte[] b, int at, int v) {
        for (int i = 0; i < 4; i++) {
            b[at + i] = (byte) (v >>> (8 * i));
        }
    }
}
