#!/usr/bin/env bash
# Renders gvsim HTML reports in headless Chromium and fails on any console error, failed load or
# outside request; saves a screenshot of each (tools/check-report-in-chromium.py has the details).
#   tools/check-report-in-chromium.sh [--screenshots DIR] REPORT.html...
#   tools/check-report-in-chromium.sh --self-test   # shows that a page with errors does fail
# Exit 0 clean, 1 a report had errors, 2 usage or browser trouble, 77 no Chromium here (skipped).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
chromium="${CHROMIUM:-$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)}"
if [ -z "$chromium" ]; then
  echo "check-report-in-chromium: skipped: no Chromium installed (Debian: apt-get install chromium)" >&2
  exit 77
fi
command -v python3 >/dev/null 2>&1 || { echo "check-report-in-chromium: needs python3" >&2; exit 2; }
if [ "${1:-}" = "--self-test" ]; then
  t="$(mktemp -d)"
  trap 'rm -rf "$t"' EXIT
  printf '<!doctype html><title>clean</title><p>clean</p>\n' >"$t/clean.html"
  printf '<!doctype html><title>bad</title><img src="https://example.invalid/x.png"><script>console.error("boom")</script>\n' >"$t/bad.html"
  python3 "$here/check-report-in-chromium.py" --chromium "$chromium" "$t/clean.html" >/dev/null \
    || { echo "check-report-in-chromium: self-test: a clean page failed" >&2; exit 1; }
  if python3 "$here/check-report-in-chromium.py" --chromium "$chromium" "$t/bad.html" >"$t/out" 2>&1; then
    echo "check-report-in-chromium: self-test: a page with a console error and an outside image passed" >&2
    exit 1
  fi
  grep -q "console.error: boom" "$t/out" && grep -q "outside the file: https://example.invalid/x.png" "$t/out" \
    || { echo "check-report-in-chromium: self-test: the errors were not named:" >&2; cat "$t/out" >&2; exit 1; }
  echo "check-report-in-chromium: self-test ok (a clean page passes; a console error and an outside request fail)"
  exit 0
fi
exec python3 "$here/check-report-in-chromium.py" --chromium "$chromium" "$@"
