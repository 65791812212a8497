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


def test_package_data_ships_every_embedded_config():
    """pyproject's package-data globs match every TOML in invmag/configs (bulk, magnet, paper,
    quick), so an installed invmag finds the configs `--config NAME` names."""
    from fnmatch import fnmatch

    from invmag.config import EMBEDDED, embedded_names

    globs = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))[
        "tool"]["setuptools"]["package-data"]["invmag"]
    shipped = {p.stem for p in EMBEDDED.glob("*.toml")
               if any(fnmatch(str(p.relative_to(EMBEDDED.parent)), g) for g in globs)}
    assert {"bulk", "magnet", "paper", "quick"} <= shipped == set(embedded_names())
