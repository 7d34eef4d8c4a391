"""Which requests take the fast path; the served tests (real uvicorn) exercise its answers."""

from __future__ import annotations

import pytest

from mlops_desktop.serving.fast_path import FastPath, scoring_target, with_fast_path


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ("/invocations", ("mlflow", None, None, False)),
        ("/v2/models/credit/infer", ("v2", "credit", None, True)),
        ("/v2/models/credit/versions/3/infer", ("v2", "credit", "3", True)),
        ("/v2/models/credit/versions/x/infer", ("v2", "credit", "x", True)),
        ("/v1/models/credit:predict", ("v1", "credit", None, False)),
        ("/v1/models/a:b:predict", ("v1", "a:b", None, False)),
    ],
)
def test_scoring_routes_are_recognised(path, target):
    assert scoring_target(path) == target


@pytest.mark.parametrize(
    "path",
    [
        "/invocations/",
        "/v2/models/credit",
        "/v2/models/credit/ready",
        "/v2/models/a/b/infer",
        "/v1/models/credit",
        "/outcomes",
        "/admin/stop",
        "/docs",
    ],
)
def test_other_paths_go_to_the_framework(path):
    assert scoring_target(path) is None


class _Service:
    def __init__(self, require_token: bool) -> None:
        self.require_token = require_token


def test_a_service_that_needs_a_token_everywhere_keeps_the_full_stack():
    from fastapi import FastAPI

    app = FastAPI()

    async def score(*_args, **_kwargs):
        return None

    app.state.score = score
    assert with_fast_path(app, _Service(require_token=True)) is app
    wrapped = with_fast_path(app, _Service(require_token=False))
    assert isinstance(wrapped, FastPath) and wrapped.app is app
