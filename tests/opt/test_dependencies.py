"""Parsing and validation of dependency documents."""

import tomllib
from fractions import Fraction

import pytest

from pythia.core.errors import ConfigError
from pythia.opt.dependencies import ConstraintKind, Op, parse_dependencies

DOCUMENT = """
[[security]]
id = "polymarket:0xa"
title = "Trump wins PA"

[[security]]
id = "kalshi:PRES-PA:yes"

[[security]]
id = "polymarket:0xc"

[[constraint]]
kind = "implies"
a = "polymarket:0xa"
b = "kalshi:PRES-PA:yes"

[[constraint]]
kind = "excludes"
a = "polymarket:0xa"
b = "polymarket:0xc"

[[constraint]]
kind = "at_most"
k = 2
securities = ["polymarket:0xa", "kalshi:PRES-PA:yes", "polymarket:0xc"]

[[constraint]]
kind = "linear"
name = "weighted"
securities = ["polymarket:0xa", "polymarket:0xc"]
coefficients = [3, "-1.5"]
op = "<="
rhs = 2.5
"""


def securities(*ids):
    return [{"id": i} for i in ids]


def test_parse_the_documented_schema():
    deps = parse_dependencies(tomllib.loads(DOCUMENT))

    assert deps.ids == ("polymarket:0xa", "kalshi:PRES-PA:yes", "polymarket:0xc")
    assert deps.securities[0].title == "Trump wins PA"
    kinds = [c.kind for c in deps.constraints]
    assert kinds == [
        ConstraintKind.IMPLIES,
        ConstraintKind.EXCLUDES,
        ConstraintKind.AT_MOST,
        ConstraintKind.LINEAR,
    ]
    weighted = deps.constraints[3]
    assert weighted.coefficients == (Fraction(3), Fraction(-3, 2))
    assert weighted.integer_row() == ((6, -3), Op.LE, 5)
    assert deps.is_valid((0, 1, 1)) and not deps.is_valid((1, 1, 0))  # 3 > 2.5


def test_exactly_one_and_at_least_rows():
    doc = {
        "security": securities("a", "b", "c"),
        "constraint": [
            {"kind": "exactly_one", "securities": ["a", "b"]},
            {"kind": "at_least", "k": 1, "securities": ["b", "c"]},
        ],
    }
    deps = parse_dependencies(doc)
    assert deps.is_valid((1, 0, 1)) and not deps.is_valid((1, 0, 0))
    assert deps.constraints[1].describe() == "at_least(1, [b, c])"


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"security": []}, "non-empty array 'security'"),
        ({"security": securities("a", "a")}, "duplicate security id 'a'"),
        ({"security": [{"id": ""}]}, "'id' must be a non-empty string"),
        ({"security": [{"id": "a", "price": 1}]}, "unknown keys ['price']"),
        ({"security": securities("a"), "constraints": []}, "unknown top-level keys"),
        (
            {"security": securities("a"), "constraint": [{"kind": "implies", "a": "a", "b": "x"}]},
            "unknown security 'x'",
        ),
        (
            {"security": securities("a"), "constraint": [{"kind": "nand", "a": "a"}]},
            "unknown kind 'nand'",
        ),
        (
            {"security": securities("a", "b"), "constraint": [{"kind": "implies", "a": "a"}]},
            "missing keys ['b']",
        ),
        (
            {
                "security": securities("a", "b"),
                "constraint": [{"kind": "excludes", "a": "a", "b": "b", "k": 1}],
            },
            "unknown keys ['k']",
        ),
        (
            {"security": securities("a"), "constraint": [{"kind": "implies", "a": "a", "b": "a"}]},
            "two different ids",
        ),
        (
            {
                "security": securities("a", "b"),
                "constraint": [{"kind": "exactly_one", "securities": ["a", "b", "a"]}],
            },
            "listed twice: ['a']",
        ),
        (
            {
                "security": securities("a", "b"),
                "constraint": [{"kind": "at_most", "k": -1, "securities": ["a", "b"]}],
            },
            "'k' must be an integer >= 0",
        ),
        (
            {
                "security": securities("a"),
                "constraint": [{"kind": "exactly_one", "securities": []}],
            },
            "'securities' must be a non-empty array",
        ),
        (
            {
                "security": securities("a", "b"),
                "constraint": [
                    {
                        "kind": "linear",
                        "securities": ["a", "b"],
                        "coefficients": [1],
                        "op": "<=",
                        "rhs": 1,
                    }
                ],
            },
            "as long as 'securities'",
        ),
        (
            {
                "security": securities("a"),
                "constraint": [
                    {
                        "kind": "linear",
                        "securities": ["a"],
                        "coefficients": [1],
                        "op": "<",
                        "rhs": 1,
                    }
                ],
            },
            "'op' must be",
        ),
        (
            {
                "security": securities("a"),
                "constraint": [
                    {
                        "kind": "linear",
                        "securities": ["a"],
                        "coefficients": ["x"],
                        "op": "<=",
                        "rhs": 1,
                    }
                ],
            },
            "'coefficients' must be finite numbers",
        ),
    ],
)
def test_malformed_documents_are_rejected_precisely(doc, message):
    with pytest.raises(ConfigError) as error:
        parse_dependencies(doc)
    assert message in str(error.value)


def test_contradiction_names_a_minimal_conflicting_set():
    doc = {
        "security": securities("a", "b", "c", "d"),
        "constraint": [
            {"kind": "exactly_one", "securities": ["a", "b", "c"]},
            {"name": "a needs d", "kind": "implies", "a": "a", "b": "d"},
            {"kind": "at_least", "k": 1, "securities": ["a"]},
            {"kind": "excludes", "a": "a", "b": "d"},
            {"kind": "at_most", "k": 3, "securities": ["a", "b", "c", "d"]},
        ],
    }
    with pytest.raises(ConfigError) as error:
        parse_dependencies(doc)
    text = str(error.value)
    assert "contradictory" in text
    assert "'a needs d' implies(a, d)" in text and "at_least(1, [a])" in text
    assert "excludes(a, d)" in text
    assert "exactly_one" not in text and "at_most" not in text


def test_empty_outcome_set_from_one_row():
    doc = {
        "security": securities("a", "b"),
        "constraint": [{"kind": "at_least", "k": 3, "securities": ["a", "b"]}],
    }
    with pytest.raises(ConfigError, match="contradictory"):
        parse_dependencies(doc)
    assert parse_dependencies(doc, check_feasible=False).constraints
