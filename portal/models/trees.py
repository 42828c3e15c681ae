"""Materialised paths for the hierarchies (territories, categories, partner groups).

Each row stores `path` = "/<root id>/…/<own id>/", so "X and all its descendants" is one indexed
`path LIKE '/…/X/%'` predicate instead of a recursive query per request.
"""

from __future__ import annotations

from sqlalchemy import Integer, String, select, update
from sqlalchemy.orm import Mapped, mapped_column


class TreeMixin:
    """Columns shared by every self-referencing tree."""

    path: Mapped[str] = mapped_column(String(512), default="", index=True)
    depth: Mapped[int] = mapped_column(Integer, default=0)
    root_id: Mapped[int | None] = mapped_column(Integer, index=True)


class CycleError(ValueError):
    """A parent chain loops back on itself."""

    def __init__(self, ids: list[int]):
        super().__init__(f"cycle in parent chain: {ids}")
        self.ids = ids


def root_of(path: str) -> int:
    return int(path.split("/")[1])


def compute_paths(parents: dict[int, int | None]) -> dict[int, tuple[str, int]]:
    """Path and depth for every node from an id → parent id map; raises CycleError on a loop."""
    result: dict[int, tuple[str, int]] = {}
    for start in parents:
        chain: list[int] = []
        node: int | None = start
        seen: set[int] = set()
        while node is not None and node not in result:
            if node in seen:
                raise CycleError(chain[chain.index(node) :])
            seen.add(node)
            chain.append(node)
            node = parents.get(node)
        prefix, depth = result[node] if node is not None else ("/", -1)
        for member in reversed(chain):
            depth += 1
            prefix = f"{prefix}{member}/"
            result[member] = (prefix, depth)
    return result


def rebuild_paths(session, model) -> int:
    """Recompute path/depth of every row of `model`; returns how many rows changed."""
    cols = (model.id, model.parent_id, model.path, model.depth, model.root_id)
    rows = session.execute(select(*cols)).all()
    computed = compute_paths({r.id: r.parent_id for r in rows})
    changes = []
    for r in rows:
        path, depth = computed[r.id]
        if (r.path, r.depth, r.root_id) != (path, depth, root_of(path)):
            changes.append({"id": r.id, "path": path, "depth": depth, "root_id": root_of(path)})
    if changes:
        session.execute(update(model), changes)
    return len(changes)
