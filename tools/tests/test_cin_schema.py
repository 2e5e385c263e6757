#!/usr/bin/env python3
"""What safeguard writes as a Children in Need census return validates against the DfE's
published schema (tests/data/cin/xsd, vendored as test data), checked with xmllint (Debian's
libxml2-utils, installed by scripts/setup.sh): the export of every bundled and test return that
imports without findings, of the example, of a generated 1,000-child return (bench/cin_bench
--write) and of generated case files (safeguard generate, then export-cin). The hand-made returns
in tests/data/cin/published are in the published layout as a case management system would write
them; each validates against its year's schema, imports without findings and gives the measures
worked by hand in its .expected file.

One conflict is known and allowed, nothing else: the schema types NumberOfPreviousCPP
xs:positiveInteger (2017 on), so a first plan's 0 does not validate (docs/cin-census.md, "Known
limits")."""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from cli_helpers import SOURCE_DIR, run, scratch_dir  # noqa: E402

CIN_DATA = os.path.join(SOURCE_DIR, "tests", "data", "cin")
XSD_DIR = os.path.join(CIN_DATA, "xsd")
PUBLISHED = os.path.join(CIN_DATA, "published")
EXAMPLE = os.path.join(SOURCE_DIR, "examples", "data", "cin-return.xml")
CIN_BENCH = os.environ.get("SAFEGUARD_CIN_BENCH")

# The one error the published schema gives for what the census means: no previous plan.
KNOWN_CONFLICT = re.compile(
    r"Element 'NumberOfPreviousCPP': '0' is not a valid value of the atomic type "
    r"'xs:positiveInteger'")


def xsd_for_year(year):
    """The vendored schema of a census year (2017-2020 and 2023-2024 are each one file; 2021 is
    2020's with 18B/18C/19B/19C, which 2022's also has)."""
    if year <= 2020:
        return os.path.join(XSD_DIR, "CIN_schema_2020.xsd")
    if year <= 2022:
        return os.path.join(XSD_DIR, "CIN_schema_2022.xsd")
    return os.path.join(XSD_DIR, "CIN_schema_2024.xsd")


CURRENT = xsd_for_year(2024)


def year_of(path):
    with open(path, "rb") as f:
        found = re.search(rb"<Year>\s*(\d{4})\s*</Year>", f.read())
    return int(found.group(1)) if found else 2024


def schema_errors(xsd, path, allow_known=True):
    """xmllint's validity errors for `path`, less the known conflict when allowed."""
    xmllint = shutil.which("xmllint")
    if not xmllint:
        raise AssertionError("xmllint is not installed (Debian's libxml2-utils: scripts/setup.sh)")
    done = subprocess.run([xmllint, "--noout", "--schema", xsd, path], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=300)
    errors = [line for line in done.stderr.splitlines()
              if "validity error" in line or "parser error" in line]
    if allow_known:
        errors = [line for line in errors if not KNOWN_CONFLICT.search(line)]
    if done.returncode != 0 and not errors and not (allow_known and
                                                      KNOWN_CONFLICT.search(done.stderr)):
        errors = [done.stderr.strip() or "xmllint exited %d" % done.returncode]
    return errors


def import_export(work, source, name):
    """import-cin then export-cin (from the case file alone); the export's path and the
    import's standard error."""
    case = os.path.join(work, name + ".json")
    imported = run("import-cin", source, "-o", case)
    if imported.code != 0:
        raise AssertionError("%s: import-cin failed: %s" % (source, imported.errtext()))
    out = os.path.join(work, name + "-export.xml")
    exported = run("export-cin", case, "-o", out)
    if exported.code != 0:
        raise AssertionError("%s: export-cin failed: %s" % (source, exported.errtext()))
    return out, imported.errtext()


def findings(path):
    """The census-rule findings of a return, as import-cin counts them."""
    done = run("import-cin", path, "-o", os.devnull)
    found = re.search(r"(\d+) census-rule findings", done.errtext())
    return (int(found.group(1)) if found else None), done


class SchemaTest(unittest.TestCase):
    def test_the_vendored_schemas_are_the_published_files(self):
        # The README's hashes are the files' (nothing edited them).
        import hashlib
        with open(os.path.join(XSD_DIR, "README.md"), encoding="utf-8") as f:
            readme = f.read()
        for xsd in sorted(glob.glob(os.path.join(XSD_DIR, "*.xsd"))):
            with open(xsd, "rb") as f:
                digest = hashlib.sha256(f.read()).hexdigest()
            self.assertIn(digest, readme, os.path.basename(xsd))

    def test_every_bundled_return_without_findings_exports_a_valid_return(self):
        returns = [EXAMPLE] + sorted(glob.glob(os.path.join(CIN_DATA, "*.xml"))) + \
            sorted(glob.glob(os.path.join(PUBLISHED, "*.xml")))
        exported = 0
        with scratch_dir() as work:
            for n, source in enumerate(returns):
                count, done = findings(source)
                if done.code != 0 or count != 0:
                    continue  # malformed, or with findings: the export need not conform
                with self.subTest(source=os.path.relpath(source, SOURCE_DIR)):
                    out, _ = import_export(work, source, "r%d" % n)
                    self.assertEqual(schema_errors(xsd_for_year(year_of(source)), out), [])
                    exported += 1
        # The example, full.xml and the three hand-made returns at least.
        self.assertGreaterEqual(exported, 5)

    def test_the_hand_made_returns_are_valid_and_measure_as_worked_by_hand(self):
        sources = sorted(glob.glob(os.path.join(PUBLISHED, "*.xml")))
        self.assertGreaterEqual(len(sources), 3)
        for source in sources:
            with self.subTest(source=os.path.basename(source)):
                # Valid as written, against its own year's schema, with nothing allowed.
                self.assertEqual(
                    schema_errors(xsd_for_year(year_of(source)), source, allow_known=False), [])
                count, done = findings(source)
                self.assertEqual(done.code, 0, done.errtext())
                self.assertEqual(count, 0, done.errtext())
                strict = run("import-cin", source, "--strict", "-o", os.devnull)
                self.assertEqual(strict.code, 0, strict.errtext())
                measured = run("cin-measures", source, "--format", "json")
                self.assertEqual(measured.code, 0, measured.errtext())
                got = {row["measure"]: (row["count"], row["denominator"])
                       for row in json.loads(measured.out)["authority"]}
                expected = {}
                with open(source[:-4] + ".expected", encoding="utf-8") as f:
                    for line in f:
                        if line.strip() and not line.startswith("#"):
                            name, count_, denominator = line.split()
                            expected[name] = (int(count_), int(denominator))
                self.assertEqual(got, expected)

    def test_the_export_of_a_hand_made_return_imports_as_the_same_case(self):
        # Read back, the export (UTF-8, booleans as true/false, no comments) is the same case
        # and measures the same as the return as the vendor wrote it.
        with scratch_dir() as work:
            for n, source in enumerate(sorted(glob.glob(os.path.join(PUBLISHED, "*.xml")))):
                with self.subTest(source=os.path.basename(source)):
                    out, _ = import_export(work, source, "p%d" % n)
                    again = os.path.join(work, "p%d-again.json" % n)
                    done = run("import-cin", out, "-o", again)
                    self.assertEqual(done.code, 0, done.errtext())
                    with open(os.path.join(work, "p%d.json" % n), "rb") as f:
                        first = f.read()
                    with open(again, "rb") as f:
                        self.assertEqual(f.read(), first)
                    measured = [run("cin-measures", path, "--format", "csv")
                                for path in (source, out)]
                    self.assertEqual(measured[0].code, 0, measured[0].errtext())
                    self.assertEqual(measured[1].out, measured[0].out)

    def test_the_factors_of_a_published_return_are_imported(self):
        # FactorsIdentifiedAtAssessment: each factor a concern (the earlier reader kept the
        # element as an unknown later_element and imported no factor).
        source = os.path.join(PUBLISHED, "cin-2024-system.xml")
        with scratch_dir() as work:
            case = os.path.join(work, "case.json")
            done = run("import-cin", source, "-o", case)
            self.assertEqual(done.code, 0, done.errtext())
            self.assertNotIn("later_element", done.errtext())
            with open(case, encoding="utf-8") as f:
                concerns = json.load(f)["concerns"]
            ids = sorted(c["id"] for c in concerns)
            self.assertEqual(len(ids), 2, ids)
            self.assertTrue(ids[0].endswith("/16A") and ids[1].endswith("/3A"), ids)
        # The 2020 layout's 18A is a factor in its year.
        with scratch_dir() as work:
            case = os.path.join(work, "case.json")
            done = run("import-cin", os.path.join(PUBLISHED, "cin-2020-layout.xml"), "-o", case)
            self.assertEqual(done.code, 0, done.errtext())
            with open(case, encoding="utf-8") as f:
                categories = sorted(c["category"] for c in json.load(f)["concerns"])
            self.assertEqual(categories, ["mental_health", "physical_injury"])

    def test_the_old_spelling_is_read_with_a_finding_and_never_written(self):
        with open(os.path.join(PUBLISHED, "cin-2024-minimal.xml"), encoding="utf-8") as f:
            text = f.read()
        legacy = text.replace(
            "<ReferralNFA>1</ReferralNFA>",
            "<Assessments><AssessmentActualStartDate>2024-02-12</AssessmentActualStartDate>"
            "<AssessmentAuthorisationDate>2024-02-13</AssessmentAuthorisationDate>"
            "<AssessmentFactorsList><AssessmentFactors>4B</AssessmentFactors>"
            "</AssessmentFactorsList></Assessments><ReferralNFA>0</ReferralNFA>")
        self.assertNotEqual(legacy, text)
        with scratch_dir() as work:
            source = os.path.join(work, "legacy-in.xml")
            with open(source, "w", encoding="utf-8") as f:
                f.write(legacy)
            out, err = import_export(work, source, "legacy")
            self.assertIn("legacy_element", err)
            self.assertIn("AssessmentFactorsList", err)
            with open(out, encoding="utf-8") as f:
                written = f.read()
            self.assertNotIn("AssessmentFactorsList", written)
            self.assertIn("<FactorsIdentifiedAtAssessment>", written)
            self.assertIn("<AssessmentFactors>4B</AssessmentFactors>", written)
            self.assertEqual(schema_errors(CURRENT, out), [])
            strict = run("import-cin", source, "--strict", "-o", os.devnull)
            self.assertNotEqual(strict.code, 0)

    @unittest.skipUnless(CIN_BENCH, "SAFEGUARD_CIN_BENCH is not set (benchmarks not built)")
    def test_a_generated_return_of_1000_children_is_valid(self):
        with scratch_dir() as work:
            written = os.path.join(work, "generated.xml")
            done = subprocess.run([CIN_BENCH, "--children", "1000", "--repeat", "1", "--write",
                                   written], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  timeout=300)
            self.assertEqual(done.returncode, 0, done.stderr)
            self.assertEqual(schema_errors(CURRENT, written), [])
            out, _ = import_export(work, written, "again")
            self.assertEqual(schema_errors(CURRENT, out), [])

    def test_exports_of_generated_case_files_are_valid(self):
        with scratch_dir() as work:
            for seed in ("1", "7"):
                case = os.path.join(work, "case%s.json" % seed)
                done = run("generate", "-n", "300", "--seed", seed, "-o", case, "--no-progress")
                self.assertEqual(done.code, 0, done.errtext())
                out = os.path.join(work, "case%s.xml" % seed)
                exported = run("export-cin", case, "-o", out)
                self.assertEqual(exported.code, 0, exported.errtext())
                with open(out, encoding="utf-8") as f:
                    self.assertIn("<CINdetails>", f.read())
                self.assertEqual(schema_errors(CURRENT, out), [])


if __name__ == "__main__":
    unittest.main()
