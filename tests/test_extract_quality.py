"""Extraction quality on the development set, through the same scorer as `accordwatch evaluate`.

The thresholds are floors that guard against regressions; the figures we
reach are in benchmarks/RESULTS.md. The seed must stay perfect.
"""

from pathlib import Path

import pytest

from accordwatch.evaluate import evaluate, load_gold

DEVSET = Path(__file__).parent / "data" / "devset"


@pytest.fixture(scope="module")
def scores():
    return evaluate(load_gold(DEVSET / "gold.jsonl"), DEVSET / "reports")


def test_seed_is_perfect(scores):
    seed = scores.by_report["seed.txt"]
    assert (seed.tp, seed.pred, seed.gold) == (16, 16, 16)


def test_devset_strict_f1_floor(scores):
    assert scores.strict.f1 >= 0.90, scores.to_dict()["by_report"]


def test_deadline_fields_floor(scores):
    assert scores.deadline_gold == 11
    assert scores.deadline_accuracy >= 0.95


HELDOUT = Path(__file__).parent / "data" / "heldout"


def test_second_development_set_floor():
    # tests/data/heldout was scored untouched at strict F1 0.193, then used to improve the rules;
    # this floor guards what was gained (the figures are in benchmarks/RESULTS.md)
    ev = evaluate(load_gold(HELDOUT / "gold.jsonl"), HELDOUT / "reports")
    assert ev.strict.gold == 115
    assert ev.strict.f1 >= 0.55, ev.to_dict()["by_report"]
