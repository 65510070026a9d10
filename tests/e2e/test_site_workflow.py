"""End to end: the "add a new locality" workflow (new-site, check-config, test-site, extract)
against one live farm site of every CMS family, and the doc's site file reference."""
import json
import os
import re
import shutil
import unittest

from farmfix import Farm, ROOT, strip_port, tincrawl

FAMILIES = ["sharepoint-qn", "tandan", "liferay", "nukeviet", "dotnetnuke"]


class SiteWorkflowTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.farm = Farm(seed=5, articles=12)
        cls.gold = cls.farm.gold()
        cls.farm_config = cls.farm.config()
        # A fresh sites folder beside a copy of the farm's daemon config.
        cls.fresh = os.path.join(cls.farm.tmp, "fresh")
        cls.sites = os.path.join(cls.fresh, "sites", "new")
        os.makedirs(cls.sites)
        with open(cls.farm_config, encoding="utf-8") as f:
            text = f.read()
        text = re.sub(r"(?m)^sites: .*$", 'sites: "sites"', text)
        cls.config = os.path.join(cls.fresh, "tincrawl.yaml")
        with open(cls.config, "w", encoding="utf-8") as f:
            f.write(text)
        cls.drafted = {}
        for family in FAMILIES:
            site = next(s for s in cls.farm.manifest["sites"] if s["family"] == family)
            sid = "new-" + site["id"]
            out = os.path.join(cls.sites, sid + ".yaml")
            home = "http://%s:%d/" % (site["host"], cls.farm.port)
            tincrawl("new-site", "-c", cls.farm_config, "--id", sid, "-o", out, home)
            cls.drafted[family] = (site, sid, out)

    @classmethod
    def tearDownClass(cls):
        cls.farm.stop()

    def test_drafts_are_commented_unverified_site_files_with_the_right_cms(self):
        for family, (site, sid, path) in self.drafted.items():
            with open(path, encoding="utf-8") as f:
                text = f.read()
            self.assertTrue(text.startswith("# yaml-language-server: $schema="), family)
            self.assertIn("\nid: %s\n" % sid, text)
            self.assertIn("\ncms: %s\n" % family, text)
            self.assertIn("\nverified: false\n", text)
            self.assertRegex(text, r"urls:\n  article:\n    - '\^https", family)

    def test_check_config_accepts_the_drafts(self):
        out = tincrawl("check-config", "-c", self.config).stdout
        self.assertIn("OK, %d sites" % len(FAMILIES), out)

    def test_test_site_passes_for_every_family(self):
        for family, (site, sid, path) in self.drafted.items():
            proc = tincrawl("test-site", "-c", self.config, sid, "--pages", "3", check=False)
            lines = proc.stdout.strip().splitlines()
            self.assertEqual(proc.returncode, 0, "%s:\n%s" % (family, proc.stdout[-3000:]))
            self.assertEqual(lines[-1], "PASS", family)
            self.assertEqual(len(re.findall(r"(?m)^\[\d+\] http", proc.stdout)), 3, family)

    def test_test_site_fails_on_a_missing_site_with_usage_code(self):
        proc = tincrawl("test-site", "-c", self.config, "no-such-site", check=False)
        self.assertEqual(proc.returncode, 2)

    def test_extract_with_the_draft_matches_gold(self):
        for family, (site, sid, path) in self.drafted.items():
            golds = [g for u, g in sorted(self.gold.items()) if g["site"] == site["id"]
                     and not g.get("robots_disallowed")][:3]
            self.assertTrue(golds, family)
            for g in golds:
                url = re.sub(r"^http://([^/]+)/", r"http://\1:%d/" % self.farm.port, g["url"])
                out = tincrawl("extract", "-c", self.config, "--site", sid, url).stdout
                a = json.loads(out.splitlines()[0])
                self.assertEqual(strip_port(a["url"]), g["url"])
                self.assertEqual(a["title"], g["title"], url)
                self.assertEqual(a["published"], g["published"], url)
                for para in g["body"]:
                    self.assertIn(para, a["body"], url)

    def test_doc_mentions_every_schema_property(self):
        with open(os.path.join(ROOT, "config", "schema", "site.schema.json"), encoding="utf-8") as f:
            schema = json.load(f)
        with open(os.path.join(ROOT, "docs", "adding-a-locality.md"), encoding="utf-8") as f:
            doc = f.read()
        names = set()

        def walk(node):
            if isinstance(node, dict):
                for name, sub in node.get("properties", {}).items():
                    names.add(name)
                    walk(sub)
                for sub in node.get("definitions", {}).values():
                    walk(sub)
        walk(schema)
        self.assertGreater(len(names), 40)
        # A key counts as mentioned as `key` or as the last part of a dotted path (`urls.key`).
        missing = sorted(n for n in names
                         if not re.search(r"`(?:[a-z_]+\.)*%s`" % re.escape(n), doc))
        self.assertEqual(missing, [], "properties missing from docs/adding-a-locality.md")


if __name__ == "__main__":
    unittest.main()
