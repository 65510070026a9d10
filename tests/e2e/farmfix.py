"""Shared helpers for end-to-end tests: a generated farm served on 127.0.0.1, tincrawl configs
pointing at it, and runners for the tincrawl binary. Standard library only."""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FARM = os.path.join(ROOT, "tests", "farm", "farm.py")
BINARY = os.environ.get("TINCRAWL_BINARY", os.path.join(ROOT, "build", "dev", "crawler", "tincrawl"))
PYTHON = sys.executable or "python3"


def _read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def strip_port(url):
    return re.sub(r"^(https?://[^/:]+):\d+", r"\1", url)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Farm:
    """Generates a farm once and serves it until stop()."""

    def __init__(self, seed=1, sites=12, articles=30, publish_every=None, query_urls=None,
                 behaviours=None):
        """query_urls: site ids (or "*") with order-sensitive query-string URLs; behaviours:
        {host: {behaviour: value}} written to DIR/behaviours.json (tests/farm/README.md)."""
        self.tmp = tempfile.mkdtemp(prefix="tincrawl-e2e-")
        self.dir = os.path.join(self.tmp, "farm")
        subprocess.run([PYTHON, FARM, "generate", "--out", self.dir, "--seed", str(seed),
                        "--sites", str(sites), "--articles", str(articles)]
                       + (["--query-urls", ",".join(query_urls)] if query_urls else []),
                       check=True, capture_output=True, timeout=300)
        if behaviours:
            with open(os.path.join(self.dir, "behaviours.json"), "w", encoding="utf-8") as f:
                json.dump(behaviours, f, indent=1, sort_keys=True)
        port_file = os.path.join(self.tmp, "port")
        cmd = [PYTHON, FARM, "serve", "--dir", self.dir, "--port", "0", "--port-file", port_file]
        if publish_every:
            cmd += ["--publish-every", str(publish_every)]
        self.server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 30
        while not (os.path.exists(port_file) and _read(port_file).strip()):
            if time.time() > deadline or self.server.poll() is not None:
                self.stop()
                raise RuntimeError("farm server did not start")
            time.sleep(0.05)
        self.port = int(_read(port_file).strip())
        with open(os.path.join(self.dir, "manifest.json"), encoding="utf-8") as f:
            self.manifest = json.load(f)

    def config(self, name="conf", metrics_port=None, extra=None, minimal=False):
        """Writes a tincrawl config for this farm; returns the daemon config path. minimal:
        site files with only base_url and seeds, and tincrawl's default politeness."""
        conf = os.path.join(self.tmp, name)
        state = os.path.join(self.tmp, name + "-state")
        subprocess.run([PYTHON, FARM, "config", "--dir", self.dir, "--port", str(self.port),
                        "--out", conf, "--state", state] + (["--minimal"] if minimal else []),
                       check=True, capture_output=True, timeout=60)
        path = os.path.join(conf, "tincrawl.yaml")
        text = _read(path)
        if metrics_port:
            text = re.sub(r"metrics:\n  enabled: false\n  listen: \"[^\"]*\"",
                          'metrics:\n  enabled: true\n  listen: "127.0.0.1:%d"' % metrics_port,
                          text)
        if extra:
            text += "\n" + extra
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def gold(self):
        out = {}
        for name in os.listdir(os.path.join(self.dir, "gold")):
            with open(os.path.join(self.dir, "gold", name), encoding="utf-8") as f:
                for line in f:
                    g = json.loads(line)
                    out[g["url"]] = g
        return out

    def control(self, path):
        host = self.manifest["sites"][0]["host"]
        req = urllib.request.Request("http://127.0.0.1:%d/__farm/%s" % (self.port, path),
                                     headers={"Host": host})
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.read().decode("utf-8")

    def log(self):
        return [json.loads(l) for l in self.control("log").splitlines() if l.strip()]

    def stop(self):
        if self.server:
            stop_process(self.server, timeout=10)
        shutil.rmtree(self.tmp, ignore_errors=True)


def stop_process(proc, timeout=60):
    """SIGTERM, then SIGKILL if `proc` is still running after `timeout` seconds; returns its
    exit code (None only when it was never started)."""
    if proc is None:
        return None
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


def tincrawl(*args, timeout=300, env=None, check=True):
    proc = subprocess.run([BINARY] + list(args), capture_output=True, text=True,
                          timeout=timeout, env=env)
    if check and proc.returncode != 0:
        raise AssertionError("tincrawl %s exited %d\nstderr:\n%s" %
                             (" ".join(args), proc.returncode, proc.stderr[-4000:]))
    return proc


def export(config):
    out = tincrawl("export", "-c", config).stdout
    return [json.loads(l) for l in out.splitlines() if l.strip()]


def spool_lines(state_dir):
    spool = os.path.join(state_dir, "spool")
    lines = []
    for name in sorted(os.listdir(spool)) if os.path.isdir(spool) else []:
        with open(os.path.join(spool, name), "rb") as f:
            data = f.read()
        if data and not data.endswith(b"\n"):
            raise AssertionError("torn line at the end of " + name)
        lines += [json.loads(l) for l in data.decode("utf-8").splitlines() if l.strip()]
    return lines


def scrape(port):
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=10) as r:
        return r.read().decode("utf-8")
