"""The package metadata admits only the Pythons that run invmag."""

import tomllib

from packaging.specifiers import SpecifierSet

from conftest import ROOT


def test_requires_python_admits_no_python_without_tomllib():
    """invmag.config imports tomllib (Python 3.11+): with ">=3.10" the install succeeded
    on 3.10 and every command failed."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    spec = SpecifierSet(project["requires-python"])
    assert not spec.contains("3.10.14") and spec.contains("3.11.0")
