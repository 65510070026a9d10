"""End to end (issue 14): steady state with the behaviours of test_published_urls.py on; the
short version of bench/steady_state.py (tests/e2e/steady.py has the machinery and its notes).

The daemon crawls the farm until its initial gold set is stored, then every site publishes one
article every SITE_EVERY seconds for PUBLISH seconds. Checked: every new article is stored, each
fetched within listing_max_seconds plus a fetch margin of its publication, and the farm saw at
most 3 requests per new article from the end of the backfill until the last new article was
stored (listing recrawls, feeds, sitemaps, robots.txt, conditional GETs, 429s and redirects
included)."""
import os
import sys
import unittest

import steady

PUBLISH = float(os.environ.get("TINCRAWL_STEADY_SECONDS", "60"))
SITE_EVERY = 6.0
LISTING_MIN, LISTING_MAX = 30.0, 120.0


class SteadyStateTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.steady = steady.Steady(duration=PUBLISH, site_every=SITE_EVERY,
                                listing_min=LISTING_MIN, listing_max=LISTING_MAX,
                                articles=10).run()
        cls.f = cls.steady.figures()
        print("\n" + cls.steady.report(), file=sys.stderr)

    def test_daemon_stopped_cleanly(self):
        self.assertEqual(self.steady.exit_code, 0, self.steady.stderr[-2000:])

    def test_the_farm_published(self):
        self.assertGreaterEqual(self.f["published"], PUBLISH / SITE_EVERY * 12 * 0.8)

    def test_every_new_article_stored_within_the_listing_interval(self):
        self.assertEqual(self.f["missing"], [])
        self.assertEqual(self.f["late"], [], "fetched later than %g s after publication"
                         % self.steady.bound)

    def test_no_robots_disallowed_path_requested(self):
        self.assertEqual(steady.P.disallowed_requests(self.steady.log, self.steady.sites), [])

    def test_at_most_three_requests_per_new_article(self):
        self.assertLessEqual(self.f["per_article"], 3.0, dict(self.f["kinds"]))


if __name__ == "__main__":
    unittest.main()
