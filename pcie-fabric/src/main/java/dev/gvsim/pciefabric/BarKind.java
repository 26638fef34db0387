package dev.gvsim.pciefabric;

/** What a Base Address Register decodes (PCI Local Bus 3.0 §6.2.5.1). */
public enum BarKind {
    /** I/O space; bit 0 reads 1. */
    IO,
    /** 32-bit memory space; bits 2:1 = 00. */
    MEM32,
    /** 64-bit memory space occupying this BAR and the next; bits 2:1 = 10. */
    MEM64
}
