"""Securities and the logical constraints among them, parsed from a TOML or JSON document.

A *security* is a binary outcome token (``polymarket:<token>``, ``kalshi:<ticker>:yes``, ...)
that pays 1 if its outcome happens, else 0. *Constraints* say which joint outcomes are valid;
together they define the valid outcome set Z, an integer program (see ``opt.outcomes``).

Schema of the document (one table of arrays; TOML shown, JSON has the same shape)::

    [[security]]
    id = "polymarket:0xabc"          # required, unique, non-empty
    title = "Trump wins PA"          # optional

    [[constraint]]                   # a implies b: if a is true, b is true
    kind = "implies"
    a = "polymarket:0xabc"
    b = "kalshi:PRES-PA:yes"

    [[constraint]]                   # not both true
    kind = "excludes"
    a = "..."
    b = "..."

    [[constraint]]                   # exactly one true (also "at_most", "at_least" with k)
    kind = "exactly_one"
    securities = ["...", "..."]

    [[constraint]]
    kind = "at_most"                 # at most k true ("at_least": at least k true)
    k = 2
    securities = ["...", "...", "..."]

    [[constraint]]                   # sum of coefficient x outcome  op  rhs
    kind = "linear"
    securities = ["...", "..."]
    coefficients = [3, -1.5]         # integers, decimal strings or decimal literals
    op = "<="                        # "<=", ">=" or "=="
    rhs = 1

Every constraint may carry an optional ``name`` used in error messages. Unknown keys are
errors, so a typo never silently drops a constraint. ``parse_dependencies`` raises
``ConfigError`` naming the offending entry; it also solves the integer program once and, if
no outcome satisfies every constraint, names a minimal contradictory subset.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from pythia.core.errors import ConfigError


class ConstraintKind(enum.Enum):
    """The kinds of logical constraint a dependency file may declare."""

    IMPLIES = "implies"
    EXCLUDES = "excludes"
    EXACTLY_ONE = "exactly_one"
    AT_MOST = "at_most"
    AT_LEAST = "at_least"
    LINEAR = "linear"


class Op(enum.Enum):
    """Comparison of a linear constraint."""

    LE = "<="
    GE = ">="
    EQ = "=="


@dataclass(frozen=True, slots=True)
class Security:
    """A binary security: pays 1 if its outcome happens, else 0."""

    id: str
    title: str = ""


@dataclass(frozen=True, slots=True)
class Constraint:
    """One declared constraint, kept as written (for messages) and as a linear row.

    ``securities`` and ``coefficients`` are parallel; ``op`` and ``rhs`` complete the row
    ``sum(coefficients[j] * z[securities[j]]) op rhs`` (exact rationals).
    """

    kind: ConstraintKind
    securities: tuple[str, ...]
    coefficients: tuple[Fraction, ...]
    op: Op
    rhs: Fraction
    name: str = ""

    def describe(self) -> str:
        """Return a short human description, e.g. ``implies(a, b)``."""
        label = f"{self.name!r} " if self.name else ""
        if self.kind is ConstraintKind.LINEAR:
            terms = " + ".join(
                f"{c}*{s}" for c, s in zip(self.coefficients, self.securities, strict=True)
            )
            return f"{label}linear({terms} {self.op.value} {self.rhs})"
        if self.kind in (ConstraintKind.AT_MOST, ConstraintKind.AT_LEAST):
            return f"{label}{self.kind.value}({self.rhs}, [{', '.join(self.securities)}])"
        return f"{label}{self.kind.value}({', '.join(self.securities)})"

    def integer_row(self) -> tuple[tuple[int, ...], Op, int]:
        """Return the row scaled to integer coefficients: (coefficients, op, rhs)."""
        scale = math.lcm(*(c.denominator for c in (*self.coefficients, self.rhs)))
        return (
            tuple(int(c * scale) for c in self.coefficients),
            self.op,
            int(self.rhs * scale),
        )


@dataclass(frozen=True, slots=True)
class Dependencies:
    """Securities (in order: coordinate i of an outcome vector is ``securities[i]``) and rules."""

    securities: tuple[Security, ...]
    constraints: tuple[Constraint, ...]

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.securities)

    def index(self) -> dict[str, int]:
        """Return the coordinate of each security id."""
        return {s.id: i for i, s in enumerate(self.securities)}

    def is_valid(self, outcome: Sequence[int]) -> bool:
        """Return whether a 0/1 outcome vector satisfies every constraint (exact)."""
        position = self.index()
        for constraint in self.constraints:
            coefficients, op, rhs = constraint.integer_row()
            total = sum(
                c * outcome[position[s]]
                for c, s in zip(coefficients, constraint.securities, strict=True)
            )
            if not _holds(total, op, rhs):
                return False
        return True


def _holds(total: int, op: Op, rhs: int) -> bool:
    if op is Op.LE:
        return total <= rhs
    if op is Op.GE:
        return total >= rhs
    return total == rhs


def implies(a: str, b: str, name: str = "") -> Constraint:
    """Return ``a -> b``: the row z_a - z_b <= 0."""
    return Constraint(ConstraintKind.IMPLIES, (a, b), _ones(1, -1), Op.LE, Fraction(0), name)


def excludes(a: str, b: str, name: str = "") -> Constraint:
    """Return ``not (a and b)``: the row z_a + z_b <= 1."""
    return Constraint(ConstraintKind.EXCLUDES, (a, b), _ones(1, 1), Op.LE, Fraction(1), name)


def exactly_one(securities: Sequence[str], name: str = "") -> Constraint:
    """Return ``sum z = 1`` over ``securities``."""
    ids = tuple(securities)
    return Constraint(
        ConstraintKind.EXACTLY_ONE, ids, _ones(*[1] * len(ids)), Op.EQ, Fraction(1), name
    )


def at_most(k: int, securities: Sequence[str], name: str = "") -> Constraint:
    """Return ``sum z <= k`` over ``securities``."""
    ids = tuple(securities)
    return Constraint(ConstraintKind.AT_MOST, ids, _ones(*[1] * len(ids)), Op.LE, Fraction(k), name)


def at_least(k: int, securities: Sequence[str], name: str = "") -> Constraint:
    """Return ``sum z >= k`` over ``securities``."""
    ids = tuple(securities)
    return Constraint(
        ConstraintKind.AT_LEAST, ids, _ones(*[1] * len(ids)), Op.GE, Fraction(k), name
    )


def linear(
    coefficients: Mapping[str, int | Fraction | Decimal],
    op: str,
    rhs: int | Fraction | Decimal,
    name: str = "",
) -> Constraint:
    """Return ``sum coefficients[s] * z_s  op  rhs`` (op one of ``<=``, ``>=``, ``==``)."""
    return Constraint(
        ConstraintKind.LINEAR,
        tuple(coefficients),
        tuple(Fraction(c) for c in coefficients.values()),
        Op(op),
        Fraction(rhs),
        name,
    )


def _ones(*values: int) -> tuple[Fraction, ...]:
    return tuple(Fraction(v) for v in values)


_SECURITY_KEYS = {"id", "title"}
_KEYS = {
    ConstraintKind.IMPLIES: {"a", "b"},
    ConstraintKind.EXCLUDES: {"a", "b"},
    ConstraintKind.EXACTLY_ONE: {"securities"},
    ConstraintKind.AT_MOST: {"securities", "k"},
    ConstraintKind.AT_LEAST: {"securities", "k"},
    ConstraintKind.LINEAR: {"securities", "coefficients", "op", "rhs"},
}


def parse_dependencies(doc: Mapping[str, Any], *, check_feasible: bool = True) -> Dependencies:
    """Validate a loaded TOML/JSON document (see the module docstring) into ``Dependencies``.

    Raise ``ConfigError`` on unknown keys or kinds, missing fields, duplicate or unknown
    security ids, bad numbers, and (unless ``check_feasible`` is false) when the constraints
    admit no outcome at all, naming a minimal contradictory subset.

    >>> deps = parse_dependencies({"security": [{"id": "a"}, {"id": "b"}],
    ...     "constraint": [{"kind": "implies", "a": "a", "b": "b"}]})
    >>> deps.ids
    ('a', 'b')
    """
    if not isinstance(doc, Mapping):
        raise ConfigError(f"dependencies: expected a table, got {type(doc).__name__}")
    unknown = set(doc) - {"security", "constraint"}
    if unknown:
        raise ConfigError(f"dependencies: unknown top-level keys {sorted(unknown)}")
    securities = _parse_securities(doc.get("security"))
    known = {s.id for s in securities}
    raw_constraints = doc.get("constraint", [])
    if not isinstance(raw_constraints, list):
        raise ConfigError("dependencies: 'constraint' must be an array of tables")
    constraints = tuple(
        _parse_constraint(entry, position, known) for position, entry in enumerate(raw_constraints)
    )
    deps = Dependencies(tuple(securities), constraints)
    if check_feasible:
        from pythia.opt.outcomes import OutcomeSpace

        conflict = OutcomeSpace(deps).contradiction()
        if conflict is not None:
            listed = "; ".join(c.describe() for c in conflict)
            raise ConfigError(
                f"dependencies: the constraints are contradictory (no valid outcome); "
                f"a minimal conflicting set: {listed}"
            )
    return deps


def _parse_securities(raw: Any) -> list[Security]:
    if not isinstance(raw, list) or not raw:
        raise ConfigError("dependencies: need a non-empty array 'security' of tables")
    seen: set[str] = set()
    securities = []
    for position, entry in enumerate(raw):
        where = f"security[{position}]"
        if not isinstance(entry, Mapping):
            raise ConfigError(f"dependencies: {where} must be a table")
        extra = set(entry) - _SECURITY_KEYS
        if extra:
            raise ConfigError(f"dependencies: {where}: unknown keys {sorted(extra)}")
        security_id = entry.get("id")
        if not isinstance(security_id, str) or not security_id.strip():
            raise ConfigError(f"dependencies: {where}: 'id' must be a non-empty string")
        if security_id in seen:
            raise ConfigError(f"dependencies: {where}: duplicate security id {security_id!r}")
        title = entry.get("title", "")
        if not isinstance(title, str):
            raise ConfigError(f"dependencies: {where}: 'title' must be a string")
        seen.add(security_id)
        securities.append(Security(security_id, title))
    return securities


def _parse_constraint(entry: Any, position: int, known: set[str]) -> Constraint:
    where = f"constraint[{position}]"
    if not isinstance(entry, Mapping):
        raise ConfigError(f"dependencies: {where} must be a table")
    name = entry.get("name", "")
    if not isinstance(name, str):
        raise ConfigError(f"dependencies: {where}: 'name' must be a string")
    if name:
        where = f"{where} ({name!r})"
    try:
        kind = ConstraintKind(entry.get("kind"))
    except ValueError:
        kinds = ", ".join(k.value for k in ConstraintKind)
        raise ConfigError(
            f"dependencies: {where}: unknown kind {entry.get('kind')!r}; one of {kinds}"
        ) from None
    allowed = _KEYS[kind] | {"kind", "name"}
    extra = set(entry) - allowed
    missing = _KEYS[kind] - set(entry)
    if extra or missing:
        detail = "; ".join(
            part
            for part in (
                f"unknown keys {sorted(extra)}" if extra else "",
                f"missing keys {sorted(missing)}" if missing else "",
            )
            if part
        )
        raise ConfigError(f"dependencies: {where}: {kind.value}: {detail}")
    if kind in (ConstraintKind.IMPLIES, ConstraintKind.EXCLUDES):
        a, b = (_security_id(entry[key], known, where) for key in ("a", "b"))
        if a == b:
            raise ConfigError(f"dependencies: {where}: {kind.value} needs two different ids")
        return (implies if kind is ConstraintKind.IMPLIES else excludes)(a, b, name)
    ids = _id_list(entry["securities"], known, where)
    if kind is ConstraintKind.EXACTLY_ONE:
        return exactly_one(ids, name)
    if kind in (ConstraintKind.AT_MOST, ConstraintKind.AT_LEAST):
        k = entry["k"]
        if not isinstance(k, int) or isinstance(k, bool) or k < 0:
            raise ConfigError(f"dependencies: {where}: 'k' must be an integer >= 0, got {k!r}")
        return (at_most if kind is ConstraintKind.AT_MOST else at_least)(k, ids, name)
    coefficients = entry["coefficients"]
    if not isinstance(coefficients, list) or len(coefficients) != len(ids):
        raise ConfigError(
            f"dependencies: {where}: 'coefficients' must be an array as long as 'securities'"
        )
    try:
        op = Op(entry["op"])
    except ValueError:
        raise ConfigError(
            f"dependencies: {where}: 'op' must be '<=', '>=' or '==', got {entry['op']!r}"
        ) from None
    values = [_number(c, where, "coefficients") for c in coefficients]
    return linear(
        dict(zip(ids, values, strict=True)), op.value, _number(entry["rhs"], where, "rhs"), name
    )


def _security_id(value: Any, known: set[str], where: str) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"dependencies: {where}: security ids are strings, got {value!r}")
    if value not in known:
        raise ConfigError(f"dependencies: {where}: unknown security {value!r}")
    return value


def _id_list(value: Any, known: set[str], where: str) -> list[str]:
    if not isinstance(value, list) or not value:
        raise ConfigError(f"dependencies: {where}: 'securities' must be a non-empty array")
    ids = [_security_id(v, known, where) for v in value]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ConfigError(f"dependencies: {where}: securities listed twice: {duplicates}")
    return ids


def _number(value: Any, where: str, field: str) -> Fraction:
    if isinstance(value, bool):
        raise ConfigError(f"dependencies: {where}: '{field}' must be numbers, got {value!r}")
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float | str):
        try:
            parsed = Decimal(str(value).strip())
        except InvalidOperation:
            parsed = Decimal("NaN")
        if parsed.is_finite():
            return Fraction(parsed)
    raise ConfigError(f"dependencies: {where}: '{field}' must be finite numbers, got {value!r}")
