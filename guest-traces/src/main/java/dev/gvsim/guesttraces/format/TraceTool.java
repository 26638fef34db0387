package dev.gvsim.guesttraces.format;

import dev.gvsim.simcore.InputException;

import java.io.IOException;
import java.io.Writer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** Library behind {@code gvsim trace info|cat|convert|verify}. */
public final class TraceTool {
    private TraceTool() {
    }

    /** What {@link #info} reports. */
    public static final class Info {
        public long records;
        /** Count per op, in op order, ops that occur only. */
        public final Map<Op, Long> ops = new EnumMap<>(Op.class);
        /** First and last {@code t=} seen, -1 if none. */
        public long firstT = -1;
        public long lastT = -1;
        /** Records with a t=. */
        public long timedRecords;
        /** Meta pairs in file order, as "key=value". */
        public final List<String> meta = new ArrayList<>();
        /** machine args, null if none. */
        public String machine;
        /** Stores without val= (content left unchanged on replay). */
        public long storesWithoutValue;
        /** {@link TraceReader#endWarning} of the trace (a text trace without its end line), or null; not in {@link #render}. */
        public String endWarning;

        /** Human-readable summary, one fact per line (deterministic order). */
        public String render() {
            StringBuilder sb = new StringBuilder();
            sb.append("records: ").append(records).append('\n');
            for (Map.Entry<Op, Long> e : ops.entrySet()) {
                sb.append("  ").append(e.getKey().word()).append(": ").append(e.getValue()).append('\n');
            }
            sb.append("stores without val: ").append(storesWithoutValue).append('\n');
            if (timedRecords == 0) {
                sb.append("time: no t= records\n");
            } else {
                sb.append("time: ").append(firstT).append(" .. ").append(lastT).append(" ps (span ").append(lastT - firstT)
                        .append(" ps, ").append(timedRecords).append(" timed records)\n");
            }
            if (machine != null) {
                sb.append("machine: ").append(machine).append('\n');
            }
            for (String m : meta) {
                sb.append("meta ").append(m).append('\n');
            }
            return sb.toString();
        }
    }

    /** Reads the whole trace (streaming) and summarizes it. */
    public static Info info(Path p) throws IOException, InputException {
        Info info = new Info();
        TraceRecord r = new TraceRecord();
        try (TraceReader in = TraceFiles.open(p)) {
            while (in.next(r)) {
                info.records++;
                info.ops.merge(r.op, 1L, Long::sum);
                if (r.hasT) {
                    if (info.timedRecords++ == 0) {
                        info.firstT = r.t;
                    }
                    info.lastT = r.t;
                }
                if (r.op == Op.WR && !r.hasVal) {
                    info.storesWithoutValue++;
                }
                if (r.op == Op.META) {
                    r.forEachMeta((k, v) -> info.meta.add(k + "=" + v));
                } else if (r.op == Op.MACHINE && info.machine == null) {
                    info.machine = r.machineArgs;
                }
            }
            info.endWarning = in.endWarning();
        }
        return info;
    }

    /** Writes the trace as text to {@code out} (not closed); returns the record count. */
    public static long cat(Path p, Writer out) throws IOException, InputException {
        return cat(p, out, w -> { });
    }

    /** Like {@link #cat(Path, Writer)}; the input's {@link TraceReader#endWarning}, if any, goes to {@code warnings}. */
    public static long cat(Path p, Writer out, java.util.function.Consumer<String> warnings) throws IOException, InputException {
        TraceRecord r = new TraceRecord();
        long n = 0;
        Writer keepOpen = new java.io.FilterWriter(out) {
            @Override
            public void close() throws IOException {
                flush();
            }
        };
        try (TraceReader in = TraceFiles.open(p); TextTraceWriter w = new TextTraceWriter(keepOpen)) {
            while (in.next(r)) {
                w.write(r);
                n++;
            }
            if (in.endWarning() != null) {
                warnings.accept(in.endWarning());
            }
        }
        return n;
    }

    /**
     * Converts {@code in} to {@code out} (binary if {@code binary}, else text; .xz/.gz by the output
     * name); lossless both ways. The output appears only when complete. Returns the record count.
     */
    public static long convert(Path in, Path out, boolean binary) throws IOException, InputException {
        return convert(in, out, binary, w -> { });
    }

    /**
     * Like {@link #convert(Path, Path, boolean)}; the input's {@link TraceReader#endWarning}, if any,
     * goes to {@code warnings} (the output gets a correct end line all the same).
     */
    public static long convert(Path in, Path out, boolean binary, java.util.function.Consumer<String> warnings)
            throws IOException, InputException {
        TraceRecord r = new TraceRecord();
        long n = 0;
        // written next to OUT, read back in full, and only then moved over OUT: an existing OUT is
        // never replaced by a conversion that failed or does not read back
        Path dir = out.toAbsolutePath().getParent();
        Path staged = dir.resolve("." + out.getFileName() + ".converting");
        try (TraceReader src = TraceFiles.open(in)) {
            TraceWriter dst;
            try {
                dst = TraceFiles.create(staged, binary);
            } catch (IOException e) {
                throw new IOException(TraceFiles.cannotWrite(out, e.getCause() instanceof IOException c ? c : e), e);
            }
            boolean done = false;
            try {
                while (src.next(r)) {
                    dst.write(r);
                    n++;
                }
                if (src.endWarning() != null) {
                    warnings.accept(src.endWarning());
                }
                done = true;
            } finally {
                if (!done) {
                    TraceFiles.abandon(dst); // a bad input leaves no half-converted output
                }
                dst.close();
            }
        }
        try {
            long back = verify(staged);
            if (back != n) {
                throw new IOException(out + ": the converted trace reads back " + back + " records, not " + n + "; nothing replaced");
            }
            java.nio.file.Files.move(staged, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } finally {
            java.nio.file.Files.deleteIfExists(staged);
        }
        return n;
    }

    /**
     * Reads every record (checking every chunk's CRC32C and every rule, and a text trace's end line:
     * missing or counting differently is an error here); returns the record count.
     */
    public static long verify(Path p) throws IOException, InputException {
        TraceRecord r = new TraceRecord();
        long n = 0;
        try (TraceReader in = TraceFiles.openRequiringEnd(p)) {
            while (in.next(r)) {
                n++;
            }
        }
        return n;
    }

    /** Op names, for usage messages. */
    public static List<String> opWords() {
        List<String> l = new ArrayList<>();
        for (Op o : Op.values()) {
            l.add(o.word());
        }
        return Collections.unmodifiableList(l);
    }
}
