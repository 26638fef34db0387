package dev.gvsim.simcli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import dev.gvsim.guesttraces.format.TraceTool;
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
        if (!Files.isRegularFile(p)) {
            throw new InputException(p + ": no such file");
        }
        return p;
    }

    @Command(name = "info", mixinStandardHelpOptions = true, description = "Record count, ops, time span, meta and machine of a trace.")
    static final class Info implements Callable<Integer> {
        @Parameters(paramLabel = "TRACE")
        Path trace;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            TraceTool.Info i = TraceTool.info(existing(trace));
            PrintWriter out = spec.commandLine().getOut();
            out.print(i.render());
            out.flush();
            return Main.EXIT_OK;
        }
    }

    @Command(name = "cat", mixinStandardHelpOptions = true, description = "Print a trace (any form) as text records.")
    static final class Cat implements Callable<Integer> {
        @Parameters(paramLabel = "TRACE")
        Path trace;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            TraceTool.cat(existing(trace), out);
            out.flush();
            return Main.EXIT_OK;
        }
    }

    @Command(name = "convert", mixinStandardHelpOptions = true,
            description = {"Convert between text and binary, losslessly (comments are not records and are dropped).",
                    "The output form follows OUT's name (.gvt = binary, anything else = text) unless --binary/--text is given."})
    static final class Convert implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "IN")
        Path in;

        @Parameters(index = "1", paramLabel = "OUT")
        Path out;

        @Option(names = "--binary", description = "Write the binary form.")
        boolean binary;

        @Option(names = "--text", description = "Write the text form.")
        boolean text;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (binary && text) {
                throw new IllegalArgumentException("--binary and --text exclude each other");
            }
            boolean bin = binary || (!text && out.getFileName().toString().endsWith(".gvt"));
            long n = TraceTool.convert(existing(in), out, bin);
            spec.commandLine().getOut().printf("%,d records written to %s (%s)%n", n, out, bin ? "binary" : "text");
            spec.commandLine().getOut().flush();
            return Main.EXIT_OK;
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = "Read a whole trace, checking every record and (binary) every chunk's CRC32C. Exit 2 at the first error.")
    static final class Verify implements Callable<Integer> {
        @Parameters(paramLabel = "TRACE")
        Path trace;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            long n = TraceTool.verify(existing(trace));
            spec.commandLine().getOut().printf("%s: ok, %,d records%n", trace, n);
            spec.commandLine().getOut().flush();
            return Main.EXIT_OK;
        }
    }
}
