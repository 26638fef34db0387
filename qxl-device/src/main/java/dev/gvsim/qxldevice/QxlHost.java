package dev.gvsim.qxldevice;

/**
 * What the spice-server side of the model (the worker, the memslot lookup) asks of the device,
 * QEMU's hw/display/qxl.c: the direction of spice-server's QXLInterface callbacks and the qxl.c
 * helpers they call. {@link QxlDevice} is the one implementation.
 */
interface QxlHost {
    /** QEMU qxl.h {@code d->mode} (QXL_MODE_*). */
    int mode();

    /** {@code d->guest_bug}: the device ignores the guest's I/O but QXL_IO_RESET until reset. */
    boolean inErrorState();

    /** qxl_send_events: int_pending |= events, the interrupt line re-evaluated. */
    void sendEvents(int events);

    /** qxl_set_guest_bug: recorded, QXL_INTERRUPT_ERROR raised, the device enters the error state. */
    void setGuestBug(String reason);

    /** A spice-server rejection (spice_warning / spice_critical): recorded as a guest error; the command is dropped. */
    void spiceError(String reason);
}
