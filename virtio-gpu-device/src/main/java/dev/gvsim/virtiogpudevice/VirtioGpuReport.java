package dev.gvsim.virtiogpudevice;

import static dev.gvsim.virtiogpudevice.layout.VirtioGpuLayout.CFG_EVENTS_READ;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.gvsim.simcore.regs.RegisterFile;

/** The report of a {@link VirtioGpuPciDevice} ({@code devices.<id>} in the replay JSON): transport, queues, commands, resources, scanouts. */
final class VirtioGpuReport {
    private VirtioGpuReport() {
    }

    static Map<String, Object> of(VirtioGpuPciDevice d) {
        Map<String, Object> m = new LinkedHashMap<>(d.common.report());
        m.put("pcie", d.express);
        m.put("isr", d.isr);
        m.put("isr_reads", d.isrReads);
        m.put("notifies", List.of(d.notifies[0], d.notifies[1]));
        m.put("notifies_other_queue", d.notifiesOther);
        m.put("device_errors", d.deviceErrors);
        m.put("msix_messages", d.msixMessages);
        m.put("events_read", d.devcfg.read(CFG_EVENTS_READ, 4));
        m.put("chains", List.of(d.chains[0], d.chains[1]));
        m.put("rings", List.of(d.vqs[0].kind(), d.vqs[1].kind()));
        m.put("commands", d.control.report());
        m.put("requests_short", d.control.shortRequests);
        m.put("responses_short", d.control.shortResponses);
        m.put("fenced_commands", d.control.fencedCommands);
        m.put("requests_truncated", d.control.truncatedRequests);
        m.put("command_errors", d.control.errors);
        m.put("bytes_copied", d.control.bytesCopied);
        m.put("busy_ps", List.of(d.busyPs[0], d.busyPs[1]));
        if (d.hostHeldPs != 0) {
            m.put("host_display_held_ps", d.hostHeldPs); // not in checkpoints: counts from the last restore
        }
        d.control.resources.report(m);
        m.put("scanouts", d.control.scanouts.report());
        if (d.control.video != null) {
            m.put("video", d.control.video.report());
        }
        if (d.cfg.hostmem() != 0) {
            m.put("hostmem_accesses", d.hostmemAccesses);
        }
        m.put("queue_interrupts", d.queueInterrupts);
        m.put("bus_master_off", d.busMasterOff);
        m.put("bus_master_cleared_driver_ok", d.busMasterClearedDriverOk);
        m.put("queue_error_count", d.queueErrorCount);
        if (!d.queueErrors.isEmpty()) {
            m.put("queue_errors", List.copyOf(d.queueErrors));
        }
        // writes to bits no register declares: configuration space, then the BAR register files (absent when none)
        List<String> un = new java.util.ArrayList<>(d.unimplementedWrites());
        for (RegisterFile f : new RegisterFile[] {d.common.regs, d.devcfg, d.msix}) {
            for (String e : f.unimplementedLog()) {
                un.add(f.name() + ": " + e);
            }
        }
        if (!un.isEmpty()) {
            m.put("unimplemented_writes", un);
        }
        return m;
    }
}
