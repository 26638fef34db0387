package dev.gvsim.pciefabric;

import static dev.gvsim.pciefabric.PciFunction.BAR0;
import static dev.gvsim.pciefabric.PciFunction.PM_D0;

/**
 * Where a function's BAR decodes, from its configuration image (PCI Local Bus 3.0 §6.2.5.1; QEMU
 * pci_bar_address): the programmed address and whether the BAR decodes it now. {@link PciFunction}'s
 * {@code barAddress} and {@code barDecodes} (which devices may override) call these.
 */
final class BarDecode {
    private BarDecode() {
    }

    /** The bus address programmed in BAR {@code i} of {@code f} (without the flag bits), or -1 if not declared. */
    static long address(PciFunction f, int i) {
        Bar b = f.bars[i];
        if (b == null) {
            return -1;
        }
        int off = BAR0 + 4 * i;
        long low = f.long32(off) & 0xFFFF_FFFFL;
        if (b.isIo()) {
            return low & ~0x3L;
        }
        long addr = low & ~0xFL;
        if (b.is64()) {
            addr |= (f.long32(off + 4) & 0xFFFF_FFFFL) << 32;
        }
        return addr;
    }

    /** See {@link PciFunction#barDecodes}; {@code allowZeroIo}: the machine maps an I/O BAR at port 0. */
    static boolean decodes(PciFunction f, int i, boolean allowZeroIo) {
        Bar b = f.bars[i];
        if (b == null) {
            return false;
        }
        if (b.isIo() ? !f.ioDecode() : !f.memDecode()) {
            return false;
        }
        if (f.powerState() != PM_D0) {
            return false; // D3hot: only configuration accesses are accepted (PCI PM 1.2 §5.3.1.4)
        }
        long a = f.barAddress(i);
        if (a == 0 && !(b.isIo() && allowZeroIo)) {
            return false;
        }
        long end = a + b.size - 1;
        if (b.isIo()) {
            return end <= 0xFFFF_FFFFL;
        }
        return b.is64() || end <= 0xFFFF_FFFFL;
    }
}
