package dev.gvsim.simcli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import dev.gvsim.guesttraces.format.TraceFiles;
import dev.gvsim.guesttraces.format.TraceTool;
import dev.gvsim.simcli.util.Files2;
import dev.gvsim.simcore.InputException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code gvsim trace info|cat|convert|verify}: inspect and check trace files (text, binary, .xz/.gz). */
@Command(name = "trace", mixinStandardHelpOptions = true,
        description = "Inspect, convert and check trace files (.gvt.txt text, .gvt binary; .xz/.gz read transparently).",
        subcommands = {TraceCommand.Info.class, TraceCommand.Cat.class, TraceCommand.Convert.class, TraceCommand.Verify.class})
final class TraceCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static Path existing(Path p) throws InputException {
        return Files2.input(p);
    }

    /** Work that reads {@code trace}; its read and parse errors name the file. */
    interface Reading<T> {
        T run() throws IOException, InputException;
    }

    static <T> T reading(Path trace, Reading<T> work) throws InputException, IOException {
        try {
            return work.run();
        } catch (InputException | TraceFiles.CompressedInputException e) {
            throw Files2.about(trace, e);
        }
    }

    /** Prints a trace's end warning (a text trace without its end line) on stderr. */
    static void warn(CommandSpec spec, Path trace, String warning) {
        spec.commandLine().getErr().println("gvsim: warning: " + trace + ": " + warning);
        spec.commandLine().getErr().flush();
    }

    @Command(name = "info", mixinStandardHelpOptions = true, description = "Record count, ops, time span, meta and machine of a trace.")
    static final class Info implements Callable<Integer> {
        @Parameters(paramLabel = "TRACE", description = "The trace (.gvt.txt text or .gvt binary; .xz/.gz read transparently).")
        Path trace;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            TraceTool.Info i = reading(trace, () -> TraceTool.info(existing(trace)));
            PrintWriter out = spec.commandLine().getOut();
            out.print(i.render());
            out.flush();
            if (i.endWarning != null) {
                warn(spec, trace, i.endWarning);
            }
            return Main.EXIT_OK;
        }
    }

    @Command(name = "cat", mixinStandardHelpOptions = true, description = "Print a trace (any form) as text records.")
    static final class Cat implements Callable<Integer> {
        @Parameters(paramLabel = "TRACE", description = "The trace (.gvt.txt text or .gvt binary; .xz/.gz read transparently).")
        Path trace;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            reading(trace, () -> TraceTool.cat(existing(trace), out, w -> warn(spec, trace, w)));
            out.flush();
            return Main.EXIT_OK;
        }
    }

    @Command(name = "convert", mixinStandardHelpOptions = true,
            description = {"Convert between text and binary, losslessly (comments are not records and are dropped).",
                    "The output form follows OUT's name (.gvt = binary, anything else = text; .xz/.gz compressed) unless --binary/--text is given.",
                    "Usage: gvsim trace convert IN -o OUT (the older form 'gvsim trace convert IN OUT' is still accepted)."})
    static final class Convert implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "IN", description = "The trace to read (.gvt.txt or .gvt; .xz/.gz read transparently).")
        Path in;

        @Parameters(index = "1", arity = "0..1", paramLabel = "OUT",
                description = "The trace to write, as a second argument instead of -o (kept for compatibility; prefer -o).")
        Path outPositional;

        @Option(names = {"-o", "--output"}, paramLabel = "OUT", description = "The trace to write (crash-safe: it appears only when complete and read back).")
        Path outOption;

        @Option(names = "--binary", description = "Write the binary form (docs/trace-binary-format.md) whatever OUT's name.")
        boolean binary;

        @Option(names = "--text", description = "Write the text form (docs/trace-format.md) whatever OUT's name.")
        boolean text;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (binary && text) {
                throw new IllegalArgumentException("--binary and --text exclude each other");
            }
            if (outPositional != null && outOption != null) {
                throw new IllegalArgumentException("give the output once: -o " + outOption + " or a second argument " + outPositional + ", not both");
            }
            Path out = outOption != null ? outOption : outPositional;
            if (out == null) {
                throw new IllegalArgumentException("no output: gvsim trace convert IN -o OUT");
            }
            existing(in);
            Files2.output(outOption != null ? "-o" : "OUT", out, in);
            boolean bin = binary || (!text && out.getFileName().toString().endsWith(".gvt"));
            long n = reading(in, () -> TraceTool.convert(in, out, bin, w -> warn(spec, in, w)));
            spec.commandLine().getOut().printf("%,d records written to %s (%s)%n", n, out, bin ? "binary" : "text");
            spec.commandLine().getOut().flush();
            return Main.EXIT_OK;
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = "Read a whole trace, checking every record and (binary) every chunk's CRC32C. Exit 2 at the first error.")
    static final class Verify implements Callable<Integer> {
        @Parameters(paramLabel = "TRACE", description = "The trace (.gvt.txt text or .gvt binary; .xz/.gz read transparently).")
        Path trace;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            long n = reading(trace, () -> TraceTool.verify(existing(trace)));
            spec.commandLine().getOut().printf("%s: ok, %,d records%n", trace, n);
            spec.commandLine().getOut().flush();
            return Main.EXIT_OK;
        }
    }
}
