package dev.gvsim.guesttraces.linux;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import dev.gvsim.guesttraces.guest.GuestCpu;
import dev.gvsim.guesttraces.guest.GuestFault;

/**
 * Desktop workloads for the QXL remote-display study (issue 24): an application model draws into
 * its picture of the screen ({@link DesktopArt}) and, for each damaged rectangle, the Linux qxl
 * driver model writes the pixels into the fbdev shadow buffer and sends the damage as a COPY
 * drawable ({@link QxlLinuxDriver#drawImage}). Events are at fixed simulated times from the
 * start, drawn from a seeded generator: the same seed gives the same command stream, access for
 * access. Each begins by painting the whole screen once.
 */
public enum QxlDesktopWorkload {
    /** A word processor: typing (a glyph a keystroke), two scrolls, a menu opened, hovered and closed. */
    OFFICE,
    /** A window dragged across a gradient wallpaper at 60 frames per second for one second. */
    WINDOW_DRAG,
    /** A desktop of generated images: icons with hover highlights and refreshes, charts, a gradient header, a toolbar of tiles. */
    SYNTHETIC,
    /** A 320x240 video region playing at 25 frames per second in an otherwise quiet desktop. */
    VIDEO,
    /** A photo viewer showing a new 640x480 photograph every 400 ms (five in all). */
    SLIDESHOW;

    /** The CLI name: lower case with dashes ({@code window-drag}). */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static QxlDesktopWorkload fromCli(String s) {
        for (QxlDesktopWorkload w : values()) {
            if (w.cliName().equals(s)) {
                return w;
            }
        }
        throw new IllegalArgumentException("unknown qxl desktop workload '" + s + "' (known: office, window-drag, synthetic, video, slideshow)");
    }

    /** Simulated length of every workload after its first full paint. */
    public static final long DURATION_PS = 2_000_000_000_000L;
    static final long MS = 1_000_000_000L;

    private interface Step {
        void run() throws GuestFault;
    }

    private record Event(long t, int order, Step step) {
    }

    /** Runs the workload on a probed driver with a {@code width x height} primary; returns the damages sent. */
    public long run(QxlLinuxDriver d, GuestCpu cpu, int width, int height, long seed) throws GuestFault {
        Runner r = new Runner(d, cpu, width, height, seed);
        switch (this) {
            case OFFICE -> r.office();
            case WINDOW_DRAG -> r.windowDrag();
            case SYNTHETIC -> r.synthetic();
            case VIDEO -> r.video();
            default -> r.slideshow();
        }
        return r.finish();
    }

    private static final class Runner {
        final QxlLinuxDriver d;
        final GuestCpu cpu;
        final DesktopArt art;
        final int w;
        final int h;
        final SplittableRandom rnd;
        final long seed;
        final List<Event> events = new ArrayList<>();
        long damages;
        long start;

        Runner(QxlLinuxDriver d, GuestCpu cpu, int w, int h, long seed) {
            this.d = d;
            this.cpu = cpu;
            this.w = w;
            this.h = h;
            this.seed = seed;
            this.art = new DesktopArt(w, h, seed);
            this.rnd = new SplittableRandom(seed * 31 + 7);
        }

        void at(long t, Step s) {
            events.add(new Event(t, events.size(), s));
        }

        void damage(int x, int y, int dw, int dh) throws GuestFault {
            int x0 = Math.max(0, x);
            int y0 = Math.max(0, y);
            int x1 = Math.min(w, x + dw);
            int y1 = Math.min(h, y + dh);
            if (x0 < x1 && y0 < y1 && d.drawImage(art.fb, w, h, x0, y0, x1 - x0, y1 - y0)) {
                damages++;
            }
        }

        long finish() throws GuestFault {
            damage(0, 0, w, h); // the first full paint
            start = cpu.now();
            events.sort(Comparator.comparingLong(Event::t).thenComparingInt(Event::order));
            for (Event e : events) {
                long wait = start + e.t - cpu.now();
                if (wait > 0) {
                    cpu.delay(wait);
                }
                e.step.run();
            }
            long end = start + DURATION_PS - cpu.now();
            if (end > 0) {
                cpu.delay(end);
            }
            return damages;
        }

        // ------------------------------------------------------------------ office
        int[] lineSeeds;

        void drawDocument(int wx, int wy, int ww, int wh, int firstLine) {
            int rows = (wh - 40) / 18;
            art.fill(wx + 2, wy + 26, ww - 4, wh - 28, DesktopArt.WHITE);
            for (int k = 0; k < rows; k++) {
                int li = firstLine + k;
                if (li % 7 == 6) {
                    continue; // a paragraph break
                }
                art.textLine(new SplittableRandom(seed * 1000 + li), wx + 24, wy + 36 + k * 18, (ww - 48) / 8 - (li % 7 == 5 ? 40 : 0),
                        DesktopArt.BLACK, DesktopArt.WHITE);
            }
        }

        void office() {
            int wx = 64;
            int wy = 40;
            int ww = 860;
            int wh = 680;
            art.fill(0, 0, w, h, DesktopArt.DESKTOP);
            art.window(wx, wy, ww, wh, DesktopArt.WHITE);
            drawDocument(wx, wy, ww, wh, 0);
            // typing on a new line below the text, a keystroke every 80..160 ms
            int[] caret = {wx + 24, wy + 36 + 20 * 18};
            art.fill(wx + 2, caret[1] - 2, ww - 4, 40, DesktopArt.WHITE);
            for (long t = 60 * MS; t < DURATION_PS; t += (80 + rnd.nextInt(81)) * MS) {
                boolean space = rnd.nextInt(6) == 0;
                int c = rnd.nextInt(96);
                at(t, () -> {
                    if (space) {
                        art.fill(caret[0], caret[1], 8, 16, DesktopArt.WHITE);
                    } else {
                        art.glyph(caret[0], caret[1], c, DesktopArt.BLACK, DesktopArt.WHITE);
                    }
                    art.fill(caret[0] + 8, caret[1], 1, 16, DesktopArt.BLACK);
                    damage(caret[0], caret[1], 10, 16);
                    caret[0] += 8;
                    if (caret[0] > wx + ww - 60) {
                        art.fill(caret[0], caret[1], 2, 16, DesktopArt.WHITE);
                        damage(caret[0], caret[1], 2, 16);
                        caret[0] = wx + 24;
                    }
                });
            }
            // two scrolls of three lines each: the document body redrawn
            for (int k = 1; k <= 2; k++) {
                int first = 3 * k;
                at(k * 800 * MS, () -> {
                    drawDocument(wx, wy, ww, wh, first);
                    art.fill(wx + 2, caret[1] - 2, ww - 4, 40, DesktopArt.WHITE);
                    caret[0] = wx + 24;
                    damage(wx + 2, wy + 26, ww - 4, wh - 28);
                });
            }
            // a menu: opened, four items hovered, closed (what was under it drawn again)
            int mx = wx + 10;
            int my = wy + 24;
            int mw = 180;
            int mh = 240;
            int[][] under = new int[1][];
            at(1200 * MS, () -> {
                under[0] = art.save(mx, my, mw, mh);
                art.fill(mx, my, mw, mh, DesktopArt.PANEL);
                for (int i = 0; i < 10; i++) {
                    art.textLine(new SplittableRandom(seed + 77 + i), mx + 8, my + 4 + i * 24, 12, DesktopArt.BLACK, DesktopArt.PANEL);
                }
                damage(mx, my, mw, mh);
            });
            for (int i = 0; i < 4; i++) {
                int item = i;
                at((1300 + 100 * i) * MS, () -> {
                    if (item > 0) {
                        art.fill(mx, my + (item - 1) * 24, mw, 24, DesktopArt.PANEL);
                        art.textLine(new SplittableRandom(seed + 77 + item - 1), mx + 8, my + 4 + (item - 1) * 24, 12, DesktopArt.BLACK,
                                DesktopArt.PANEL);
                        damage(mx, my + (item - 1) * 24, mw, 24);
                    }
                    art.fill(mx, my + item * 24, mw, 24, 0x3465A4);
                    art.textLine(new SplittableRandom(seed + 77 + item), mx + 8, my + 4 + item * 24, 12, DesktopArt.WHITE, 0x3465A4);
                    damage(mx, my + item * 24, mw, 24);
                });
            }
            at(1750 * MS, () -> {
                art.restore(under[0], mx, my, mw, mh);
                damage(mx, my, mw, mh);
            });
        }

        // ------------------------------------------------------------------ window drag
        void windowDrag() {
            for (int y = 0; y < h; y++) {
                art.fill(0, y, w, 1, DesktopArt.mix(0x1F3A5A, 0x6A8CAF, y / (double) h));
            }
            for (int i = 0; i < 6; i++) {
                art.icon(16, 16 + i * 80, i, false);
            }
            int[] bg = art.fb.clone();
            int ww = 420;
            int wh = 300;
            art.window(0, 0, ww, wh, DesktopArt.WHITE);
            for (int k = 0; k < 14; k++) {
                art.textLine(new SplittableRandom(seed + k), 16, 36 + k * 18, 48, DesktopArt.BLACK, DesktopArt.WHITE);
            }
            int[] win = art.save(0, 0, ww, wh);
            System.arraycopy(bg, 0, art.fb, 0, bg.length);
            int[] pos = {120, 120};
            art.restore(win, pos[0], pos[1], ww, wh);
            long frame = 1_000_000_000_000L / 60;
            int dx = 4 + rnd.nextInt(3);
            int dy = 1 + rnd.nextInt(3);
            for (int f = 1; f <= 60; f++) {
                at(f * frame, () -> {
                    int ox = pos[0];
                    int oy = pos[1];
                    int nx = ox + dx;
                    int ny = oy + dy;
                    // the old place shows the wallpaper again, the window is drawn at the new one
                    for (int j = 0; j < wh; j++) {
                        System.arraycopy(bg, (oy + j) * w + ox, art.fb, (oy + j) * w + ox, Math.min(ww, w - ox));
                    }
                    art.restore(win, nx, ny, ww, wh);
                    damage(nx, ny, ww, wh);
                    // the exposed strips: above and left of the new place
                    damage(ox, oy, ww, ny - oy);
                    damage(ox, ny, nx - ox, oy + wh - ny);
                    pos[0] = nx;
                    pos[1] = ny;
                });
            }
        }

        // ------------------------------------------------------------------ synthetic images
        void synthetic() {
            art.tiles(0, 0, w, h, 32, seed + 1);
            int cols = 5;
            int rows = 6;
            int[] iconOf = new int[cols * rows];
            for (int i = 0; i < iconOf.length; i++) {
                iconOf[i] = rnd.nextInt(12);
                art.icon(iconX(i, cols), iconY(i, cols), iconOf[i], false);
            }
            int px = 430;
            int py = 60;
            art.window(px, py, 560, 470, DesktopArt.WHITE);
            int[] palette = {0x204A87, 0x729FCF, 0x4E9A06, 0x8AE234};
            art.gradient(px + 2, py + 26, 556, 30, palette[0], palette[1]);
            double[] bars = values(8);
            double[] line = values(24);
            art.barChart(px + 12, py + 70, 260, 180, bars);
            art.lineChart(px + 288, py + 70, 260, 180, line);
            for (int b = 0; b < 12; b++) {
                art.tiles(px + 12 + b * 44, py + 270, 32, 32, 16, seed + b % 3);
            }
            // hover: a desktop icon highlighted, the previous one back to normal, every 100 ms
            int[] hovered = {-1};
            for (long t = 100 * MS; t < DURATION_PS; t += 100 * MS) {
                int next = rnd.nextInt(iconOf.length);
                at(t, () -> {
                    if (hovered[0] >= 0) {
                        art.icon(iconX(hovered[0], cols), iconY(hovered[0], cols), iconOf[hovered[0]], false);
                        damage(iconX(hovered[0], cols), iconY(hovered[0], cols), DesktopArt.ICON, DesktopArt.ICON);
                    }
                    art.icon(iconX(next, cols), iconY(next, cols), iconOf[next], true);
                    damage(iconX(next, cols), iconY(next, cols), DesktopArt.ICON, DesktopArt.ICON);
                    hovered[0] = next;
                });
            }
            // charts redrawn with new data every 250 ms
            for (long t = 250 * MS; t < DURATION_PS; t += 250 * MS) {
                double[] nb = values(8);
                double[] nl = values(24);
                at(t, () -> {
                    art.barChart(px + 12, py + 70, 260, 180, nb);
                    damage(px + 12, py + 70, 260, 180);
                    art.lineChart(px + 288, py + 70, 260, 180, nl);
                    damage(px + 288, py + 70, 260, 180);
                });
            }
            // the file manager refreshes the desktop: every icon redrawn, one damage each, every 500 ms
            for (long t = 500 * MS; t < DURATION_PS; t += 500 * MS) {
                at(t, () -> {
                    for (int i = 0; i < iconOf.length; i++) {
                        art.icon(iconX(i, cols), iconY(i, cols), iconOf[i], i == hovered[0]);
                        damage(iconX(i, cols), iconY(i, cols), DesktopArt.ICON, DesktopArt.ICON);
                    }
                });
            }
            // focus changes: the header gradient swaps palettes every 400 ms
            int[] focus = {0};
            for (long t = 400 * MS; t < DURATION_PS; t += 400 * MS) {
                at(t, () -> {
                    focus[0] ^= 2;
                    art.gradient(px + 2, py + 26, 556, 30, palette[focus[0]], palette[focus[0] + 1]);
                    damage(px + 2, py + 26, 556, 30);
                });
            }
            // the toolbar: every button redrawn (one pressed) every 300 ms
            for (long t = 300 * MS; t < DURATION_PS; t += 300 * MS) {
                int pressed = rnd.nextInt(12);
                at(t, () -> {
                    for (int b = 0; b < 12; b++) {
                        art.tiles(px + 12 + b * 44, py + 270, 32, 32, 16, seed + (b == pressed ? 5 : b % 3));
                        damage(px + 12 + b * 44, py + 270, 32, 32);
                    }
                });
            }
        }

        static int iconX(int i, int cols) {
            return 24 + (i % cols) * 80;
        }

        static int iconY(int i, int cols) {
            return 24 + (i / cols) * 80;
        }

        double[] values(int n) {
            double[] v = new double[n];
            for (int i = 0; i < n; i++) {
                v[i] = 0.1 + 0.85 * rnd.nextDouble();
            }
            return v;
        }

        // ------------------------------------------------------------------ video
        void video() {
            art.fill(0, 0, w, h, DesktopArt.DESKTOP);
            art.window(120, 80, 700, 520, DesktopArt.WHITE);
            for (int k = 0; k < 5; k++) {
                art.textLine(new SplittableRandom(seed + k), 140, 120 + k * 18, 80, DesktopArt.BLACK, DesktopArt.WHITE);
            }
            int vx = 300;
            int vy = 240;
            art.photo(vx, vy, 320, 240, seed, 0);
            long frame = 1_000_000_000_000L / 25;
            for (int f = 1; f < 50; f++) {
                double phase = f * 0.12;
                at(f * frame, () -> {
                    art.photo(vx, vy, 320, 240, seed, phase);
                    damage(vx, vy, 320, 240);
                });
            }
            for (int s = 1; s <= 1; s++) {
                int sec = s;
                at(s * 1000 * MS, () -> {
                    art.textLine(new SplittableRandom(seed + 1000 + sec), w - 60, 4, 5, DesktopArt.WHITE, DesktopArt.DESKTOP);
                    damage(w - 60, 4, 40, 16);
                });
            }
        }

        // ------------------------------------------------------------------ slideshow
        void slideshow() {
            art.fill(0, 0, w, h, 0x101010);
            int px = (w - 640) / 2;
            int py = (h - 480) / 2 - 20;
            art.photo(px, py, 640, 480, seed, 0);
            for (int k = 1; k < 5; k++) {
                long photoSeed = seed + k * 7919L;
                int n = k;
                at(k * 400 * MS, () -> {
                    art.photo(px, py, 640, 480, photoSeed, 0);
                    damage(px, py, 640, 480);
                    art.fill(px, py + 490, 640, 20, 0x101010);
                    art.textLine(new SplittableRandom(seed + n), px + 8, py + 492, 30, 0xC0C0C0, 0x101010);
                    damage(px, py + 490, 640, 20);
                });
            }
        }
    }
}
