package dev.gvsim.simcli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Properties;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Option;

/**
 * The {@code gvsim} command line. Exit codes everywhere: 0 success (replay: no faults, no
 * mismatches; scenarios: all pass), 1 the simulated system misbehaved (faults, mismatches, a
 * failed scenario), 2 bad input or usage (one line on stderr; {@code --debug} adds the stack trace).
 */
@Command(name = "gvsim", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Cycle-approximate simulator of GPU virtualization on ARM64 servers.",
        subcommands = {ScenariosCommand.class, ReplayCommand.class, LspciCommand.class, TraceCommand.class, ParamsCommand.class, DevicesCommand.class, ProfilesCommand.class, GuestCommand.class, ImportCommand.class, BootCommand.class,
                CompletionCommand.class, DiffCommand.class, ReportCommand.class, SweepCommand.class, ViewCommand.class, QosCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Exit codes: 0 ok, 1 faults/mismatches/failed scenarios, 2 bad input or usage."})
public final class Main implements Runnable {
    public static final int EXIT_OK = 0;
    public static final int EXIT_MISBEHAVED = 1;
    public static final int EXIT_BAD_INPUT = 2;

    @Option(names = "--debug", scope = CommandLine.ScopeType.INHERIT, description = "Print stack traces of errors.")
    boolean debug;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command line with the given streams; returns the exit code (used by tests too). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = commandLine();
        cl.setOut(out);
        cl.setErr(err);
        boolean debug = java.util.Arrays.asList(args).contains("--debug");
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            Throwable t = ex;
            if (t instanceof dev.gvsim.simcore.InputException || t instanceof IllegalArgumentException || t instanceof IOException
                    || t instanceof java.io.UncheckedIOException) {
                commandLine.getErr().println("gvsim: " + oneLine(t));
                if (debug) {
                    t.printStackTrace(commandLine.getErr());
                }
                return EXIT_BAD_INPUT;
            }
            commandLine.getErr().println("gvsim: internal error: " + oneLine(t) + (debug ? "" : " (run with --debug for the stack trace)"));
            if (debug) {
                t.printStackTrace(commandLine.getErr());
            }
            return 3;
        });
        cl.setParameterExceptionHandler((ex, a) -> {
            ex.getCommandLine().getErr().println("gvsim: " + ex.getMessage());
            ex.getCommandLine().getErr().println("(see '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help')");
            return EXIT_BAD_INPUT;
        });
        String unknown = unknownCommand(cl, args);
        if (unknown != null) {
            err.println("gvsim: " + unknown);
            err.flush();
            return EXIT_BAD_INPUT;
        }
        int code = cl.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setUsageHelpWidth(100);
        return cl;
    }

    /**
     * The first word that stands where a command is expected but names none, said as "unknown
     * command 'X'" with the commands there are; null if every command word is known. Checked before
     * picocli parses, so that {@code gvsim sweep --help} does not print the top-level usage with exit
     * 0 and {@code gvsim diff a b} does not say "Unmatched arguments from index 0". Only commands that
     * have subcommands and no positional parameters of their own (gvsim, gvsim trace) are checked,
     * and their options take no values, so every word not starting with '-' is a command word.
     */
    static String unknownCommand(CommandLine root, String[] args) {
        CommandLine cur = root;
        boolean helpOf = false;
        for (String a : args) {
            if (a.startsWith("-")) {
                continue;
            }
            CommandLine.Model.CommandSpec spec = cur.getCommandSpec();
            if (cur.getSubcommands().isEmpty() || !spec.positionalParameters().isEmpty()) {
                return null;
            }
            CommandLine sub = cur.getSubcommands().get(a);
            if (sub == null) {
                String where = helpOf || cur == root ? "" : " of '" + spec.qualifiedName() + "'";
                return "unknown command '" + a + "'" + where + "; the commands" + (where.isEmpty() ? "" : " there") + " are: "
                        + String.join(", ", cur.getSubcommands().keySet().stream().filter(n -> !n.equals("help")).toList())
                        + " (see '" + spec.qualifiedName() + " --help')";
            }
            if (sub.getCommand() instanceof CommandLine.HelpCommand) {
                helpOf = true; // 'gvsim help X': X must be a command of gvsim
                continue;
            }
            if (helpOf) {
                return null;
            }
            cur = sub;
        }
        return null;
    }

    static String oneLine(Throwable t) {
        String m = t.getMessage();
        if (m == null || m.isBlank()) {
            m = t.getClass().getSimpleName();
        }
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    /** Version from the build. */
    public static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties p = new Properties();
            try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            }
            return new String[] {"gvsim " + p.getProperty("version", "unknown"),
                    "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")"};
        }
    }
}
