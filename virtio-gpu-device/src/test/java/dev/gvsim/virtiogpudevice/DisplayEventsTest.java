package dev.gvsim.virtiogpudevice;

import static dev.gvsim.virtiogpudevice.layout.VirtioGpuLayout.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.gvsim.pciefabric.DisplayListener;
import dev.gvsim.simcore.EventKernel;
import dev.gvsim.virtiogpudevice.virtqueue.GuestRing;

/** What the device tells the host display side (DisplayListener): surfaces, flush rects, and TRANSFER copies with their time. */
class DisplayEventsTest {
    final List<String> events = new ArrayList<>();
    final DisplayListener recorder = new DisplayListener() {
        @Override
        public void surface(int output, int width, int height, boolean guestPages, long nowPs) {
            events.add("surface " + output + " " + width + "x" + height + (guestPages ? " guest" : " host") + " @" + nowPs);
        }

        @Override
        public long update(int output, int x, int y, int width, int height, long nowPs) {
            events.add("update " + output + " " + x + "," + y + " " + width + "x" + height + " @" + nowPs);
            return nowPs;
        }

        @Override
        public long copied(long bytes, long durationPs, long nowPs) {
            events.add("copied " + bytes + " in " + durationPs + " @" + nowPs);
            return nowPs + durationPs;
        }
    };

    GpuHarness harness(Map<String, String> props) {
        return new GpuHarness(props, Map.of(), new EventKernel(), new GuestRing(64), recorder).probe();
    }

    @Test
    void twoDResourceTransferFlushAndDisable() {
        GpuHarness g = harness(Map.of("max_outputs", "2"));
        assertThat(g.create2d(1, FORMAT_B8G8R8X8_UNORM, 64, 32)).isEqualTo(RESP_OK_NODATA);
        assertThat(g.attach(1, GpuHarness.PAGES, 64 * 32 * 4)).isEqualTo(RESP_OK_NODATA);
        assertThat(g.setScanout(1, 1, 0, 0, 32, 16)).as("the scanout shows the top-left 32 x 16").isEqualTo(RESP_OK_NODATA);
        long t0 = g.kernel.now();
        assertThat(g.transfer(1, 8, 4, 16, 8, (4 * 64 + 8) * 4)).isEqualTo(RESP_OK_NODATA);
        assertThat(g.flush(1, 8, 4, 16, 8)).isEqualTo(RESP_OK_NODATA);
        assertThat(g.flush(1, 24, 12, 16, 8)).as("clipped to the scanout").isEqualTo(RESP_OK_NODATA);
        assertThat(g.setScanout(1, 0, 0, 0, 0, 0)).isEqualTo(RESP_OK_NODATA);
        assertThat(events).hasSize(5);
        assertThat(events.get(0)).startsWith("surface 1 32x16 host @");
        // 16 x 8 pixels of 4 bytes, at virtio_gpu.memcpy_bandwidth (8 B/ns): 64 ns, reported when the command ran
        assertThat(events.get(1)).startsWith("copied 512 in 64000 @");
        assertThat(Long.parseLong(events.get(1).substring(events.get(1).indexOf('@') + 1))).isGreaterThan(t0);
        assertThat(events.get(2)).startsWith("update 1 8,4 16x8 @");
        assertThat(events.get(3)).startsWith("update 1 24,12 8x4 @");
        assertThat(events.get(4)).startsWith("surface 1 0x0 host @");
    }

    @Test
    void blobScanoutIsGuestPagesAndItsTransferCopiesNothing() {
        GpuHarness g = harness(Map.of("blob", "on"));
        assertThat(g.createBlob(5, BLOB_MEM_GUEST, BLOB_FLAG_USE_SHAREABLE, 64 * 32 * 4, GpuHarness.PAGES, 64 * 32 * 4)).isEqualTo(RESP_OK_NODATA);
        assertThat(g.setScanoutBlob(0, 5, 0, 0, 64, 32, 64, 32, FORMAT_B8G8R8X8_UNORM, 256, 0)).isEqualTo(RESP_OK_NODATA);
        assertThat(g.transfer(5, 0, 0, 64, 32, 0)).isEqualTo(RESP_OK_NODATA);
        assertThat(g.flush(5, 0, 0, 64, 32)).isEqualTo(RESP_OK_NODATA);
        assertThat(events).hasSize(2);
        assertThat(events.get(0)).startsWith("surface 0 64x32 guest @");
        assertThat(events.get(1)).startsWith("update 0 0,0 64x32 @");
    }

    @Test
    void aHostThatHoldsTheDevicesThreadDelaysTheAnswer() {
        long hold = 1_000_000_000L; // 1 ms
        DisplayListener slowUi = new DisplayListener() {
            @Override
            public void surface(int output, int width, int height, boolean guestPages, long nowPs) {
            }

            @Override
            public long update(int output, int x, int y, int width, int height, long nowPs) {
                return nowPs + hold; // a synchronous dpy_gfx_update
            }

            @Override
            public long copied(long bytes, long durationPs, long nowPs) {
                return nowPs + durationPs;
            }
        };
        long[] flushTook = new long[2];
        for (int k = 0; k < 2; k++) {
            GpuHarness g = new GpuHarness(Map.of(), Map.of(), new EventKernel(), new GuestRing(64), k == 0 ? DisplayListener.NONE : slowUi).probe();
            g.create2d(1, FORMAT_B8G8R8X8_UNORM, 64, 32);
            g.attach(1, GpuHarness.PAGES, 64 * 32 * 4);
            g.setScanout(0, 1, 0, 0, 64, 32);
            long before = g.kernel.now();
            assertThat(g.flush(1, 0, 0, 64, 32)).isEqualTo(RESP_OK_NODATA);
            flushTook[k] = g.kernel.now() - before;
            if (k == 1) {
                assertThat(g.d.report().get("host_display_held_ps")).isNotNull();
            } else {
                assertThat(g.d.report()).doesNotContainKey("host_display_held_ps");
            }
        }
        assertThat(flushTook[1] - flushTook[0]).as("the FLUSH completes when the UI lets the thread go").isGreaterThanOrEqualTo(hold - 1_000_000L);
    }
}
