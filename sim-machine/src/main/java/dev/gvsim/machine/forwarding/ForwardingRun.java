package dev.gvsim.machine.forwarding;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.HdrHistogram.Histogram;

import dev.gvsim.machine.display.Cores;
import dev.gvsim.machine.display.Server;
import dev.gvsim.machine.display.SharedCapacity;
import dev.gvsim.machine.forwarding.ForwardingModel.Kind;

/**
 * One pipeline at one frame size, in simulated time (docs/passthrough-forwarding.md "Model").
 *
 * <p>Frame k is presented at {@code k x period}. The capture agent (one guest thread) takes, when it
 * is free, the newest frame presented (frames it never saw are dropped at capture), runs its guest
 * stages, and writes the frame into one of two shared-memory slots (the Looking Glass double buffer),
 * waiting while the host still reads that slot. The host proxy (one host thread) runs the host
 * stages; its send ends the frame. Capture-to-send latency is send end minus present. The remote
 * client shows frames on its own clock of the same period, phase-locked to the first frame: a
 * display slot without a new frame repeats the last (duplicated), a second frame in one slot
 * replaces the first (superseded).
 *
 * <p>Resources: guest and host {@link Cores}, host DRAM ({@link SharedCapacity}, every copy moves
 * its bytes twice), the passed-through GPU's PCIe link ({@link SharedCapacity}), the GPU's copy
 * engine ({@link Server}) and its encoder instances ({@link Server}s timed as
 * virtio-gpu-device's CodecEngine times a frame: setup + max(pixels / pixel rate, bits / bit-rate cap)).
 */
public final class ForwardingRun {
    /** Latency histogram's highest trackable value: 100 s in ps. */
    static final long LATENCY_MAX_PS = 100_000_000_000_000L;

    private final ForwardingModel m;
    public final Kind kind;
    public final BarReadback readback;
    public final int width;
    public final int height;
    final long frameBytes;
    private final List<Stage> stages = new ArrayList<>();
    private final Server agent;
    private final Server proxy;
    private final Server copyEngine = new Server("gpu.copy-engine");
    private final Server[] encoders;
    /** The host's own GPU (the tile variants): its encoder instances and its DMA back into host memory. */
    private final Server[] hostEncoders;
    private final Server hostDma = new Server("host-gpu.dma");
    public final Damage damage;
    private final SharedCapacity memory;
    private final SharedCapacity pcie;
    private final long[] slotFree = new long[2];

    final Histogram latency = new Histogram(1, LATENCY_MAX_PS, 3);
    long captured;
    long droppedAtCapture;
    long sent;
    long duplicated;
    long superseded;
    long firstSendPs = -1;
    long lastSendPs;
    long vmEgressBytes;
    long sentBytes;
    long pcieTransactions;
    long memoryBytes;
    long memoryStallPs;
    long encodedBits;
    long dirtyBytes;
    long dirtyTiles;
    /** Exact extremes (the histogram keeps 3 significant digits). */
    long minLatencyPs;
    long maxLatencyPs;

    ForwardingRun(ForwardingModel m, Kind kind, BarReadback readback, int width, int height) {
        this.m = m;
        this.kind = kind;
        this.readback = readback;
        this.width = width;
        this.height = height;
        this.frameBytes = 4L * width * height;
        this.agent = new Server("guest.capture-agent", new Cores(m.guestCores));
        this.proxy = new Server("host.proxy", new Cores(m.hostCores));
        this.encoders = new Server[m.encodeInstances];
        for (int i = 0; i < encoders.length; i++) {
            encoders[i] = new Server("gpu.encoder" + i);
        }
        this.hostEncoders = new Server[m.hostEncoder.instances()];
        for (int i = 0; i < hostEncoders.length; i++) {
            hostEncoders[i] = new Server("host-gpu.encoder" + i);
        }
        this.damage = m.damage(width, height);
        this.memory = new SharedCapacity(Math.max(1, (long) (m.memoryBytesPerNs * SharedCapacity.SLOT_PS / 1000)));
        this.pcie = new SharedCapacity(Math.max(1, (long) (m.linkBytesPerNs * SharedCapacity.SLOT_PS / 1000)));
        switch (kind) {
            case NAIVE -> {
                stage("bar-readback", agent.name(), Stage.PCIE, "the agent's CPU loads the frame out of VRAM through the BAR ("
                        + readback.effective().traceName() + ", " + readback.loadBytes() + " bytes a load) into a guest buffer");
                stage("shm-copy", agent.name(), Stage.DRAM, "memcpy of the frame into the shared-memory slot");
                stage("host-copy", proxy.name(), Stage.DRAM, "the proxy's memcpy of the frame out of shared memory (frees the slot)");
                stage("sw-encode", proxy.name(), Stage.NONE, "software encoder (LZ77 class, display.encode_bandwidth) over the raw frame");
                stage("send", proxy.name(), Stage.DRAM, "the encoded frame copied into the socket");
            }
            case LOOKING_GLASS -> {
                stage("capture-submit", agent.name(), Stage.NONE, "frame acquire and copy submission (Desktop Duplication / CopyResource)");
                stage("staging-copy", copyEngine.name(), Stage.PCIE, "the GPU copies the frame from VRAM to a staging buffer in guest RAM");
                stage("shm-copy-chunked", agent.name(), Stage.DRAM, "memcpy of the staging buffer into shared memory, published in "
                        + m.chunkBytes + "-byte chunks");
                stage("host-upload", proxy.name(), Stage.HOST_GPU, "the client uploads the frame into a host GPU texture, one chunk behind the "
                        + "guest (polling: busy from its start to its end)");
            }
            case EFFICIENT -> {
                stage("encode-submit", agent.name(), Stage.NONE, "frame acquire and encode submission with the dirty-tile map");
                stage("hw-encode", "gpu.encoder", Stage.NONE, "the GPU's encoder codes the frame in VRAM (skip blocks outside the frame's "
                        + "dirty tiles: the bitstream is video.encode_bits_per_pixel x dirty pixels)");
                stage("bitstream-dma", copyEngine.name(), Stage.PCIE, "the GPU's copy engine writes the bitstream into shared memory");
                stage("send", proxy.name(), Stage.DRAM, "the bitstream copied into the socket");
            }
            case EFFICIENT_TILE_DMA -> {
                stage("tile-submit", agent.name(), Stage.NONE, "frame acquire and a DMA descriptor per dirty tile row");
                stage("tile-dma", copyEngine.name(), Stage.PCIE, "the GPU's copy engine DMAs only the dirty tiles from VRAM into the "
                        + "shared-memory slot");
                stage("host-encode", "host-gpu.encoder", Stage.HOST_GPU, false, "the host GPU's encoder (" + m.hostEncoder.engine()
                        + ") reads the dirty tiles out of shared memory into its reference frame and codes it (skip blocks elsewhere)");
                stage("bitstream-writeback", hostDma.name(), Stage.HOST_GPU, "the host GPU writes the bitstream into host memory");
                stage("send", proxy.name(), Stage.DRAM, "the bitstream copied into the socket");
            }
            case EFFICIENT_DMABUF -> {
                stage("damage-submit", agent.name(), Stage.NONE, "frame acquire; the dirty-tile map handed to the host proxy (the "
                        + "framebuffer is a dma-buf of the VRAM BAR the host imported once)");
                stage("host-encode-p2p", "host-gpu.encoder", Stage.PCIE, false, "the host GPU's encoder (" + m.hostEncoder.engine()
                        + ") reads the dirty tiles peer-to-peer out of the passed-through GPU's VRAM across its link: no copy");
                stage("bitstream-writeback", hostDma.name(), Stage.HOST_GPU, "the host GPU writes the bitstream into host memory");
                stage("send", proxy.name(), Stage.DRAM, "the bitstream copied into the socket");
            }
            default -> throw new IllegalStateException();
        }
    }

    private void stage(String name, String on, String link, String doc) {
        stages.add(new Stage(name, on, link, doc));
    }

    private void stage(String name, String on, String link, boolean copy, String doc) {
        stages.add(new Stage(name, on, link, copy, doc));
    }

    public Stage stage(String name) {
        for (Stage s : stages) {
            if (s.name.equals(name)) {
                return s;
            }
        }
        throw new IllegalArgumentException("no stage " + name + " in " + kind.word);
    }

    public List<Stage> stages() {
        return stages;
    }

    // ------------------------------------------------------------------ resources

    private static long bytesPs(long bytes, double bytesPerNs) {
        return bytes <= 0 ? 0 : stagePs(Math.ceil(bytes * 1000.0 / bytesPerNs));
    }

    /** The longest one stage of one frame may take: 1,000 s of simulated time (else time would overflow). */
    static final double MAX_STAGE_PS = 1e15;

    /** {@code ps} as a stage time, refused when the parameters make one frame's stage run for more than {@link #MAX_STAGE_PS}. */
    static long stagePs(double ps) {
        if (!(ps <= MAX_STAGE_PS)) {
            throw new IllegalArgumentException("one frame's stage would take " + ps / 1e12 + " s of simulated time (more than "
                    + MAX_STAGE_PS / 1e12 + " s): a bandwidth or rate parameter is too small for this frame size");
        }
        return (long) ps;
    }

    /** DRAM for {@code bytes} from {@code startPs}; a job that would end first waits for the bus. */
    private long memoryAfter(Server s, long startPs, long endPs, long bytes) {
        if (bytes <= 0) {
            return endPs;
        }
        memoryBytes += bytes;
        long busEnd = memory.take(startPs, bytes, Long.MAX_VALUE);
        if (busEnd <= endPs) {
            return endPs;
        }
        memoryStallPs += busEnd - endPs;
        s.stallUntil(busEnd);
        return busEnd;
    }

    /** {@code workPs} on a CPU thread ready at {@code readyPs}, moving {@code memBytes} through DRAM. */
    private long cpu(Server s, Stage st, long readyPs, long workPs, long stageBytes, long memBytes) {
        long end = s.run(readyPs, workPs);
        st.add(stageBytes, workPs);
        return memoryAfter(s, end - workPs, end, memBytes);
    }

    /** The GPU copy engine moves {@code bytes} across the PCIe link into guest RAM. */
    private long dma(Stage st, long readyPs, long bytes) {
        long work = bytesPs(bytes, m.linkBytesPerNs);
        long end = copyEngine.run(readyPs, work);
        long start = end - work;
        st.add(bytes, work);
        long linkEnd = pcie.take(start, bytes, Long.MAX_VALUE);
        if (linkEnd > end) {
            copyEngine.stallUntil(linkEnd);
            end = linkEnd;
        }
        return memoryAfter(copyEngine, start, end, bytes);
    }

    // ------------------------------------------------------------------ the run

    void simulate() {
        long period = m.periodPs;
        int n = m.frames;
        long agentFree = 0;
        int next = 0;
        long seq = 0;
        while (next < n) {
            long t = Math.max(agentFree, next * period);
            int k = (int) Math.min(n - 1, t / period);
            droppedAtCapture += k - next;
            captured++;
            int slot = (int) (seq++ & 1);
            long sendEnd = switch (kind) {
                case NAIVE -> naive(t, slot);
                case LOOKING_GLASS -> lookingGlass(t, slot);
                case EFFICIENT -> efficient(t, slot, k);
                case EFFICIENT_TILE_DMA -> tileDma(t, slot, k);
                case EFFICIENT_DMABUF -> dmabuf(t, k);
            };
            agentFree = agentDone;
            sendDone(k * period, sendEnd);
            next = k + 1;
        }
        clientDisplay();
    }

    /** When the agent may capture again (set by each pipeline's frame; no allocation per frame). */
    private long agentDone;

    /** One frame captured at {@code t} into {@code slot}; returns its send end and sets {@link #agentDone}. */
    private long naive(long t, int slot) {
        long f = frameBytes;
        Stage rb = stages.get(0);
        long g1 = cpu(agent, rb, t, m.overheadPs + readback.readPs(f), f, f);
        long linkEnd = pcie.take(g1 - readback.readPs(f), f, Long.MAX_VALUE);
        pcieTransactions += readback.transactions(f);
        g1 = Math.max(g1, linkEnd);
        long g2 = cpu(agent, stages.get(1), Math.max(g1, slotFree[slot]), bytesPs(f, m.memcpyBytesPerNs), f, 2 * f);
        vmEgressBytes += f;
        long h1 = cpu(proxy, stages.get(2), g2, m.overheadPs + bytesPs(f, m.memcpyBytesPerNs), f, 2 * f);
        slotFree[slot] = h1;
        long out = (long) Math.ceil(f / m.swRatio);
        long h2 = cpu(proxy, stages.get(3), h1, bytesPs(f, m.encodeBytesPerNs), out, f + out);
        long h3 = cpu(proxy, stages.get(4), h2, bytesPs(out, m.memcpyBytesPerNs), out, 2 * out);
        sentBytes += out;
        agentDone = g2;
        return h3;
    }

    private long lookingGlass(long t, int slot) {
        long f = frameBytes;
        long a0 = cpu(agent, stages.get(0), t, m.overheadPs, 0, 0);
        long c = dma(stages.get(1), a0, f);
        long copyPs = bytesPs(f, m.memcpyBytesPerNs);
        long gReady = Math.max(c, slotFree[slot]);
        long gStart = Math.max(gReady, agent.freeAt());
        long g = cpu(agent, stages.get(2), gReady, copyPs, f, 2 * f);
        vmEgressBytes += f;
        // the host follows one chunk behind the guest's write pointer: it may start once the first chunk is
        // in, and cannot finish before the last chunk is in and uploaded; it polls in between (busy)
        long chunk = Math.min(m.chunkBytes, f);
        long hReady = gStart + bytesPs(chunk, m.memcpyBytesPerNs);
        long own = m.overheadPs + bytesPs(f, m.memcpyBytesPerNs);
        long hStart = Math.max(hReady, proxy.freeAt());
        long spin = Math.max(0, g + bytesPs(chunk, m.memcpyBytesPerNs) - (hStart + own));
        long h = cpu(proxy, stages.get(3), hReady, own + spin, f, f);
        slotFree[slot] = h;
        sentBytes += f;
        agentDone = g;
        return h;
    }

    private long efficient(long t, int slot, int k) {
        long a0 = cpu(agent, stages.get(0), t, m.overheadPs, 0, 0);
        long pixels = (long) width * height;
        long bits = bits(k);
        long bytes = (bits + 7) / 8;
        Server enc = first(encoders);
        long service = stagePs(m.encodeSetupPs + Math.ceil(Math.max(pixels / m.encodePixelsPerS, bits / m.encodeBitsPerS) * 1e12));
        long e = enc.run(a0, service);
        stages.get(1).add(bytes, service);
        encodedBits += bits;
        long d = dma(stages.get(2), Math.max(e, slotFree[slot]), bytes);
        vmEgressBytes += bytes;
        long h = send(stages.get(3), d, bytes);
        slotFree[slot] = h;
        agentDone = d;
        return h;
    }

    /** The bitstream of frame {@code k}: video.encode_bits_per_pixel x the pixels of its dirty tiles, at least a byte. */
    private long bits(int k) {
        long dirty = damage.dirtyPixels(k);
        dirtyBytes += 4 * dirty;
        dirtyTiles += damage.dirtyTiles(k);
        return Math.max(8, Math.round(m.bitsPerPixel * dirty));
    }

    /** The instance free first (the lowest index on a tie). */
    private static Server first(Server[] servers) {
        Server s = servers[0];
        for (Server x : servers) {
            if (x.freeAt() < s.freeAt()) {
                s = x;
            }
        }
        return s;
    }

    /** The proxy copies {@code bytes} of bitstream into the socket. */
    private long send(Stage st, long readyPs, long bytes) {
        long h = cpu(proxy, st, readyPs, m.overheadPs + bytesPs(bytes, m.memcpyBytesPerNs), bytes, 2 * bytes);
        sentBytes += bytes;
        return h;
    }

    /** The host GPU's DMA writes {@code bytes} of bitstream into host memory (at the link's rate; its own link is not a resource). */
    private long writeback(Stage st, long readyPs, long bytes) {
        long work = bytesPs(bytes, m.linkBytesPerNs);
        long end = hostDma.run(readyPs, work);
        st.add(bytes, work);
        return memoryAfter(hostDma, end - work, end, bytes);
    }

    private long tileDma(long t, int slot, int k) {
        long a0 = cpu(agent, stages.get(0), t, m.overheadPs, 0, 0);
        long tiles = damage.dirtyBytes(k);
        long bits = bits(k);
        long bytes = (bits + 7) / 8;
        long d = Math.max(a0, slotFree[slot]);
        if (tiles > 0) {
            d = dma(stages.get(1), d, tiles);
        }
        vmEgressBytes += tiles;
        Server enc = first(hostEncoders);
        long service = m.hostEncoder.servicePs((long) width * height, bits);
        long e = enc.run(d, service);
        stages.get(2).add(tiles, service);
        e = memoryAfter(enc, e - service, e, tiles);
        slotFree[slot] = e;
        encodedBits += bits;
        long w = writeback(stages.get(3), e, bytes);
        long h = send(stages.get(4), w, bytes);
        agentDone = d;
        return h;
    }

    private long dmabuf(long t, int k) {
        long a0 = cpu(agent, stages.get(0), t, m.overheadPs, 0, 0);
        long tiles = damage.dirtyBytes(k);
        long bits = bits(k);
        long bytes = (bits + 7) / 8;
        Server enc = first(hostEncoders);
        long service = Math.max(m.hostEncoder.servicePs((long) width * height, bits), bytesPs(tiles, m.linkBytesPerNs));
        long e = enc.run(a0, service);
        if (tiles > 0) {
            long linkEnd = pcie.take(e - service, tiles, Long.MAX_VALUE);
            if (linkEnd > e) {
                enc.stallUntil(linkEnd);
                e = linkEnd;
            }
        }
        stages.get(1).add(tiles, service);
        vmEgressBytes += tiles;
        encodedBits += bits;
        long w = writeback(stages.get(2), e, bytes);
        long h = send(stages.get(3), w, bytes);
        agentDone = e; // the guest may not render over the framebuffer before the host has read it
        return h;
    }

    private long[] sendEnds = new long[16];

    private void sendDone(long presentPs, long endPs) {
        long lat = Math.max(1, endPs - presentPs);
        latency.recordValue(Math.min(lat, LATENCY_MAX_PS)); // the histogram's range (100 s); min and max stay exact
        minLatencyPs = sent == 0 ? lat : Math.min(minLatencyPs, lat);
        maxLatencyPs = Math.max(maxLatencyPs, lat);
        if (sent == sendEnds.length) {
            sendEnds = java.util.Arrays.copyOf(sendEnds, sendEnds.length * 2);
        }
        sendEnds[(int) sent++] = endPs;
        if (firstSendPs < 0) {
            firstSendPs = endPs;
        }
        lastSendPs = Math.max(lastSendPs, endPs);
    }

    /** The remote client's display slots, phase-locked to the first frame: repeats and replacements. */
    private void clientDisplay() {
        long period = m.periodPs;
        long lastSlot = -1;
        long shown = 0;
        for (int i = 0; i < sent; i++) {
            long s = Math.round((double) (sendEnds[i] - firstSendPs) / period);
            if (s != lastSlot) {
                shown++;
                lastSlot = s;
            } else {
                superseded++;
            }
        }
        duplicated = lastSlot + 1 - shown;
    }

    // ------------------------------------------------------------------ figures

    /** Frames per second sent, first to last send (n frames span n - 1 intervals). */
    public double sentFps() {
        return sent < 2 || lastSendPs <= firstSendPs ? 0 : (sent - 1) * 1e12 / (lastSendPs - firstSendPs);
    }

    public long dropped() {
        return droppedAtCapture + superseded;
    }

    public long duplicated() {
        return duplicated;
    }

    public long sent() {
        return sent;
    }

    public long minLatencyPs() {
        return minLatencyPs;
    }

    public long maxLatencyPs() {
        return maxLatencyPs;
    }

    public long latencyPercentilePs(double p) {
        return latency.getTotalCount() == 0 ? 0 : latency.getValueAtPercentile(p);
    }

    /** Copies per frame sent: every copy stage's jobs over the frames sent. */
    public double copiesPerFrame() {
        long copies = 0;
        for (Stage s : stages) {
            if (s.copy()) {
                copies += s.jobs;
            }
        }
        return sent == 0 ? 0 : (double) copies / sent;
    }

    /** Bytes that crossed {@code link} over the run, copied or read (a {@link Stage} constant). */
    public long linkBytes(String link) {
        long b = 0;
        for (Stage s : stages) {
            if (s.link.equals(link)) {
                b += s.bytes;
            }
        }
        return b;
    }

    /** Dirty-tile bytes of the frames captured (the efficient pipelines; 0 for the others, which copy whole frames). */
    public long dirtyBytes() {
        return dirtyBytes;
    }

    public long guestCpuPs() {
        return agent.busyPs();
    }

    public long hostCpuPs() {
        return proxy.busyPs();
    }

    /** Bits per second handed on by the last stage, over the guest's run ({@code frames x period}). */
    public double sentMbps() {
        return sentBytes * 8.0 / (m.frames * (double) m.periodPs / 1e12) / 1e6;
    }

    public double vmEgressMbps() {
        return vmEgressBytes * 8.0 / (m.frames * (double) m.periodPs / 1e12) / 1e6;
    }

    private static double r(double v, double scale) {
        return Math.round(v * scale) / scale;
    }

    private static double ms(double ps) {
        return r(ps / 1e9, 1000);
    }

    public Map<String, Object> report() {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("pipeline", kind.word);
        if (kind == Kind.NAIVE) {
            f.put("stage2", readback.policy() + " (VRAM BAR " + readback.stage2Type() + ", agent loads " + readback.effective().traceName() + ")");
        }
        f.put("size", width + "x" + height);
        f.put("framesPresented", m.frames);
        f.put("framesCaptured", captured);
        f.put("framesSent", sent);
        f.put("droppedAtCapture", droppedAtCapture);
        f.put("supersededAtClient", superseded);
        f.put("duplicatedAtClient", duplicated);
        f.put("sentFps", r(sentFps(), 100));
        f.put("latencyP50Ms", ms(latencyPercentilePs(50)));
        f.put("latencyP99Ms", ms(latencyPercentilePs(99)));
        f.put("copiesPerFrame", r(copiesPerFrame(), 100));
        Map<String, Object> links = new LinkedHashMap<>();
        for (Stage s : stages) {
            if (s.crossesLink()) {
                @SuppressWarnings("unchecked")
                Map<String, Object> l = (Map<String, Object>) links.computeIfAbsent(s.link, k -> {
                    Map<String, Object> e = new LinkedHashMap<>();
                    e.put("copies", 0.0);
                    e.put("bytesPerFrame", 0L);
                    return e;
                });
                l.put("copies", r((Double) l.get("copies") + (sent == 0 || !s.copy() ? 0 : (double) s.jobs / sent), 100));
                l.put("bytesPerFrame", (Long) l.get("bytesPerFrame") + (sent == 0 ? 0 : Math.round((double) s.bytes / sent)));
            }
        }
        f.put("perLink", links);
        f.put("guestCpuMsPerFrame", sent == 0 ? null : ms((double) guestCpuPs() / sent));
        f.put("hostCpuMsPerFrame", sent == 0 ? null : ms((double) hostCpuPs() / sent));
        // cores busy over the run: from the first present to the later of the guest's last period and the last send
        double runPs = Math.max(m.frames * (double) m.periodPs, lastSendPs);
        f.put("guestCpuCores", r(guestCpuPs() / runPs, 1000));
        f.put("hostCpuCores", r(hostCpuPs() / runPs, 1000));
        f.put("vmEgressMbps", r(vmEgressMbps(), 10));
        f.put("sentMbps", r(sentMbps(), 10));
        if (kind == Kind.NAIVE) {
            f.put("pcieReadTransactionsPerFrame", captured == 0 ? 0 : pcieTransactions / captured);
        }
        if (kind == Kind.EFFICIENT || kind == Kind.EFFICIENT_TILE_DMA || kind == Kind.EFFICIENT_DMABUF) {
            f.put("encodedBitsPerFrame", sent == 0 ? 0 : encodedBits / sent);
            f.put("dirtyTilesPerFrame", sent == 0 ? 0 : dirtyTiles / sent);
            f.put("dirtyBytesPerFrame", sent == 0 ? 0 : dirtyBytes / sent);
            f.put("damageEfficiency", sent == 0 ? 0 : r((double) dirtyBytes / sent / frameBytes, 10000));
        }
        f.put("dramBytesPerFrame", sent == 0 ? 0 : memoryBytes / sent);
        f.put("dramStallPs", memoryStallPs);
        Map<String, Object> st = new LinkedHashMap<>();
        for (Stage s : stages) {
            st.put(s.name, s.report(sent));
        }
        f.put("stages", st);
        return f;
    }
}
