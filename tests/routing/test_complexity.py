"""ComplexityEstimator: every point of the score is explained by a factor."""

from __future__ import annotations

import pytest

from brgit.core.plan import Task
from brgit.routing.complexity import ComplexityEstimator, level_for


@pytest.fixture
def estimator() -> ComplexityEstimator:
    return ComplexityEstimator()


@pytest.mark.parametrize(
    ("text", "level", "model"),
    [
        ("Fix typo in README", "simple", "haiku"),
        ("Add user authentication with JWT tokens", "moderate", "sonnet"),
        (
            "Refactor the job queue to fix a deadlock under concurrent workers in production",
            "complex",
            "opus",
        ),
        (
            "Redesign the distributed payment system architecture with a database migration "
            "and rollback for production",
            "critical",
            "opus",
        ),
    ],
)
def test_levels_and_models(
    estimator: ComplexityEstimator, text: str, level: str, model: str
) -> None:
    result = estimator.estimate(text)
    assert (result.complexity_level, result.recommended_model) == (level, model)


def test_score_is_the_sum_of_its_factors(estimator: ComplexityEstimator) -> None:
    result = estimator.estimate(
        "Add OAuth login and migrate the users table",
        files=["a.py", "b.py"],
        depends_on=["x"],
        role="security",
    )
    names = {f.name for f in result.factors}
    assert {"security", "data_migration", "feature", "files", "dependencies", "role"} <= names
    assert result.complexity_score == 15 + sum(f.weight for f in result.factors)
    assert any("oauth" in r for r in result.reasoning)
    assert result.reasoning[-1].endswith(f"(score {result.complexity_score}/100)")


def test_score_is_clamped(estimator: ComplexityEstimator) -> None:
    many = [f"f{i}.py" for i in range(20)]
    text = "critical production security migration of the distributed architecture " * 10
    assert (
        estimator.estimate(text, files=many, depends_on=many, role="architect").complexity_score
        == 100
    )
    assert estimator.estimate("typo", role="docs").complexity_score == 0


def test_words_not_stems_inside_other_words(estimator: ComplexityEstimator) -> None:
    result = estimator.estimate("Show the author address on the profile page")
    assert {f.name for f in result.factors} == {"description_length"}


def test_more_files_and_dependencies_raise_the_score(estimator: ComplexityEstimator) -> None:
    alone = estimator.estimate("Update the parser")
    busy = estimator.estimate("Update the parser", files=["a", "b", "c"], depends_on=["x", "y"])
    assert busy.complexity_score == alone.complexity_score + 9 + 8


def test_cost_and_time_grow_with_the_model(estimator: ComplexityEstimator) -> None:
    easy = estimator.estimate("Fix typo in README")
    hard = estimator.estimate("Redesign the distributed payment architecture")
    assert 0 < easy.estimated_cost < hard.estimated_cost
    assert easy.estimated_time_minutes < hard.estimated_time_minutes


def test_estimate_task_uses_plan_fields(estimator: ComplexityEstimator) -> None:
    task = Task("auth", title="Login", description="Add JWT auth", role="architect", files=["a.py"])
    result = estimator.estimate_task(task)
    assert {"role", "files", "security"} <= {f.name for f in result.factors}
    assert result.task_description == "Login. Add JWT auth"


def test_to_dict_has_the_api_reference_keys(estimator: ComplexityEstimator) -> None:
    data = estimator.estimate("Add feature").to_dict()
    for key in (
        "task",
        "complexity_level",
        "complexity_score",
        "recommended_model",
        "estimated_cost",
        "estimated_time_minutes",
        "reasoning",
    ):
        assert key in data


@pytest.mark.parametrize(
    ("score", "level"),
    [
        (0, "simple"),
        (29, "simple"),
        (30, "moderate"),
        (55, "complex"),
        (80, "critical"),
        (100, "critical"),
    ],
)
def test_level_boundaries(score: int, level: str) -> None:
    assert level_for(score) == level
