"""The JSON Schema for site files and tincrawl's loader must agree.

Runs with Debian's python3 (python3-yaml, python3-jsonschema; no PyPI). Checks:
- every shipped site file (config/sites/**.yaml) satisfies config/schema/site.schema.json;
- for each example under tests/fixtures/config/schema/{valid,invalid}/, the schema and
  `tincrawl check-config` give the same verdict, and it is the one the folder names.
"""
import glob
import json
import os
import subprocess
import tempfile
import unittest

import jsonschema
import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SCHEMA = os.path.join(ROOT, "config", "schema", "site.schema.json")
EXAMPLES = os.path.join(ROOT, "tests", "fixtures", "config", "schema")
BINARY = os.environ.get("TINCRAWL_BINARY", os.path.join(ROOT, "build", "dev", "crawler", "tincrawl"))


def load_schema():
    with open(SCHEMA, encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def loader_accepts(site_file):
    """Runs check-config on a throwaway daemon config whose only site is `site_file`."""
    with tempfile.TemporaryDirectory() as tmp:
        conf = os.path.join(tmp, "tincrawl.yaml")
        with open(conf, "w", encoding="utf-8") as f:
            f.write("state_dir: state\nsites: %s\nmetrics: {enabled: false}\n" % json.dumps(site_file))
        proc = subprocess.run([BINARY, "check-config", "-c", conf], capture_output=True,
                              text=True, timeout=60)
        if proc.returncode not in (0, 2):
            raise AssertionError("check-config crashed (%d): %s" % (proc.returncode, proc.stderr))
        return proc.returncode == 0, proc.stderr


class SchemaTest(unittest.TestCase):
    def setUp(self):
        self.validator = load_schema()

    def schema_errors(self, path):
        with open(path, encoding="utf-8") as f:
            doc = yaml.safe_load(f)
        return [e.message for e in self.validator.iter_errors(doc)]

    def test_shipped_site_files_satisfy_schema(self):
        files = glob.glob(os.path.join(ROOT, "config", "sites", "**", "*.yaml"), recursive=True)
        self.assertTrue(files, "no shipped site files found")
        for path in files:
            with self.subTest(site=os.path.relpath(path, ROOT)):
                self.assertEqual(self.schema_errors(path), [])

    def test_schema_and_loader_agree_on_examples(self):
        seen = 0
        for verdict in ("valid", "invalid"):
            for path in sorted(glob.glob(os.path.join(EXAMPLES, verdict, "*.yaml"))):
                seen += 1
                with self.subTest(example=verdict + "/" + os.path.basename(path)):
                    schema_ok = not self.schema_errors(path)
                    loader_ok, stderr = loader_accepts(path)
                    self.assertEqual(schema_ok, verdict == "valid", self.schema_errors(path))
                    self.assertEqual(loader_ok, verdict == "valid", stderr)
        self.assertGreaterEqual(seen, 10)


if __name__ == "__main__":
    unittest.main()
