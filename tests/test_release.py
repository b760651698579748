"""The reuse terms and the edition: LICENSE, CITATION.cff, RELEASES.md and one version everywhere."""
import datetime
import re
import tomllib
from pathlib import Path

import yaml

import reparam

ROOT = Path(__file__).resolve().parent.parent
CFF_REQUIRED = {"cff-version", "message", "title", "authors"}  # the keys CFF 1.2.0 requires
SPDX = {"CC-BY-4.0", "MIT"}


def citation():
    return yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))


def latest_release():
    """(version, date) of the first '## X.Y.Z (YYYY-MM-DD)' heading of RELEASES.md."""
    match = re.search(r"^## (\d+\.\d+\.\d+) \((\d{4}-\d{2}-\d{2})\)$", (ROOT / "RELEASES.md").read_text(encoding="utf-8"), re.M)
    assert match, "RELEASES.md has no '## X.Y.Z (YYYY-MM-DD)' heading"
    return match.group(1), datetime.date.fromisoformat(match.group(2))


def test_license_has_both_texts_and_says_what_each_covers():
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Permission is hereby granted, free of charge" in text and 'THE SOFTWARE IS PROVIDED "AS IS"' in text
    assert "Creative Commons Attribution 4.0 International Public License" in text
    sections = re.findall(r"^Section (\d) -- ", text, re.M)
    assert sections == [str(i) for i in range(1, 9)], f"the CC BY 4.0 legal code is incomplete: sections {sections}"
    head = text.split("Part 1.")[0]
    for covered in ("chapters/", "code/", "CC BY 4.0", "MIT"):
        assert covered in head, f"LICENSE does not say how {covered} is licensed"


def test_citation_file_is_valid_cff():
    cff = citation()
    assert CFF_REQUIRED <= set(cff), f"CITATION.cff lacks {CFF_REQUIRED - set(cff)}"
    assert cff["cff-version"] == "1.2.0"
    assert all(author.get("name") or author.get("family-names") for author in cff["authors"]), cff["authors"]
    assert set(cff["license"]) <= SPDX, cff["license"]
    datetime.date.fromisoformat(str(cff["date-released"]))
    assert cff["preferred-citation"]["type"] == "book"


def test_one_version_everywhere():
    """The edition in RELEASES.md is the version of the package, the citation and every page's footer."""
    version, date = latest_release()
    cff = citation()
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    footer = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))["html"]["extra_footer"]
    found = {"pyproject.toml": pyproject["version"], "reparam.__version__": reparam.__version__,
             "CITATION.cff": cff["version"], "CITATION.cff preferred-citation": cff["preferred-citation"]["edition"]}
    assert all(v == version for v in found.values()), f"RELEASES.md says {version}; {found}"
    assert datetime.date.fromisoformat(str(cff["date-released"])) == date
    assert f"Edition {version}." in footer, footer
    assert "CC BY 4.0" in footer and "MIT" in footer, footer
