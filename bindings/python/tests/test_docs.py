"""The Python snippets in README.md and docs/python.md run as shown, and print what their
`# -> text` comments say they print."""

import contextlib
import io
import re

import pytest

from conftest import ROOT

DOCUMENTS = [ROOT / "README.md", ROOT / "docs" / "python.md"]


def snippets():
    for document in DOCUMENTS:
        text = document.read_text(encoding="utf-8")
        for number, block in enumerate(re.findall(r"```python\n(.*?)```", text, re.S)):
            yield pytest.param(block, id="%s-%d" % (document.name, number))


@pytest.mark.parametrize("code", list(snippets()))
def test_snippet_runs(code, monkeypatch):
    pytest.importorskip("pandas")
    monkeypatch.chdir(ROOT)
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        exec(compile(code, "<snippet>", "exec"), {"__name__": "__snippet__"})
    for expected in re.findall(r"^\s*print\(.*\)\s+# -> (.+)$", code, re.M):
        assert expected.strip() in output.getvalue()


def test_documents_have_snippets_with_output():
    codes = [p.values[0] for p in snippets()]
    assert len(codes) >= 4
    assert any("# -> " in code for code in codes)
    assert (ROOT / "examples" / "python" / "rising_levels.py").exists()
