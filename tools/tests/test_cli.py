"""Behaviour of the safeguard command-line program: exit codes, table/JSON/CSV output, help
texts, viewers, ecomaps, reports and the generator. Run by CTest, one test class per CTest test:
    /usr/bin/python3 test_cli.py AssessTest
"""
import csv
import io
import json
import os
import pty
import select
import shutil
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ElementTree

sys.path.insert(0, os.path.dirname(__file__))
from cli_helpers import (DEFAULT_PACK, FAMILIES, OAK, SAFEGUARD, SOURCE_DIR, run,  # noqa: E402
                         scratch_dir)

TIMELINE = os.path.join(SOURCE_DIR, "examples", "data", "timeline.json")
PEERS = os.path.join(SOURCE_DIR, "examples", "data", "peer_network.json")

AS_OF = ["--as-of", "2026-11-01"]


class HelpTest(unittest.TestCase):
    # Every option each subcommand accepts; the help must mention every one.
    OPTIONS = {
        "assess": ["--rules", "--as-of", "--threads", "--format", "--output", "--no-progress"],
        "explain": ["--child", "--rules", "--as-of", "--viewer", "--format", "--output",
                    "--no-progress"],
        "timeline": ["--child", "--rules", "--as-of", "--format", "--output", "--overdue",
                     "--process"],
        "lint": ["--format"],
        "ecomap": ["--child", "--rules", "--as-of", "--viewer", "--format", "--output",
                   "--layout", "--all-evidence"],
        "report": ["--child", "--rules", "--as-of", "--viewer", "--output", "--no-ecomap"],
        "generate": ["--children", "--seed", "--as-of", "--output", "--no-progress"],
        "joined": ["--rules", "--as-of", "--viewer", "--threads", "--format", "--top",
                   "--exact-up-to", "--output", "--no-progress"],
        "training": ["--output", "--rules", "--seed", "--difficulty", "--scenarios", "--as-of"],
    }

    def test_top_level_help_lists_commands_and_exit_codes(self):
        result = run("--help")
        self.assertEqual(result.code, 0)
        text = result.text()
        for command in self.OPTIONS:
            self.assertIn(command, text)
        for code in range(0, 9):
            self.assertRegex(text, r"\n  %d  " % code)

    def test_each_command_help_mentions_each_option(self):
        for command, options in self.OPTIONS.items():
            with self.subTest(command=command):
                result = run(command, "--help")
                self.assertEqual(result.code, 0)
                text = result.text()
                for option in options:
                    self.assertIn(option, text)

    def test_no_command_is_a_usage_error(self):
        self.assertEqual(run().code, 2)

    def test_version(self):
        result = run("--version")
        self.assertEqual(result.code, 0)
        self.assertRegex(result.text(), r"^\d+\.\d+\.\d+")


class ExitCodeTest(unittest.TestCase):
    def test_unknown_option_is_usage_error(self):
        self.assertEqual(run("assess", FAMILIES, "--no-such-option").code, 2)

    def test_missing_case_file_argument_is_usage_error(self):
        self.assertEqual(run("assess").code, 2)

    def test_malformed_as_of_is_usage_error_naming_the_problem(self):
        result = run("assess", FAMILIES, "--as-of", "2026-02-30")
        self.assertEqual(result.code, 2)
        self.assertIn("2026-02-30", result.errtext())

    def test_unreadable_case_file(self):
        result = run("assess", "/nonexistent/case.json")
        self.assertEqual(result.code, 3)
        self.assertIn("/nonexistent/case.json", result.errtext())

    def test_invalid_case_file_names_line_and_column(self):
        with scratch_dir() as tmp:
            path = os.path.join(tmp, "bad.json")
            with open(path, "w") as f:
                f.write('{"schema_version": 1,\n "persons": [{"id": "P-1", "kind": "robot"}]}\n')
            result = run("assess", path, *AS_OF)
            self.assertEqual(result.code, 4)
            self.assertRegex(result.errtext(), r"bad\.json:2:\d+")

    def test_invalid_rule_pack_names_line_and_column(self):
        with scratch_dir() as tmp:
            path = os.path.join(tmp, "bad.toml")
            with open(DEFAULT_PACK) as f:
                text = f.read()
            with open(path, "w") as f:
                f.write(text.replace('points = "concern.severity * 2"',
                                     'points = "concern.severty * 2"', 1))
            result = run("assess", FAMILIES, "--rules", path, *AS_OF)
            self.assertEqual(result.code, 5)
            self.assertRegex(result.errtext(), r"bad\.toml:\d+:\d+")

    def test_unknown_pack_name(self):
        result = run("assess", FAMILIES, "--rules", "no-such-pack")
        self.assertEqual(result.code, 3)
        self.assertIn("bundled", result.errtext())

    def test_unknown_child(self):
        result = run("explain", FAMILIES, "--child", "P-NOBODY", *AS_OF)
        self.assertEqual(result.code, 7)
        self.assertIn("P-NOBODY", result.errtext())

    def test_ambiguous_child_is_usage_error(self):
        self.assertEqual(run("report", FAMILIES, *AS_OF, "--no-ecomap").code, 2)

    def test_svg_without_graphviz(self):
        with scratch_dir() as tmp:
            # A PATH with no `dot` on it.
            env = dict(os.environ, PATH=tmp)
            result = run("ecomap", FAMILIES, "--child", "P-ASH-C1", "--format", "svg", *AS_OF,
                         env=env)
            self.assertEqual(result.code, 8)
            self.assertIn("Graphviz", result.errtext())

    def test_huge_pages_choice_must_be_auto_on_or_off(self):
        env = dict(os.environ, SAFEGUARD_HUGE_PAGES="sometimes")
        result = run("assess", FAMILIES, *AS_OF, env=env)
        self.assertEqual(result.code, 2)
        self.assertIn("SAFEGUARD_HUGE_PAGES must be 'auto', 'on' or 'off'", result.errtext())

    def test_huge_pages_off_on_or_auto_give_the_same_results(self):
        outputs = []
        for choice in ("off", "auto", "", "on"):
            env = dict(os.environ, SAFEGUARD_HUGE_PAGES=choice)
            result = run("assess", FAMILIES, *AS_OF, "--format", "csv", env=env)
            self.assertEqual(result.code, 0, result.errtext())
            outputs.append(result.text())
        self.assertTrue(outputs[0])
        self.assertEqual(outputs[0], outputs[1])
        self.assertEqual(outputs[0], outputs[2])
        self.assertEqual(outputs[0], outputs[3])


class AssessTest(unittest.TestCase):
    def assess_json(self, *extra):
        result = run("assess", FAMILIES, "--format", "json", *extra)
        self.assertEqual(result.code, 0, result.errtext())
        return json.loads(result.text())

    def test_table(self):
        result = run("assess", FAMILIES, *AS_OF)
        self.assertEqual(result.code, 0)
        text = result.text()
        self.assertRegex(text, r"P-ASH-C1\s+child_in_need\s+safe\s+12\.24")
        self.assertRegex(text, r"P-BIR-C1\s+universal")
        self.assertIn("as of 2026-11-01", text)
        self.assertRegex(text, r"safeguard-default \d+\.\d+\.\d+")

    def test_the_readme_quotes_what_assess_prints(self):
        # The README's first command prints this table (scripts/run-example.sh); a pack change
        # that moves a score, its version or its hash must update the README too.
        with open(os.path.join(SOURCE_DIR, "README.md"), encoding="utf-8") as readme:
            text = readme.read()
        start = text.index("3 children in examples/data/families.json")
        quoted = text[start:text.index("\nwhy: ", start)]
        printed = subprocess.run([SAFEGUARD, "assess", "examples/data/families.json", *AS_OF],
                                 cwd=SOURCE_DIR, capture_output=True, text=True, timeout=120)
        self.assertEqual(printed.returncode, 0, printed.stderr)
        self.assertEqual(printed.stdout[:printed.stdout.index("\nwhy: ")], quoted)

    def test_case_file_size_limit_is_a_setting(self):
        size = os.path.getsize(FAMILIES)
        # At the file's size it loads; a byte less and it is refused before it is read.
        fits = run("assess", FAMILIES, *AS_OF, "--format", "json", "--max-case-bytes", str(size))
        self.assertEqual(fits.code, 0, fits.errtext())
        small = run("assess", FAMILIES, *AS_OF, "--max-case-bytes", str(size - 1))
        self.assertEqual(small.code, 4, small.errtext())
        self.assertIn(FAMILIES, small.errtext())
        self.assertIn("larger than %d bytes" % (size - 1), small.errtext())
        # Units as in 2K, 16G (factors of 1024).
        kib = run("assess", FAMILIES, *AS_OF, "--max-case-bytes", "2K")
        self.assertEqual(kib.code, 4, kib.errtext())
        self.assertIn("larger than 2048 bytes", kib.errtext())
        big = run("assess", FAMILIES, *AS_OF, "--format", "json", "--max-case-bytes", "16G")
        self.assertEqual(big.code, 0, big.errtext())
        self.assertEqual(json.loads(big.out)["children"], json.loads(fits.out)["children"])
        # Standard input is read no further than the limit (and one byte more, to know).
        with open(FAMILIES, "rb") as f:
            data = f.read()
        piped = run("assess", "-", *AS_OF, "--max-case-bytes", "1K", stdin=data * 1000)
        self.assertEqual(piped.code, 4, piped.errtext())
        self.assertIn("<stdin>", piped.errtext())
        self.assertIn("larger than 1024 bytes", piped.errtext())
        piped_fits = run("assess", "-", *AS_OF, "--format", "json", "--max-case-bytes",
                         str(size), stdin=data)
        self.assertEqual(piped_fits.code, 0, piped_fits.errtext())
        for bad in ("0", "lots", "-5"):
            refused = run("assess", FAMILIES, *AS_OF, "--max-case-bytes=" + bad)
            self.assertEqual(refused.code, 2, refused.errtext())
            self.assertIn("--max-case-bytes", refused.errtext())

    def test_json(self):
        data = self.assess_json(*AS_OF)
        self.assertEqual(data["as_of"], "2026-11-01")
        self.assertEqual(data["as_of_source"], "option")
        self.assertEqual(len(data["pack"]["hash"]), 64)
        children = {c["child"]: c for c in data["children"]}
        self.assertEqual(set(children), {"P-ASH-C1", "P-ASH-C2", "P-BIR-C1"})
        ash = children["P-ASH-C1"]
        self.assertEqual(ash["level"], "child_in_need")
        self.assertAlmostEqual(ash["total"], sum(ash["scores"].values()) + ash["withheld"],
                               places=9)
        self.assertEqual(ash["policy_overrides"], [])

    def test_scores_are_as_the_reader_may_attribute_them(self):
        # C-ASH-3, the police call-out, is restricted and the only domestic-abuse evidence: a
        # reader not cleared for it sees its points counted (total, level) but in no index, or
        # the domestic_abuse column would say what kind of worry the police hold.
        uncleared = {c["child"]: c for c in self.assess_json(*AS_OF)["children"]}
        police = {c["child"]: c for c in self.assess_json(*AS_OF, "--viewer", "police")["children"]}
        everyone = {c["child"]: c for c in self.assess_json(*AS_OF, "--viewer", "*")["children"]}
        for child_id in ("P-ASH-C1", "P-ASH-C2"):
            hidden, shown = uncleared[child_id], police[child_id]
            self.assertEqual(hidden["scores"]["domestic_abuse"], 0.0)
            self.assertEqual(hidden["index_levels"]["domestic_abuse"], "universal")
            self.assertGreater(shown["scores"]["domestic_abuse"], 3.9)
            self.assertEqual(hidden["withheld"], shown["scores"]["domestic_abuse"])
            self.assertEqual(shown["withheld"], 0.0)
            # The total and the level count everything, for every reader.
            self.assertEqual(hidden["total"], shown["total"])
            self.assertEqual(hidden["level"], shown["level"])
            self.assertEqual(shown, everyone[child_id])
        # A child with nothing restricted reads the same whoever reads it.
        self.assertEqual(uncleared["P-BIR-C1"], police["P-BIR-C1"])
        table = run("assess", FAMILIES, *AS_OF).text()
        self.assertRegex(table, r"P-ASH-C1\s+child_in_need\s+safe\s+12\.24\s+0\.00\s+8\.26\s+"
                                r"0\.00\s+0\.00\s+3\.98\s")
        cleared = run("assess", FAMILIES, *AS_OF, "--viewer", "police").text()
        self.assertRegex(cleared, r"P-ASH-C1\s+child_in_need\s+safe\s+12\.24\s+0\.00\s+8\.26\s+"
                                  r"3\.98\s+0\.00\s+-\s")
        rows = {r["child"]: r for r in csv.DictReader(io.StringIO(
            run("assess", FAMILIES, "--format", "csv", *AS_OF).text()))}
        self.assertEqual(float(rows["P-ASH-C1"]["domestic_abuse"]), 0.0)
        self.assertAlmostEqual(float(rows["P-ASH-C1"]["withheld"]),
                               police["P-ASH-C1"]["scores"]["domestic_abuse"], places=5)

    def test_csv_matches_json(self):
        data = self.assess_json(*AS_OF)
        result = run("assess", FAMILIES, "--format", "csv", *AS_OF)
        self.assertEqual(result.code, 0)
        rows = list(csv.DictReader(io.StringIO(result.text())))
        self.assertEqual(len(rows), len(data["children"]))
        for row, child in zip(rows, data["children"]):
            self.assertEqual(row["child"], child["child"])
            self.assertEqual(row["level"], child["level"])
            self.assertAlmostEqual(float(row["total"]), child["total"], places=5)
            for index, score in child["scores"].items():
                self.assertAlmostEqual(float(row[index]), score, places=5)
            self.assertAlmostEqual(float(row["withheld"]), child["withheld"], places=5)
            self.assertEqual(row["pack_hash"], data["pack"]["hash"])

    def test_csv_numbers_are_printfs_to_the_byte_across_the_write_buffer(self):
        # The CSV is written a megabyte at a time with std::to_chars (tools/cmd_assess.cpp,
        # tools/output.cpp): every number must read as printf's "%.6f" of the JSON's value
        # ("-0.000000" as "0.000000"), and a file must hold what standard output gets, over
        # more than one buffer.
        def six(value):
            text = "%.6f" % value
            return "0.000000" if text == "-0.000000" else text

        with scratch_dir() as tmp:
            case = os.path.join(tmp, "case.json")
            self.assertEqual(run("generate", "--children", "8000", "--seed", "5", "--output",
                                 case, "--no-progress").code, 0)
            out = os.path.join(tmp, "out.csv")
            to_file = run("assess", case, "--format", "csv", *AS_OF, "--viewer", "police",
                          "-o", out)
            self.assertEqual(to_file.code, 0, to_file.errtext())
            to_stdout = run("assess", case, "--format", "csv", *AS_OF, "--viewer", "police")
            with open(out, "rb") as f:
                written = f.read()
            self.assertEqual(written, to_stdout.out)
            self.assertGreater(len(written), 1 << 20)
            data = json.loads(run("assess", case, "--format", "json", *AS_OF, "--viewer",
                                  "police").text())
        lines = written.decode("utf-8").split("\n")
        self.assertEqual(lines[-1], "")
        header = lines[0].split(",")
        rows = list(csv.DictReader(io.StringIO(written.decode("utf-8"))))
        self.assertEqual(len(rows), len(data["children"]))
        for row, child in zip(rows, data["children"]):
            self.assertEqual(row["child"], child["child"])
            self.assertEqual(row["level"], child["level"])
            self.assertEqual(row["score_level"], child["score_level"])
            self.assertEqual(row["total"], six(child["total"]))
            for index, score in child["scores"].items():
                self.assertEqual(row[index], six(score))
            self.assertEqual(row["withheld"], six(child["withheld"]))
            self.assertEqual(row["immediate_safety"], "true" if child["immediate_safety"]
                             else "false")
            self.assertEqual(row["policy_overrides"], ";".join(child["policy_overrides"]))
            self.assertEqual(row["as_of"], data["as_of"])
            self.assertEqual(row["pack_hash"], data["pack"]["hash"])
        self.assertEqual(header[-2:], ["as_of", "pack_hash"])

    def test_default_as_of_is_latest_evidence_never_the_clock(self):
        data = self.assess_json()
        # C-ASH-1's recorded date. C-ASH-3 (recorded 2026-10-30) is later but restricted: its
        # date never sets the default, or the heading would tell any reader when it was made.
        self.assertEqual(data["as_of"], "2026-10-05")
        self.assertEqual(data["as_of_source"], "latest_evidence")
        table = run("assess", FAMILIES).text()
        self.assertIn("latest evidence date", table)
        self.assertNotIn("2026-10-30", table)
        report = run("report", FAMILIES, "--child", "P-ASH-C1", "--no-ecomap")
        self.assertEqual(report.code, 0)
        self.assertIn("2026-10-05", report.text())
        self.assertNotIn("2026-10-30", report.text())

    def test_bundled_pack_equals_the_file(self):
        bundled = self.assess_json(*AS_OF)
        from_file = self.assess_json(*AS_OF, "--rules", DEFAULT_PACK)
        self.assertEqual(bundled["pack"]["hash"], from_file["pack"]["hash"])
        self.assertEqual(bundled["children"], from_file["children"])
        self.assertIn("bundled", bundled["pack"]["origin"])

    def test_threads_do_not_change_results(self):
        one = run("assess", OAK, "--format", "csv", *AS_OF, "--threads", "1").out
        two = run("assess", OAK, "--format", "csv", *AS_OF, "--threads", "2").out
        self.assertEqual(one, two)

    def test_policy_override_and_immediate_safety(self):
        result = run("assess", OAK, "--format", "json", *AS_OF)
        children = {c["child"]: c for c in json.loads(result.text())["children"]}
        baby = children["P-OAK-C8"]
        self.assertEqual(baby["policy_overrides"], ["baby-serious-injury"])
        self.assertTrue(baby["immediate_safety"])
        self.assertEqual(baby["level"], "child_protection")
        self.assertNotEqual(baby["score_level"], "child_protection")

    def test_output_file(self):
        with scratch_dir() as tmp:
            path = os.path.join(tmp, "out.json")
            result = run("assess", FAMILIES, "--format", "json", "-o", path, *AS_OF)
            self.assertEqual(result.code, 0)
            self.assertEqual(result.out, b"")
            with open(path) as f:
                self.assertEqual(len(json.load(f)["children"]), 3)

    def test_unwritable_output(self):
        self.assertEqual(run("assess", FAMILIES, "-o", "/nonexistent/dir/out.txt").code, 3)


class VocabularyTest(unittest.TestCase):
    """Issue 17: a misspelt category in a case file is reported on load, not silently scored 0."""

    CASE = {
        "schema_version": 1,
        "agencies": [{"id": "AG-SCH-01", "type": "school"},
                     {"id": "AG-POL-01", "type": "police"}],
        "households": [{"id": "HH-VOC"}],
        "persons": [{"id": "P-VOC-C1", "kind": "child", "dob": "2016-02-02",
                     "household": "HH-VOC"}],
        "concerns": [
            {"id": "C-VOC-1", "category": "school_attendence", "severity": 3,
             "recorded": "2026-10-01", "status": "open", "source": "AG-SCH-01",
             "about": ["P-VOC-C1"]},
            {"id": "C-VOC-2", "category": "school_attendence", "severity": 3,
             "recorded": "2026-10-02", "status": "open", "source": "AG-SCH-01",
             "about": ["P-VOC-C1"]},
            {"id": "C-VOC-3", "category": "sexual_abuse_disclosur", "severity": 4,
             "recorded": "2026-10-03", "status": "open", "source": "AG-POL-01",
             "about": ["P-VOC-C1"], "restricted": True},
        ],
    }

    def write_case(self, tmp):
        path = os.path.join(tmp, "misspelt.json")
        with open(path, "w") as f:
            json.dump(self.CASE, f)
        return path

    def test_a_misspelt_category_is_reported_with_ids_and_count(self):
        with scratch_dir() as tmp:
            result = run("assess", self.write_case(tmp), *AS_OF)
        self.assertEqual(result.code, 0, result.errtext())
        err = result.errtext()
        self.assertIn("'school_attendence'", err)
        self.assertIn("2 concerns (C-VOC-1, C-VOC-2)", err)
        # The restricted concern is named by id only: its category never appears.
        self.assertIn("C-VOC-3", err)
        self.assertNotIn("sexual_abuse", err)
        self.assertNotIn("sexual_abuse", result.text())

    def test_strict_vocabulary_refuses_the_case(self):
        with scratch_dir() as tmp:
            result = run("assess", self.write_case(tmp), *AS_OF, "--strict-vocabulary")
        self.assertEqual(result.code, 4)
        self.assertIn("strict-vocabulary", result.errtext())
        self.assertEqual(result.text(), "")

    def test_a_case_the_pack_knows_gives_no_warning(self):
        result = run("assess", FAMILIES, *AS_OF, "--strict-vocabulary")
        self.assertEqual(result.code, 0, result.errtext())
        self.assertNotIn("warning", result.errtext())


class ExplainTest(unittest.TestCase):
    def explain_json(self, *extra):
        result = run("explain", OAK, "--format", "json", *AS_OF, *extra)
        self.assertEqual(result.code, 0, result.errtext())
        return json.loads(result.text())

    def test_contributions_sum_to_scores(self):
        for child in self.explain_json():
            totals = {}
            for items in child["contributions"].values():
                for item in items:
                    totals[item["index"]] = totals.get(item["index"], 0.0) + item["value"]
            for index in child["indices"]:
                self.assertAlmostEqual(totals.get(index["id"], 0.0), index["score"], places=9)

    def test_an_adults_own_result(self):
        # The DASH checklist is the adult victim's (docs/rules.md, "Results for adults").
        dash = os.path.join(SOURCE_DIR, "rules", "dash.toml")
        case = os.path.join(SOURCE_DIR, "tests", "data", "scenarios", "dash",
                            "restricted-latest.json")
        cleared = run("explain", case, "--rules", dash, "--adult", "P-DRS-M", "--viewer",
                      "police", "--format", "json", *AS_OF)
        self.assertEqual(cleared.code, 0, cleared.errtext())
        [adult] = json.loads(cleared.text())
        self.assertEqual(adult["id"], "P-DRS-M")
        self.assertEqual(adult["scores"]["checklist"], 3.0)
        self.assertEqual(sum(1 for c in adult["contributions"] if c.get("superseded")), 6)
        # Every line is withheld from a reader not cleared for police: as if there were none.
        uncleared = run("explain", case, "--rules", dash, "--adult", "P-DRS-M", *AS_OF)
        self.assertEqual(uncleared.code, 7)
        self.assertNotIn("C-DRS-", uncleared.text() + uncleared.errtext())
        table = run("assess", case, "--rules", dash, "--viewer", "police", *AS_OF).text()
        self.assertIn("ADULT", table)
        self.assertIn("P-DRS-M", table)
        self.assertNotIn("P-DRS-M", run("assess", case, "--rules", dash, *AS_OF).text())
        latest = os.path.join(SOURCE_DIR, "tests", "data", "scenarios", "dash",
                              "latest-checklist.json")
        adults = json.loads(run("assess", latest, "--rules", dash, "--format", "json",
                                *AS_OF).text())["adults"]
        self.assertEqual({a["id"]: (a["level"], a["scores"]["checklist"]) for a in adults},
                         {"P-DLA-M": ("standard", 9.0), "P-DLB-M": ("medium", 11.0)})

    def test_an_adults_own_overrides(self):
        # The DASH pack's escalation is an adult override (subject = "adult") on the victim's
        # own result, shown by explain --adult; the repeat-MARAC victim has no ticks at all and
        # still has a result through her override.
        dash = os.path.join(SOURCE_DIR, "rules", "dash.toml")
        scenarios = os.path.join(SOURCE_DIR, "tests", "data", "scenarios", "dash")
        text = run("explain", os.path.join(scenarios, "escalation.json"), "--rules", dash,
                   "--adult", "P-DEA-M", *AS_OF)
        self.assertEqual(text.code, 0, text.errtext())
        self.assertIn("policy override dash-potential-escalation", text.text())
        [adult] = json.loads(run("explain", os.path.join(scenarios, "repeat-marac.json"),
                                 "--rules", dash, "--adult", "P-DMA-M", "--format", "json",
                                 *AS_OF).text())
        self.assertEqual(adult["level"], "high")
        self.assertEqual([o["id"] for o in adult["policy_overrides"]], ["dash-repeat-marac"])

    def test_an_adults_explanation_as_csv(self):
        # The child explanation's columns, the adult's id first.
        dash = os.path.join(SOURCE_DIR, "rules", "dash.toml")
        case = os.path.join(SOURCE_DIR, "tests", "data", "scenarios", "dash",
                            "restricted-latest.json")
        child = run("explain", case, "--rules", dash, "--format", "csv", *AS_OF).text()
        cleared = run("explain", case, "--rules", dash, "--adult", "P-DRS-M", "--viewer",
                      "police", "--format", "csv", *AS_OF)
        self.assertEqual(cleared.code, 0, cleared.errtext())
        header = cleared.text().splitlines()[0]
        self.assertEqual(header, "adult" + child.splitlines()[0][len("child"):])
        rows = list(csv.DictReader(io.StringIO(cleared.text())))
        self.assertEqual({r["adult"] for r in rows}, {"P-DRS-M"})
        self.assertEqual(sum(float(r["value"]) for r in rows), 3.0)
        self.assertTrue(all(r["rule"].startswith("dash-") for r in rows))
        # Several adults: each one's rows, in turn.
        judged = os.path.join(SOURCE_DIR, "tests", "data", "scenarios", "dash",
                              "adult-judgement.json")
        rows = list(csv.DictReader(io.StringIO(run(
            "explain", judged, "--rules", dash, "--adult", "P-DAJ-M", "--adult", "P-DAK-M",
            "--format", "csv", *AS_OF).text())))
        self.assertEqual(sum(1 for r in rows if r["adult"] == "P-DAJ-M"), 11)
        self.assertEqual(sum(1 for r in rows if r["adult"] == "P-DAK-M"), 14)

    def test_judgement_about_an_adult(self):
        # A practitioner raises a victim with 11 ticks to high (tests/data/scenarios/dash/
        # adult-judgement.json); her explanation names the judgement and its approver.
        dash = os.path.join(SOURCE_DIR, "rules", "dash.toml")
        case = os.path.join(SOURCE_DIR, "tests", "data", "scenarios", "dash",
                            "adult-judgement.json")
        text = run("explain", case, "--rules", dash, "--adult", "P-DAJ-M", *AS_OF)
        self.assertEqual(text.code, 0, text.errtext())
        self.assertIn("discretionary override O-DAJ-1", text.text())
        self.assertIn("approved by P-DAJ-TM", text.text())
        [adult] = json.loads(run("explain", case, "--rules", dash, "--adult", "P-DAL-M",
                                 "--format", "json", *AS_OF).text())
        self.assertEqual(adult["level"], "medium")
        self.assertEqual(adult["discretionary_override"]["outcome"], "applied")
        adults = json.loads(run("assess", case, "--rules", dash, "--format", "json",
                                *AS_OF).text())["adults"]
        self.assertEqual({a["id"]: a["level"] for a in adults},
                         {"P-DAJ-M": "high", "P-DAK-M": "high", "P-DAL-M": "medium"})
        # The adults' table and JSON say why a level is above what the ticks give.
        judged = {a["id"]: a["discretionary_override"] for a in adults}
        self.assertEqual(judged["P-DAJ-M"]["outcome"], "applied")
        self.assertEqual(judged["P-DAJ-M"]["approved_by"], "P-DAJ-TM")
        table = run("assess", case, "--rules", dash, *AS_OF).text()
        [row] = [line for line in table.splitlines() if line.startswith("P-DAJ-M ")]
        self.assertIn("judgement O-DAJ-1 (raise)", row)
        self.assertIn("OVERRIDES", table.split("adults' own results")[1])

    def test_restricted_evidence_is_hidden_from_an_uncleared_viewer(self):
        text = run("explain", OAK, "--child", "P-OAK-C8", *AS_OF).text()
        self.assertIn("restricted source", text)
        for hidden in ("C-OAK-02", "C-OAK-05", "AG-OAK-POL", "AG-OAK-PRB"):
            self.assertNotIn(hidden, text)

    def test_a_cleared_viewer_sees_the_details(self):
        text = run("explain", OAK, "--child", "P-OAK-C8", "--viewer", "police", *AS_OF).text()
        self.assertIn("C-OAK-02", text)
        self.assertNotIn("C-OAK-05", text)  # probation's, not police's
        everything = run("explain", OAK, "--child", "P-OAK-C8", "--viewer", "police",
                         "--viewer", "AG-OAK-PRB", *AS_OF).text()
        self.assertIn("C-OAK-05", everything)
        self.assertNotIn("restricted source", everything)

    def test_selected_children(self):
        data = self.explain_json("--child", "P-OAK-C1", "--child", "P-OAK-C8")
        self.assertEqual([c["child"] for c in data], ["P-OAK-C1", "P-OAK-C8"])

    def test_csv_has_one_row_per_contribution(self):
        data = self.explain_json("--child", "P-OAK-C8")
        # The lines the viewer sees, and one row folding every withheld line (JSON "withheld").
        withheld = data[0]["withheld"]
        expected = sum(len(items) for items in data[0]["contributions"].values()) + 1
        result = run("explain", OAK, "--child", "P-OAK-C8", "--format", "csv", *AS_OF)
        rows = list(csv.DictReader(io.StringIO(result.text())))
        self.assertEqual(len(rows), expected)
        self.assertAlmostEqual(sum(float(r["value"]) for r in rows),
                               sum(i["score"] for i in data[0]["indices"]) + withheld["value"],
                               places=4)
        self.assertAlmostEqual(sum(float(r["value"]) for r in rows), data[0]["total"], places=4)
        restricted = [r for r in rows if r["evidence"] == "restricted source"]
        self.assertEqual(len(restricted), 1)
        self.assertEqual((restricted[0]["index"], restricted[0]["heading"]), ("", ""))
        # Raw points and decay could reveal severity and date: only the value is shown.
        self.assertTrue(all(r["source_agency"] == "" and r["via"] == "" and r["raw"] == ""
                            and r["decay"] == "" and r["value"] != "" for r in restricted))

    def test_csv_propagated_lines(self):
        result = run("explain", PEERS, "--rules", "exploitation", "--child", "P-PNW-C3",
                     "--format", "csv")
        self.assertEqual(result.code, 0, result.errtext())
        rows = list(csv.DictReader(io.StringIO(result.text())))
        network = [r for r in rows if r["kind"] == "propagated" and r["via"]]
        self.assertIn("PL-PNW-TAKEAWAY", {r["via"] for r in network})
        self.assertTrue(all(r["rule"] == "propagation" for r in network))

    def test_contextual_risk_kept_apart(self):
        # The issue's example (issue 17): one school exclusion, a friend and a takeaway lift
        # P-PNW-C2 only when contextual risk is included in the scores.
        result = run("explain", PEERS, "--rules", "exploitation", "--child", "P-PNW-C2",
                     "--format", "json", *AS_OF)
        self.assertEqual(result.code, 0, result.errtext())
        child = json.loads(result.text())[0]
        self.assertEqual(child["level"], "no_known_risk")
        contextual = child["contextual"]
        self.assertEqual((contextual["policy"], contextual["level"]), ("apart", "emerging"))
        lines = contextual["contributions"]
        self.assertTrue(lines and all(line["kind"] == "propagated" for line in lines))
        self.assertEqual(sum(line["value"] for line in lines), contextual["total"])
        own = [line for heading in child["contributions"].values() for line in heading]
        self.assertTrue(all(line["kind"] == "rule" for line in own))
        self.assertAlmostEqual(sum(line["value"] for line in own), child["total"], places=12)
        self.assertNotIn("C-PNW-3", result.text())  # the restricted intelligence at the takeaway
        table = run("assess", PEERS, "--rules", "exploitation", *AS_OF)
        self.assertEqual(table.code, 0, table.errtext())
        self.assertRegex(table.text(), r"CONTEXT\s+WITH-CONTEXT")
        self.assertRegex(table.text(), r"P-PNW-C2\s+no_known_risk\s+2\.71 .* 2\.71\s+emerging")
        rows = list(csv.DictReader(io.StringIO(
            run("assess", PEERS, "--rules", "exploitation", "--format", "csv", *AS_OF).text())))
        c2 = next(r for r in rows if r["child"] == "P-PNW-C2")
        self.assertEqual((c2["level"], c2["context_level"]), ("no_known_risk", "emerging"))
        self.assertEqual(c2["contextual_total"], "2.707605")
        text = run("explain", PEERS, "--rules", "exploitation", "--child", "P-PNW-C2", *AS_OF).text()
        self.assertIn("Contextual risk (kept apart from the level", text)
        # P-PNW-C1 frequents the takeaway, whose score is restricted police intelligence: an
        # uncleared reader gets the network without it, and what it adds in one figure.
        c1 = next(r for r in rows if r["child"] == "P-PNW-C1")
        self.assertGreater(float(c1["contextual_withheld"]), 0)
        police = list(csv.DictReader(io.StringIO(run(
            "assess", PEERS, "--rules", "exploitation", "--format", "csv", "--viewer", "police",
            *AS_OF).text())))
        c1_police = next(r for r in police if r["child"] == "P-PNW-C1")
        self.assertEqual(c1_police["contextual_withheld"], "0.000000")
        self.assertAlmostEqual(float(c1["contextual_total"]) + float(c1["contextual_withheld"]),
                               float(c1_police["contextual_total"]), places=5)
        self.assertRegex(table.text(), r"P-PNW-C1\s+\S+\s+[\d.]+ .* [\d.]+ \+[\d.]+ withheld\s")
        lines = run("explain", PEERS, "--rules", "exploitation", "--child", "P-PNW-C1",
                    "--format", "csv", *AS_OF).text()
        self.assertRegex(lines, r"P-PNW-C1,,propagated,,.*,restricted source,,true,")
        self.assertNotIn("12.03", lines)  # the takeaway's network score with the intelligence


class TimelineTest(unittest.TestCase):
    AS_OF = ["--as-of", "2026-11-23"]

    def test_table_highlights_overdue_steps(self):
        result = run("timeline", TIMELINE, *self.AS_OF)
        self.assertEqual(result.code, 0, result.errtext())
        text = result.text()
        self.assertRegex(text, r"P-ELM-C1\s+assessment\s+2026-09-01\s+E-ELM-1\s+2026-11-03\s+-\s+-\s+"
                               r"OVERDUE by 14 working days")
        self.assertRegex(text, r"P-ROW-C1\s+first review .* done late by 3 working days")
        self.assertIn("2 steps overdue", text)
        self.assertIn("E-ROW-4  initial conference with no strategy discussion", text)
        self.assertIn("england-and-wales", text)
        self.assertNotIn("\033[", text)  # no colour codes in a pipe

    def test_json_and_csv(self):
        data = json.loads(run("timeline", TIMELINE, *self.AS_OF, "-f", "json").text())
        self.assertEqual(data["timescales"]["assessment_working_days"], 45)
        self.assertEqual(data["closures"], ["2026-12-29", "2026-12-30", "2026-12-31"])
        children = {c["child"]: c for c in data["children"]}
        statuses = [s["status"] for s in children["P-ELM-C1"]["steps"]]
        self.assertEqual(statuses, ["late", "overdue", "late", "on_time", "due"])
        self.assertEqual(data["process"]["nation"], "england")
        self.assertEqual(children["P-ROW-C1"]["issues"][0]["event"], "E-ROW-4")
        rows = list(csv.DictReader(io.StringIO(
            run("timeline", TIMELINE, *self.AS_OF, "-f", "csv").text())))
        self.assertEqual(len(rows), sum(len(c["steps"]) for c in data["children"]))
        overdue = [r for r in rows if r["status"] == "overdue"]
        self.assertEqual({r["child"] for r in overdue}, {"P-ELM-C1", "P-ELM-C2"})
        self.assertTrue(all(r["working_days"] == "14" for r in overdue))

    def test_overdue_only_and_one_child(self):
        text = run("timeline", TIMELINE, *self.AS_OF, "--overdue", "--child", "P-ELM-C2").text()
        self.assertIn("P-ELM-C2", text)
        self.assertNotIn("P-ELM-C1", text)
        self.assertNotIn("done on time", text)
        self.assertIn("1 step overdue", text)

    def test_default_as_of_counts_events(self):
        data = json.loads(run("timeline", TIMELINE, "-f", "json").text())
        self.assertEqual(data["as_of"], "2026-10-14")  # the last event, after every concern
        self.assertEqual(data["as_of_source"], "latest_evidence")

    def test_no_events(self):
        result = run("timeline", FAMILIES, *AS_OF)
        self.assertEqual(result.code, 0)
        self.assertIn("No process events recorded", result.text())

    def test_bad_process_file_exits_5_unreadable_3(self):
        # Found by the outside check of issue 21: these exited 1, "a bug in safeguard".
        with scratch_dir() as tmp:
            cases = {
                "bad-unit.toml": ('[process]\nextends = "england"\nsource = "Fictional"\n'
                                  '[[step]]\nid = "cp_visit"\nsource = "Fictional"\n'
                                  'enabled = true\ndue = { count = 2, unit = "fortnights" }\n',
                                  "bad-unit.toml:8:27"),
                "other-nation.toml": ('[process]\nextends = "scotland"\nsource = "Fictional"\n',
                                      "other-nation.toml:2:11"),
            }
            for name, (text, where) in cases.items():
                path = os.path.join(tmp, name)
                with open(path, "w") as f:
                    f.write(text)
                result = run("timeline", TIMELINE, *self.AS_OF, "--process", path)
                self.assertEqual(result.code, 5, result.errtext())
                self.assertIn(where, result.errtext())
            missing = run("timeline", TIMELINE, *self.AS_OF, "--process",
                          os.path.join(tmp, "missing.toml"))
            self.assertEqual(missing.code, 3, missing.errtext())
            self.assertIn("No such file or directory", missing.errtext())


class JudgementTest(unittest.TestCase):
    def test_applied_discretionary_override_is_reported(self):
        with scratch_dir() as tmp:
            path = os.path.join(tmp, "case.json")
            with open(path, "w") as f:
                json.dump({"schema_version": 1,
                           "agencies": [{"id": "AG-1", "type": "school"}],
                           "persons": [{"id": "P-J-C1", "kind": "child", "dob": "2015-01-01"}],
                           "concerns": [{"id": "C-1", "category": "school_attendance",
                                         "severity": 2, "recorded": "2026-10-01",
                                         "source": "AG-1", "about": ["P-J-C1"]}],
                           "overrides": [{"id": "J-1", "child": "P-J-C1", "direction": "raise",
                                          "date": "2026-10-05", "author": "SW-0001",
                                          "reason": "Worker's judgement <b>after</b> a home visit."}]}, f)
            table = run("assess", path, *AS_OF).text()
            self.assertRegex(table, r"P-J-C1\s+early_help .* judgement J-1 \(raise\)")
            child = json.loads(run("assess", path, *AS_OF, "-f", "json").text())["children"][0]
            self.assertEqual(child["discretionary_override"]["outcome"], "applied")
            self.assertEqual(child["score_level"], "universal")
            html = run("report", path, *AS_OF, "--no-ecomap").text()
            self.assertIn("J-1", html)
            self.assertIn("Worker&#39;s judgement &lt;b&gt;after&lt;/b&gt; a home visit.", html)
            self.assertIn("professional judgement raises it to <strong>Early help", html)


    def test_a_lowering_awaits_approval_under_the_neglect_pack(self):
        # The bundled neglect pack needs a manager's approval to lower a level (approval =
        # "lower"): without one the judgement is reported and not applied; with one it applies.
        case = {"schema_version": 1,
                "agencies": [{"id": "AG-1", "type": "school"}, {"id": "AG-2", "type": "health"}],
                "persons": [{"id": "P-J-C2", "kind": "child", "dob": "2016-03-01"},
                            {"id": "P-J-MGR", "kind": "adult"}],
                "concerns": [
                    {"id": "C-1", "category": "school_attendance", "severity": 4,
                     "recorded": "2026-10-01", "source": "AG-1", "about": ["P-J-C2"]},
                    {"id": "C-2", "category": "nutrition", "severity": 4,
                     "recorded": "2026-10-10", "source": "AG-2", "about": ["P-J-C2"]},
                    {"id": "C-3", "category": "unmet_health_need", "severity": 3,
                     "recorded": "2026-10-12", "source": "AG-2", "about": ["P-J-C2"]}],
                "overrides": [{"id": "J-2", "child": "P-J-C2", "direction": "lower",
                               "date": "2026-10-20", "author": "SW-0002",
                               "reason": "Home visit: food in the house, appointments booked."}]}
        with scratch_dir() as tmp:
            path = os.path.join(tmp, "case.json")
            with open(path, "w") as f:
                json.dump(case, f)
            table = run("assess", path, "--rules", "neglect", *AS_OF)
            self.assertEqual(table.code, 0, table.errtext())
            self.assertRegex(table.text(),
                             r"P-J-C2\s+child_protection .* judgement J-2 awaiting approval")
            child = json.loads(run("assess", path, "--rules", "neglect", *AS_OF,
                                   "-f", "json").text())["children"][0]
            self.assertEqual(child["discretionary_override"]["outcome"], "awaiting_approval")
            self.assertEqual(child["level"], "child_protection")
            case["overrides"][0].update(approved_by="P-J-MGR", approved="2026-10-22")
            with open(path, "w") as f:
                json.dump(case, f)
            child = json.loads(run("assess", path, "--rules", "neglect", *AS_OF,
                                   "-f", "json").text())["children"][0]
            self.assertEqual(child["discretionary_override"]["outcome"], "applied")
            self.assertEqual(child["discretionary_override"]["approved_by"], "P-J-MGR")
            self.assertEqual(child["level"], "child_in_need")
            # As known on a date before the approval, it was still awaited.
            before = json.loads(run("assess", path, "--rules", "neglect", "--as-of", "2026-10-21",
                                    "-f", "json").text())["children"][0]
            self.assertEqual(before["discretionary_override"]["outcome"], "awaiting_approval")


class LintTest(unittest.TestCase):
    def test_default_pack_loads(self):
        result = run("lint")
        self.assertEqual(result.code, 0)
        self.assertIn("safeguard-default", result.text())

    def test_file_and_json(self):
        result = run("lint", DEFAULT_PACK, "--format", "json")
        self.assertEqual(result.code, 0)
        data = json.loads(result.text())
        self.assertTrue(data[0]["ok"])
        self.assertEqual(len(data[0]["hash"]), 64)
        self.assertIn("neglect", data[0]["indices"])

    def test_every_bundled_pack_lints_clean(self):
        packs = [os.path.join(SOURCE_DIR, "rules", name)
                 for name in sorted(os.listdir(os.path.join(SOURCE_DIR, "rules")))
                 if name.endswith(".toml")]
        result = run("lint", *packs)
        self.assertEqual(result.code, 0, result.text())

    def test_findings(self):
        with scratch_dir() as tmp:
            path = os.path.join(tmp, "unused.toml")
            with open(path, "w") as f:
                f.write('[pack]\nid = "x"\nversion = "1"\n\n[[level]]\nid = "a"\nmin = 0\n'
                        '[[level]]\nid = "b"\nmin = 4\n'
                        '[[index]]\nid = "used"\n[[index]]\nid = "unused"\n'
                        '[[rule]]\nid = "r"\nindex = "used"\nheading = "harm"\nfor = "concern"\n'
                        'when = \'concern.category == "x"\'\npoints = 5\n')
            result = run("lint", path)
            self.assertEqual(result.code, 6, result.text())
            self.assertRegex(result.text(), r"unused\.toml:\d+:\d+: unused-index: .*unused")
            data = json.loads(run("lint", path, "-f", "json").text())
            self.assertFalse(data[0]["ok"])
            self.assertIn("unused-index", [f["code"] for f in data[0]["findings"]])

    def test_broken_pack(self):
        with scratch_dir() as tmp:
            path = os.path.join(tmp, "broken.toml")
            with open(path, "w") as f:
                f.write('[pack]\nid = "x"\nversion = "1"\n\n[[level]]\nid = "a"\nmin = 0\n'
                        '[[index]]\nid = "i"\n[[rule]]\nid = "r"\nindex = "i"\nheading = "harm"\n'
                        'for = "child"\nwhen = "child.age <"\npoints = 1\n')
            result = run("lint", path, "default")
            self.assertEqual(result.code, 5)
            self.assertRegex(result.text(), r"broken\.toml:\d+:\d+")
            self.assertIn("safeguard-default", result.text())  # the other pack is still checked


class EcomapTest(unittest.TestCase):
    def dot(self, *extra):
        result = run("ecomap", OAK, "--child", "P-OAK-C8", *AS_OF, *extra)
        self.assertEqual(result.code, 0, result.errtext())
        return result.text()

    def test_dot_from_boost_write_graphviz(self):
        text = self.dot()
        self.assertTrue(text.startswith("digraph G {"))
        self.assertIn("P-OAK-C8", text)
        self.assertIn("<b>Ecomap of P-OAK-C8</b>", text)  # the legend, under the picture
        self.assertIn("rankdir=LR", text)  # columns by default: it prints on A4
        self.assertIn("C-OAK-01", text)  # the injury, visible to everyone
        self.assertIn("AG-OAK-ED", text)

    def test_no_restricted_details_for_an_uncleared_viewer(self):
        text = self.dot("--all-evidence")
        self.assertIn("restricted source", text)
        for hidden in ("C-OAK-02", "C-OAK-03", "C-OAK-04", "C-OAK-05", "AG-OAK-PRB",
                       "domestic abuse", "violent offending", "alleged to cause harm"):
            self.assertNotIn(hidden, text)

    def test_cleared_viewer_sees_everything(self):
        text = self.dot("--viewer", "*", "--all-evidence")
        self.assertNotIn("restricted source\\n", text)
        for shown in ("C-OAK-02", "C-OAK-05", "AG-OAK-PRB", "AG-OAK-POL"):
            self.assertIn(shown, text)

    def test_places_and_groups_carry_network_risk(self):
        result = run("ecomap", PEERS, "--rules", "exploitation", "--child", "P-PNW-C3")
        self.assertEqual(result.code, 0, result.errtext())
        text = result.text()
        for shown in ("PL-PNW-TAKEAWAY", "PL-PNW-PARK", "G-PNW-MILL", "through the network",
                      "shape=house", "shape=tab"):
            self.assertIn(shown, text)
        self.assertNotIn("C-PNW-3", text)  # the restricted intelligence about the takeaway

    def test_all_evidence_adds_non_scoring_concerns(self):
        self.assertNotIn("C-OAK-09", self.dot())
        self.assertIn("C-OAK-09", self.dot("--all-evidence"))

    def test_hostile_text_is_escaped_in_dot(self):
        with scratch_dir() as tmp:
            path = os.path.join(tmp, "case.json")
            with open(path, "w") as f:
                json.dump({"schema_version": 1,
                           "agencies": [{"id": 'AG-"Q"\\N', "type": "school",
                                         "name": 'x"];\ny [label="injected'}],
                           "persons": [{"id": "P-Q-C1", "kind": "child", "dob": "2015-01-01"}],
                           "concerns": [{"id": "C-Q-1", "category": "school_attendance",
                                         "severity": 2, "recorded": "2026-10-01",
                                         "source": 'AG-"Q"\\N', "about": ["P-Q-C1"]}]}, f)
            result = run("ecomap", path, *AS_OF)
            self.assertEqual(result.code, 0, result.errtext())
            self.assertIn('AG-\\"Q\\"\\\\N', result.text())
            self.assertNotIn('y [label="injected', result.text())
            if shutil.which("dot"):
                svg = run("ecomap", path, *AS_OF, "--format", "svg")
                self.assertEqual(svg.code, 0, svg.errtext())
                ElementTree.fromstring(svg.out)

    @unittest.skipUnless(shutil.which("dot"), "Graphviz is not installed")
    def test_svg_and_png(self):
        with scratch_dir() as tmp:
            svg_path = os.path.join(tmp, "ecomap.svg")
            png_path = os.path.join(tmp, "ecomap.png")
            self.assertEqual(run("ecomap", OAK, "--child", "P-OAK-C8", *AS_OF, "-o", svg_path).code, 0)
            self.assertEqual(run("ecomap", OAK, "--child", "P-OAK-C8", *AS_OF, "-o", png_path).code, 0)
            root = ElementTree.parse(svg_path).getroot()
            self.assertTrue(root.tag.endswith("svg"))
            shown = " ".join(root.itertext())  # Graphviz writes "-" as &#45;
            self.assertIn("P-OAK-C8", shown)
            self.assertIn("restricted source", shown)
            self.assertNotIn("C-OAK-02", shown)
            with open(png_path, "rb") as f:
                self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")

    def test_single_child_case_needs_no_child_option(self):
        with scratch_dir() as tmp:
            path = os.path.join(tmp, "case.json")
            with open(path, "w") as f:
                json.dump({"schema_version": 1,
                           "agencies": [{"id": "AG-1", "type": "school"}],
                           "persons": [{"id": "P-ONLY-C1", "kind": "child", "dob": "2015-01-01"}],
                           "concerns": [{"id": "C-1", "category": "school_attendance",
                                         "severity": 2, "recorded": "2026-10-01",
                                         "source": "AG-1", "about": ["P-ONLY-C1"]}]}, f)
            result = run("ecomap", path)
            self.assertEqual(result.code, 0, result.errtext())
            self.assertIn("P-ONLY-C1", result.text())
            self.assertIn("2026-10-01 (latest evidence date)", result.text())


class ReportTest(unittest.TestCase):
    def report(self, path, *extra):
        result = run("report", path, *extra)
        self.assertEqual(result.code, 0, result.errtext())
        return result.text()

    def test_timeline_with_overdue_steps_highlighted(self):
        html = self.report(TIMELINE, "--child", "P-ELM-C1", "--as-of", "2026-11-23", "--no-ecomap")
        self.assertIn("Statutory timeline", html)
        self.assertRegex(html, r'<tr class="step overdue"><td>assessment</td>.*OVERDUE by 14 working days')
        self.assertIn("Working Together to Safeguard Children 2023", html)
        self.assertIn('<tr class="step late">', html)
        no_events = self.report(FAMILIES, "--child", "P-ASH-C1", *AS_OF, "--no-ecomap")
        self.assertNotIn("Statutory timeline", no_events)

    def test_sections_and_provenance(self):
        html = self.report(OAK, "--child", "P-OAK-C8", *AS_OF)
        for text in ("Child protection (section 47)", "baby-serious-injury", "Immediate safety",
                     "Harm", "Danger", "Complicating factors", "Existing safety", "Strengths",
                     "restricted source", "2026-11-01", "safeguard-default", "@media print",
                     "size: A4"):
            self.assertIn(text, html)
        pack_hash = json.loads(run("assess", FAMILIES, "-f", "json", *AS_OF).text())["pack"]["hash"]
        self.assertIn(pack_hash, html)

    def test_self_contained(self):
        html = self.report(OAK, "--child", "P-OAK-C8", *AS_OF)
        lowered = html.lower()
        for fetch in ("<link", "src=", "@import", "url(", "<script", "href="):
            self.assertNotIn(fetch, lowered)
        self.assertNotIn("<!doctype svg", lowered)

    def test_propagated_lines(self):
        html = self.report(PEERS, "--rules", "exploitation", "--child", "P-PNW-C3", "--no-ecomap")
        self.assertIn("propagation", html)
        # The pack keeps contextual risk apart: the propagated lines have a table of their own.
        self.assertIn("Contextual risk (kept apart from the level)", html)
        self.assertIn("do not count towards this child's level", html)
        self.assertIn("frequents PL-PNW-TAKEAWAY", html)
        self.assertNotIn("C-PNW-3", html)
        self.assertNotIn("recruit children", html)

    def test_restricted_details_never_reach_the_page(self):
        html = self.report(OAK, "--child", "P-OAK-C8", *AS_OF)
        self.assertIn("withheld", html)  # a hidden item's raw points and decay
        for hidden in ("C-OAK-02", "C-OAK-05", "Fictional Constabulary", "Fictional Probation",
                       "door being broken", "On licence"):
            self.assertNotIn(hidden, html)
        cleared = self.report(OAK, "--child", "P-OAK-C8", *AS_OF, "--viewer", "*")
        self.assertIn("door being broken", cleared)

    def test_everything_is_escaped(self):
        with scratch_dir() as tmp:
            path = os.path.join(tmp, "case.json")
            with open(path, "w") as f:
                json.dump({"schema_version": 1,
                           "agencies": [{"id": "AG-<b>", "type": "school",
                                         "name": "<script>alert(1)</script>"}],
                           "persons": [{"id": "P-<i>-C1", "kind": "child", "dob": "2015-01-01"}],
                           "concerns": [{"id": "C-&amp;", "category": "school_attendance",
                                         "severity": 2, "recorded": "2026-10-01",
                                         "source": "AG-<b>", "about": ["P-<i>-C1"],
                                         "summary": "\"quoted\" & <img src=x onerror=alert(1)>"}]},
                          f)
            html = self.report(path, *AS_OF)
            self.assertNotIn("<script>alert", html)
            self.assertNotIn("<img src=x", html)
            self.assertNotIn("P-<i>-C1", html)
            self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt;", html)
            self.assertIn("P-&lt;i&gt;-C1", html)
            self.assertIn("C-&amp;amp;", html)

    def test_sibling_group_and_family_version(self):
        html = self.report(FAMILIES, "--household", "HH-ASH", *AS_OF, "--no-ecomap")
        self.assertLess(html.index('id="child-P-ASH-C1"'), html.index('id="child-P-ASH-C2"'))
        self.assertLess(html.index('id="child-P-ASH-C2"'), html.index('id="provenance"'))
        self.assertNotIn("Total score", html)
        self.assertEqual(html, self.report(FAMILIES, "--child", "P-ASH-C1", "--child", "P-ASH-C2",
                                           *AS_OF, "--no-ecomap"))
        family = self.report(FAMILIES, "--household", "HH-ASH", "--for", "family", *AS_OF)
        self.assertIn("What the workers are worried about", family)
        # No ecomap (points and colours are not for the family); the family drawn, with names,
        # for them to check, when Graphviz is installed.
        self.assertNotIn('class="ecomap"', family)
        if shutil.which("dot"):
            self.assertEqual(family.count("<svg"), 1)
            self.assertIn('class="family-diagram"', family)
            self.assertIn("Amy Ash (8)", family)
        pack_hash = json.loads(run("assess", FAMILIES, "-f", "json", *AS_OF).text())["pack"]["hash"]
        self.assertNotIn(pack_hash, family)
        self.assertNotIn("multi-agency-corroboration", family)
        missing = run("report", FAMILIES, "--household", "HH-NONE", *AS_OF)
        self.assertEqual(missing.code, 7, missing.errtext())
        self.assertIn("HH-NONE", missing.errtext())

    def test_without_ecomap(self):
        html = self.report(FAMILIES, "--child", "P-ASH-C1", *AS_OF, "--no-ecomap")
        self.assertNotIn("<svg", html)
        self.assertIn("Ecomap left out", html)

    @unittest.skipUnless(shutil.which("dot"), "Graphviz is not installed")
    def test_inline_ecomap(self):
        html = self.report(FAMILIES, "--child", "P-ASH-C1", *AS_OF)
        self.assertIn("<svg", html)
        self.assertNotIn("<?xml", html)


class AuditTest(unittest.TestCase):
    """safeguard generate --outcomes/--groups (planted truth) and safeguard audit (issue 18)."""

    def planted(self, tmp, disparity="1.0", seed="4"):
        paths = [os.path.join(tmp, name) for name in ("case.json", "outcomes.csv", "groups.csv")]
        made = run("generate", "--children", "2000", "--seed", seed, "-o", paths[0],
                   "--outcomes", paths[1], "--groups", paths[2], "--planted-disparity", disparity)
        self.assertEqual(made.code, 0, made.errtext())
        return paths

    def test_planted_files_are_deterministic_and_keep_groups_out_of_the_case(self):
        with scratch_dir() as tmp:
            case, outcomes, groups = self.planted(tmp)
            with open(outcomes) as f:
                first = f.read()
            with open(groups) as f:
                header = f.readline()
            with open(case) as f:
                case_text = f.read()
            self.assertTrue(first.startswith("# horizon: planted: logistic(-3 + 0.25 * total "
                                             "score + 1 * [planted_group B])"), first[:120])
            self.assertEqual(header, "child_id,planted_group,control_group\n")
            self.assertNotIn("planted_group", case_text)
            self.assertNotIn("control_group", case_text)
            again = self.planted(tmp)
            with open(again[1]) as f:
                self.assertEqual(f.read(), first)

    CENSUS_GROUPS = ("child_id,Ethnicity,GenderCurrent,Sex\nP-CIN-C1,WBRI,,F\nP-CIN-C2,NOBT,0,\n"
                     "P-CIN-C3,MWBC,,M\nP-CIN-C4,BAFR,1,\nP-CIN-C5,APKN,,F\nP-CIN-C6,,,U\n")

    def test_a_census_return_is_audited_by_the_sex_and_ethnicity_it_records(self):
        with scratch_dir() as tmp:
            case = os.path.join(tmp, "case.json")
            done = run("import-cin", os.path.join(SOURCE_DIR, "tests", "data", "cin", "mixed-layouts.xml"),
                       "-o", case)
            self.assertEqual(done.code, 0, done.errtext())
            outcomes, groups, clash = (os.path.join(tmp, name)
                                       for name in ("o.csv", "g.csv", "clash.csv"))
            with open(outcomes, "w") as f:
                f.write("child_id,outcome\nP-CIN-C1,1\nP-CIN-C2,0\nP-CIN-C3,1\nP-CIN-C4,0\n"
                        "P-CIN-C5,0\nP-CIN-C6,1\n")
            with open(groups, "w") as f:
                f.write(self.CENSUS_GROUPS)
            with open(clash, "w") as f:
                f.write("child_id,Ethnicity\nP-CIN-C3,WOTH\n")
            common = [case, "--outcomes", outcomes, "--as-of", "2025-03-31", "--bootstrap", "100"]
            from_record = run("audit", *common)
            self.assertEqual(from_record.code, 0, from_record.errtext())
            from_file = run("audit", *common, "--groups", groups)
            self.assertEqual(from_file.code, 0, from_file.errtext())
            self.assertEqual(from_record.text(), from_file.text())
            self.assertEqual(run("audit", *common, "--groups-from-record", "--format",
                                 "csv").text(),
                             run("audit", *common, "--groups", groups, "--format", "csv").text())
            report = json.loads(from_record.text())
            self.assertEqual([(a["attribute"], a["not_recorded"]) for a in report["attributes"]],
                             [("Ethnicity", 1), ("GenderCurrent", 4), ("Sex", 2)])
            self.assertIn(("not-recorded", "'Sex' is not recorded for 2 assessed children; they "
                           "are left out of its tables"),
                          [(w["code"], w["message"]) for w in report["warnings"]])
            # A file and the record together: the file wins, the clash names the child only.
            both = run("audit", *common, "--groups", clash, "--groups-from-record")
            self.assertEqual(both.code, 0, both.errtext())
            merged = json.loads(both.text())
            clashes = [w["message"] for w in merged["warnings"] if w["code"] == "group-clash"]
            self.assertEqual(clashes, ["'Ethnicity' differs between " + clash + " and the record "
                                       "for 1 child (P-CIN-C3); the file's value is used"])
            self.assertNotIn("MWBC", both.text())
            self.assertEqual([a["attribute"] for a in merged["attributes"]],
                             ["Ethnicity", "GenderCurrent", "Sex"])
            # The file alone is the file alone.
            alone = json.loads(run("audit", *common, "--groups", clash).text())
            self.assertEqual([a["attribute"] for a in alone["attributes"]], ["Ethnicity"])
            self.assertFalse([w for w in alone["warnings"] if w["code"] == "group-clash"])

    def census_case(self, tmp):
        case = os.path.join(tmp, "case.json")
        done = run("import-cin", os.path.join(SOURCE_DIR, "tests", "data", "cin",
                                              "mixed-layouts.xml"), "-o", case)
        self.assertEqual(done.code, 0, done.errtext())
        outcomes = os.path.join(tmp, "o.csv")
        with open(outcomes, "w") as f:
            f.write("child_id,outcome\nP-CIN-C1,1\nP-CIN-C2,0\nP-CIN-C3,1\nP-CIN-C4,0\n"
                    "P-CIN-C5,0\nP-CIN-C6,1\n")
        return case, outcomes

    def test_audit_from_a_store_equals_the_audit_of_its_export(self):
        with scratch_dir() as tmp:
            case, outcomes = self.census_case(tmp)
            store = os.path.join(tmp, "census.store")
            for path, when in ((case, "2025-04-01T09:00:00Z"), (OAK, "2025-04-02T09:00:00Z")):
                done = run("store", "import", store, path, "--recorded-at", when, "--author",
                           "analyst-3")
                self.assertEqual(done.code, 0, done.errtext())
            common = ["--outcomes", outcomes, "--as-of", "2025-03-31", "--bootstrap", "100"]
            for known_at in (["--known-at", "2025-04-01T09:00:00Z"], []):
                then = os.path.join(tmp, "then.json")
                exported = run("store", "export", store, "--as-of", "2025-03-31", *known_at,
                               "-o", then)
                self.assertEqual(exported.code, 0, exported.errtext())
                for fmt in ("json", "csv"):
                    from_store = run("audit", "--store", store, *known_at, *common,
                                     "--format", fmt)
                    self.assertEqual(from_store.code, 0, from_store.errtext())
                    from_file = run("audit", then, *common, "--format", fmt)
                    self.assertEqual(from_file.code, 0, from_file.errtext())
                    self.assertEqual(from_store.text(), from_file.text())
                report = json.loads(run("audit", "--store", store, *known_at, *common).text())
                if known_at:
                    self.assertEqual(report["children"], 6)
                else:
                    self.assertGreater(report["children"], 6)
            # One of the two, never both; a store needs its date.
            both = run("audit", case, "--store", store, *common)
            self.assertEqual(both.code, 2, both.errtext())
            undated = run("audit", "--store", store, "--outcomes", outcomes)
            self.assertEqual(undated.code, 2, undated.errtext())
            self.assertIn("--as-of", undated.errtext())
            missing = run("audit", "--store", os.path.join(tmp, "none.store"), *common)
            self.assertEqual(missing.code, 3, missing.errtext())

    def test_small_counts_show_as_c_unless_turned_off(self):
        with scratch_dir() as tmp:
            case, outcomes = self.census_case(tmp)
            common = [case, "--outcomes", outcomes, "--as-of", "2025-03-31", "--bootstrap", "0"]
            shared = list(csv.DictReader(io.StringIO(run("audit", *common, "--format",
                                                         "csv").text())))
            by_group = [row for row in shared if row["attribute"]]
            self.assertTrue(by_group)
            for row in by_group:
                self.assertEqual([row[k] for k in ("count", "denominator", "value", "low",
                                                    "high", "ratio")], ["c"] * 6, row)
            report = json.loads(run("audit", *common).text())
            self.assertEqual(report["settings"]["suppress_below"], 5)
            self.assertTrue(all(r["count"] is None and r["suppressed"]
                                for r in report["rows"] if r["attribute"]))
            own = list(csv.DictReader(io.StringIO(run("audit", *common, "--format", "csv",
                                                      "--suppress-below", "0").text())))
            self.assertFalse([row for row in own if "c" in row.values()])
            sex_f = [row for row in own if row["table"] == "level_distribution"
                     and row["attribute"] == "Sex" and row["group"] == "F"]
            self.assertEqual(sex_f[0]["denominator"], "2")
            groups = os.path.join(tmp, "g.csv")
            with open(groups, "w") as f:
                f.write(self.CENSUS_GROUPS)
            what_if = [case, "--as-of", "2025-03-31", "--without", "disabled-child", "--groups",
                       groups, "--viewer", "*"]
            moved = run("what-if", *what_if)
            self.assertEqual(moved.code, 0, moved.errtext())
            self.assertIn("  Sex=F: c children, c change (c): up c, down c\n", moved.text())
            moved_own = run("what-if", *what_if, "--suppress-below", "0")
            self.assertIn("  Sex=F: 2 children, ", moved_own.text())

    def test_audit_flags_the_planted_disparity_in_json_csv_and_html(self):
        with scratch_dir() as tmp:
            case, outcomes, groups = self.planted(tmp)
            common = [case, "--outcomes", outcomes, "--groups", groups, *AS_OF,
                      "--bootstrap", "1000"]
            result = run("audit", *common)
            self.assertEqual(result.code, 0, result.errtext())
            report = json.loads(result.text())
            self.assertTrue(any(f.startswith("planted_group = B: outcome rate at level")
                                for f in report["flags"]), report["flags"])
            self.assertFalse(any(f.startswith("control_group") for f in report["flags"]))
            level = [r for r in report["rows"]
                     if r["table"] == "discrimination" and r["measure"] == "level"][0]
            self.assertTrue(0.5 < level["low"] < level["value"] < level["high"] < 1, level)
            table = list(csv.DictReader(io.StringIO(run("audit", *common, "--format",
                                                        "csv").text())))
            self.assertEqual(len(table), len(report["rows"]))
            self.assertEqual({row["table"] for row in table},
                             {"discrimination", "calibration", "level_distribution",
                              "outcome_by_level", "error_rates"})
            page = run("audit", *common, "--format", "html").text()
            self.assertTrue(page.startswith('<!DOCTYPE html>\n<html lang="en">'))
            self.assertIn('<th scope="col">', page)
            fair = self.planted(tmp, disparity="0")
            control = run("audit", fair[0], "--outcomes", fair[1], "--groups", fair[2], *AS_OF,
                          "--bootstrap", "1000")
            self.assertEqual(json.loads(control.text())["flags"], [])

    def test_bad_files_name_file_line_and_id(self):
        with scratch_dir() as tmp:
            outcomes = os.path.join(tmp, "outcomes.csv")
            groups = os.path.join(tmp, "groups.csv")
            with open(outcomes, "w") as f:
                f.write("child_id,outcome\nP-NOBODY-C1,1\n")
            with open(groups, "w") as f:
                f.write("child_id,area\n")
            result = run("audit", FAMILIES, "--outcomes", outcomes, "--groups", groups, *AS_OF)
            self.assertEqual(result.code, 9, result.errtext())
            self.assertIn(outcomes + ":2:1: entity 'P-NOBODY-C1': no child with this id",
                          result.errtext())
            with open(outcomes, "w") as f:
                f.write("child_id,outcome\nP-1,maybe\n")
            result = run("audit", FAMILIES, "--outcomes", outcomes, "--groups", groups, *AS_OF)
            self.assertEqual(result.code, 9, result.errtext())
            self.assertIn(":2:5: entity 'P-1': outcome must be 0 or 1", result.errtext())

    def test_a_pack_reading_a_protected_attribute_is_refused(self):
        with scratch_dir() as tmp:
            outcomes = os.path.join(tmp, "outcomes.csv")
            groups = os.path.join(tmp, "groups.csv")
            with open(outcomes, "w") as f:
                f.write("child_id,outcome\n")
            with open(groups, "w") as f:
                f.write("child_id,disability\n")
            result = run("audit", FAMILIES, "--outcomes", outcomes, "--groups", groups, *AS_OF)
            self.assertEqual(result.code, 5, result.errtext())
            self.assertIn("rule 'disabled-child' compares child.flags against \"disability\"",
                          result.errtext())


class GenerateTest(unittest.TestCase):
    def test_deterministic_by_seed(self):
        first = run("generate", "--children", "300", "--seed", "7")
        second = run("generate", "--children", "300", "--seed", "7")
        other = run("generate", "--children", "300", "--seed", "8")
        self.assertEqual(first.code, 0)
        self.assertEqual(first.out, second.out)
        self.assertNotEqual(first.out, other.out)

    def test_generated_caseload_assesses(self):
        with scratch_dir() as tmp:
            path = os.path.join(tmp, "caseload.json")
            result = run("generate", "--children", "500", "--seed", "3", "-o", path)
            self.assertEqual(result.code, 0, result.errtext())
            with open(path) as f:
                data = json.load(f)
            self.assertEqual(sum(1 for p in data["persons"] if p["kind"] == "child"), 500)
            self.assertTrue(20 <= len(data["agencies"]) <= 40, len(data["agencies"]))
            concerns_per_child = len(data["concerns"]) / 500
            self.assertTrue(2.0 < concerns_per_child < 4.0, concerns_per_child)
            self.assertEqual(len({p["id"] for p in data["persons"]}), len(data["persons"]))
            assessed = run("assess", path, "--format", "json", *AS_OF)
            self.assertEqual(assessed.code, 0, assessed.errtext())
            levels = {c["level"] for c in json.loads(assessed.text())["children"]}
            self.assertTrue(len(levels) >= 3, levels)

    def test_bad_options(self):
        self.assertEqual(run("generate", "--children", "0").code, 2)
        self.assertEqual(run("generate", "--as-of", "2026-13-01").code, 2)


class WhatIfTest(unittest.TestCase):
    """safeguard what-if: a changed pack's rule impact, overall and by group (issue 18 item 4)."""

    def generated(self, tmp):
        case, groups = os.path.join(tmp, "case.json"), os.path.join(tmp, "groups.csv")
        outcomes = os.path.join(tmp, "outcomes.csv")
        made = run("generate", "--children", "1500", "--seed", "4", "-o", case,
                   "--outcomes", outcomes, "--groups", groups)
        self.assertEqual(made.code, 0, made.errtext())
        return case, groups

    def test_removing_a_rule_reports_transitions_groups_and_both_hashes(self):
        with scratch_dir() as tmp:
            case, groups = self.generated(tmp)
            # The analyst's own view: every count by group shown, so the groups add up.
            common = [case, "--groups", groups, *AS_OF, "--without", "multi-agency-corroboration",
                      "--suppress-below", "0"]
            result = run("what-if", *common, "--format", "json")
            self.assertEqual(result.code, 0, result.errtext())
            report = json.loads(result.text())
            pack = report["pack"]
            self.assertNotEqual(pack["hash_before"], pack["hash_after"])
            self.assertEqual(report["changes"], ["rule 'multi-agency-corroboration' removed"])
            changed = report["changed"]
            self.assertGreater(len(changed), 0)
            self.assertEqual(report["overall"]["up"], 0)  # taking points away never raises
            self.assertEqual(report["overall"]["down"], len(changed))
            for child in changed:  # restricted-basis lines are withheld from this viewer
                self.assertLessEqual(set(child["rules"]),
                                     {"multi-agency-corroboration", "propagation"})
            self.assertTrue(any(c["rules"] for c in changed))
            for attribute in ("planted_group", "control_group"):
                part = [g for g in report["groups"] if g["attribute"] == attribute]
                self.assertEqual(sum(g["children"] for g in part), report["overall"]["children"])
                self.assertEqual(sum(g["down"] for g in part), len(changed))
            text = run("what-if", *common).text()
            self.assertIn("pack hash before " + pack["hash_before"], text)
            self.assertIn("pack hash after  " + pack["hash_after"], text)
            self.assertIn("planted_group=A: ", text)
            table = list(csv.DictReader(io.StringIO(run("what-if", *common, "--format",
                                                        "csv").text())))
            self.assertEqual(len([r for r in table if r["table"] == "changed"]), len(changed))
            four = run("what-if", *common, "--format", "json", "--threads", "4")
            self.assertEqual(four.text(), result.text())

    def test_weight_one_changes_nothing_and_unknown_ids_are_named(self):
        with scratch_dir() as tmp:
            case, groups = self.generated(tmp)
            same = json.loads(run("what-if", case, "--groups", groups, *AS_OF, "--weight",
                                  "disabled-child=1", "--format", "json").text())
            self.assertEqual(same["changed"], [])
            self.assertEqual(same["pack"]["hash_before"], same["pack"]["hash_after"])
            bad = run("what-if", case, *AS_OF, "--without", "no-such-rule")
            self.assertEqual(bad.code, 2, bad.errtext())
            self.assertIn("entity 'no-such-rule': unknown rule 'no-such-rule'", bad.errtext())
            spec = os.path.join(tmp, "spec.toml")
            with open(spec, "w") as f:
                f.write("[thresholds.neglect]\nno-such-level = 4\n")
            bad = run("what-if", case, *AS_OF, "--spec", spec)
            self.assertEqual(bad.code, 2, bad.errtext())
            self.assertIn(spec + ":2:17: entity 'no-such-level': unknown level", bad.errtext())
            nothing = run("what-if", case, *AS_OF)
            self.assertEqual(nothing.code, 2)
            self.assertIn("nothing to change", nothing.errtext())

    def test_the_pack_file_is_never_changed(self):
        with scratch_dir() as tmp:
            case, groups = self.generated(tmp)
            pack = os.path.join(tmp, "pack.toml")
            shutil.copy(DEFAULT_PACK, pack)
            with open(pack, "rb") as f:
                before = f.read()
            result = run("what-if", case, "--rules", pack, *AS_OF, "--weight",
                         "disabled-child=3")
            self.assertEqual(result.code, 0, result.errtext())
            with open(pack, "rb") as f:
                self.assertEqual(f.read(), before)


class RefitTest(unittest.TestCase):
    """safeguard refit: proposed weights as a new pack version, never applied (issue 18 item 5)."""

    def test_refit_writes_a_new_version_that_lints_and_never_the_pack_read(self):
        with scratch_dir() as tmp:
            case, outcomes = os.path.join(tmp, "case.json"), os.path.join(tmp, "outcomes.csv")
            made = run("generate", "--children", "1500", "--seed", "4", "-o", case,
                       "--outcomes", outcomes)
            self.assertEqual(made.code, 0, made.errtext())
            pack = os.path.join(tmp, "pack.toml")
            shutil.copy(DEFAULT_PACK, pack)
            with open(pack, "rb") as f:
                before = f.read()
            new = os.path.join(tmp, "refit.toml")
            result = run("refit", case, "--rules", pack, "--outcomes", outcomes, *AS_OF,
                         "--write", new)
            self.assertEqual(result.code, 0, result.errtext())
            text = result.text()
            self.assertIn("--- safeguard-default 0.6.0\n+++ safeguard-default 0.6.0-refit.1", text)
            self.assertIn("lint of safeguard-default 0.6.0-refit.1: ", text)
            self.assertIn("written to " + new + " (not applied)", text)
            with open(pack, "rb") as f:
                self.assertEqual(f.read(), before)
            with open(new) as f:
                written = f.read()
            self.assertIn('version = "0.6.0-refit.1"', written)
            self.assertIn("# safeguard default multi-agency threshold pack.", written)
            lint = run("lint", new)
            self.assertIn(lint.code, (0, 6), lint.errtext())
            report = json.loads(run("refit", case, "--outcomes", outcomes, *AS_OF, "--format",
                                    "json").text())
            self.assertEqual(report["pack"]["new_version"], "0.6.0-refit.1")
            self.assertNotIn("null", json.dumps(report["rules"]))
            over = run("refit", case, "--rules", pack, "--outcomes", outcomes, *AS_OF,
                       "--write", pack)
            self.assertEqual(over.code, 2, over.errtext())
            self.assertIn("never over it", over.errtext())


    def test_a_marker_in_restricted_evidence_moves_nothing_an_uncleared_reader_sees(self):
        with scratch_dir() as tmp:
            case, outcomes = os.path.join(tmp, "case.json"), os.path.join(tmp, "outcomes.csv")
            made = run("generate", "--children", "1500", "--seed", "4", "-o", case,
                       "--outcomes", outcomes)
            self.assertEqual(made.code, 0, made.errtext())
            # The marker: one restricted physical injury about one child made more severe, and
            # that child's outcome flipped.
            with open(case) as f:
                document = json.load(f)
            marked = next(c for c in document["concerns"]
                          if c.get("restricted") and c["category"] == "physical_injury"
                          and len(c["about"]) == 1)
            marked["severity"] = 4 if marked.get("severity", 1) == 5 else 5
            document.pop("checksum", None)  # an edited file no longer matches it
            changed = os.path.join(tmp, "changed.json")
            with open(changed, "w") as f:
                json.dump(document, f)
            flipped = os.path.join(tmp, "flipped.csv")
            with open(outcomes) as f, open(flipped, "w") as out:
                for line in f:
                    if line.startswith(marked["about"][0] + ","):
                        line = line[:-2] + ("0" if line[-2] == "1" else "1") + "\n"
                    out.write(line)

            def refit(case_path, outcomes_path, *viewer):
                done = run("refit", case_path, "--outcomes", outcomes_path, *AS_OF, *viewer)
                self.assertEqual(done.code, 0, done.errtext())
                return done.text()

            shown = refit(case, outcomes)
            self.assertIn("viewer uncleared", shown)
            self.assertIn("children with an outcome left out: their results draw on evidence "
                          "withheld from this reader", shown)
            self.assertEqual(refit(changed, outcomes), shown)
            self.assertEqual(refit(case, flipped), shown)
            self.assertEqual(refit(changed, flipped), shown)
            everything = refit(case, outcomes, "--viewer", "*")
            self.assertIn("viewer cleared for everything", everything)
            self.assertNotEqual(refit(changed, outcomes, "--viewer", "*"), everything)
            self.assertNotEqual(refit(case, flipped, "--viewer", "*"), everything)


class ProgressTest(unittest.TestCase):
    """A progress bar on standard error when it is a terminal, and none when it is not."""

    def test_no_bar_when_not_a_terminal(self):
        result = run("generate", "--children", "5000", "--seed", "1")
        self.assertEqual(result.code, 0)
        self.assertEqual(result.err, b"")

    @staticmethod
    def run_on_terminal(*args):
        """Runs the program with standard error on a pseudo-terminal; returns the exit code,
        standard output and what the terminal received. The terminal is read while the program
        runs, so a chatty program never blocks on a full terminal buffer."""
        controller, terminal = pty.openpty()
        with tempfile.TemporaryFile() as stdout:
            process = subprocess.Popen([SAFEGUARD, *args], stdout=stdout, stderr=terminal)
            os.close(terminal)
            seen = b""
            while True:
                ready, _, _ = select.select([controller], [], [], 0.1)
                if ready:
                    try:
                        chunk = os.read(controller, 65536)
                    except OSError:  # EIO: the program closed its end
                        chunk = b""
                    if not chunk and process.poll() is not None:
                        break
                    seen += chunk
                elif process.poll() is not None:
                    break
            os.close(controller)
            code = process.wait(timeout=120)
            stdout.seek(0)
            return code, stdout.read(), seen

    def test_bar_on_a_terminal(self):
        code, out, seen = self.run_on_terminal("generate", "--children", "5000", "--seed", "1")
        self.assertEqual(code, 0)
        self.assertIn(b"generate [", seen)
        self.assertIn(b"100%", seen)
        # The bar never reaches standard output: the case file is intact.
        json.loads(out)

    def test_no_progress_flag(self):
        code, _, seen = self.run_on_terminal("generate", "--children", "5000", "--seed", "1",
                                             "--no-progress")
        self.assertEqual(code, 0)
        self.assertEqual(seen, b"")

    def test_small_jobs_draw_no_bar(self):
        code, _, seen = self.run_on_terminal("generate", "--children", "50", "--seed", "1")
        self.assertEqual(code, 0)
        self.assertEqual(seen, b"")


class ViewsTest(unittest.TestCase):
    """Every output of the program for an uncleared viewer over a case with restricted
    evidence (tests/data/views: each detail of the restricted concern is a marker found nowhere
    else) holds none of its details. The library's own outputs are checked the same way in
    tests/unit/test_views.cpp."""

    CASE = os.path.join(SOURCE_DIR, "tests", "data", "views", "case.json")
    PACK = os.path.join(SOURCE_DIR, "tests", "data", "views", "pack.toml")
    # Its id, category, source (id, type, name), dates, summary, the id and title of the rule
    # that fired only on it, and (explanations only) the person it is about and the path.
    MARKERS = ("C-MRK-ID-9XW", "mrkcat-k2f9", "AG-MRK-7QX", "mrktype-intel-3zv", "MRKNAME",
               "2026-03-17", "2026-03-19", "MRKSUMMARY", "mrkrule-only", "MRKRULETITLE",
               "mrkoverride-vw", "MRKOVERRIDEREASON")
    # The ecomap (also inside the report) draws the child's circle, the carer among them,
    # whatever the evidence says.
    PERSONAL = ("P-MRK-ADULT-8JD", "carer")

    def output(self, *args):
        result = run(*args, self.CASE, "--rules", self.PACK, "--child", "P-VW-C1", *AS_OF)
        self.assertEqual(result.code, 0, result.errtext())
        return result.text()

    def outputs(self, *viewer):
        out = {"explain " + f: self.output("explain", "--format", f, *viewer)
               for f in ("text", "json", "csv")}
        out["report"] = self.output("report", "--no-ecomap", *viewer)
        for f in ("table", "json", "csv"):
            result = run("assess", self.CASE, "--rules", self.PACK, "--format", f, *AS_OF,
                         *viewer)
            self.assertEqual(result.code, 0, result.errtext())
            out["assess " + f] = result.text()
        ecomap = {"ecomap dot": self.output("ecomap", "--all-evidence", *viewer)}
        if shutil.which("dot"):
            ecomap["ecomap svg"] = self.output("ecomap", "--format", "svg", *viewer)
            ecomap["report with ecomap"] = self.output("report", *viewer)
        return out, ecomap

    def test_no_output_shows_restricted_details(self):
        for viewer in ((), ("--viewer", "school"), ("--viewer", "AG-MRK")):
            out, ecomap = self.outputs(*viewer)
            for name, text in out.items():
                for marker in self.MARKERS + self.PERSONAL:
                    with self.subTest(viewer=viewer, output=name, marker=marker):
                        self.assertNotIn(marker, text)
            for name, text in ecomap.items():
                for marker in self.MARKERS:
                    with self.subTest(viewer=viewer, output=name, marker=marker):
                        self.assertNotIn(marker, text)
                self.assertIn("restricted source", text)
            self.assertIn("restricted source", out["report"])

    def test_a_cleared_viewer_sees_them(self):
        out, ecomap = self.outputs("--viewer", "AG-MRK-7QX")
        for name in ("explain text", "explain json", "explain csv", "report"):
            with self.subTest(output=name):
                self.assertIn("C-MRK-ID-9XW", out[name])
                self.assertIn("MRKRULETITLE", out[name])
        self.assertIn("MRKSUMMARY", out["report"])
        for name in ("explain text", "explain json", "report", "assess csv"):
            with self.subTest(output=name):
                self.assertIn("mrkoverride-vw", out[name])
        self.assertIn("mrkcat", ecomap["ecomap dot"])



    def test_an_index_fed_only_by_restricted_evidence_is_named_nowhere(self):
        # pack_index.toml: the restricted concern alone feeds index mrkindex-4hd
        # (MRKINDEXTITLE) and sets the level; for an uncleared reader its points fold into one
        # neutral line, and the index shows only what the reader sees on it (nothing).
        pack = os.path.join(SOURCE_DIR, "tests", "data", "views", "pack_index.toml")

        def output(*args):
            result = run(*args, self.CASE, "--rules", pack, "--child", "P-VW-C1", *AS_OF)
            self.assertEqual(result.code, 0, result.errtext())
            return result.text()

        for viewer in ((), ("--viewer", "school")):
            out = {"explain " + f: output("explain", "--format", f, *viewer)
                   for f in ("text", "json", "csv")}
            out["report"] = output("report", "--no-ecomap", *viewer)
            for name, text in out.items():
                for marker in self.MARKERS + self.PERSONAL + ("Set by the MRKINDEXTITLE",
                                                              "3.60", "3.6,"):
                    with self.subTest(viewer=viewer, output=name, marker=marker):
                        self.assertNotIn(marker, text)
                with self.subTest(viewer=viewer, output=name):
                    self.assertIn("Information held by another agency", text)
            rows = list(csv.DictReader(io.StringIO(out["explain csv"])))
            self.assertNotIn("mrkindex-4hd", {row["index"] for row in rows})
            self.assertEqual(sum(row["restricted"] == "true" for row in rows), 1)
        cleared = output("report", "--no-ecomap", "--viewer", "AG-MRK-7QX")
        self.assertIn("Set by the MRKINDEXTITLE index", cleared)


class JoinedTest(unittest.TestCase):
    """safeguard joined: the Ash household as table, JSON and CSV; the same output for any
    thread count; an uncleared viewer gets nothing of tests/data/joining's restricted marker
    concern (the library's outputs: tests/unit/test_joining.cpp)."""

    CASE = os.path.join(SOURCE_DIR, "tests", "data", "joining", "case.json")
    PACK = os.path.join(SOURCE_DIR, "tests", "data", "joining", "pack.toml")
    # The restricted concern's id, category, source (id, type, name), dates and summary, and the
    # ids and titles of the rules and the override that fire only on it.
    MARKERS = ("C-MRK-ID-9XW", "mrkcat-k2f9", "AG-MRK-7QX", "mrktype-intel-3zv", "MRKNAME",
               "2026-09-17", "2026-09-19", "MRKSUMMARY", "mrkrule-only", "MRKRULETITLE",
               "mrkchild-only", "MRKCHILDTITLE", "mrkoverride-only", "MRKOVERRIDEREASON")

    def joined(self, *args):
        result = run("joined", *args)
        self.assertEqual(result.code, 0, result.errtext())
        return result.text()

    def test_the_ash_children_top_the_list(self):
        document = json.loads(self.joined(FAMILIES, *AS_OF, "--viewer", "*", "--format", "json"))
        self.assertEqual(document["as_of"], "2026-11-01")
        top = {c["child"]: c for c in document["triage"][:2]}
        self.assertEqual(set(top), {"P-ASH-C1", "P-ASH-C2"})
        for child in top.values():
            self.assertEqual(child["joined"]["level"], "child_in_need")
            self.assertEqual(child["best_alone"]["level"], "universal")
            self.assertTrue(child["only_when_joined"])
            self.assertEqual(len(child["fragments"]), 4)
        # Corroboration counts worries about care only (pack 0.3.0): not the police call-out.
        self.assertEqual(top["P-ASH-C2"]["minimal_sets"],
                         [["AG-GP-01", "AG-HSG-01", "AG-SCH-01"]])
        table = self.joined(FAMILIES, *AS_OF, "--viewer", "*")
        self.assertIn("VISIBLE ONLY WHEN JOINED", table)
        self.assertIn("joining fired: multi-agency-corroboration", table)
        rows = list(csv.DictReader(io.StringIO(
            self.joined(FAMILIES, *AS_OF, "--viewer", "*", "--format", "csv", "--top", "2"))))
        self.assertEqual(len(rows), 8)  # two children, four agencies each
        self.assertEqual({r["joined_level"] for r in rows}, {"child_in_need"})

    def test_threads_do_not_change_the_output(self):
        one = self.joined(FAMILIES, *AS_OF, "--format", "json", "--threads", "1")
        many = self.joined(FAMILIES, *AS_OF, "--format", "json", "--threads", "4")
        self.assertEqual(one, many)

    def test_the_greedy_search_is_stated(self):
        table = self.joined(FAMILIES, *AS_OF, "--viewer", "*", "--exact-up-to", "2")
        self.assertIn("greedy", table)
        bad = run("joined", FAMILIES, *AS_OF, "--exact-up-to", "21")
        self.assertEqual(bad.code, 2)

    def test_an_uncleared_viewer_gets_no_restricted_detail(self):
        for viewer in ((), ("--viewer", "school"), ("--viewer", "AG-MRK")):
            for form in ("table", "json", "csv"):
                with self.subTest(viewer=viewer, format=form):
                    text = self.joined(self.CASE, "--rules", self.PACK, *AS_OF, "--format", form,
                                       *viewer)
                    for marker in self.MARKERS:
                        self.assertNotIn(marker, text)
                    self.assertIn("restricted source", text)
            with self.subTest(viewer=viewer, output="report"):
                report = run("report", self.CASE, "--rules", self.PACK, "--child", "P-JN-C1",
                             "--no-ecomap", *AS_OF, *viewer)
                self.assertEqual(report.code, 0, report.errtext())
                # The joining section only: the rest of the report names rules about the child
                # and overrides that read restricted evidence (a known gap of the explanation,
                # issue 13), which the joining section must not repeat.
                html = report.text()
                start = html.index('<section class="joining"')
                section = html[start:html.index("</section>", start)]
                self.assertIn("What each agency sees alone", section)
                self.assertIn("visible only when joined", section)
                self.assertIn("restricted source", section)
                for marker in self.MARKERS:
                    self.assertNotIn(marker, section)
        cleared = self.joined(self.CASE, "--rules", self.PACK, *AS_OF, "--format", "json",
                              "--viewer", "AG-MRK-7QX")
        self.assertIn("C-MRK-ID-9XW", cleared)
        self.assertIn("MRKRULETITLE", cleared)

    def test_a_training_pack_is_written_the_same_for_the_same_seed(self):
        with scratch_dir() as tmp:
            pages = []
            for name in ("a", "b"):
                result = run("training", "-o", os.path.join(tmp, name), "--seed", "7",
                             "--difficulty", "3", "--scenarios", "2")
                self.assertEqual(result.code, 0, result.errtext())
                root = os.path.join(tmp, name)
                pages.append({os.path.relpath(os.path.join(d, f), root):
                              open(os.path.join(d, f), encoding="utf-8").read()
                              for d, _, files in os.walk(root) for f in files})
            self.assertEqual(pages[0], pages[1])
            self.assertIn("index.html", pages[0])
            self.assertIn(os.path.join("scenario-1", "reveal.html"), pages[0])
            reveal = pages[0][os.path.join("scenario-1", "reveal.html")]
            self.assertIn("3 agencies had to share", reveal)
            if shutil.which("dot"):
                self.assertIn("<h2>Ecomap</h2>\n<figure>\n<svg", reveal)
        self.assertEqual(run("training", "-o", "x", "--difficulty", "9").code, 2)

    def test_propagated_risk_kept_apart_is_joined_and_included_is_refused(self):
        views = os.path.join(SOURCE_DIR, "tests", "data", "views")
        apart = run("joined", os.path.join(views, "case.json"), "--rules",
                    os.path.join(views, "pack.toml"), *AS_OF)
        self.assertEqual(apart.code, 0, apart.errtext())
        result = run("joined", os.path.join(views, "case.json"), "--rules",
                     os.path.join(views, "pack_included.toml"), *AS_OF)
        self.assertEqual(result.code, 5, result.errtext())
        self.assertIn('contextual = "apart"', result.errtext())


class SafetyTest(unittest.TestCase):
    """The present-danger safety decision beside the level (docs/rules.md, "Safety"): the
    assess table's SAFETY column, its JSON and CSV fields, the explain section and the report's
    paragraph, on tests/data/safety; a finding on restricted evidence is withheld from a reader
    not cleared for it, the decision stays."""

    CASE = os.path.join(SOURCE_DIR, "tests", "data", "safety", "case.json")
    PACK = os.path.join(SOURCE_DIR, "tests", "data", "safety", "pack.toml")

    def run_ok(self, *args):
        result = run(*args, "--rules", self.PACK, *AS_OF)
        self.assertEqual(result.code, 0, result.errtext())
        return result.text()

    def test_assess_table_json_and_csv(self):
        table = self.run_ok("assess", self.CASE)
        self.assertIn("SAFETY", table.splitlines()[3])
        rows = {line.split()[0]: line.split() for line in table.splitlines()[4:] if line.strip()}
        self.assertEqual(rows["C-SAFE"][2], "safe")
        self.assertEqual(rows["C-PLAN"][2], "safe_with_plan")
        self.assertEqual(rows["C-UNSAFE"][2], "unsafe")
        children = {c["child"]: c for c in
                    json.loads(self.run_ok("assess", self.CASE, "--format", "json"))["children"]}
        self.assertEqual(children["C-PLAN"]["safety"], {
            "decision": "safe_with_plan",
            "findings": [
                {"kind": "danger", "id": "serious-injury",
                 "title": "A serious injury to the child", "evidence": "SF-3",
                 "restricted": False},
                {"kind": "plan", "id": "written-plan", "title": "A written safety plan",
                 "evidence": "SF-F1", "restricted": False}]})
        alone = children["C-ALONE"]["safety"]
        self.assertEqual(alone["decision"], "unsafe")
        self.assertEqual(alone["findings"], [
            {"kind": "danger", "id": None,
             "title": "a present danger on restricted information", "evidence": None,
             "restricted": True}])
        rows = {r["child"]: r for r in csv.DictReader(io.StringIO(
            self.run_ok("assess", self.CASE, "--format", "csv")))}
        self.assertEqual(rows["C-PLAN"]["safety"], "safe_with_plan")
        self.assertEqual(rows["C-PLAN"]["safety_findings"],
                         "danger:serious-injury@SF-3;plan:written-plan@SF-F1")
        self.assertEqual(rows["C-ALONE"]["safety_findings"], "danger:restricted")
        cleared = {r["child"]: r for r in csv.DictReader(io.StringIO(self.run_ok(
            "assess", self.CASE, "--format", "csv", "--viewer", "police")))}
        self.assertEqual(cleared["C-ALONE"]["safety_findings"], "danger:left-alone")

    def test_explain_and_report(self):
        text = self.run_ok("explain", self.CASE, "--child", "C-PLAN")
        self.assertIn("Safety: safe with a plan", text)
        self.assertIn("danger serious-injury: A serious injury to the child (SF-3)", text)
        self.assertIn("plan written-plan: A written safety plan (SF-F1)", text)
        data = json.loads(self.run_ok("explain", self.CASE, "--child", "C-ALONE", "--format",
                                      "json"))
        child = data[0]
        self.assertEqual(child["safety"]["decision"], "unsafe")
        self.assertEqual(child["safety"]["dangers"][0]["id"], None)
        for args in (("explain",), ("report", "--no-ecomap")):
            out = self.run_ok(*args, self.CASE, "--child", "C-ALONE")
            self.assertNotIn("left alone", out)
            self.assertNotIn("left-alone", out)
            self.assertIn("a present danger on restricted information", out)
        report = self.run_ok("report", self.CASE, "--child", "C-PLAN", "--no-ecomap")
        self.assertIn("<h3 id=\"safety\">Safety</h3>", report)
        self.assertIn("safe with a plan", report)
        self.assertIn("Safety plan: A written safety plan (SF-F1)", report)

    def test_a_pack_without_safety_has_no_column(self):
        table = run("assess", self.CASE, "--rules",
                    os.path.join(SOURCE_DIR, "tests", "data", "views", "pack.toml"), *AS_OF)
        self.assertNotIn("SAFETY", table.text())


def run_with_stdout_on_terminal(*args, env=None):
    """Runs the program with standard output on a pseudo-terminal; returns the exit code and
    what the terminal received."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen([SAFEGUARD, *args], stdout=terminal, stderr=subprocess.DEVNULL,
                               env=env)
    os.close(terminal)
    seen = b""
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # EIO: the program closed its end
            chunk = b""
        if not chunk:
            break
        seen += chunk
    os.close(controller)
    return process.wait(timeout=120), seen


class ConventionsTest(unittest.TestCase):
    """What git and ripgrep users expect: one error prefix and a documented exit code for every
    error, suggestions for typos, '-' for standard input and output, the operating system's
    reason on I/O errors, NO_COLOR and --color, and a clear word when --child names an adult."""

    def assert_usage_error(self, result, *expected):
        self.assertEqual(result.code, 2, result.errtext())
        text = result.errtext()
        self.assertTrue(text.startswith("safeguard: error: "), text)
        self.assertEqual(text.count("\n"), 1, text)  # one line, no CLI11 banner
        for fragment in expected:
            self.assertIn(fragment, text)

    def test_a_negative_one_digit_value_names_its_option(self):
        # "-1" reads as a short option's name to the parser: it is named as the option's value.
        self.assert_usage_error(run("assess", FAMILIES, "--threads", "-1"),
                                "--threads: '-1' is not a value it takes")
        self.assert_usage_error(run("generate", "--children", "-5"),
                                "--children: '-5' is not a value it takes")
        # After a flag, which takes no value, it is still an unknown option.
        self.assert_usage_error(run("assess", FAMILIES, "--no-progress", "-5"),
                                "unknown option '-5'")

    def test_mistyped_command_suggests_the_command(self):
        self.assert_usage_error(run("asess", FAMILIES), "unknown command 'asess'",
                                "did you mean 'assess'?")

    def test_unknown_command_with_no_close_match_lists_the_commands(self):
        result = run("frobnicate")
        self.assert_usage_error(result, "unknown command 'frobnicate'", "assess, explain")
        self.assertNotIn("did you mean", result.errtext())

    def test_mistyped_option_suggests_the_option(self):
        self.assert_usage_error(run("assess", FAMILIES, "--as-off", "2026-11-01"),
                                "unknown option '--as-off' for 'assess'",
                                "did you mean '--as-of'?")
        self.assert_usage_error(run("explain", FAMILIES, "--chlid=P-ASH-C1"),
                                "did you mean '--child'?")

    def test_numbers_and_dates_on_the_command_line_are_read_strictly(self):
        """One strict reader for every numeric and date option: plain decimal only, in range,
        never clamped or wrapped, never an empty date; the message names the option and
        quotes none of a long input."""
        huge = "9" * 100000
        refusals = [
            (("assess", FAMILIES, "--as-of", ""), "--as-of", "not empty"),
            (("explain", FAMILIES, "--as-of="), "--as-of", "missing"),
            (("generate", "--as-of", ""), "--as-of", "not empty"),
            (("generate", "--seed=-1"), "--seed", "out of range"),
            (("generate", "--seed", "18446744073709551616"), "--seed", "out of range"),
            (("generate", "--seed", huge), "--seed", "out of range"),
            (("generate", "--seed", "0x10"), "--seed", "decimal digits"),
            (("generate", "--seed", "+5"), "--seed", "decimal digits"),
            (("generate", "--seed", " 5"), "--seed", "decimal digits"),
            (("generate", "--children", "1e3"), "--children", "decimal digits"),
            (("generate", "--planted-slope", "0x1p3"), "--planted-slope", "decimal digits"),
            (("generate", "--planted-slope", "inf"), "--planted-slope", "decimal digits"),
            (("generate", "--planted-slope", huge), "--planted-slope", "out of range"),
            (("assess", FAMILIES, *AS_OF, "--threads=-1"), "--threads", "out of range"),
            (("assess", FAMILIES, *AS_OF, "--threads", "4294967296"), "--threads", "out of range"),
            (("assess", FAMILIES, *AS_OF, "--max-case-bytes", "99999999999999999999"),
             "--max-case-bytes", "out of range"),
            (("assess", FAMILIES, *AS_OF, "--max-case-bytes", "17179869184T"),
             "--max-case-bytes", "out of range"),
            (("assess", FAMILIES, *AS_OF, "--max-case-bytes", "0x10"), "--max-case-bytes",
             "size in bytes"),
            (("joined", FAMILIES, *AS_OF, "--top=-3"), "--top", "out of range"),
            (("training", "-o", "unused", "--seed", "1.5"), "--seed", "decimal digits"),
            (("export-cin", FAMILIES, "--from", ""), "--from", "not empty"),
            (("what-if", FAMILIES, *AS_OF, "--weight", "r=0x10"), "--weight", "decimal digits"),
            (("what-if", FAMILIES, *AS_OF, "--weight", "r=" + huge), "--weight", "out of range"),
            (("what-if", FAMILIES, *AS_OF, "--threshold", "i.l=1e2"), "--threshold",
             "decimal digits"),
        ]
        for args, option, reason in refusals:
            with self.subTest(args=[a[:30] for a in args]):
                result = run(*args)
                self.assert_usage_error(result, option, reason)
                self.assertLess(len(result.errtext()), 300)
        # The plain forms still work, at the edges of their range.
        self.assertEqual(run("generate", "--children", "3", "--seed",
                             "18446744073709551615").code, 0)
        self.assertEqual(run("generate", "--children", "3", "--seed", "0").code, 0)
        self.assertEqual(run("assess", FAMILIES, *AS_OF, "--max-case-bytes", "16GiB").code, 0)

    def test_every_parse_error_has_the_prefix(self):
        self.assert_usage_error(run(), "subcommand")
        self.assert_usage_error(run("assess"), "case")
        self.assert_usage_error(run("assess", FAMILIES, "--threads", "many"), "--threads")
        self.assert_usage_error(run("assess", FAMILIES, "--format", "xml"), "xml")
        self.assert_usage_error(run("assess", FAMILIES, "--color", "sometimes"), "sometimes")

    def test_help_and_version_still_succeed(self):
        self.assertEqual(run("--help").code, 0)
        self.assertEqual(run("assess", "--help").code, 0)
        result = run("--version")
        self.assertEqual(result.code, 0)
        self.assertRegex(result.text(), r"^[0-9]+\.[0-9]+\.[0-9]+")

    def test_results_do_not_depend_on_the_heap_tunable(self):
        # The program runs itself again with glibc.malloc.hugetlb=1 added to GLIBC_TUNABLES
        # (tools/main.cpp) unless the environment names it already; other tunables are kept.
        with open(FAMILIES, "rb") as f:
            data = f.read()
        outputs = []
        for tunables in (None, "glibc.malloc.hugetlb=0", "glibc.malloc.tcache_count=0"):
            env = dict(os.environ)
            env.pop("GLIBC_TUNABLES", None)
            if tunables is not None:
                env["GLIBC_TUNABLES"] = tunables
            result = run("assess", "-", *AS_OF, "--format", "csv", env=env, stdin=data)
            self.assertEqual(result.code, 0, result.errtext())
            outputs.append(result.out)
        self.assertEqual(outputs[0], outputs[1])
        self.assertEqual(outputs[0], outputs[2])
        self.assertGreater(outputs[0].count(b"\n"), 1)

    def test_case_file_from_standard_input(self):
        with open(FAMILIES, "rb") as f:
            data = f.read()
        piped = run("assess", "-", *AS_OF, "--format", "json", stdin=data)
        self.assertEqual(piped.code, 0, piped.errtext())
        direct = run("assess", FAMILIES, *AS_OF, "--format", "json")
        self.assertEqual(json.loads(piped.out)["children"], json.loads(direct.out)["children"])
        bad = run("assess", "-", *AS_OF, stdin=b'{"schema_version": 1,\n "persons": [}')
        self.assertEqual(bad.code, 4)
        self.assertIn("<stdin>:2:", bad.errtext())

    def test_rule_pack_from_standard_input(self):
        with open(DEFAULT_PACK, "rb") as f:
            pack = f.read()
        result = run("assess", FAMILIES, "--rules", "-", *AS_OF, "--format", "json", stdin=pack)
        self.assertEqual(result.code, 0, result.errtext())
        both = run("assess", "-", "--rules", "-", *AS_OF, stdin=pack)
        self.assertEqual(both.code, 2)
        self.assertTrue(both.errtext().startswith("safeguard: error: "))

    def test_output_to_standard_output_with_a_dash(self):
        result = run("assess", FAMILIES, *AS_OF, "--format", "json", "-o", "-")
        self.assertEqual(result.code, 0)
        json.loads(result.out)

    def test_io_errors_give_the_operating_system_reason(self):
        missing = run("assess", "/nonexistent/case.json", *AS_OF)
        self.assertEqual(missing.code, 3)
        self.assertIn("/nonexistent/case.json", missing.errtext())
        self.assertIn("No such file or directory", missing.errtext())
        with scratch_dir() as tmp:
            directory = run("assess", tmp, *AS_OF)
            self.assertEqual(directory.code, 3)
            self.assertIn("is a directory", directory.errtext())
            pack = run("assess", FAMILIES, *AS_OF, "--rules", os.path.join(tmp, "missing.toml"))
            self.assertEqual(pack.code, 3)
            self.assertIn("No such file or directory", pack.errtext())
            linted = run("lint", os.path.join(tmp, "missing.toml"))  # lint reports on stdout
            self.assertEqual(linted.code, 3)
            self.assertIn("No such file or directory", linted.text())
            unwritable = run("assess", FAMILIES, *AS_OF, "-o",
                             os.path.join(tmp, "no", "such", "dir", "out.txt"))
            self.assertEqual(unwritable.code, 3)
            self.assertIn("could not write", unwritable.errtext())
            self.assertIn("No such file or directory", unwritable.errtext())

    def test_an_adult_given_as_child_says_it_is_an_adult(self):
        result = run("explain", FAMILIES, "--child", "P-ASH-M", *AS_OF)
        self.assertEqual(result.code, 7)
        self.assertIn("'P-ASH-M' is an adult", result.errtext())
        self.assertIn("--child takes a child's id", result.errtext())
        agency = run("explain", FAMILIES, "--child", "AG-SCH-01", *AS_OF)
        self.assertEqual(agency.code, 7)
        self.assertIn("is an agency", agency.errtext())
        nobody = run("explain", FAMILIES, "--child", "P-NOBODY", *AS_OF)
        self.assertIn("no child with id 'P-NOBODY'", nobody.errtext())

    def test_a_restricted_concern_given_as_child_is_not_said_to_exist(self):
        # Found by the outside check of issue 16: "'C-ASH-3' is a concern in the case file"
        # told a reader guessing ids that the police's restricted report exists. It is
        # answered as an id that names nothing, in every command that takes --child.
        for command in (["explain"], ["timeline"], ["ecomap"], ["report", "-o", os.devnull]):
            restricted = run(*command, FAMILIES, "--child", "C-ASH-3", *AS_OF)
            self.assertEqual(restricted.code, 7, restricted.errtext())
            self.assertIn("no child with id 'C-ASH-3' in the case file", restricted.errtext())
            self.assertNotIn("concern", restricted.errtext())
        shown = run("explain", FAMILIES, "--child", "C-ASH-1", *AS_OF)
        self.assertIn("'C-ASH-1' is a concern", shown.errtext())

    def test_colour_follows_no_color_and_the_color_option(self):
        args = ["timeline", TIMELINE, "--as-of", "2026-11-23"]
        env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
        code, seen = run_with_stdout_on_terminal(*args, env=env)
        self.assertEqual(code, 0)
        self.assertIn(b"\033[", seen)  # a terminal gets colour by default
        code, seen = run_with_stdout_on_terminal(*args, env=dict(env, NO_COLOR="1"))
        self.assertEqual(code, 0)
        self.assertNotIn(b"\033[", seen)
        code, seen = run_with_stdout_on_terminal(*args, "--color", "never", env=env)
        self.assertNotIn(b"\033[", seen)
        code, seen = run_with_stdout_on_terminal("--color", "always", *args,
                                                 env=dict(env, NO_COLOR="1"))
        self.assertIn(b"\033[", seen)  # the command line wins over the environment
        piped = run(*args, "--color", "always")
        self.assertIn("\033[", piped.text())
        self.assertNotIn("\033[", run(*args).text())

    def test_progress_bar_shows_rate_and_time_left(self):
        code, _, seen = ProgressTest.run_on_terminal("generate", "--children", "5000", "--seed",
                                                     "1")
        self.assertEqual(code, 0)
        self.assertRegex(seen.decode("utf-8", "replace"), r"[0-9.]+[kM]?/s, [0-9hm]+s? left")

if __name__ == "__main__":
    unittest.main()
