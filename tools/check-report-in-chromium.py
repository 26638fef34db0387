#!/usr/bin/env python3
"""Open gvsim HTML reports in headless Chromium and fail on anything a reader's browser would complain about.

For each REPORT.html: loads it from file:// in a fresh headless Chromium (a new empty profile, no
network: every host name resolves to nothing), talking the DevTools protocol over
--remote-debugging-pipe (Python's standard library only, no driver to install), and fails if the
page logs any console error or warning, throws, logs a browser error (a resource that failed to
load, a blocked request, a parse error reported to the console), or requests anything that is not
the file itself or a data: URL. Saves a full-page screenshot beside the report (REPORT.png) or in
--screenshots DIR, and prints the page's title and how many SVG plots and images it rendered.

Exit 0: every report clean; 1: a report had errors (listed); 2: usage, or Chromium is missing or
did not answer.
"""
import argparse
import base64
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

FLAGS = [
    # the flags that work on this kind of machine (no sandbox as root, no GPU, no background network)
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--disable-default-apps", "--mute-audio", "--hide-scrollbars",
    # a report must need no network: any host name fails to resolve, so a fetch shows as an error
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--remote-debugging-pipe",
]


def find_chromium(explicit):
    for c in [explicit, os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"]:
        if c and shutil.which(c):
            return shutil.which(c)
    return None


class Cdp:
    """The DevTools protocol over Chromium's pipe: fd 3 carries our commands, fd 4 its answers, NUL-separated JSON."""

    def __init__(self, exe, profile):
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()
        # the child gets our read end as fd 3 and the write end as fd 4
        def child_fds():
            # via fds above 4 first, so that neither end is overwritten when it already is 3 or 4
            a, b = os.dup(to_chrome_r), os.dup(from_chrome_w)
            a, b = os.dup2(a, 100), os.dup2(b, 101)
            os.dup2(a, 3)
            os.dup2(b, 4)
        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([exe] + FLAGS + ["--user-data-dir=" + profile, "about:blank"],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.stderr,
                                     preexec_fn=child_fds, pass_fds=(3, 4))
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.buf = b""
        self.next_id = 0
        self.events = []

    def send(self, method, params=None, session=None, timeout=30):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.to_chrome, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            m = self.read(deadline)
            if m is None:
                raise TimeoutError(method + ": no answer from Chromium within %d s" % timeout)
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise RuntimeError(method + ": " + json.dumps(m["error"]))
                return m.get("result", {})
            self.events.append(m)

    def read(self, deadline):
        import select
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            r, _, _ = select.select([self.from_chrome], [], [], left)
            if not r:
                return None
            chunk = os.read(self.from_chrome, 1 << 20)
            if not chunk:
                time.sleep(0.2)
                self.stderr.seek(0)
                tail = [l for l in self.stderr.read().decode(errors="replace").splitlines() if "dbus" not in l][-5:]
                raise RuntimeError("Chromium closed its DevTools pipe (exit code %s): %s" % (self.proc.poll(), " | ".join(tail)))
            self.buf += chunk
        raw, self.buf = self.buf.split(b"\0", 1)
        return json.loads(raw)

    def pump(self, seconds):
        deadline = time.monotonic() + seconds
        while True:
            m = self.read(deadline)
            if m is None:
                return
            self.events.append(m)

    def wait_event(self, method, session, timeout):
        deadline = time.monotonic() + timeout
        while True:
            for e in self.events:
                if e.get("method") == method and e.get("sessionId") == session:
                    return e
            m = self.read(deadline)
            if m is None:
                return None
            self.events.append(m)

    def close(self):
        try:
            os.write(self.to_chrome, json.dumps({"id": 0, "method": "Browser.close"}).encode() + b"\0")
            self.proc.wait(10)
        except Exception:
            self.proc.kill()
            self.proc.wait()
        os.close(self.to_chrome)
        os.close(self.from_chrome)


def check(cdp, report, shot):
    url = report.resolve().as_uri()
    target = cdp.send("Target.createTarget", {"url": "about:blank"})["targetId"]
    s = cdp.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    for domain in ("Runtime", "Log", "Page", "Network"):
        cdp.send(domain + ".enable", session=s)
    cdp.send("Emulation.setDeviceMetricsOverride", {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False}, session=s)
    cdp.events.clear()
    cdp.send("Page.navigate", {"url": url}, session=s)
    problems = []
    if cdp.wait_event("Page.loadEventFired", s, 60) is None:
        problems.append("the page did not finish loading within 60 s")
    cdp.pump(0.5)  # late console messages and failed loads
    for e in cdp.events:
        if e.get("sessionId") != s:
            continue
        m, p = e.get("method"), e.get("params", {})
        if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "warning", "assert"):
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", []))
            problems.append("console.%s: %s" % (p["type"], text))
        elif m == "Runtime.exceptionThrown":
            d = p.get("exceptionDetails", {})
            problems.append("exception: %s" % d.get("exception", {}).get("description", d.get("text")))
        elif m == "Log.entryAdded" and p.get("entry", {}).get("level") in ("error", "warning"):
            en = p["entry"]
            problems.append("browser %s (%s): %s%s" % (en["level"], en.get("source"), en.get("text"), " " + en["url"] if en.get("url") else ""))
        elif m == "Network.requestWillBeSent":
            u = p.get("request", {}).get("url", "")
            if not (u == url or u.startswith("data:")):
                problems.append("request for something outside the file: " + u)
        elif m == "Network.loadingFailed":
            problems.append("load failed: %s (%s)" % (p.get("errorText"), p.get("type")))
    facts = cdp.send("Runtime.evaluate", {"expression": "JSON.stringify({title: document.title, svg: document.querySelectorAll('svg').length,"
                                           " img: document.images.length, broken: [...document.images].filter(i => !i.complete || i.naturalWidth === 0).length,"
                                           " outcome: (document.querySelector('p.outcome') || {}).textContent || '',"
                                           " h: document.documentElement.scrollHeight})", "returnByValue": True}, session=s)
    facts = json.loads(facts["result"]["value"])
    if facts["broken"]:
        problems.append("%d image(s) did not decode" % facts["broken"])
    if not facts["title"]:
        problems.append("the page has no title")
    height = min(max(int(facts["h"]), 1), 16000)
    cdp.send("Emulation.setDeviceMetricsOverride", {"width": 1280, "height": height, "deviceScaleFactor": 1, "mobile": False}, session=s)
    png = cdp.send("Page.captureScreenshot", {"format": "png"}, session=s, timeout=60)["data"]
    shot.write_bytes(base64.b64decode(png))
    cdp.send("Target.closeTarget", {"targetId": target})
    return problems, facts


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("reports", nargs="+", metavar="REPORT.html")
    ap.add_argument("--screenshots", metavar="DIR", help="write the screenshots here (default: beside each report, REPORT.png)")
    ap.add_argument("--chromium", metavar="EXE", help="the browser (default: $CHROMIUM, chromium, chromium-browser, google-chrome)")
    a = ap.parse_args()
    exe = find_chromium(a.chromium)
    if exe is None:
        print("check-report-in-chromium: no Chromium found (Debian: apt-get install chromium)", file=sys.stderr)
        return 2
    for r in a.reports:
        if not pathlib.Path(r).is_file():
            print("check-report-in-chromium: %s: no such file" % r, file=sys.stderr)
            return 2
    profile = tempfile.mkdtemp(prefix="gvsim-chromium-")
    failed = 0
    cdp = None
    try:
        cdp = Cdp(exe, profile)
        cdp.send("Browser.getVersion", timeout=60)
        for r in a.reports:
            report = pathlib.Path(r)
            out = pathlib.Path(a.screenshots) / (report.stem + ".png") if a.screenshots else report.with_suffix(".png")
            out.parent.mkdir(parents=True, exist_ok=True)
            problems, facts = check(cdp, report, out)
            status = "FAIL" if problems else "ok"
            print("%-4s %s: \"%s\", %d SVG, %d images, screenshot %s" % (status, r, facts["title"], facts["svg"], facts["img"], out))
            for p in problems:
                print("     " + p)
            failed += 1 if problems else 0
    except (TimeoutError, RuntimeError, OSError) as e:
        print("check-report-in-chromium: %s" % e, file=sys.stderr)
        return 2
    finally:
        if cdp:
            cdp.close()
        shutil.rmtree(profile, ignore_errors=True)
    if failed:
        print("check-report-in-chromium: %d of %d report(s) had errors" % (failed, len(a.reports)), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
