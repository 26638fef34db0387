package dev.gvsim.guesttraces.guest;

/** A synchronous fault a guest model's access took: the model stops, as an oops would. */
public final class GuestFault extends Exception {
    private static final long serialVersionUID = 1L;
    private final long esr;
    private final long far;
    private final String type;

    public GuestFault(String type, long esr, long far, String message) {
        super(message);
        this.type = type;
        this.esr = esr;
        this.far = far;
    }

    public long esr() {
        return esr;
    }

    public long far() {
        return far;
    }

    public String type() {
        return type;
    }
}
