#!/usr/bin/env python3
"""safeguard import-cin, export-cin and cin-measures on the bundled example return and the test
returns: the measures worked by hand in tests/unit/test_cin.cpp, a case file the other commands
read, a case file written back as a return, census findings with their place, and the documented
exit codes."""
import csv
import io
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from cli_helpers import SOURCE_DIR, run, scratch_dir  # noqa: E402

EXAMPLE = os.path.join(SOURCE_DIR, "examples", "data", "cin-return.xml")
CIN_DATA = os.path.join(SOURCE_DIR, "tests", "data", "cin")

# (count, denominator) per measure for the example return, as tests/unit/test_cin.cpp works them out.
EXPECTED = {
    "assessments_within_45_days": (2, 3),
    "conferences_within_15_days": (1, 2),
    "reviews_within_timescale": (1, 2),
    "rereferrals_within_12_months": (1, 6),
    "second_or_subsequent_plans": (1, 2),
    "plans_two_years_or_more": (1, 1),
}


class CinTest(unittest.TestCase):
    def test_measures_json(self):
        done = run("cin-measures", EXAMPLE, "--format", "json")
        self.assertEqual(done.code, 0, done.errtext())
        result = json.loads(done.out)
        self.assertEqual(result["period_start"], "2024-04-01")
        self.assertEqual(result["period_end"], "2025-03-31")
        got = {row["measure"]: (row["count"], row["denominator"]) for row in result["authority"]}
        self.assertEqual(got, EXPECTED)
        self.assertEqual(len(result["children"]), 6)

    def test_measures_csv_and_table(self):
        done = run("cin-measures", EXAMPLE, "--format", "csv")
        self.assertEqual(done.code, 0, done.errtext())
        rows = list(csv.DictReader(io.StringIO(done.text())))
        self.assertEqual({r["measure"]: (int(r["count"]), int(r["denominator"])) for r in rows},
                         EXPECTED)
        per_child = run("cin-measures", EXAMPLE, "--format", "csv", "--per-child")
        children = list(csv.DictReader(io.StringIO(per_child.text())))
        self.assertEqual([c["child"] for c in children][:2], ["P-EXM-C1", "P-EXM-C2"])
        self.assertEqual(children[2]["rereferrals_within_12_months_count"], "1")
        table = run("cin-measures", EXAMPLE)
        self.assertEqual(table.code, 0, table.errtext())
        self.assertIn("census period 2024-04-01 to 2025-03-31", table.text())
        self.assertIn("16.7%", table.text())

    def test_import_gives_a_case_file_the_program_assesses(self):
        with scratch_dir() as work:
            case = os.path.join(work, "case.json")
            done = run("import-cin", EXAMPLE, "-o", case)
            self.assertEqual(done.code, 0, done.errtext())
            self.assertIn("6 children", done.errtext())
            # Factors with no default-pack category are reported, not dropped.
            self.assertIn("unmatched_factor", done.errtext())
            with open(case, encoding="utf-8") as f:
                persons = {p["id"]: p for p in json.load(f)["persons"]}
            # Sex and ethnicity are the persons' group attributes (no rule can read them).
            self.assertEqual(persons["P-EXM-C1"]["attributes"],
                             ["GenderCurrent=2", "Ethnicity=WBRI"])
            assessed = run("assess", case, "--as-of", "2025-03-31", "--format", "json")
            self.assertEqual(assessed.code, 0, assessed.errtext())
            self.assertEqual(len(json.loads(assessed.out)["children"]), 6)
            timeline = run("timeline", case, "--as-of", "2025-03-31", "--child", "P-EXM-C5")
            self.assertEqual(timeline.code, 0, timeline.errtext())

    def test_timeline_shows_what_the_census_never_records_as_not_recorded(self):
        # The census holds no referral decision (other than no further action) and no core
        # group: an imported case shows them "not recorded in the source", never OVERDUE; the
        # same events without the import's record_source declaration show them OVERDUE.
        with scratch_dir() as work:
            case = os.path.join(work, "case.json")
            done = run("import-cin", EXAMPLE, "-o", case)
            self.assertEqual(done.code, 0, done.errtext())
            args = ("--as-of", "2025-03-31", "--child", "P-EXM-C1")
            timeline = run("timeline", case, *args, "--format", "json")
            self.assertEqual(timeline.code, 0, timeline.errtext())
            steps = {s["step"]: s for s in json.loads(timeline.out)["children"][0]["steps"]}
            decision = steps["referral_decision"]
            self.assertEqual(decision["status"], "not_recorded")
            self.assertEqual(decision["status_text"],
                             "not recorded in the source (Children in Need census)")
            self.assertEqual(decision["working_days"], 0)
            self.assertIsNone(decision["done_by"])
            self.assertEqual(steps["core_group"]["status"], "not_recorded")
            self.assertNotIn("overdue", {s["status"] for s in steps.values()})
            rows = list(csv.DictReader(io.StringIO(
                run("timeline", case, *args, "--format", "csv").text())))
            self.assertEqual({r["step"]: r["status"] for r in rows}["referral_decision"],
                             "not_recorded")
            table = run("timeline", case, *args).text()
            self.assertIn("not recorded in the source (Children in Need census)", table)
            self.assertNotIn("OVERDUE", table)

            with open(case, encoding="utf-8") as f:
                data = json.load(f)
            data["events"] = [e for e in data["events"] if e["kind"] != "record_source"]
            del data["checksum"]  # edited: the file's checksum no longer holds
            by_hand = os.path.join(work, "by-hand.json")
            with open(by_hand, "w", encoding="utf-8") as f:
                json.dump(data, f)
            hand = run("timeline", by_hand, *args, "--format", "json")
            self.assertEqual(hand.code, 0, hand.errtext())
            steps = {s["step"]: s for s in json.loads(hand.out)["children"][0]["steps"]}
            self.assertEqual(steps["referral_decision"]["status"], "overdue")
            self.assertEqual(steps["core_group"]["status"], "overdue")
            self.assertIn("OVERDUE", run("timeline", by_hand, *args).text())

    def test_store_import_takes_a_census_return(self):
        with scratch_dir() as work:
            store = os.path.join(work, "census.store")
            done = run("store", "import", store, EXAMPLE, "--recorded-at", "2025-05-06T10:15:00Z",
                       "--author", "analyst-3", "--source-system", "cin-census-2025")
            self.assertEqual(done.code, 0, done.errtext())
            self.assertIn("unmatched_factor", done.errtext())
            exported = run("store", "export", store, "--as-of", "2025-03-31")
            self.assertEqual(exported.code, 0, exported.errtext())
            case = json.loads(exported.out)
            self.assertEqual(sorted(p["id"] for p in case["persons"]),
                             ["P-EXM-C%d" % n for n in range(1, 7)])
            # The store keeps the return's own items: its export writes the return back alone.
            self.assertIn("Ethnicity=WBRI", exported.text())
            kept = os.path.join(work, "kept.json")
            with open(kept, "w", encoding="utf-8") as f:
                f.write(exported.text())
            written = run("export-cin", kept)
            self.assertEqual(written.code, 0, written.errtext())
            self.assertEqual(written.text(), run("export-cin", kept, "--details", EXAMPLE).text())
            # The next year's return restates the same children: applied as upserts, never
            # refused as duplicates, and nothing doubled.
            again = run("store", "import", store, EXAMPLE, "--recorded-at", "2026-05-06T10:15:00Z",
                        "--author", "analyst-3", "--source-system", "cin-census-2026")
            self.assertEqual(again.code, 0, again.errtext())
            self.assertIn("as revision 2", again.errtext())
            restated = json.loads(run("store", "export", store, "--as-of", "2025-03-31").out)
            self.assertEqual(restated, case)

    def test_findings_are_reported_with_place_and_child(self):
        findings = os.path.join(CIN_DATA, "findings.xml")
        done = run("import-cin", findings, "-o", os.devnull)
        self.assertEqual(done.code, 0, done.errtext())
        self.assertIn("findings.xml:46:9: child 'P-BAD-C2': date_order: CPPendDate is before "
                      "CPPstartDate", done.errtext())
        self.assertIn("duplicate_child", done.errtext())
        strict = run("import-cin", findings, "--strict", "-o", os.devnull)
        self.assertEqual(strict.code, 4)
        self.assertIn("P-BAD-C1", strict.errtext())

    def test_export_gives_the_return_back(self):
        with scratch_dir() as work:
            case = os.path.join(work, "case.json")
            self.assertEqual(run("import-cin", EXAMPLE, "-o", case).code, 0)
            written = os.path.join(work, "out.xml")
            done = run("export-cin", case, "--details", EXAMPLE, "-o", written)
            self.assertEqual(done.code, 0, done.errtext())
            self.assertIn("6 children written for a reader cleared for none", done.errtext())
            # The case file keeps the return's own items: without --details, the same bytes.
            alone = run("export-cin", case)
            self.assertEqual(alone.code, 0, alone.errtext())
            with open(written, encoding="utf-8") as f:
                self.assertEqual(alone.text(), f.read())
            self.assertIn("<UPN>", alone.text())
            self.assertIn("<Ethnicity>", alone.text())
            # The written return passes the census rules (strict) and imports as the same case.
            again = os.path.join(work, "again.json")
            strict = run("import-cin", written, "--strict", "-o", again)
            self.assertEqual(strict.code, 0, strict.errtext())
            with open(case, encoding="utf-8") as a, open(again, encoding="utf-8") as b:
                self.assertEqual(json.load(a), json.load(b))
            # It gives the same measures as the return it came from.
            self.assertEqual(run("cin-measures", written, "--format", "json").out,
                             run("cin-measures", EXAMPLE, "--format", "json").out)
            # Validated against the DfE's published schema: test_cin_schema.py.
            # A period, for a reader cleared for the police only.
            period = run("export-cin", case, "--details", EXAMPLE, "--from", "2024-10-01",
                         "--to", "2024-12-31", "--viewer", "police")
            self.assertEqual(period.code, 0, period.errtext())
            self.assertIn("<ReferenceDate>2024-12-31</ReferenceDate>", period.text())
            self.assertNotIn("<CPPreviewDate>2025-", period.text())
            self.assertIn("cleared for police", period.errtext())

    def test_export_exit_codes(self):
        with scratch_dir() as work:
            case = os.path.join(work, "case.json")
            self.assertEqual(run("import-cin", EXAMPLE, "-o", case).code, 0)
            self.assertEqual(run("export-cin", case, "--to", "2025-02-30").code, 2)
            self.assertEqual(run("export-cin", case, "--from", "2025-03-31", "--to",
                                 "2024-04-01").code, 2)
            bad = run("export-cin", case, "--details", os.path.join(CIN_DATA, "bad_date.xml"))
            self.assertEqual(bad.code, 4)
            self.assertIn("bad_date.xml:106:9", bad.errtext())
            self.assertEqual(run("export-cin", os.path.join(work, "none.json")).code, 3)

    def test_exit_codes(self):
        bad_date = run("cin-measures", os.path.join(CIN_DATA, "bad_date.xml"))
        self.assertEqual(bad_date.code, 4)
        self.assertIn("bad_date.xml:106:9: entity 'P-CIN-C3'", bad_date.errtext())
        missing = run("cin-measures", os.path.join(CIN_DATA, "no-such-return.xml"))
        self.assertEqual(missing.code, 3)
        usage = run("cin-measures", EXAMPLE, "--format", "yaml")
        self.assertEqual(usage.code, 2)


if __name__ == "__main__":
    unittest.main()
