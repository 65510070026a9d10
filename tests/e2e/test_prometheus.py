"""A real Prometheus scrapes the daemon crawling the farm; every PromQL expression of the
dashboards and alert rules must parse, and every dashboard expression must return data."""
import os
import shutil
import subprocess
import tempfile
import time
import unittest
import urllib.request

from farmfix import BINARY, Farm, ROOT, free_port, scrape, stop_process

PROMETHEUS = shutil.which("prometheus")


@unittest.skipUnless(PROMETHEUS, "Debian's prometheus package is not installed")
class PrometheusTest(unittest.TestCase):
    def test_dashboard_and_alert_queries_against_live_metrics(self):
        farm = Farm(seed=13, sites=6, articles=20)
        tmp = tempfile.mkdtemp(prefix="tincrawl-prom-")
        daemon = prom = None
        try:
            mport, pport = free_port(), free_port()
            config = farm.config(name="prom", metrics_port=mport)
            daemon = subprocess.Popen([BINARY, "run", "-c", config], stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL)
            with open(os.path.join(tmp, "prometheus.yml"), "w", encoding="utf-8") as f:
                f.write("global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
                        "rule_files: [%s]\n"
                        "scrape_configs:\n"
                        "  - job_name: tincrawl\n"
                        "    static_configs: [{targets: ['127.0.0.1:%d']}]\n"
                        % (os.path.join(ROOT, "dashboards", "alerts.yml"), mport))
            prom = subprocess.Popen(
                [PROMETHEUS, "--config.file=" + os.path.join(tmp, "prometheus.yml"),
                 "--storage.tsdb.path=" + os.path.join(tmp, "data"),
                 "--web.listen-address=127.0.0.1:%d" % pport],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            url = "http://127.0.0.1:%d" % pport
            deadline = time.time() + 60
            while time.time() < deadline:
                try:
                    with urllib.request.urlopen(url + "/-/ready", timeout=2):
                        break
                except OSError:
                    time.sleep(0.5)
            # Prometheus scrapes every second while the daemon crawls: ask until every dashboard
            # expression returns data (or a generous deadline passes), not for a fixed time.
            deadline = time.time() + 240
            while True:
                check = subprocess.run(
                    ["/usr/bin/python3", os.path.join(ROOT, "dashboards", "extract_promql.py"),
                     "--query-url", url, "--require-data", "--timeout", "10",
                     "-o", os.path.join(tmp, "promql.txt")],
                    capture_output=True, text=True, timeout=300, cwd=ROOT)
                if check.returncode == 0 or time.time() > deadline:
                    break
                time.sleep(2)
            self.assertIn("tincrawl_up 1", scrape(mport))
            self.assertEqual(check.returncode, 0, check.stdout[-4000:] + check.stderr[-4000:])
            with urllib.request.urlopen(url + "/api/v1/rules", timeout=10) as r:
                body = r.read().decode("utf-8")
            self.assertNotIn('"health":"err"', body)
        finally:
            for p in (daemon, prom):
                stop_process(p, timeout=30)
            farm.stop()
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
