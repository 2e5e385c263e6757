#!/usr/bin/env python3
"""safeguard store: import a case file into a store, export it as known at a record time, and
say what a store holds; bad stores and bad options give the documented exit codes."""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from cli_helpers import FAMILIES, OAK, run, scratch_dir  # noqa: E402

T0 = "2026-11-02T09:00:00Z"
T0_SECONDS = 1793610000  # the same instant


class StoreTest(unittest.TestCase):
    def setUp(self):
        self.scratch = scratch_dir()
        self.dir = self.scratch.name
        self.store = os.path.join(self.dir, "case.store")

    def tearDown(self):
        self.scratch.cleanup()

    def import_case(self, path, when, *extra):
        return run("store", "import", self.store, path, "--recorded-at", when, "--author",
                   "worker-7", *extra)

    def test_a_full_export_imported_again_with_upsert_restates_it(self):
        self.assertEqual(self.import_case(FAMILIES, T0).code, 0)
        first = run("store", "export", self.store, "--as-of", "2026-11-01").out
        refused = self.import_case(FAMILIES, "2026-11-03T09:00:00Z")
        self.assertEqual(refused.code, 4, refused.errtext())
        self.assertIn("duplicate", refused.errtext())
        again = self.import_case(FAMILIES, "2026-11-03T09:00:00Z", "--upsert", "--no-progress")
        self.assertEqual(again.code, 0, again.errtext())
        self.assertIn("as revision 2", again.errtext())
        self.assertEqual(run("store", "export", self.store, "--as-of", "2026-11-01").out, first)

    def test_import_then_export_gives_back_the_case_file(self):
        done = self.import_case(FAMILIES, T0, "--reason", "initial load", "--source-system", "cms")
        self.assertEqual(done.code, 0, done.errtext())
        self.assertIn("as revision 1", done.errtext())
        exported = run("store", "export", self.store, "--as-of", "2026-11-01")
        self.assertEqual(exported.code, 0, exported.errtext())
        direct = run("assess", FAMILIES, "--format", "json", "--as-of", "2026-11-01")
        from_store = os.path.join(self.dir, "from-store.json")
        with open(from_store, "wb") as out:
            out.write(exported.out)
        again = run("assess", from_store, "--format", "json", "--as-of", "2026-11-01")
        self.assertEqual(again.code, 0, again.errtext())
        self.assertEqual(json.loads(direct.out)["children"], json.loads(again.out)["children"])

    def test_export_as_known_at_an_earlier_record_time(self):
        self.assertEqual(self.import_case(FAMILIES, T0).code, 0)
        later = self.import_case(OAK, str(T0_SECONDS + 3600))
        self.assertEqual(later.code, 0, later.errtext())
        self.assertIn("as revision 2", later.errtext())
        then = run("store", "export", self.store, "--as-of", "2026-11-01", "--known-at", T0)
        now = run("store", "export", self.store, "--as-of", "2026-11-01")
        self.assertEqual(then.code, 0, then.errtext())
        with open(FAMILIES, "rb") as source:
            families = json.load(source)
        ids = lambda case: sorted(p["id"] for p in json.loads(case)["persons"])
        self.assertEqual(ids(then.out), sorted(p["id"] for p in families["persons"]))
        self.assertGreater(len(ids(now.out)), len(ids(then.out)))

    def test_info(self):
        self.assertEqual(self.import_case(FAMILIES, T0).code, 0)
        info = run("store", "info", self.store, "--format", "json")
        self.assertEqual(info.code, 0, info.errtext())
        facts = json.loads(info.out)
        self.assertEqual(facts["revision"], 1)
        self.assertEqual(facts["last_recorded_at"], T0_SECONDS)
        self.assertEqual(facts["last_author"], "worker-7")
        self.assertGreater(facts["changes"], 10)
        text = run("store", "info", self.store)
        self.assertEqual(text.code, 0)
        self.assertIn("revision    1", text.text())

    def test_errors_and_exit_codes(self):
        missing = os.path.join(self.dir, "missing.store")
        for args in (("info", missing), ("export", missing, "--as-of", "2026-11-01")):
            failed = run("store", *args)
            self.assertEqual(failed.code, 3, failed.errtext())
            self.assertIn(missing, failed.errtext())
            self.assertFalse(os.path.exists(missing))
        # A case file is not a store, and is left as it was.
        with open(FAMILIES, "rb") as source:
            before = source.read()
        not_a_store = os.path.join(self.dir, "case.json")
        with open(not_a_store, "wb") as out:
            out.write(before)
        failed = run("store", "info", not_a_store)
        self.assertEqual(failed.code, 3)
        self.assertIn("not a database", failed.errtext())
        with open(not_a_store, "rb") as again:
            self.assertEqual(again.read(), before)
        # A bad record time, and record time going back.
        self.assertEqual(self.import_case(FAMILIES, "yesterday").code, 2)
        self.assertEqual(self.import_case(FAMILIES, T0).code, 0)
        back = self.import_case(OAK, str(T0_SECONDS - 1))
        self.assertEqual(back.code, 4, back.errtext())
        self.assertIn("earlier than the last batch", back.errtext())
        # An invalid case file changes nothing.
        broken = os.path.join(self.dir, "broken.json")
        with open(broken, "w") as out:
            out.write('{"schema_version": 1, "persons": [')
        failed = self.import_case(broken, str(T0_SECONDS + 60))
        self.assertEqual(failed.code, 4)
        info = json.loads(run("store", "info", self.store, "--format", "json").out)
        self.assertEqual(info["revision"], 1)

    def test_new_files_are_owner_only_and_replaced_files_keep_their_mode(self):
        """A new store and a new output file hold personal data: created 0600 whatever the
        umask (SECURITY.md); a file written over keeps the mode it had."""
        old_umask = os.umask(0o022)
        try:
            self.assertEqual(self.import_case(FAMILIES, T0).code, 0)
            exported = os.path.join(self.dir, "exported.json")
            done = run("store", "export", self.store, "--as-of", "2026-11-01", "-o", exported)
            self.assertEqual(done.code, 0, done.errtext())
            generated = os.path.join(self.dir, "generated.json")
            done = run("generate", "--children", "3", "-o", generated)
            self.assertEqual(done.code, 0, done.errtext())
            for path in (self.store, exported, generated):
                self.assertEqual(os.stat(path).st_mode & 0o777, 0o600, path)
            os.chmod(exported, 0o640)
            done = run("store", "export", self.store, "--as-of", "2026-11-01", "-o", exported)
            self.assertEqual(done.code, 0, done.errtext())
            self.assertEqual(os.stat(exported).st_mode & 0o777, 0o640)
        finally:
            os.umask(old_umask)

    def test_a_store_path_that_is_not_a_regular_file_is_refused_and_left_alone(self):
        """A FIFO (a device would do the same) or a directory is refused before SQLite opens
        it, which would leave a "-journal" file beside it."""
        fifo = os.path.join(self.dir, "pipe.store")
        os.mkfifo(fifo)
        folder = os.path.join(self.dir, "folder.store")
        os.mkdir(folder)
        for path, reason in ((fifo, "not a regular file"), (folder, "it is a directory")):
            for args in (("info", path), ("import", path, FAMILIES, "--recorded-at", T0,
                                          "--author", "worker-7")):
                failed = run("store", *args)
                self.assertEqual(failed.code, 3, failed.errtext())
                self.assertIn(reason, failed.errtext())
                self.assertIn(path, failed.errtext())
        self.assertEqual(sorted(os.listdir(self.dir)), ["folder.store", "pipe.store"])
        self.assertEqual(os.listdir(folder), [])

    def test_a_failed_first_import_leaves_no_store(self):
        """A store the command created is removed again when the import fails before its batch
        is committed; a store that existed is left as it was."""
        def left():
            return sorted(name for name in os.listdir(self.dir) if name.startswith("case.store"))

        # Refused on the command line, before the store is created.
        bad_utf8 = run("store", "import", self.store, FAMILIES, "--recorded-at", T0,
                       "--author", b"\xc0\xaf")
        self.assertEqual(bad_utf8.code, 2, bad_utf8.errtext())
        self.assertIn("--author", bad_utf8.errtext())
        self.assertIn("UTF-8", bad_utf8.errtext())
        self.assertEqual(left(), [])
        # Refused by the record once the store is open (an author longer than the record's
        # text limit): the new store goes again.
        too_long = run("store", "import", self.store, FAMILIES, "--recorded-at", T0,
                       "--author", "a" * 70000)
        self.assertEqual(too_long.code, 4, too_long.errtext())
        self.assertEqual(left(), [])
        # A store that existed stays, with its revision, when a later import fails.
        self.assertEqual(self.import_case(FAMILIES, T0).code, 0)
        again = run("store", "import", self.store, OAK, "--recorded-at", str(T0_SECONDS + 60),
                    "--author", "a" * 70000)
        self.assertEqual(again.code, 4, again.errtext())
        info = json.loads(run("store", "info", self.store, "--format", "json").out)
        self.assertEqual(info["revision"], 1)

    def test_provenance_texts_refuse_control_characters(self):
        for option, value in (("--author", "worker\x1b[31m"), ("--author", "worker\n7"),
                              ("--author", ""), ("--reason", "why\nforged line"),
                              ("--reason", "a\x07"), ("--source-system", "cms\u0085"),
                              ("--source-reference", "ref\u202e")):
            with self.subTest(option=option, value=value):
                args = ["store", "import", self.store, FAMILIES, "--recorded-at", T0]
                if option != "--author":
                    args += ["--author", "worker-7"]
                result = run(*args, option, value)
                self.assertEqual(result.code, 2, result.errtext())
                self.assertIn(option, result.errtext())
                self.assertNotIn("\x1b", result.errtext())
                self.assertFalse(os.path.exists(self.store))


if __name__ == "__main__":
    unittest.main()
