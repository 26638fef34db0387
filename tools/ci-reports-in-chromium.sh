#!/usr/bin/env bash
# CI step (issue 22, "tested as users see it"): every bundled scenario's report (one page, all
# scenarios), real-trace replay reports (the bundled Linux 6.1 qxl recording with the README's
# headline flip, and without it: plots over simulated time), a replay report with a scanout image and
# latency histograms, a boot report and a sweep report, each
# opened in headless Chromium by tools/check-report-in-chromium.sh (fails on any console error,
# failed load or outside request; saves a screenshot). Skipped, saying so, where Chromium is not
# installed. Needs the CLI jar (mvn -B verify or package builds it). Output: target/chromium-reports/.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1 && [ -z "${CHROMIUM:-}" ]; then
  echo "reports in Chromium: SKIPPED (no Chromium installed; Debian: apt-get install chromium)"
  exit 0
fi
jar=sim-cli/target/gvsim-cli.jar
[ -f "$jar" ] || { echo "reports in Chromium: $jar missing (run mvn -B verify first)" >&2; exit 2; }
gvsim() { java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -Dgvsim.stderr.tty=0 -jar "$jar" "$@"; }
out=target/chromium-reports
rm -rf "$out"
mkdir -p "$out"

tools/check-report-in-chromium.sh --self-test

# exit 1 is an outcome (a scenario that fails on purpose, a fault the flip reproduces), not an error here
run() { local rc=0; "$@" >"$out/last.log" 2>&1 || rc=$?; if [ "$rc" -gt 1 ]; then cat "$out/last.log" >&2; exit "$rc"; fi; }

run gvsim scenarios --report "$out/scenarios.html"
cp guest-traces/src/main/resources/dev/gvsim/guesttraces/traces/guest/qxl-linux61-arm64-wc.gvt.txt.xz "$out/real.gvt.txt.xz"
run gvsim replay "$out/real.gvt.txt.xz" --attr 0x18000000=device-ngnre --attr 0x13ffe000=device-ngnre --report "$out/real-trace-replay.html"
# the whole recording, clean: its plots over simulated time span the driver's 5 ms
run gvsim replay "$out/real.gvt.txt.xz" --report "$out/real-trace-replay-clean.html"
run gvsim guest virtio-gpu-linux --frames 2 --set display.pipeline=qemu -o "$out/vgpu.gvt"
# with the host display modelled: its frame latencies (HdrHistograms) drawn as histograms
run gvsim replay "$out/vgpu.gvt" --set display.pipeline=qemu --report "$out/virtio-gpu-replay-scanout.html"
run gvsim boot --firmware edk2 -device pcie-root-port,id=rp1,chassis=1 -device pcie-root-port,id=rp2,chassis=2 -device qxl-vga,bus=rp1 \
  --report "$out/boot.html"
cp guest-traces/src/main/resources/dev/gvsim/guesttraces/traces/regress/qxl-ids-out-of-range.gvt.txt "$out/regress.gvt.txt"
run gvsim sweep "$out/regress.gvt.txt" --set mem.uc.round_trip=100ns,400ns --set qxl.io_latency=1us,3us --report "$out/sweep.html"

tools/check-report-in-chromium.sh --screenshots "$out/screenshots" "$out"/*.html
