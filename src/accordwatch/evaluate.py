"""Score extraction against a gold file (the devset format).

The rule (devset/README.md): normalise places and parties (case-fold, trim,
alias tables), then match predicted and gold events one-to-one per report by
a maximum weighted bipartite matching (Hungarian method) over candidate pairs
that agree on type, modality and date and whose place sets intersect (or are
both empty); weight 1 + 0.01 x agreeing deadline fields. A relaxed score
matches on type and places only. Deadline-change fields (old/new date,
requested by, granted by, via) are scored on the matched pairs.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from .errors import InputError

PLACE_ALIASES = {
    "kelbajar": "kalbajar", "kelbadjar": "kalbajar", "kalbacar": "kalbajar", "karvachar": "kalbajar",
    "agdam": "aghdam", "akna": "aghdam",
    "berdzor": "lachin", "kashatagh": "lachin",
    "berdzor corridor": "lachin corridor",
    "khankendi": "stepanakert", "xankandi": "stepanakert",
    "karabakh": "nagorno-karabakh", "artsakh": "nagorno-karabakh",
    "khin takher": "hin tagher", "hin taghlar": "hin tagher",
    "martuni": "khojavend",
    "odessa": "odesa",
    "gaza": "gaza strip", "the enclave": "gaza strip",
    "ofer": "ofer prison",
    "debaltsevo": "debaltseve",
    "east ukraine": "eastern ukraine", "donbas": "eastern ukraine",
    "south lebanon": "southern lebanon",
    "litani": "litani river",
}
PARTY_ALIASES = {
    "baku": "azerbaijan", "yerevan": "armenia", "moscow": "russia", "the kremlin": "russia", "kremlin": "russia",
    "kabul": "afghanistan", "the afghan government": "afghanistan", "afghan government": "afghanistan",
    "washington": "united states", "the white house": "united states", "white house": "united states",
    "the us": "united states", "us": "united states", "u.s.": "united states", "usa": "united states",
    "un": "united nations", "u.n.": "united nations", "the un": "united nations", "ankara": "turkey",
}
DEADLINE_FIELDS = ("old_date", "new_date", "requested_by", "granted_by", "via")
PARTY_FIELDS = ("requested_by", "granted_by", "via")


def norm_place(p: str) -> str:
    k = " ".join(p.casefold().strip().split())
    return PLACE_ALIASES.get(k, k)


def norm_parties(v: str | None) -> frozenset[str] | None:
    if v is None or not str(v).strip():
        return None
    out = set()
    for x in str(v).split(","):
        k = " ".join(x.casefold().strip().split())
        if k:
            out.add(PARTY_ALIASES.get(k, k))
    return frozenset(out) if out else None


def norm_date(v: Any) -> str | None:
    if v in (None, ""):
        return None
    return str(v)[:10]


def _norm(e: dict) -> dict:
    return {
        "type": e.get("type"),
        "modality": e.get("modality"),
        "date": norm_date(e.get("date")),
        "places": {norm_place(p) for p in (e.get("places") or [])},
        "old_date": norm_date(e.get("old_date")),
        "new_date": norm_date(e.get("new_date")),
        "requested_by": norm_parties(e.get("requested_by")),
        "granted_by": norm_parties(e.get("granted_by")),
        "via": norm_parties(e.get("via")),
    }


def _places_ok(a: dict, b: dict) -> bool:
    return bool(a["places"] & b["places"]) or (not a["places"] and not b["places"])


def strict_ok(p: dict, g: dict) -> bool:
    return p["type"] == g["type"] and p["modality"] == g["modality"] and p["date"] == g["date"] and _places_ok(p, g)


def relaxed_ok(p: dict, g: dict) -> bool:
    return p["type"] == g["type"] and _places_ok(p, g)


def _agree(p: dict, g: dict) -> int:
    if g["type"] != "deadline_change":
        return 0
    return sum(p[f] == g[f] for f in DEADLINE_FIELDS)


def match(pred: list[dict], gold: list[dict], ok: Callable[[dict, dict], bool]) -> list[tuple[int, int]]:
    """One-to-one maximum weighted matching of predicted to gold events."""
    if not pred or not gold:
        return []
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    w = np.zeros((len(pred), len(gold)))
    for i, p in enumerate(pred):
        for j, g in enumerate(gold):
            if ok(p, g):
                w[i, j] = 1 + 0.01 * _agree(p, g)
    rows, cols = linear_sum_assignment(w, maximize=True)
    return [(int(i), int(j)) for i, j in zip(rows, cols) if w[i, j] > 0]


@dataclass
class Counts:
    tp: int = 0
    pred: int = 0
    gold: int = 0

    @property
    def precision(self) -> float:
        return self.tp / self.pred if self.pred else 0.0

    @property
    def recall(self) -> float:
        return self.tp / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"tp": self.tp, "predicted": self.pred, "gold": self.gold, "precision": round(self.precision, 4), "recall": round(self.recall, 4), "f1": round(self.f1, 4)}


@dataclass
class Evaluation:
    strict: Counts = field(default_factory=Counts)
    relaxed: Counts = field(default_factory=Counts)
    by_type: dict[str, Counts] = field(default_factory=dict)
    by_modality: dict[str, Counts] = field(default_factory=dict)
    by_group: dict[str, Counts] = field(default_factory=dict)
    by_report: dict[str, Counts] = field(default_factory=dict)
    deadline_gold: int = 0
    deadline_matched: int = 0
    deadline_correct: dict[str, int] = field(default_factory=lambda: {f: 0 for f in DEADLINE_FIELDS})
    errors: list[dict] = field(default_factory=list)

    def deadline_scores(self) -> dict[str, dict[str, float]]:
        return {
            f: {
                "correct": self.deadline_correct[f],
                "of_gold": round(self.deadline_correct[f] / self.deadline_gold, 4) if self.deadline_gold else 0.0,
                "of_matched": round(self.deadline_correct[f] / self.deadline_matched, 4) if self.deadline_matched else 0.0,
            }
            for f in DEADLINE_FIELDS
        }

    @property
    def deadline_accuracy(self) -> float:
        """Mean over the five fields of correct / gold deadline changes."""
        if not self.deadline_gold:
            return 0.0
        return sum(self.deadline_correct.values()) / (len(DEADLINE_FIELDS) * self.deadline_gold)

    def to_dict(self) -> dict[str, Any]:
        return {
            "strict": self.strict.to_dict(),
            "relaxed": self.relaxed.to_dict(),
            "by_type": {k: v.to_dict() for k, v in sorted(self.by_type.items())},
            "by_modality": {k: v.to_dict() for k, v in sorted(self.by_modality.items())},
            "by_group": {k: v.to_dict() for k, v in sorted(self.by_group.items())},
            "by_report": {k: v.to_dict() for k, v in sorted(self.by_report.items())},
            "deadline_change": {"gold": self.deadline_gold, "matched": self.deadline_matched, "fields": self.deadline_scores(), "mean_of_gold": round(self.deadline_accuracy, 4)},
            "errors": self.errors,
        }


def _bump(d: dict[str, Counts], key: str, tp: int = 0, pred: int = 0, gold: int = 0) -> None:
    c = d.setdefault(key, Counts())
    c.tp += tp
    c.pred += pred
    c.gold += gold


def load_gold(path: Path) -> list[dict]:
    rows = []
    try:
        lines = Path(path).read_text("utf-8").splitlines()
    except OSError as exc:
        raise InputError(f"{path}: cannot read the gold file ({exc.strerror or exc})") from exc
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{n}: not JSON ({exc.msg}); each line must be one report object with 'file' and 'events'") from exc
        if "file" not in obj or "events" not in obj:
            raise InputError(f"{path}:{n}: a gold line needs 'file' (report file name) and 'events'")
        rows.append(obj)
    return rows


def evaluate(gold_rows: Iterable[dict], reports_dir: Path, extract: Callable[[str, dt.date], list[dict]] | None = None) -> Evaluation:
    """Extract every gold report in ``reports_dir`` and score it."""
    from .extract import extract_events
    from .ingest import decode, parse_header

    if extract is None:
        def extract(text: str, d: dt.date) -> list[dict]:
            return [e.to_dict() for e in extract_events(text, d)]

    ev = Evaluation()
    for row in gold_rows:
        path = Path(reports_dir) / row["file"]
        if not path.exists():
            raise InputError(f"{path}: report named in the gold file is missing; give the folder that holds the gold's reports")
        text = decode(path.read_bytes(), str(path))
        hdate, body = parse_header(text)
        d = hdate or (dt.date.fromisoformat(row["published"]) if row.get("published") else None)
        if d is None:
            raise InputError(f"{path}: no date header and no 'published' in the gold line")
        pred_raw = extract(body, d)
        gold_raw = row["events"]
        pred = [_norm(p) for p in pred_raw]
        gold = [_norm(g) for g in gold_raw]
        pairs = match(pred, gold, strict_ok)
        rpairs = match(pred, gold, relaxed_ok)
        group = "nagorno-karabakh" if "karabakh" in (row.get("agreement") or "").casefold() else "other"
        ev.strict.tp += len(pairs)
        ev.strict.pred += len(pred)
        ev.strict.gold += len(gold)
        ev.relaxed.tp += len(rpairs)
        ev.relaxed.pred += len(pred)
        ev.relaxed.gold += len(gold)
        _bump(ev.by_report, row["file"], len(pairs), len(pred), len(gold))
        _bump(ev.by_group, group, len(pairs), len(pred), len(gold))
        matched_p = {i for i, _ in pairs}
        matched_g = {j for _, j in pairs}
        for p in pred:
            _bump(ev.by_type, p["type"], pred=1)
            _bump(ev.by_modality, p["modality"], pred=1)
        for g in gold:
            _bump(ev.by_type, g["type"], gold=1)
            _bump(ev.by_modality, g["modality"], gold=1)
        for i, j in pairs:
            _bump(ev.by_type, gold[j]["type"], tp=1)
            _bump(ev.by_modality, gold[j]["modality"], tp=1)
        for j, g in enumerate(gold):
            if g["type"] == "deadline_change":
                ev.deadline_gold += 1
        for i, j in pairs:
            if gold[j]["type"] == "deadline_change":
                ev.deadline_matched += 1
                for f in DEADLINE_FIELDS:
                    ev.deadline_correct[f] += int(pred[i][f] == gold[j][f])
        for i, p in enumerate(pred_raw):
            if i not in matched_p:
                ev.errors.append({"report": row["file"], "kind": "false positive", "event": {k: p.get(k) for k in ("type", "modality", "date", "places", "old_date", "new_date", "requested_by", "granted_by", "via")}, "sentence": p.get("sentence", "")[:160]})
        for j, g in enumerate(gold_raw):
            if j not in matched_g:
                ev.errors.append({"report": row["file"], "kind": "missed", "event": {k: g.get(k) for k in ("type", "modality", "date", "places", "old_date", "new_date", "requested_by", "granted_by", "via")}, "sentence": (g.get("evidence") or "")[:160]})
    return ev
