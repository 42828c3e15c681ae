"""CSV imports of reference data and sales lines: all-or-nothing, streamed, set-based for sales.

`import_csv(kind, file)` is the one entry point; the CLI (`cli.py`) and the background task
(`task.py`) are thin callers of it. See docs/imports.md for the file formats and rules.
"""

from .base import ImportResult
from .errors import RowError
from .service import KINDS, import_csv

__all__ = ["KINDS", "ImportResult", "RowError", "import_csv"]
