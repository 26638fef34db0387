#!/usr/bin/env python3
"""Writes a deterministic YUV4MPEG2 (4:2:0, 8-bit) test clip to stdout: a moving diagonal
gradient with a bright square, so the encoders produce I, P and B slices.
Usage: gen_y4m.py WIDTH HEIGHT FRAMES [FPS] > clip.y4m  (FPS defaults to 30)"""
import sys

w, h, n = (int(a) for a in sys.argv[1:4])
fps = int(sys.argv[4]) if len(sys.argv) > 4 else 30
out = sys.stdout.buffer
out.write(b"YUV4MPEG2 W%d H%d F%d:1 Ip A1:1 C420jpeg\n" % (w, h, fps))
cw, ch = (w + 1) // 2, (h + 1) // 2
for f in range(n):
    out.write(b"FRAME\n")
    y = bytearray(w * h)
    for r in range(h):
        base = r * w
        for c in range(w):
            y[base + c] = (c + r + 4 * f) & 0xFF
    s = max(8, min(w, h) // 6)
    x0, y0 = (5 * f) % max(1, w - s), (3 * f) % max(1, h - s)
    for r in range(y0, y0 + s):
        y[r * w + x0:r * w + x0 + s] = b"\xeb" * s
    out.write(bytes(y))
    out.write(bytes(((c * 2 + f) & 0xFF) for r in range(ch) for c in range(cw)))
    out.write(bytes(((r * 2 + 128) & 0xFF) for r in range(ch) for c in range(cw)))
