"""The `>>>` examples of the package's docstrings run, and print what they show (doctest)."""

import doctest
import importlib
from pathlib import Path

import pytest

import invmag

PACKAGE = Path(invmag.__file__).parent
MODULES = sorted(".".join(("invmag", *p.relative_to(PACKAGE).with_suffix("").parts))
                 .removesuffix(".__init__")
                 for p in PACKAGE.rglob("*.py") if ">>>" in p.read_text(encoding="utf-8"))


def test_the_usage_examples_are_examples():
    """The module docstrings whose usage examples run (a sample: the test finds every one)."""
    assert {"invmag", "invmag.api", "invmag.design.loop", "invmag.design.recipe.make"} <= {
        *MODULES}


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # examples that default to runs/… find nothing of this checkout
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in doctest.DocTestFinder().find(importlib.import_module(name)):
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples of {name} failed"
