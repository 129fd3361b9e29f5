"""Synthetic news reports for benchmarks and load tests (our own words, from templates).

Each report is about one bundled agreement: its parties, the places of its
provisions, a date in the months after signing, and one to four sentences of
the kinds the extractor knows (handover, withdrawal, deployment, exchange,
return, reopening, ceasefire violations, deadline changes), with varied
modality (done, planned, postponed, refused, negated), plus filler sentences.
A share of the reports are exact duplicates of an earlier one (same text,
another URL) and a share are near-duplicates (the same story lightly
rewritten: words swapped, a sentence dropped or a closing line added).

    python benchmarks/synth.py --count 100000 --out /tmp/synth            # JSON Lines, 10,000 per file
    python benchmarks/synth.py --count 200 --out /tmp/synth --format txt  # seed-format .txt files

Deterministic: the same --seed and --count give the same files.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))

# ---------------------------------------------------------------- templates
# {a} obligor, {b} other party, {m} mediator or monitor, {p} place, {d} date
# phrase, {n} a number, {old}/{new} dates. All sentences are written for this
# project.

HANDOVER = [
    "{a} handed control of {p} over to {b} on {d}.",
    "Units of {b} entered {p} on {d} after {a} completed the transfer of the area.",
    "{a} is due to hand {p} over to {b} by {d}.",
    "Officials said {a} must return {p} to {b} no later than {d}.",
    "{a} has not yet handed over {p}, local residents told reporters.",
]
WITHDRAWAL = [
    "Troops of {a} withdrew from {p} on {d}, according to the defence ministry.",
    "{a} began pulling its forces out of {p} on {d}.",
    "{a} will withdraw its remaining units from {p} by {d}.",
    "{a} refused to withdraw its forces from {p}, a spokesman said.",
]
DEPLOYMENT = [
    "A first group of {n} monitors from {m} deployed to {p} on {d}.",
    "{m} peacekeepers arrived in {p} on {d} to oversee the truce.",
    "{m} is expected to deploy observers along the line near {p} by {d}.",
]
EXCHANGE = [
    "{a} and {b} exchanged {n} prisoners on {d} with the help of {m}.",
    "{a} released {n} detainees held since the fighting, officials said on {d}.",
    "A swap of {n} prisoners between {a} and {b} is planned for {d}.",
]
RETURN = [
    "Some {n} displaced families returned to {p} on {d}.",
    "The first refugees are due to return to {p} by {d}, aid workers said.",
]
REOPENING = [
    "The road through {p} reopened to civilian traffic on {d}.",
    "The crossing at {p} will reopen on {d}, the transport ministry announced.",
    "The corridor through {p} remained closed on {d} despite the agreement.",
]
VIOLATION = [
    "{a} accused {b} of shelling positions near {p} on {d}, in breach of the ceasefire.",
    "Fighting broke out near {p} on {d}, the first clash since the truce.",
]
DEADLINE = [
    "The deadline for {a} to hand over {p} was extended from {old} to {new} at the request of {a}, "
    "after {b} agreed through {m}.",
    "{b} agreed to postpone the handover of {p} until {new}; it had been due on {old}.",
    "The withdrawal from {p}, set for {old}, was pushed back to {new} at the request of {a}.",
]
FILLER = [
    "Residents described long queues of cars on the roads out of the area.",
    "The weather in the mountains was cold and the passes were covered in snow.",
    "Diplomats in several capitals welcomed the calm of the past days.",
    "Aid groups asked for safe access to reach villages cut off during the fighting.",
    "Local officials met in the district centre to discuss reconstruction.",
    "Analysts said the coming weeks would test the agreement.",
    "Prices of fuel and bread rose in the towns near the front line.",
    "Journalists were not allowed into the area, so the reports could not be checked.",
]
BACKGROUND = [  # context paragraphs of a full-length report (--long)
    "The agreement was signed on {signed} by {a} and {b}, with {m} acting as guarantor. It set out a schedule "
    "of handovers, withdrawals and exchanges that monitors have been following week by week since then.",
    "Under its terms the parties are to keep their forces on the positions they held when the guns fell silent, "
    "while observers from {m} patrol the line of contact and report incidents to both sides.",
    "Speaking to reporters in the capital, a senior official of {a} said the government remained committed to the "
    "text and expected the other side to respect every one of its clauses, including those on {p}.",
    "A spokesperson for {b} said that the coming days would show whether the promises made at the negotiating "
    "table were worth the paper they were written on, and called on {m} to keep a close watch.",
    "Humanitarian agencies estimate that tens of thousands of people left their homes during the fighting. Many "
    "of them are staying with relatives or in collective centres and say they will not go back until they feel safe.",
    "Opposition politicians criticised the deal as a capitulation and organised a rally in the main square, where "
    "speakers demanded the resignation of the ministers who had negotiated it.",
    "Engineers are still clearing mines and unexploded shells from roads and fields around {p}, a slow task that "
    "aid workers say will take years rather than months.",
    "Observers note that earlier truces in the region collapsed within weeks, and that trust between the two "
    "sides remains low after years of broken promises and mutual accusations.",
    "The foreign ministers of several neighbouring states held a call on the situation and issued a joint "
    "statement urging restraint and the full implementation of the agreement.",
    "Satellite images reviewed by independent analysts showed convoys of trucks on the main road near {p} in "
    "recent days, although their cargo and destination could not be established.",
    "Economists warn that rebuilding the damaged towns, bridges and power lines will cost billions, and that "
    "donors are unlikely to commit funds before the security situation is settled.",
    "Religious leaders from both communities appealed for calm and asked their followers to avoid any action "
    "that could be seen as a provocation during the sensitive weeks ahead.",
]
REWRITES = [  # light rewrites for near-duplicates (word swaps)
    ("on ", "on "), ("said", "stated"), ("officials", "authorities"), ("began", "started"),
    ("arrived in", "reached"), ("reopened", "was reopened"), ("the area", "the district"),
    ("according to", "citing"), ("is due to", "is scheduled to"), ("will", "is set to"),
]
CLOSERS = [
    "The situation remained calm later in the day.",
    "No further details were given.",
    "The report could not be independently confirmed.",
]
KINDS = [
    (HANDOVER, 3), (WITHDRAWAL, 2), (DEPLOYMENT, 2), (EXCHANGE, 2), (RETURN, 1),
    (REOPENING, 1), (VIOLATION, 2), (DEADLINE, 1),
]
SOURCES = ["Wire A", "Daily B", "Radio C", "Agency D", "Monitor E", "Gazette F"]


def _load_agreements() -> list[dict]:
    """Parties, mediators and places of each bundled agreement (plus ACCORDWATCH_AGREEMENTS)."""
    from accordwatch.agreements import load_all

    out = []
    for ag in sorted(load_all().values(), key=lambda a: a.id):
        sides = [p.id for p in ag.parties if p.role.value == "signatory"] or [p.id for p in ag.parties]
        others = [p.id for p in ag.parties if p.role.value != "signatory"] or ["the United Nations"]
        places = sorted({pl for pr in ag.provisions for pl in pr.places})
        if len(sides) < 2 or not places:
            continue
        out.append({"id": ag.id, "signed": ag.signed, "sides": sides, "others": others, "places": places})
    return out


def _date_phrase(rng: random.Random, d: dt.date, published: dt.date) -> str:
    if d == published and rng.random() < 0.3:
        return "today"
    if rng.random() < 0.5:
        return f"{d.day} {d:%B}"
    return f"{d:%B} {d.day}, {d.year}"


def _sentence(rng: random.Random, ag: dict, published: dt.date) -> str:
    templates = rng.choices([k for k, _ in KINDS], weights=[w for _, w in KINDS])[0]
    tpl = rng.choice(templates)
    a, b = rng.sample(ag["sides"], 2)
    future = "due" in tpl or "will" in tpl or "must" in tpl or "by {d}" in tpl or "planned" in tpl or "expected" in tpl
    offset = rng.randint(1, 30) if future else -rng.randint(0, 6)
    d = published + dt.timedelta(days=offset)
    old = published + dt.timedelta(days=rng.randint(-2, 5))
    new = old + dt.timedelta(days=rng.choice([5, 7, 10, 14, 30]))
    return tpl.format(
        a=a, b=b, m=rng.choice(ag["others"]), p=rng.choice(ag["places"]),
        d=_date_phrase(rng, d, published), n=rng.choice([12, 25, 40, 60, 100, 250, 1000]),
        old=_date_phrase(rng, old, published), new=_date_phrase(rng, new, published),
    )


def _rewrite(rng: random.Random, text: str) -> str:
    sentences = text.split("\n\n")
    if len(sentences) > 2 and rng.random() < 0.4:
        sentences.pop(rng.randrange(1, len(sentences)))
    out = "\n\n".join(sentences)
    for old, new in rng.sample(REWRITES, 3):
        out = out.replace(old, new, 1)
    if rng.random() < 0.5:
        out += "\n\n" + rng.choice(CLOSERS)
    return out


def generate(count: int, seed: int = 1, long: bool = False) -> Iterator[dict]:
    """``count`` report dicts (``date``, ``text``, ``title``, ``url``, ``source``), deterministic.

    Reports are short by default (one to four event sentences and some filler,
    ~290 characters on average). ``long`` adds five to eight context
    paragraphs (background, quotes, aid, politics) to each new story, for
    reports of the length of real agency copy (~1,500 characters on average, like
    the development set)."""
    rng = random.Random(seed)
    ags = _load_agreements()
    recent: list[dict] = []  # a window of recent reports to copy and rewrite
    for i in range(count):
        roll = rng.random()
        if recent and roll < 0.05:  # exact duplicate, another outlet
            base = rng.choice(recent)
            rep = dict(base, url=f"https://example.org/synth/{seed}/{i}", source=rng.choice(SOURCES))
        elif recent and roll < 0.15:  # near-duplicate: light rewrite of a recent story
            base = rng.choice(recent)
            rep = dict(base, text=_rewrite(rng, base["text"]), url=f"https://example.org/synth/{seed}/{i}", source=rng.choice(SOURCES))
        else:
            ag = rng.choice(ags)
            published = ag["signed"] + dt.timedelta(days=rng.randint(0, 400))
            body = [_sentence(rng, ag, published) for _ in range(rng.randint(1, 4))]
            body += rng.sample(FILLER, rng.randint(0, 2))
            rng.shuffle(body)
            if long:
                a, b = rng.sample(ag["sides"], 2)
                for tpl in rng.sample(BACKGROUND, rng.randint(5, 8)):
                    body.insert(rng.randint(1, len(body)), tpl.format(
                        a=a, b=b, m=rng.choice(ag["others"]), p=rng.choice(ag["places"]),
                        signed=f"{ag['signed'].day} {ag['signed']:%B %Y}"))
            rep = {
                "date": published.isoformat(),
                "title": f"{ag['places'][0]}: report {i}",
                "text": "\n\n".join(body),
                "url": f"https://example.org/synth/{seed}/{i}",
                "source": rng.choice(SOURCES),
                "agreement": ag["id"],
            }
            recent.append(rep)
            if len(recent) > 200:
                recent.pop(0)
        yield rep


def write(out: Path, count: int, seed: int = 1, fmt: str = "jsonl", per_file: int = 10_000, long: bool = False) -> list[Path]:
    """Write ``count`` reports under ``out`` (see :func:`generate`); returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    fh = None
    for i, rep in enumerate(generate(count, seed, long)):
        if fmt == "txt":
            p = out / f"{i:07d}.txt"
            p.write_text(f"date {rep['date']}\n{rep['text']}\n", encoding="utf-8")
            files.append(p)
            continue
        if i % per_file == 0:
            if fh:
                fh.close()
            p = out / f"reports-{i // per_file:04d}.jsonl"
            files.append(p)
            fh = p.open("w", encoding="utf-8")
        rep = {k: v for k, v in rep.items() if k != "agreement"}
        fh.write(json.dumps(rep, ensure_ascii=False) + "\n")  # type: ignore[union-attr]
    if fh:
        fh.close()
    return files


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--format", choices=["jsonl", "txt"], default="jsonl")
    ap.add_argument("--per-file", type=int, default=10_000, help="reports per JSON Lines file")
    ap.add_argument("--long", action="store_true", help="full-length reports (context paragraphs added, ~1.5 KB)")
    a = ap.parse_args()
    files = write(a.out, a.count, a.seed, a.format, a.per_file, a.long)
    print(f"{a.count} reports in {len(files)} files under {a.out}")


if __name__ == "__main__":
    main()
