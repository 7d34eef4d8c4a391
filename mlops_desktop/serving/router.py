"""Traffic routing: the live version, a canary share by request-id hash, or a silent shadow.

The router's table is replaced whole on every change (copy on write), so a request reads one
consistent ``Route`` and keeps it, with its models, until it is answered.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from mlops_desktop.serving.models import LoadedModel


@dataclass(frozen=True)
class Route:
    name: str
    live: LoadedModel
    candidate: LoadedModel | None = None
    mode: str = "live"
    percent: float = 0.0

    @property
    def versions(self) -> list[int]:
        numbers = [self.live.number]
        if self.candidate is not None:
            numbers.append(self.candidate.number)
        return sorted(numbers)

    @property
    def shadow(self) -> LoadedModel | None:
        return self.candidate if self.mode == "shadow" else None


def bucket(request_id: str) -> float:
    """A stable position in [0, 100) for a request id (same id, same arm)."""
    return (zlib.crc32(request_id.encode()) % 10_000) / 100.0


class Router:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.generation = 0

    def replace(self, routes: dict[str, Route]) -> None:
        self.routes = routes  # one assignment: readers see the old table or the new one
        self.generation += 1

    def get(self, name: str) -> Route | None:
        return self.routes.get(name)

    def names(self) -> list[str]:
        return sorted(self.routes)

    @staticmethod
    def pick(route: Route, request_id: str) -> tuple[LoadedModel, str]:
        """The model that answers this request, and its arm (``live`` or ``canary``)."""
        if (
            route.mode == "canary"
            and route.candidate is not None
            and bucket(request_id) < route.percent
        ):
            return route.candidate, "canary"
        return route.live, "live"

    @staticmethod
    def version(route: Route, number: int) -> tuple[LoadedModel, str] | None:
        """An explicitly requested version, when it is the live one or the candidate."""
        if route.live.number == number:
            return route.live, "live"
        if route.candidate is not None and route.candidate.number == number:
            return route.candidate, "canary"
        return None
