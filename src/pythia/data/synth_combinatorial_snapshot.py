"""Write a SYNTHETIC combinatorial scenario as a Polymarket snapshot with its dependency file.

``pythia data synth --kind bracket|election|race --out DIR`` writes what ``pythia scan
--snapshot DIR`` reads, in the real formats:

- ``events/<name>.json``: one Gamma event (not negRisk) whose markets are the scenario's
  securities, each a YES/NO market with JSON-in-JSON ``clobTokenIds``;
- ``books/<token>.json``: CLOB ``GET /book`` answers for both tokens of every market; the NO
  book mirrors the YES book as Polymarket's does (a YES bid at p is a NO ask at 1 - p);
- ``dependencies.toml``: the securities (``polymarket:<YES token>``) and constraints;
- ``truth.json``: the planted mispricings and the best guaranteed profit (exact, no fees).

Every object carries ``"synthetic": true``; token ids are derived from the security names.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pythia.core.fixed import format_units
from pythia.data.synth_combinatorial import ONE, CombinatorialScenario
from pythia.data.synth_gamma import gamma_binary_market
from pythia.opt.dependencies import ConstraintKind

TICK_SIZE = "0.001"


def _token(name: str, side: str) -> str:
    digest = hashlib.sha256(f"synthetic:{name}:{side}".encode()).hexdigest()
    return str(int(digest[:30], 16))


def _price(units: int) -> str:
    text = f"{units // ONE}.{units % ONE:04d}".rstrip("0")
    return text.rstrip(".") if text.endswith(".") else text


def _size(units: int, decimals: int) -> str:
    return format_units(units, decimals)


def _book(token: str, condition: str, bids, asks, decimals: int) -> dict:
    """A CLOB ``/book`` answer: bids ascending and asks descending (best last)."""
    return {
        "market": condition,
        "asset_id": token,
        "timestamp": "1767225600000",
        "hash": "",
        "bids": [{"price": _price(p), "size": _size(s, decimals)} for p, s in reversed(bids)],
        "asks": [{"price": _price(p), "size": _size(s, decimals)} for p, s in reversed(asks)],
        "min_order_size": "1",
        "tick_size": TICK_SIZE,
        "neg_risk": False,
        "last_trade_price": "",
        "synthetic": True,
    }


def _constraint(constraint, ids: dict[str, str]) -> str:
    """One ``[[constraint]]`` table, written as the general linear row."""
    securities = ", ".join(f'"{ids[s]}"' for s in constraint.securities)
    coefficients = ", ".join(f'"{c}"' for c in constraint.coefficients)
    lines = [
        "[[constraint]]",
        'kind = "linear"',
        f"securities = [{securities}]",
        f"coefficients = [{coefficients}]",
        f'op = "{constraint.op.value}"',
        f'rhs = "{constraint.rhs}"',
    ]
    if constraint.name or constraint.kind is not ConstraintKind.LINEAR:
        lines.append(f'name = "{constraint.name or constraint.describe()}"')
    return "\n".join(lines)


def write_combinatorial_snapshot(scenario: CombinatorialScenario, out: Path) -> dict:
    """Write the snapshot directory of ``scenario``; return its truth."""
    out = Path(out)
    (out / "events").mkdir(parents=True, exist_ok=True)
    (out / "books").mkdir(parents=True, exist_ok=True)
    ids: dict[str, str] = {}
    markets = []
    for position, book in enumerate(scenario.books):
        name = book.security_id
        yes, no = _token(name, "yes"), _token(name, "no")
        condition = "0x" + hashlib.sha256(f"synthetic:{name}".encode()).hexdigest()
        ids[name] = f"polymarket:{yes}"
        bids = [(lv.price, lv.size) for lv in book.bids]
        asks = [(lv.price, lv.size) for lv in book.asks]
        no_bids = [(ONE - p, s) for p, s in asks]
        no_asks = [(ONE - p, s) for p, s in bids]
        for token, token_bids, token_asks in ((yes, bids, asks), (no, no_bids, no_asks)):
            answer = _book(token, condition, token_bids, token_asks, book.size_decimals)
            (out / "books" / f"{token}.json").write_text(json.dumps(answer, indent=1))
        mid = (bids[0][0] + asks[0][0]) // 2 if bids and asks else ONE // 2
        markets.append(
            gamma_binary_market(
                f"{position}",
                f"SYNTHETIC: {name}?",
                condition,
                f"synthetic-{position}",
                (yes, no),
                (_price(mid), _price(ONE - mid)),
                TICK_SIZE,
            )
        )
    event = {
        "id": scenario.name.replace(" ", "-"),
        "slug": "synthetic-combinatorial",
        "title": f"SYNTHETIC combinatorial scenario {scenario.name}",
        "active": True,
        "closed": False,
        "negRisk": False,
        "synthetic": True,
        "markets": markets,
    }
    (out / "events" / "scenario.json").write_text(json.dumps(event, indent=1))
    securities = "\n\n".join(
        f'[[security]]\nid = "{ids[s.id]}"\ntitle = "{s.id}"'
        for s in scenario.dependencies.securities
    )
    constraints = "\n\n".join(_constraint(c, ids) for c in scenario.dependencies.constraints)
    header = f"# SYNTHETIC dependencies of {scenario.name} (pythia data synth)\n\n"
    (out / "dependencies.toml").write_text(header + securities + "\n\n" + constraints + "\n")
    truth = {
        "synthetic": True,
        "scenario": scenario.name,
        "securities": len(scenario.books),
        "known_profit": str(scenario.known_profit),
        "known_profit_decimal": f"{float(scenario.known_profit):.6f}",
        "plants": [
            {
                "kind": plant.kind,
                "buys": [ids[s] for s in plant.buys],
                "sells": [ids[s] for s in plant.sells],
                "size": plant.size,
                "profit": str(plant.profit),
            }
            for plant in scenario.plants
        ],
        "ids": ids,
    }
    (out / "truth.json").write_text(json.dumps(truth, indent=1))
    return truth
