"""Review rules without a service: the share draw, which number a band applies to, slices, the
model card's oversight lines and the schema's promise that reviews hold no inputs."""

from __future__ import annotations

import pytest

from mlops_desktop.errors import InputError
from mlops_desktop.governance import review
from mlops_desktop.registry.review_store import ReviewRule
from mlops_desktop.serving.oversight import ReviewMatcher, share_draw, share_draws
from mlops_desktop.serving.protocols import Scored
from mlops_desktop.serving.validation import Table
from tests.serving.conftest import credit_frame, register_versions, trained  # noqa: F401

BINARY = {"output": {"task": "binary", "classes": ["bad", "good"], "positive_class": "bad"}}


def test_the_share_is_a_hash_of_the_request_id_reproducible_and_near_its_fraction():
    draws = [share_draw(f"req-{i}", 0) for i in range(20_000)]
    assert draws == [share_draw(f"req-{i}", 0) for i in range(20_000)]
    assert abs(sum(d < 0.05 for d in draws) / len(draws) - 0.05) < 0.006
    assert share_draws("req-1", [0, 1, 7]) == [share_draw("req-1", i) for i in (0, 1, 7)]
    assert share_draw("req-1", 0) != share_draw("req-1", 1)


def test_the_band_applies_to_the_positive_class_the_top_class_or_the_prediction():
    table = Table({"x": [1, 2, 3]}, 3)
    binary = Scored(["good", "bad", "good"], [[0.5, 0.5], [0.9, 0.1], [0.2, 0.8]], ["bad", "good"])
    matcher = ReviewMatcher(ReviewRule("m", 0.4, 0.6))
    assert matcher.match("r", table, binary, BINARY) == [(0, "band", 0.5)]
    flipped = ReviewMatcher(ReviewRule("m", 0.85, 1.0))  # "bad" is the positive class here
    assert [r for r, _, _ in flipped.match("r", table, binary, BINARY)] == [1]
    multi = Scored(
        ["a", "b", "c"], [[0.4, 0.3, 0.3], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6]], ["a", "b", "c"]
    )
    signature = {"output": {"task": "multiclass", "classes": ["a", "b", "c"]}}
    assert [r for r, _, _ in matcher.match("r", table, multi, signature)] == [0, 2]
    regression = Scored([120.0, 340.0, 990.0])
    wide = ReviewMatcher(ReviewRule("m", 100, 400))
    assert wide.match("r", table, regression, {"output": {"task": "regression"}}) == [
        (0, "band", 120.0),
        (1, "band", 340.0),
    ]


def test_a_slice_narrows_the_band_and_the_share_or_alone_picks_all_of_it():
    table = Table({"purpose": ["car", "tv", "car"], "age": [30.0, 41.0, 30.0]}, 3)
    scored = Scored(["good"] * 3, [[0.5, 0.5], [0.5, 0.5], [0.1, 0.9]], ["bad", "good"])
    in_band = ReviewMatcher(ReviewRule("m", 0.4, 0.6, 0.0, "purpose", "car"))
    assert [r for r, _, _ in in_band.match("r", table, scored, BINARY)] == [0]
    everything = ReviewMatcher(ReviewRule("m", None, None, 0.0, "age", "30"))
    assert everything.match("r", table, scored, BINARY) == [(0, "slice", 0.5), (2, "slice", 0.1)]
    gone = ReviewMatcher(ReviewRule("m", None, None, 0.0, "income", "1"))
    assert gone.match("r", table, scored, BINARY) == []
    drawn = ReviewMatcher(ReviewRule("m", None, None, 1.0, "purpose", "tv"))
    assert drawn.match("r", table, scored, BINARY) == [(1, "share", 0.5)]


def test_rules_are_checked_and_described_for_the_model_card(workspace, trained):  # noqa: F811
    register_versions(workspace, trained)
    assert workspace.schema_version >= 3  # the review tables arrive with migration 3
    columns = {row["name"] for row in workspace.db.query("PRAGMA table_info(reviews)")}
    assert not {c for c in columns if "input" in c}  # reviews point to request ids only
    assert review.oversight_lines(workspace, "credit")[0] == "No review rules are set."
    with pytest.raises(InputError, match="within 0:1"):
        review.set_rules(workspace, "credit", band="0.2:1.5")
    with pytest.raises(InputError, match="not a value of purpose"):
        review.set_rules(workspace, "credit", slice_="purpose=spaceship")
    with pytest.raises(InputError, match="Give a score band"):
        review.set_rules(workspace, "credit")
    purpose = workspace.models.get("credit@1").signature["inputs"]
    value = next(s for s in purpose if s["name"] == "purpose")["categories"][0]
    review.set_rules(workspace, "credit", band="0.4:0.6", share=0.05, slice_=f"purpose={value}")
    lines = review.oversight_lines(workspace, "credit")
    assert lines[0] == (
        "A person reviews every decision scoring 0.4 to 0.6 and a random 5.0% of decisions "
        f"(by request id), among those where purpose = {value}."
    )
    assert any("contest" in line for line in lines) and any("503" in line for line in lines)
    review.pause(workspace, "credit", "complaint")
    assert "paused now: complaint" in review.oversight_lines(workspace, "credit")[-1]
