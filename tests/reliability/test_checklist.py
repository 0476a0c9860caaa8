"""Issue #10: each of the 35 checks of ../shared/RELIABILITY.md is listed in the README's
"Security and reliability checks" table, with where it is covered. This test reads the table
and fails unless every check 1..35 has a row, every ``tests/...::name`` it cites exists (the
file defines that test function) and names the check in its docstring ("RELIABILITY #N"),
every cited file or folder exists, and every test whose docstring claims a check is cited in
that check's row."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEADING = "### Security and reliability checks"
CHECKS = range(1, 36)
ROW = re.compile(r"^\|\s*(\d+)\s*\|(.*)\|\s*$")
# `tests/x/test_y.py::test_name`, `tests/x/` or `tests/x/test_y.py`, or `make soak`.
CITATION = re.compile(r"`((?:tests/[\w./]*?)(?:::(\w+))?|make \w+)`")
DOC_SECTION = re.compile(r"(README\.md|docs/decisions\.md) § \"([^\"]+)\"")
CLAIM = re.compile(r"RELIABILITY (#\d+(?:(?:, | and )#\d+)*)")


@dataclass(frozen=True)
class Citation:
    path: str
    test: str | None


def section() -> str:
    text = (ROOT / "README.md").read_text()
    assert HEADING in text, f"README.md has no {HEADING!r} section"
    body = text.split(HEADING, 1)[1]
    return re.split(r"^#{1,3} ", body, maxsplit=1, flags=re.M)[0]


def rows() -> dict[int, str]:
    found: dict[int, str] = {}
    for line in section().splitlines():
        match = ROW.match(line)
        if match:
            number = int(match.group(1))
            assert number not in found, f"check #{number} is listed twice"
            found[number] = match.group(2)
    return found


def citations(row: str) -> list[Citation]:
    return [Citation(m.group(1).split("::")[0], m.group(2))
            for m in CITATION.finditer(row)]


@cache
def docstrings_of(path: str) -> dict[str, str]:
    """Test function name -> its docstring, for one test file."""
    tree = ast.parse((ROOT / path).read_text())
    return {node.name: ast.get_docstring(node) or "" for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and node.name.startswith("test_")}


def claimed_checks(docstring: str) -> set[int]:
    return {int(n) for claim in CLAIM.findall(docstring) for n in re.findall(r"\d+", claim)}


def test_every_check_of_reliability_md_has_a_row():
    listed = rows()
    assert sorted(listed) == list(CHECKS), (
        f"missing: {sorted(set(CHECKS) - set(listed))}, extra: {sorted(set(listed) - set(CHECKS))}")
    for number, row in listed.items():
        assert citations(row) or DOC_SECTION.search(row), f"check #{number} cites nothing"


def test_every_cited_test_exists_and_names_its_check():
    problems = []
    for number, row in rows().items():
        for cited in citations(row):
            if cited.path.startswith("make "):
                target_name = cited.path.removeprefix("make ")
                if not re.search(rf"^{target_name}:", (ROOT / "Makefile").read_text(), re.M):
                    problems.append(f"#{number}: the Makefile has no target {target_name!r}")
                continue
            target = ROOT / cited.path
            if not target.exists():
                problems.append(f"#{number}: {cited.path} does not exist")
                continue
            if cited.test is None:
                continue
            docstrings = docstrings_of(cited.path)
            if cited.test not in docstrings:
                problems.append(f"#{number}: {cited.path} defines no {cited.test}")
            elif number not in claimed_checks(docstrings[cited.test]):
                problems.append(f"#{number}: the docstring of {cited.path}::{cited.test} "
                                f"does not say \"RELIABILITY #{number}\"")
    assert not problems, "\n".join(problems)


def test_every_cited_document_section_exists():
    for number, row in rows().items():
        for document, title in DOC_SECTION.findall(row):
            headings = {line.lstrip("#").strip() for line in
                        (ROOT / document).read_text().splitlines() if line.startswith("#")}
            assert title in headings, f"#{number}: {document} has no section {title!r}"


def test_every_test_that_claims_a_check_is_cited_in_its_row():
    """The other direction: a docstring saying "RELIABILITY #N" is listed in row N."""
    listed = rows()
    cited = {(c.path, c.test, number) for number, row in listed.items() for c in citations(row)}
    missing = []
    for path in sorted((ROOT / "tests").rglob("test_*.py")):
        relative = str(path.relative_to(ROOT))
        for name, docstring in docstrings_of(relative).items():
            for number in claimed_checks(docstring):
                if (relative, name, number) in cited:
                    continue
                missing.append(f"#{number}: `{relative}::{name}`")
    assert not missing, "cite these in the README's table:\n" + "\n".join(missing)
