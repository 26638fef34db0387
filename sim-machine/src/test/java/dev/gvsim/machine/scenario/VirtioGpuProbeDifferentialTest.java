package dev.gvsim.machine.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tukaani.xz.XZInputStream;

import dev.gvsim.guesttraces.format.Op;
import dev.gvsim.guesttraces.format.TraceFiles;
import dev.gvsim.guesttraces.format.TraceReader;
import dev.gvsim.guesttraces.format.TraceRecord;
import dev.gvsim.guesttraces.format.TraceWriter;
import dev.gvsim.guesttraces.importers.ImportOptions;
import dev.gvsim.guesttraces.importers.Importers;
import dev.gvsim.guesttraces.linux.VirtioGpuWorkload;

/**
 * Differential test of the Linux virtio-gpu driver model against the real Linux 6.1 driver: the
 * bundled vgpu_root QEMU 7.2 log (traces/README.md), imported, gives the real sequence of
 * configuration accesses to the virtio-gpu function and of BAR4 accesses (common configuration,
 * ISR, device configuration, notify) from virtio_pci_probe's pci_enable_device to the DRIVER_OK
 * status write; the model's recording gives its own; both as (kind, offset, size, value).
 *
 * <p>Justified differences, removed from the real sequence before comparing (and nothing else).
 * 0: the real kernel booted with the function's Memory Space off and pci_enable_device's
 * pci_enable_resources read Command 0 and wrote 0x2 ("enabling device (0000 -> 0002)" in the
 * console); gvsim's Linux-like allocator (AllocSupport.enable) leaves Memory Space on, so the same
 * code reads 0x2 and writes nothing: the real pair is replaced by one read of 0x2. The others: the real guest had an MSI controller (GICv2m) and took vp_find_vqs_msix; gvsim's virt machine has
 * none, so the model takes vp_find_vqs_intx, which makes none of these accesses:
 * <ol>
 * <li>the MSI-X capability's Message Control / Table registers (config 0x9a, 0x9c: enable, mask,
 * unmask; pci_msix_vec_count, msix_capability_init);</li>
 * <li>pci_intx_for_msi's Command read and write setting INTx Disable (0x406);</li>
 * <li>vp_modern_config_vector (common msix_config @0x10, write then read back);</li>
 * <li>vp_modern_queue_vector per queue (queue_select, then queue_msix_vector @0x1a write and read
 * back).</li>
 * </ol>
 * (The MSI-X table accesses in BAR1 are outside BAR4 and not compared.)
 */
class VirtioGpuProbeDifferentialTest {
    static final String LOG = "/dev/gvsim/guesttraces/traces/qemu-log/vgpu_root.trace.xz";
    static final int BDF = 0x08; // 00:01.0
    static final long BAR4 = 0x80_0000_0000L;

    @TempDir
    Path dir;

    static List<TraceRecord> read(Path p) throws Exception {
        List<TraceRecord> out = new ArrayList<>();
        try (TraceReader r = TraceFiles.open(p)) {
            TraceRecord t = new TraceRecord();
            while (r.next(t)) {
                TraceRecord c = new TraceRecord();
                c.copyFrom(t);
                out.add(c);
            }
        }
        return out;
    }

    /** Config accesses of the function and BAR4 accesses (by physical address through the MAP records) as text. */
    static List<String> normalise(List<TraceRecord> recs, long bar4) {
        List<long[]> maps = new ArrayList<>();
        List<String> out = new ArrayList<>();
        for (TraceRecord r : recs) {
            switch (r.op) {
                case MAP -> maps.add(new long[] {r.va, r.pa, r.size});
                case CFGRD, CFGWR -> {
                    if (r.bdf == BDF) {
                        long v = r.op == Op.CFGRD ? r.expect : r.val;
                        out.add(String.format("%s 0x%02x/%d 0x%x", r.op == Op.CFGRD ? "cfgrd" : "cfgwr", r.off, r.size, v));
                    }
                }
                case RD, WR -> {
                    long pa = -1;
                    for (long[] m : maps) {
                        if (r.va >= m[0] && r.va < m[0] + m[2]) {
                            pa = m[1] + (r.va - m[0]);
                        }
                    }
                    if (maps.isEmpty()) {
                        pa = r.va;
                    }
                    if (pa >= bar4 && pa < bar4 + 0x4000) {
                        long v = r.op == Op.RD ? r.expect : r.val;
                        out.add(String.format("%s @0x%04x/%d 0x%x", r.op == Op.RD ? "rd" : "wr", pa - bar4, r.size, v));
                    }
                }
                default -> {
                }
            }
        }
        return out;
    }

    /**
     * From pci_enable_device (Command read, Interrupt Pin, Command read again) to the DRIVER_OK
     * status write.
     */
    static List<String> window(List<String> all) {
        int start = -1;
        for (int i = 0; i + 2 < all.size() && start < 0; i++) {
            if (all.get(i).equals("cfgrd 0x04/2 0x2") && all.get(i + 1).equals("cfgrd 0x3d/1 0x1") && all.get(i + 2).startsWith("cfgrd 0x04/2")) {
                start = i;
            }
        }
        int end = all.indexOf("wr @0x0014/1 0xf");
        assertThat(start).as("pci_enable_device in " + all).isGreaterThanOrEqualTo(0);
        assertThat(end).as("DRIVER_OK").isGreaterThan(start);
        return new ArrayList<>(all.subList(start, end + 1));
    }

    /**
     * Difference 0 (class comment): the real kernel found Memory Space off and pci_enable_resources
     * turned it on (read 0, write 0x2); gvsim's Linux-like allocator leaves it on, so the same code
     * reads 0x2 and writes nothing.
     */
    static List<String> memorySpaceAlreadyOn(List<String> real) {
        List<String> out = new ArrayList<>(real);
        int k = out.indexOf("cfgwr 0x04/2 0x2");
        assertThat(k).isPositive();
        assertThat(out.get(k - 1)).isEqualTo("cfgrd 0x04/2 0x0");
        out.remove(k);
        out.set(k - 1, "cfgrd 0x04/2 0x2");
        return out;
    }

    /** The MSI-X-only accesses listed in the class comment. */
    static List<String> withoutMsix(List<String> real) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < real.size(); i++) {
            String s = real.get(i);
            String nextS = i + 1 < real.size() ? real.get(i + 1) : "";
            if (s.matches("cfg(rd|wr) 0x9[ac]/.*") || s.matches("(rd|wr) @0x0010/.*") || s.matches("(rd|wr) @0x001a/.*")) {
                continue;
            }
            if (s.equals("cfgwr 0x04/2 0x406") || (s.startsWith("cfgrd 0x04/2") && nextS.equals("cfgwr 0x04/2 0x406"))) {
                continue;
            }
            if (s.startsWith("wr @0x0016/2") && nextS.startsWith("wr @0x001a/2")) {
                continue;
            }
            out.add(s);
        }
        return out;
    }

    @Test
    void probeUpToDriverOkIssuesTheRealDriversAccesses() throws Exception {
        Path real = dir.resolve("vgpu_root.gvt.txt");
        try (InputStream in = getClass().getResourceAsStream(LOG); TraceWriter w = TraceFiles.create(real, false)) {
            assertThat(in).isNotNull();
            Importers.importStream("qemu-log", in, "vgpu_root.trace.xz", w, new ImportOptions());
        }
        List<String> realAll = window(memorySpaceAlreadyOn(normalise(read(real), BAR4)));
        List<String> expected = withoutMsix(realAll);
        assertThat(realAll.size() - expected.size()).as("MSI-X-only accesses removed").isEqualTo(18);

        Path rec = dir.resolve("model.gvt.txt");
        VirtioGpuDriverRun run = VirtioGpuDriverRun.run(false, VirtioGpuWorkload.PARTIAL, 0, rec, null);
        assertThat(run.probed).isTrue();
        List<String> model = window(normalise(read(rec), BAR4));
        assertThat(model.size()).as("accesses compared").isGreaterThan(100);
        assertThat(String.join("\n", model)).isEqualTo(String.join("\n", expected));
    }

    /**
     * After DRIVER_OK: the commands of each notify as QEMU traced them (virtio_gpu_cmd_* events
     * between virtio_pci_notify_write events of the real log) against the model's own (its
     * {@code batches}, in the same format). The bring-up is identical: GET_EDID + GET_DISPLAY_INFO;
     * RESOURCE_CREATE_2D 1280x800 format 2 + ATTACH_BACKING; SET_SCANOUT of resource 0
     * (mode_set_nofb); TRANSFER + SET_SCANOUT of resource 2 + full-screen FLUSH. A full-screen
     * frame of the model is one of the real run's later notifies (TRANSFER + FLUSH 1280x800); the
     * real run's other notifies are fbcon's (8x16 cursor flushes), which the model does not draw.
     */
    @Test
    void bringUpCommandsPerNotifyAreTheRealDriversAsQemuTracedThem() throws Exception {
        List<String> real = new ArrayList<>();
        StringBuilder cur = null;
        try (InputStream in = getClass().getResourceAsStream(LOG);
                BufferedReader r = new BufferedReader(new InputStreamReader(new XZInputStream(in), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                int colon = line.indexOf(':');
                String ev = colon < 0 ? line : line.substring(colon + 1);
                if (ev.startsWith("virtio_pci_notify_write")) {
                    if (cur != null) {
                        real.add(cur.toString());
                    }
                    cur = new StringBuilder();
                } else if (ev.startsWith("virtio_gpu_cmd_") && cur != null) {
                    cur.append(cur.length() == 0 ? "" : " | ").append(ev.substring("virtio_gpu_cmd_".length()).trim());
                }
            }
            if (cur != null) {
                real.add(cur.toString());
            }
        }
        assertThat(real).hasSize(37);

        VirtioGpuDriverRun run = VirtioGpuDriverRun.run(false, VirtioGpuWorkload.FULL, 1, null, null);
        assertThat(run.framebuffer).isTrue();
        @SuppressWarnings("unchecked")
        List<String> model = (List<String>) run.driverState.get("batches");
        assertThat(model).hasSize(5);
        assertThat(model.subList(0, 4)).containsExactlyElementsOf(real.subList(0, 4));
        assertThat(real.subList(4, real.size())).contains(model.get(4));
    }
}
