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
