"""End to end: the farm crawled with the generic extractor only. Every site file loses its
`cms:` line, so no preset helps; each CMS family must still be covered completely, with the
gold titles and dates, and no listing or home page may be exported as an article."""
import collections
import glob
import os
import re
import unittest

from farmfix import Farm, export, strip_port, tincrawl


class GenericFarmTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.farm = Farm(seed=5)
        cls.gold = cls.farm.gold()
        cls.config = cls.farm.config(name="generic")
        sites = glob.glob(os.path.join(os.path.dirname(cls.config), "**", "*.yaml"),
                          recursive=True)
        cls.stripped = 0
        for path in sites:
            with open(path, encoding="utf-8") as f:
                text = f.read()
            generic = re.sub(r"(?m)^cms:.*\n", "", text)
            cls.stripped += generic != text
            with open(path, "w", encoding="utf-8") as f:
                f.write(generic)
        tincrawl("crawl", "-c", cls.config, timeout=300)
        cls.articles = {strip_port(a["url"]): a for a in export(cls.config)}

    @classmethod
    def tearDownClass(cls):
        cls.farm.stop()

    def allowed(self):
        return {u: g for u, g in self.gold.items() if not g.get("robots_disallowed")}

    def test_site_files_have_no_cms_preset(self):
        self.assertEqual(self.stripped, len(self.farm.manifest["sites"]))

    def test_every_family_is_fully_covered(self):
        wanted = collections.Counter()
        stored = collections.Counter()
        for url, g in self.allowed().items():
            wanted[g["family"]] += 1
            stored[g["family"]] += url in self.articles
        self.assertGreaterEqual(len(wanted), 5, "every CMS family of the farm")
        coverage = {f: "%d/%d" % (stored[f], n) for f, n in wanted.items()}
        self.assertEqual(stored, wanted, "coverage by family: %s" % coverage)

    def test_titles_and_dates_match_gold(self):
        for url, g in self.allowed().items():
            a = self.articles.get(url)
            if a is None:
                continue
            self.assertEqual(a["title"], g["title"], url)
            self.assertEqual(a["published"], g["published"], url)

    def test_no_non_article_is_exported(self):
        extra = sorted(u for u in self.articles if u not in self.gold)
        self.assertEqual(extra, [], "%d non-articles exported" % len(extra))


if __name__ == "__main__":
    unittest.main()
