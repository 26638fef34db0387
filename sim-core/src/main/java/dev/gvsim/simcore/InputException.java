package dev.gvsim.simcore;

/**
 * A checked report for bad input from outside the model (a trace file, a command line, a machine
 * file): carries a one-line message meant for a person. Command-line tools print the message and
 * exit 2; never a stack trace unless {@code --debug}.
 */
public class InputException extends Exception {
    private static final long serialVersionUID = 1L;

    public InputException(String message) {
        super(message);
    }

    public InputException(String message, Throwable cause) {
        super(message, cause);
    }
}
