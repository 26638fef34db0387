package dev.gvsim.gpupassthroughmodel;

import java.io.ByteArrayInputStream;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.gvsim.gpupassthroughmodel.GpuPassthroughDevice.HostS2;
import dev.gvsim.gpupassthroughmodel.layout.GpuProfile;
import dev.gvsim.gpupassthroughmodel.layout.GpuProfiles;
import dev.gvsim.gpupassthroughmodel.layout.ProfileException;
import dev.gvsim.gpupassthroughmodel.layout.ProfileParser;
import dev.gvsim.pciefabric.Bar;
import dev.gvsim.pciefabric.PciFunction;
import dev.gvsim.simcore.Access;
import dev.gvsim.simcore.EventKernel;
import dev.gvsim.simcore.Stats;

/**
 * Coverage-guided fuzz targets (Jazzer) for the passthrough GPU (issue 25, docs/fuzzing.md). Under
 * {@code mvn verify} they replay the inputs under
 * src/test/resources/dev/gvsim/gpupassthroughmodel/ProfileJazzerTestInputs/METHOD/ (the bundled
 * profiles and a register sequence as seeds); {@code JAZZER_FUZZ=1 mvn -pl gpu-passthrough-model test
 * -Dtest=ProfileJazzerTest#METHOD} fuzzes one. {@code profile}: any bytes as a profile file parse or
 * fail with one {@link ProfileException} naming the file and a key, one line; a profile that parses
 * builds a device. {@code registers}: any sequence of configuration writes, BAR accesses, resets and
 * time steps on a card never throws and leaves its identity.
 */
class ProfileJazzerTest {
    @FuzzTest(maxExecutions = 1_000_000, maxDuration = "30m")
    void profile(byte[] data) {
        GpuProfile p;
        try {
            p = ProfileParser.parse("fuzz.json", new ByteArrayInputStream(data));
        } catch (ProfileException e) {
            String m = e.getMessage();
            if (!m.startsWith("profile file fuzz.json: key '") || !m.contains("': expected ") || m.contains("\n") || m.contains("\r")) {
                throw new IllegalStateException("not one clear line: " + m, e);
            }
            return;
        }
        new GpuPassthroughDevice(GpuPassthroughDevice.GPU, p, HostS2.ADAPTIVE, new EventKernel(), new Stats(), "f");
        if (p.audio() != null) {
            new GpuPassthroughDevice(GpuPassthroughDevice.AUDIO, p, HostS2.ADAPTIVE, new EventKernel(), new Stats(), "a");
        }
    }

    private static final int[] SIZES = {1, 2, 4, 8};

    @FuzzTest(maxExecutions = 1_000_000, maxDuration = "30m")
    void registers(FuzzedDataProvider in) {
        GpuProfile p = GpuProfiles.all().get(in.consumeInt(0, GpuProfiles.BUNDLED.size() - 1));
        EventKernel clock = new EventKernel();
        GpuPassthroughDevice d = new GpuPassthroughDevice(GpuPassthroughDevice.GPU, p, HostS2.DEVICE, clock, new Stats(), "f");
        long id = d.configRead(PciFunction.VENDOR_ID, 4);
        for (int step = 0; step < 200 && in.remainingBytes() > 0; step++) {
            switch (in.consumeInt(0, 4)) {
                case 0 -> {
                    int size = SIZES[in.consumeInt(0, 2)];
                    d.configWrite(in.consumeInt(0, 0xFFF) & ~(size - 1) & 0xFFF, size, in.consumeLong());
                }
                case 1, 2 -> {
                    Bar b = d.bar(in.consumeInt(0, 5));
                    if (b != null && !b.isIo()) {
                        int size = SIZES[in.consumeInt(0, 3)];
                        long off = Math.min(in.consumeBoolean() ? in.consumeInt(0, 0x3F) : in.consumeLong(0, b.size - 1), b.size - size) & ~(size - 1);
                        Access a = in.consumeBoolean() ? new Access().read(off, size) : new Access().write(off, size, in.consumeLong());
                        d.barAccess(b, off, a);
                    }
                }
                case 3 -> d.reset(PciFunction.ResetKind.values()[in.consumeInt(0, PciFunction.ResetKind.values().length - 1)]);
                default -> clock.runUntil(clock.now() + in.consumeLong(0, 1_000_000_000_000L));
            }
        }
        if (d.configRead(PciFunction.VENDOR_ID, 4) != id) {
            throw new IllegalStateException("identity changed");
        }
        d.report();
    }
}
