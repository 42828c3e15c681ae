"""Parent chains across the file and the database: unknown parents and loops."""

from __future__ import annotations

from collections.abc import Mapping

from portal.models.trees import CycleError, compute_paths

from .errors import CYCLE, UNKNOWN_PARENT, ErrorList, shown


def find_loops(parents: Mapping[str, str | None]) -> list[list[str]]:
    """Every loop in a code → parent-code map, each as its chain (child first), found once."""
    codes = list(parents)
    number = {code: i for i, code in enumerate(codes)}
    links: dict[int, int | None] = {
        number[code]: number.get(parent) if parent is not None else None
        for code, parent in parents.items()
    }
    loops: list[list[str]] = []
    while True:
        try:
            compute_paths(links)
        except CycleError as exc:
            loops.append([codes[i] for i in exc.ids])
            links[exc.ids[0]] = None  # break this loop and look for the next one
        else:
            return loops


def check_parents(
    errors: ErrorList,
    file_parents: Mapping[str, tuple[int, str | None]],
    known_parents: Mapping[str, str | None],
    column: str = "parent_code",
) -> None:
    """Report parents found neither in the file nor in the database, and loops the file makes.

    `file_parents` maps each code of the file to (line, parent code); `known_parents` maps the
    codes already stored to their stored parent code. The file's parents replace stored ones.
    """
    merged: dict[str, str | None] = dict(known_parents)
    for code, (line, parent) in file_parents.items():
        if parent is not None and parent not in file_parents and parent not in known_parents:
            errors.add(line, column, UNKNOWN_PARENT, value=shown(parent))
            parent = None
        merged[code] = parent
    for loop in find_loops(merged):
        chain = " → ".join(shown(code) for code in [*loop, loop[0]])
        for code in loop:
            if code in file_parents:
                line, parent = file_parents[code]
                errors.add(line, column, CYCLE, value=shown(parent or ""), chain=chain)
