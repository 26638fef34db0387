package dev.gvsim.pciefabric;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import dev.gvsim.pciefabric.DeviceOptions.DeviceSpec;
import dev.gvsim.simcore.Access;
import dev.gvsim.simcore.Params;
import dev.gvsim.simcore.Stats;
import dev.gvsim.simcore.Status;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Hostile-input properties and a seeded fuzzer for the fabric (issue 10, docs/fuzzing.md): the
 * {@code -device} option parser fails only with IllegalArgumentException; configuration requests
 * at any offset, size and value on every fabric device type never throw, and the read-only
 * identity (vendor, device, revision, class, header type) never changes; memory and I/O requests
 * routed through whatever windows the writes left never throw. Mutation-run size:
 * {@code -Dgvsim.fuzz.tries=N}.
 */
class FabricFuzzTest {
    static final int TRIES = Integer.getInteger("gvsim.fuzz.tries", 3000);
    static final long SEED = Long.getLong("gvsim.fuzz.seed", 0x6775_7369_6d10L);

    /** Every fabric device type, each behind the previous kind of port (root port, switch, PCIe-PCI and PCI-PCI bridges). */
    static final String TOPOLOGY = "-M virt -device pcie-root-port,id=rp1,chassis=1,slot=1 -device pcie-pci-bridge,id=pb,bus=rp1 "
            + "-device pci-bridge,id=br,bus=pb,chassis_nr=3,addr=2 -device pcie-root-port,id=rp2,chassis=2,slot=2 "
            + "-device x3130-upstream,id=up,bus=rp2 -device xio3130-downstream,id=dn1,bus=up,chassis=4,slot=0";

    static final String[] SEED_ARGS = {TOPOLOGY, "-M virt -device qxl", "-machine virt,highmem=on -device qxl,addr=1f.7,debug",
        "-M virt -cpu cortex-a57 -m 1024 -nographic -device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=0 -device qxl,bus=rp1",
        "-device qxl,id=a,,b", "-device 'qxl,id=x y'", "-device pci-bridge,id=b,chassis_nr=1,shpc=off,msi=on",
        "-device pcie-root-port,id=rp,x-speed=16,x-width=32,io-reserve=0,mem-reserve=2M,bus-reserve=4"};

    static final String[] TOKENS = {",", ",,", "=", "'", "\"", " ", "-device", "-M", "-machine", "--device", "addr=", "0x", "1f.7",
        "1.8", "0x20", "-1", "99999999999999999999", "bus=", "id=", "chassis=", "chassis_nr=0", "slot=", "pcie.0", "\\", "\u00e9"};

    // ------------------------------------------------------------------ option parser

    @Property
    void optionParsingOnlyEverThrowsIllegalArgumentException(@ForAll("optionLines") String args) {
        checkOptions(args);
    }

    @Example
    void mutatedRealCommandLinesOnlyEverThrowIllegalArgumentException() {
        Random r = new Random(SEED);
        int parsed = 0;
        for (int i = 0; i < TRIES; i++) {
            String base = SEED_ARGS[r.nextInt(SEED_ARGS.length)];
            if (checkOptions(mutate(base, r, 1 + r.nextInt(5)))) {
                parsed++;
            }
        }
        System.out.printf("option fuzz: %d inputs, %d parsed and built%n", TRIES, parsed);
        assertThat(parsed).as("some mutants still parse and build").isPositive().isLessThan(TRIES);
    }

    @Provide
    Arbitrary<String> optionLines() {
        Arbitrary<String> any = Arbitraries.strings().ofMaxLength(80);
        Arbitrary<String> tokens = Arbitraries.of(TOKENS).list().ofMaxSize(16).map(l -> String.join("", l));
        Arbitrary<String> seeded = Arbitraries.longs().map(s -> {
            Random r = new Random(s);
            return mutate(SEED_ARGS[r.nextInt(SEED_ARGS.length)], r, 1 + r.nextInt(4));
        });
        return Arbitraries.oneOf(any, tokens, seeded);
    }

    /** Parses, creates the fabric devices and places them; true if all of it succeeded. */
    static boolean checkOptions(String args) {
        try {
            DeviceOptions o = DeviceOptions.parse(args);
            PciHost h = new PciHost(new Params(), new Stats(), new TestDevices.TestClock());
            for (DeviceSpec s : o.devices()) {
                if (FabricDevices.isFabricDevice(s.driver())) {
                    h.add(FabricDevices.standalone(s), s.bus() == null ? PciHost.ROOT_BUS : s.bus(), s.slot(), s.fn());
                } else {
                    s.id();
                    s.bus();
                }
            }
            LinuxAllocator.assign(h, new Apertures());
            return true;
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).as("a clear reason").isNotBlank();
            if (args.indexOf('\n') < 0 && args.indexOf('\r') < 0) {
                // the messages quote the option; a line break in the input is echoed (Main.oneLine cuts there)
                assertThat(e.getMessage()).as("one line").doesNotContain("\n");
            }
            return false;
        } catch (RuntimeException | Error e) {
            throw new AssertionError("options '" + args + "' threw " + e, e);
        }
    }

    // ------------------------------------------------------------------ configuration space

    record Op(int target, int offset, int size, long value, boolean write) {
    }

    @Property
    void configRequestsAtAnyOffsetSizeAndValueNeverThrowAndKeepTheIdentity(@ForAll("configOps") List<Op> ops) {
        Fabric f = new Fabric();
        for (Op op : ops) {
            f.apply(op);
        }
        f.checkIdentity();
    }

    @Provide
    Arbitrary<List<Op>> configOps() {
        Arbitrary<Integer> off = Arbitraries.oneOf(Arbitraries.integers().between(0, 0x3F), Arbitraries.integers().between(0, 0xFFF),
                Arbitraries.of(-4, -1, 0x1000, 0xFFFC, Integer.MIN_VALUE));
        Arbitrary<Integer> size = Arbitraries.of(1, 2, 4, 1, 2, 4, 0, 3, 8, -1);
        Arbitrary<Long> value = Arbitraries.oneOf(Arbitraries.longs(), Arbitraries.of(0L, 0xFFFF_FFFFL, -1L, 0x0101_0100L, 0xFFFFL));
        return net.jqwik.api.Combinators.combine(Arbitraries.integers().between(0, 63), off, size, value, Arbitraries.of(true, false))
                .as(Op::new).list().ofMaxSize(40);
    }

    @Example
    void seededConfigFuzzOverEveryFabricDeviceType() {
        Random r = new Random(SEED + 1);
        Fabric f = new Fabric();
        for (int i = 0; i < TRIES * 20; i++) {
            if (i % 2000 == 0) {
                f.checkIdentity();
                f = new Fabric();
            }
            f.apply(randomOp(r));
        }
        f.checkIdentity();
        System.out.printf("config fuzz: %d requests%n", TRIES * 20);
        assertThat(f.host.masterAborts() + f.host.unsupportedRequests()).as("bad requests are counted").isPositive();
    }

    @Property
    void aReadOnlyIdentityIgnoresEveryWrite(@ForAll @IntRange(min = 0, max = 5) int which, @ForAll long value,
            @ForAll @IntRange(min = 0, max = 2) int sizeLog) {
        Fabric f = shared();
        PciFunction fn = f.functions.get(which);
        long before = fn.configRead(0, 4);
        int size = 1 << sizeLog;
        for (int off = 0; off < 4; off += size) {
            Access a = new Access().write(0, size, value);
            f.host.configAccess(a, fn.bdf(), off);
            assertThat(a.status).isEqualTo(Status.OK);
        }
        assertThat(fn.configRead(0, 4)).isEqualTo(before);
    }

    /**
     * Found by this fuzz target (regression): the bounds check {@code offset + size > CONFIG_SIZE}
     * in PciHost.configAccess overflowed for offset 0x7fffffff, so the request reached
     * PciFunction.configWrite and threw ArrayIndexOutOfBoundsException. Not reachable from traces
     * (RecordRules bounds off) or ECAM (reg = offset & 0xFFF), only through the Java API. Fixed as
     * {@code offset > CONFIG_SIZE - size}.
     */
    @Example
    void offsetNearIntMaxIsRefused() {
        Fabric f = new Fabric();
        for (boolean write : new boolean[] {true, false}) {
            Access a = new Access();
            if (write) {
                a.write(0, 1, 0);
            } else {
                a.read(0, 1);
            }
            f.host.configAccess(a, f.functions.get(0).bdf(), Integer.MAX_VALUE);
            assertThat(a.status).isEqualTo(Status.MASTER_ABORT);
        }
    }

    private static Fabric shared;

    /** One fabric for properties that only write read-only fields (building one costs milliseconds). */
    static synchronized Fabric shared() {
        if (shared == null) {
            shared = new Fabric();
        }
        return shared;
    }

    static Op randomOp(Random r) {
        int offset = switch (r.nextInt(4)) {
            case 0 -> r.nextInt(0x40);
            case 1 -> r.nextInt(0x100);
            case 2 -> r.nextInt(0x1000);
            default -> r.nextInt(0x20000) - 0x10000; // not near Integer.MAX_VALUE: see offsetNearIntMaxIsRefused
        };
        int size = new int[] {1, 2, 4, 4, 4, 2, 1, 0, 3, 8}[r.nextInt(10)];
        long value = switch (r.nextInt(4)) {
            case 0 -> r.nextLong();
            case 1 -> 0xFFFF_FFFFL;
            case 2 -> 0;
            default -> r.nextInt(256) * 0x0101_0101L;
        };
        return new Op(r.nextInt(64), offset, size, value, r.nextInt(3) != 0);
    }

    /** The topology above, numbered and sized by the Linux allocator. */
    static final class Fabric {
        final PciHost host = new PciHost(new Params(), new Stats(), new TestDevices.TestClock());
        final List<PciFunction> functions = new ArrayList<>();
        final List<Long> identity = new ArrayList<>();
        final Access a = new Access();
        long time;

        Fabric() {
            for (DeviceSpec s : DeviceOptions.parse(TOPOLOGY).devices()) {
                PciFunction f = FabricDevices.standalone(s);
                host.add(f, s.bus() == null ? PciHost.ROOT_BUS : s.bus(), s.slot(), s.fn());
                functions.add(f);
            }
            LinuxAllocator.assign(host, new Apertures());
            for (PciFunction f : host.functions()) {
                if (!functions.contains(f)) {
                    functions.add(f); // host bridge
                }
            }
            for (PciFunction f : functions) {
                identity.add(idOf(f));
            }
        }

        static long idOf(PciFunction f) {
            // vendor, device (0x00), revision + class (0x08), header type (0x0E, bit 7 multi-function aside)
            return f.configRead(0, 4) << 32 ^ f.configRead(8, 4) ^ (long) (f.configRead(0x0E, 1) & 0x7F) << 24;
        }

        void apply(Op op) {
            // targets 0..n-1: an existing function at its current BDF; others: any BDF (routing through whatever bus numbers the writes left)
            int bdf = op.target < functions.size() ? functions.get(op.target).bdf() : (op.target * 0x1357) & 0xFFFF;
            a.reset();
            if (op.write) {
                a.write(0, op.size, op.value);
            } else {
                a.read(0, op.size);
            }
            try {
                host.configAccess(a, bdf, op.offset);
                // a request the fabric refuses completes as a master abort; never a CPU fault
                assertThat(a.status.isCpuFault()).isFalse();
                if (op.write && (op.offset & 0xFF) == 0x04) {
                    // the command register may enable decoding: route memory and I/O through the windows
                    time += 1_000_000_000L;
                    TestDevices.setTime(host, time);
                    a.reset();
                    a.read(Apertures.VIRT_MMIO32_BASE + (op.value & 0xFFFFFFL) * 0x40, 4);
                    host.memAccess(a);
                    a.reset();
                    a.write(0, 1, op.value);
                    host.ioAccess(a, op.value & 0xFFFF);
                }
            } catch (RuntimeException | Error e) {
                throw new AssertionError("config " + op + " at bdf " + PciFunction.formatBdf(bdf) + " threw " + e, e);
            }
        }

        void checkIdentity() {
            for (int i = 0; i < functions.size(); i++) {
                assertThat(idOf(functions.get(i))).as("read-only identity of %s", functions.get(i).id())
                        .isEqualTo(identity.get(i));
            }
            host.lspci(true);
            host.report();
        }
    }

    // ------------------------------------------------------------------ mutation

    static String mutate(String s, Random r, int rounds) {
        StringBuilder b = new StringBuilder(s);
        for (int k = 0; k < rounds; k++) {
            int at = b.length() == 0 ? 0 : r.nextInt(b.length());
            switch (r.nextInt(4)) {
                case 0 -> {
                    if (b.length() > 0) {
                        b.deleteCharAt(at);
                    }
                }
                case 1 -> b.insert(at, (char) (r.nextBoolean() ? ' ' + r.nextInt(95) : r.nextInt(0x3000)));
                case 2 -> b.insert(at, TOKENS[r.nextInt(TOKENS.length)]);
                default -> {
                    if (b.length() > 0) {
                        b.setCharAt(at, "0123456789,=x.-' "
                                .charAt(r.nextInt(17)));
                    }
                }
            }
        }
        return b.toString();
    }
}
