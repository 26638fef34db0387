package dev.gvsim.guesttraces.guest;

/**
 * What an executable guest model (a driver or firmware model) can do to the simulated machine: the
 * accesses a CPU makes, with the machine's answer returned. Implementations run each access
 * through the same path a replayed trace takes (MMU, bus, fabric, device) and may record it as a
 * trace record, so that replaying the recording on the same machine gives the same result.
 *
 * <p>A synchronous fault (alignment, translation, external abort) throws {@link GuestFault}: the
 * model stops there, as the guest kernel's oops would.
 */
public interface GuestCpu {
    /** A stage-1 mapping ({@code ioremap}, {@code ioremap_wc}, …); attr is a trace attribute name. */
    void map(long va, long pa, long size, String attr, String comment);

    /** A CPU load of 1, 2, 4 or 8 bytes; {@code flags} are dev.gvsim.simcore.Access F_* bits. */
    long read(long va, int size, int flags, String sym) throws GuestFault;

    /** A CPU store. */
    void write(long va, int size, long value, int flags, String sym) throws GuestFault;

    /** The kernel's {@code memcpy} ({@code arm64-memcpy} access pattern). */
    void memcpy(long dst, long src, long len, String sym) throws GuestFault;

    /** The kernel's {@code memset} ({@code arm64-memset} access pattern). */
    void memset(long dst, int value, long len, String sym) throws GuestFault;

    /** A PCI configuration read through ECAM ({@code bdf} = bus << 8 | dev << 3 | fn). */
    long configRead(int bdf, int offset, int size);

    void configWrite(int bdf, int offset, int size, long value);

    /** A PCI I/O-space read ({@code inb/inw/inl}; on arm, firmware's MMIO to the PIO window) of port {@code port}. */
    long ioRead(long port, int size);

    /** A PCI I/O-space write ({@code outb/outw/outl}). */
    void ioWrite(long port, int size, long value);

    /**
     * Lets simulated time pass until the device's interrupt line is high or {@code timeoutPs} has
     * elapsed (a {@code wait_event_timeout}); returns true if the interrupt came.
     */
    boolean waitForInterrupt(long timeoutPs);

    /** True if the interrupt line is high now. */
    boolean interruptPending();

    /** Lets {@code ps} of simulated time pass. */
    void delay(long ps);

    /** A named point (phase or frame boundary) in the recording. */
    void mark(String name);

    /** Current simulated time in ps. */
    long now();
}
