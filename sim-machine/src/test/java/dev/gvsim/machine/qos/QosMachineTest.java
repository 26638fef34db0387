package dev.gvsim.machine.qos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

class QosMachineTest {
    @Test
    void parsesSeveralGuestsAndKeepsTheDeviceOptionsForEachVmsMachine() {
        List<QosMachine.Guest> g = QosMachine.parse("-M virt -device virtio-gpu-pci,vm=desk,fps=30 "
                + "-device virtio-gpu-pci,vm=bench,workload=heavy,weight=3,cap=50,xres=1920,yres=1080,batches=4,frame_cost=4ms");
        assertThat(g).hasSize(2);
        assertThat(g.get(0)).isEqualTo(new QosMachine.Guest("desk", Workload.INTERACTIVE, 1, 0, 30.0, 1, 0, "-M virt -device virtio-gpu-pci"));
        assertThat(g.get(1)).isEqualTo(new QosMachine.Guest("bench", Workload.HEAVY, 3, 50, 0.0, 4, 4_000_000_000L,
                "-M virt -device virtio-gpu-pci,xres=1920,yres=1080"));
    }

    @Test
    void derivesAFramesGpuCostFromTheCommandStream() throws Exception {
        // 1280x800 (QEMU 7.2 virtio-gpu default xres/yres) composed whole: 4,096,000 bytes at display.gpu_sample_bandwidth 25 bytes/ns
        CommandStreamCost.Derivation d = CommandStreamCost.derive("-M virt -device virtio-gpu-pci", Workload.INTERACTIVE);
        assertThat(d.presentedFrames()).isGreaterThanOrEqualTo(CommandStreamCost.FRAMES);
        assertThat(d.gpuPsPerFrame()).isEqualTo((long) Math.ceil(1280 * 800 * 4 * 1000.0 / 25.0));
        assertThat(String.valueOf(d.commands())).contains("TRANSFER_TO_HOST_2D");
    }

    @Test
    void hostileOptionsGetAOneLineReasonNamingTheOption() {
        assertBad("", "at least one -device");
        assertBad("-device", "expected '-device virtio-gpu-pci");
        assertBad("-device qxl,vm=a", "-device #1: each VM of a shared GPU needs a virtio-gpu-pci device, got 'qxl'");
        assertBad("-device virtio-gpu-pci,fps=60", "-device #1: option vm=NAME is required");
        assertBad("-device virtio-gpu-pci,vm=a -device virtio-gpu-pci,vm=a", "-device #2: vm=a is used twice");
        assertBad("-device virtio-gpu-pci,vm=a b", "expected '-device");
        assertBad("-device virtio-gpu-pci,vm=a/b", "option vm must be");
        assertBad("-device virtio-gpu-pci,vm=a,weight=abc", "-device #1 (vm=a): option weight must be an integer 1-65535, got 'abc'");
        assertBad("-device virtio-gpu-pci,vm=a,weight=0", "option weight must be an integer 1-65535, got '0'");
        assertBad("-device virtio-gpu-pci,vm=a,cap=101", "option cap must be an integer 0-100, got '101'");
        assertBad("-device virtio-gpu-pci,vm=a,cap", "option cap needs a value");
        assertBad("-device virtio-gpu-pci,vm=a,fps=-1", "option fps must be a number 0-1000");
        assertBad("-device virtio-gpu-pci,vm=a,fps=NaN", "option fps must be a number 0-1000");
        assertBad("-device virtio-gpu-pci,vm=a,fps=0", "option fps must be > 0 for an interactive VM");
        assertBad("-device virtio-gpu-pci,vm=a,workload=mining", "option workload must be interactive, heavy, bursty or recorded, got 'mining'");
        assertBad("-device virtio-gpu-pci,vm=a,batches=65", "option batches must be an integer 1-64");
        assertBad("-device virtio-gpu-pci,vm=a,frame_cost=fast", "option frame_cost must be a duration");
        assertBad("-device virtio-gpu-pci,vm=a,frame_cost=0ms", "option frame_cost must be a duration");
        assertBad("-device virtio-gpu-pci,vm=a,vm=b", "option vm given twice");
        assertBad("-M pc -device virtio-gpu-pci,vm=a", "only -M virt");
        // the device's own options are checked by the device, and the error says which -device
        assertBad("-device virtio-gpu-pci,vm=a,xres=banana", "-device #1 (vm=a): ");
        assertBad("-device virtio-gpu-pci,vm=a,colour=blue", "-device #1 (vm=a): ");
    }

    private static void assertBad(String description, String message) {
        assertThatThrownBy(() -> QosMachine.parse(description)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
    }
}
