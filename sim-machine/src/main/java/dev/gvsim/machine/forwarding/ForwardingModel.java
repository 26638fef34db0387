package dev.gvsim.machine.forwarding;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import dev.gvsim.arm64mmu.MmuParams;
import dev.gvsim.machine.MachineBuilder;
import dev.gvsim.machine.display.DisplayParams;
import dev.gvsim.simcore.ParamDef;
import dev.gvsim.simcore.Params;

/**
 * Frame proxy forwarding out of a passed-through GPU (issue 26; docs/passthrough-forwarding.md): the
 * guest presents frames into VRAM at {@code forwarding.fps}, a capture agent in the guest and a proxy
 * on the host move each frame to a remote client through one of three pipelines ({@link Kind}), every
 * stage a named component ({@link Stage}) on resources shared in simulated time with the host display
 * model's mechanisms ({@link dev.gvsim.machine.display.Server}, {@link dev.gvsim.machine.display.Cores},
 * {@link dev.gvsim.machine.display.SharedCapacity}): the passed-through GPU's PCIe link, host DRAM
 * bandwidth, guest and host cores, the GPU's copy engine and its hardware encoder.
 *
 * <p>This class holds the parameters (all read from the machine's declared parameters with the
 * given {@code --set}-style overrides) and the per-policy BAR read-back cost; {@link ForwardingRun}
 * runs one pipeline at one size.
 */
public final class ForwardingModel {
    /** The pipelines. */
    public enum Kind {
        NAIVE("naive"), LOOKING_GLASS("looking-glass"), EFFICIENT("efficient"),
        /** Efficient variant: the GPU's copy engine DMAs only the dirty tiles to shared memory; the host's own GPU encodes them. */
        EFFICIENT_TILE_DMA("efficient-tile-dma"),
        /** Efficient variant: VRAM exported as a dma-buf; the host's own GPU encoder reads the dirty tiles across the link, no copy. */
        EFFICIENT_DMABUF("efficient-dmabuf");

        public final String word;

        Kind(String word) {
            this.word = word;
        }
    }

    final List<String> paramSets;
    final Params params;
    final String profile;
    /** CPU memcpy bandwidth (display.upload_bandwidth), bytes/ns. */
    final double memcpyBytesPerNs;
    /** Software encoder's rate on one core (display.encode_bandwidth), raw bytes/ns. */
    final double encodeBytesPerNs;
    /** DRAM bandwidth (display.memory_bandwidth), bytes/ns. */
    final double memoryBytesPerNs;
    /** The passed-through GPU's link (mem.link.bytes_per_ns), bytes/ns. */
    final double linkBytesPerNs;
    /** Per-frame dispatch work on a capture or proxy thread (display.refresh_overhead). */
    final long overheadPs;
    final int hostCores;
    final int guestCores;
    final int frames;
    final long periodPs;
    final long chunkBytes;
    final double swRatio;
    final double dirty;
    final double bitsPerPixel;
    final int tilePx;
    /** The hardware encoder (video.&lt;engine&gt;.*): pixel rate per s, setup per frame, bit rate cap per s, instances. */
    final String engine;
    final boolean hevc;
    final double encodePixelsPerS;
    final long encodeSetupPs;
    final double encodeBitsPerS;
    final int encodeInstances;
    /** The host's own GPU encoder of the tile variants (forwarding.host_encode_engine). */
    final Encoder hostEncoder;

    /** One hardware encoder's numbers (video.&lt;engine&gt;.*). */
    record Encoder(String engine, double pixelsPerS, long setupPs, double bitsPerS, int instances) {
        /** A frame's service time: setup + max(pixels / pixel rate, bits / bit-rate cap), as virtio-gpu-device's CodecEngine. */
        long servicePs(long pixels, long bits) {
            return ForwardingRun.stagePs(setupPs + Math.ceil(Math.max(pixels / pixelsPerS, bits / bitsPerS) * 1e12));
        }

        String describe(boolean hevc) {
            return engine + (hevc ? " h265" : " h264") + ", " + Math.round(pixelsPerS / 1e4) / 100.0 + " Mpixel/s, setup " + setupPs
                    + " ps, cap " + Math.round(bitsPerS / 1e6) + " Mbit/s, " + instances + " instance(s)";
        }
    }
    private final Map<String, BarReadback> readbacks = new LinkedHashMap<>();

    /** The machine's declared parameters with {@code paramSets} ({@code NAME=VALUE}) applied. */
    public ForwardingModel(List<String> paramSets) {
        this.paramSets = List.copyOf(paramSets);
        Params p = MachineBuilder.declaredParams();
        for (String s : paramSets) {
            p.set(s);
        }
        this.params = p;
        this.profile = p.getString(ForwardingParams.PROFILE);
        this.memcpyBytesPerNs = bandwidth(p, DisplayParams.UPLOAD_BANDWIDTH);
        this.encodeBytesPerNs = bandwidth(p, DisplayParams.ENCODE_BANDWIDTH);
        this.memoryBytesPerNs = bandwidth(p, DisplayParams.MEMORY_BANDWIDTH);
        this.linkBytesPerNs = bandwidth(p, MmuParams.LINK_BYTES_PER_NS);
        this.overheadPs = p.getDuration(DisplayParams.REFRESH_OVERHEAD);
        if (overheadPs < 0 || overheadPs > ForwardingRun.MAX_STAGE_PS) {
            throw new IllegalArgumentException(DisplayParams.REFRESH_OVERHEAD.name() + " must be 0..1000 s, got " + overheadPs + " ps");
        }
        this.hostCores = (int) range(p, DisplayParams.HOST_CORES, 0, 4096);
        this.guestCores = (int) range(p, ForwardingParams.GUEST_CORES, 0, 4096);
        this.frames = (int) range(p, ForwardingParams.FRAMES, 1, 100_000);
        double fps = p.getDouble(ForwardingParams.FPS);
        if (!(fps >= 1 && fps <= 1000)) {
            throw new IllegalArgumentException(ForwardingParams.FPS.name() + " must be 1..1000 frames/s, got " + fps);
        }
        this.periodPs = Math.round(1e12 / fps);
        this.chunkBytes = range(p, ForwardingParams.LG_CHUNK_BYTES, 64, 1L << 30);
        this.swRatio = positive(p, ForwardingParams.SW_ENCODE_RATIO);
        if (swRatio < 1) {
            throw new IllegalArgumentException(ForwardingParams.SW_ENCODE_RATIO.name() + " must be at least 1 (an encoder does not grow "
                    + "the frame), got " + swRatio);
        }
        this.dirty = p.getDouble(ForwardingParams.DIRTY_FRACTION);
        if (!(dirty >= 0 && dirty <= 1)) {
            throw new IllegalArgumentException(ForwardingParams.DIRTY_FRACTION.name() + " must be in [0, 1], got " + dirty);
        }
        this.tilePx = (int) range(p, ForwardingParams.TILE_PX, 1, 16384);
        this.engine = p.getString(ForwardingParams.ENCODE_ENGINE);
        String codec = p.getString(ForwardingParams.CODEC);
        if (!codec.equals("h264") && !codec.equals("h265")) {
            throw new IllegalArgumentException(ForwardingParams.CODEC.name() + " must be h264 or h265, got '" + codec + "'");
        }
        this.hevc = codec.equals("h265");
        this.bitsPerPixel = positive(p, def(p, "video.encode_bits_per_pixel", "the video codec model"));
        if (bitsPerPixel > 64) {
            throw new IllegalArgumentException("video.encode_bits_per_pixel must be in (0, 64], got " + bitsPerPixel);
        }
        Encoder gpu = encoder(p, ForwardingParams.ENCODE_ENGINE, engine, codec);
        this.encodePixelsPerS = gpu.pixelsPerS();
        this.encodeSetupPs = gpu.setupPs();
        this.encodeBitsPerS = gpu.bitsPerS();
        this.encodeInstances = gpu.instances();
        this.hostEncoder = encoder(p, ForwardingParams.HOST_ENCODE_ENGINE, p.getString(ForwardingParams.HOST_ENCODE_ENGINE), codec);
    }

    private static Encoder encoder(Params p, ParamDef choice, String name, String codec) {
        String pre = "video." + name + ".";
        return new Encoder(name, positive(p, def(p, pre + "encode_" + codec + "_mpixels", engineChoice(p, choice, name))) * 1e6,
                Math.max(0, p.getDuration(def(p, pre + "frame_setup", engineChoice(p, choice, name)))),
                positive(p, def(p, pre + "max_mbps", engineChoice(p, choice, name))) * 1e6,
                (int) range(p, def(p, pre + "instances", engineChoice(p, choice, name)), 1, 64));
    }

    /** The passed-through GPU's encoder. */
    Encoder gpuEncoder() {
        return new Encoder(engine, encodePixelsPerS, encodeSetupPs, encodeBitsPerS, encodeInstances);
    }

    private static String engineChoice(Params p, ParamDef choice, String engine) {
        TreeSet<String> engines = new TreeSet<>();
        for (String n : p.definitions().keySet()) {
            if (n.startsWith("video.") && n.endsWith(".frame_setup")) {
                engines.add(n.substring("video.".length(), n.length() - ".frame_setup".length()));
            }
        }
        return choice.name() + " must name a video engine of this build " + engines + ", got '" + engine + "'";
    }

    /** A parameter another module declares, by name (the machine knows devices only through the registry). */
    private static ParamDef def(Params p, String name, String whyMissing) {
        ParamDef d = p.definitions().get(name);
        if (d == null) {
            throw new IllegalArgumentException("parameter " + name + " is not declared: " + whyMissing);
        }
        return d;
    }

    /** The slowest bandwidth the model takes: 0.001 bytes/ns (1 MB/s); below it one frame's stage would run for hours. */
    static final double MIN_BYTES_PER_NS = 0.001;

    private static double bandwidth(Params p, ParamDef d) {
        double v = positive(p, d);
        if (v < MIN_BYTES_PER_NS) {
            throw new IllegalArgumentException(d.name() + " must be at least " + MIN_BYTES_PER_NS + " bytes/ns for the forwarding model, got " + v);
        }
        return v;
    }

    private static double positive(Params p, ParamDef d) {
        double v = p.getDouble(d);
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(d.name() + " must be a positive number, got " + v);
        }
        return v;
    }

    private static long range(Params p, ParamDef d, long lo, long hi) {
        long v = p.getLong(d);
        if (v < lo || v > hi) {
            throw new IllegalArgumentException(d.name() + " must be " + lo + ".." + hi + ", got " + v);
        }
        return v;
    }

    /** The BAR read-back cost under {@code policy} (measured once per policy). */
    public BarReadback readback(String policy) {
        BarReadback r = readbacks.get(policy);
        if (r == null) {
            r = BarReadback.measure(paramSets, profile, policy);
            readbacks.put(policy, r);
        }
        return r;
    }

    /** Runs {@code kind} at {@code width}x{@code height}; {@code policy} is the host-s2 policy of the card (it matters to naive). */
    public ForwardingRun run(Kind kind, String policy, int width, int height) {
        if (width < 1 || height < 1 || width > 16384 || height > 16384) {
            throw new IllegalArgumentException("frame size must be 1..16384 on each side, got " + width + "x" + height);
        }
        BarReadback rb = readback(policy);
        long frameBytes = 4L * width * height;
        if (frameBytes > rb.vramBarSize() && (kind == Kind.NAIVE || kind == Kind.EFFICIENT_DMABUF)) {
            throw new IllegalArgumentException("a " + width + "x" + height + " frame (" + frameBytes + " bytes) does not fit the "
                    + profile + " VRAM BAR (" + rb.vramBarSize() + " bytes): the agent cannot read it through the BAR");
        }
        ForwardingRun r = new ForwardingRun(this, kind, rb, width, height);
        r.simulate();
        return r;
    }

    /** The guest workload's damage at {@code width}x{@code height} (forwarding.dirty_fraction, forwarding.tile_px). */
    public Damage damage(int width, int height) {
        return new Damage(width, height, tilePx, dirty);
    }

    public int frames() {
        return frames;
    }

    public long periodPs() {
        return periodPs;
    }

    /** The figures every run shares: where each parameter came from is in {@code gvsim params}. */
    public Map<String, Object> inputs() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("profile", profile);
        m.put("framesPresented", frames);
        m.put("periodPs", periodPs);
        m.put("memcpyGBps", memcpyBytesPerNs);
        m.put("swEncodeGBps", encodeBytesPerNs);
        m.put("swEncodeRatio", swRatio);
        m.put("dramGBps", memoryBytesPerNs);
        m.put("pcieLinkGBps", linkBytesPerNs);
        m.put("dispatchPs", overheadPs);
        m.put("hostCores", hostCores);
        m.put("guestCores", guestCores);
        m.put("encoder", gpuEncoder().describe(hevc));
        m.put("hostEncoder", hostEncoder.describe(hevc));
        m.put("bitsPerPixel", bitsPerPixel);
        m.put("dirtyFraction", dirty);
        m.put("tilePx", tilePx);
        m.put("lgChunkBytes", chunkBytes);
        return m;
    }
}
