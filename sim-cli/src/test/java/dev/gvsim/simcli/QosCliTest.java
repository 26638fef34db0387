package dev.gvsim.simcli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;

import org.junit.jupiter.api.Test;

/** Issue 28: {@code gvsim qos}, several VMs on one host GPU. */
class QosCliTest {
    static String[] run(int expected, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        assertThat(code).as(err.toString()).isEqualTo(expected);
        return new String[] {out.toString(), err.toString()};
    }

    @Test
    void twoVmsUnderEqualShareGetHalfTheGpuEachWhenBothSaturate() {
        String[] r = run(0, "qos", "-device", "virtio-gpu-pci,vm=a,workload=heavy,frame_cost=1ms", "-device",
                "virtio-gpu-pci,vm=b,workload=heavy,frame_cost=1ms", "--set", "qos.policy=equal-share", "--duration", "1s", "--json");
        assertThat(r[0]).containsPattern("\"policy\"\\s*:\\s*\"equal-share\"").containsPattern("\"a\"\\s*:\\s*\\{").containsPattern("\"b\"\\s*:\\s*\\{");
        // two saturating VMs with 1 ms batches and 2.083 ms slots: each gets about half (overshoot paid back by AA)
        assertThat(r[0]).containsPattern("\"sharePercent\"\\s*:\\s*(49|50)\\.");
        String[] t = run(0, "qos", "-device", "virtio-gpu-pci,vm=a,workload=heavy,frame_cost=1ms", "--duration", "200ms");
        assertThat(t[0]).contains("policy best-effort", "GPU busy 100.0 %", "sched p99 us");
    }

    @Test
    void aMultiVmMachineFileRunsAndRoundTripsThroughPrintMachineFile(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path trace = dir.resolve("rp.trace.xz");
        try (var in = QosCliTest.class.getResourceAsStream("/dev/gvsim/guesttraces/traces/qemu-log/vgpu_rp.trace.xz")) {
            java.nio.file.Files.copy(in, trace);
        }
        // a command-line description printed as a file ...
        String file = run(0, "qos", "-device", "virtio-gpu-pci,vm=rec,trace=rp.trace.xz", "-device", "virtio-gpu-pci,vm=b,workload=heavy,frame_cost=1ms",
                "--set", "qos.policy=equal-share", "--print-machine-file")[0];
        assertThat(file).contains("\"vms\"", "\"qos.policy\" : \"equal-share\"", "\"trace\" : \"rp.trace.xz\"");
        java.nio.file.Path f = dir.resolve("two.json");
        java.nio.file.Files.writeString(f, file);
        // ... prints again the same, and runs: the trace's VM replays its recording (relative to the file's directory)
        assertThat(run(0, "qos", "-machine-file", f.toString(), "--print-machine-file")[0]).isEqualTo(file);
        String[] r = run(0, "qos", "-machine-file", f.toString(), "--duration", "2s", "--json");
        assertThat(r[0]).containsPattern("\"policy\"\\s*:\\s*\"equal-share\"").containsPattern("\"workload\"\\s*:\\s*\"recorded\"")
                .containsPattern("\"traceJobs\"\\s*:\\s*[1-9]");
        // --vm NAME=TRACE is the short form of -device virtio-gpu-pci,vm=NAME,trace=TRACE
        assertThat(run(0, "qos", "--vm", "rec=" + trace, "--print-machine-file")[0]).contains("\"name\" : \"rec\"", "\"trace\" : \"" + trace + "\"");
        assertThat(run(2, "qos", "--vm", "rec")[1]).contains("--vm expects NAME=TRACE");
        // hostile: one line naming the file and the key, exit 2
        java.nio.file.Files.writeString(f, file.replace("\"cap\" : 0", "\"cap\" : 300"));
        assertThat(run(2, "qos", "-machine-file", f.toString())[1]).contains("gvsim: machine file " + f + ": key 'vms[0].cap'").doesNotContain("Exception");
        assertThat(run(2, "qos", "-machine-file", f.toString(), "-M", "virt")[1]).contains("give it in one place");
    }

    @Test
    void badOptionsAreOneLineErrorsWithExitTwo() {
        assertThat(run(2, "qos", "-device", "virtio-gpu-pci,vm=a,cap=200")[1]).contains("gvsim: -device #1 (vm=a): option cap must be an integer 0-100")
                .doesNotContain("Exception");
        assertThat(run(2, "qos", "-device", "virtio-gpu-pci,vm=a", "--duration", "1h")[1]).contains("--duration must be 100ms-600s");
        assertThat(run(2, "qos", "-device", "virtio-gpu-pci,vm=a", "--set", "qos.policy=lottery")[1]).contains("qos.policy");
        assertThat(run(2, "qos", "-device", "virtio-gpu-pci,vm=a,workload=heavy,frame_cost=1ms", "--set", "qos.time_slice=50ms")[1])
                .contains("qos.time_slice must be 1-30 ms");
    }
}
