"""Reading an import file: its rows with their line numbers, the values in its cells, the report
of what became of each row, and the one transaction a whole file is imported in."""

import csv
import functools
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction


class ImportFileError(Exception):
    """The file as a whole cannot be imported (a mapped column is missing)."""


@dataclass(frozen=True)
class Problem:
    line: int
    external_id: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}" + (f" ({self.external_id})" if self.external_id else "") + f": {self.message}"


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    unknown_owners: Counter = field(default_factory=Counter)
    created_owners: list[str] = field(default_factory=list)
    without_account: int = 0
    dry_run: bool = False

    @property
    def imported(self) -> int:
        return self.created + self.updated + self.unchanged


class _Rollback(Exception):
    pass


@contextmanager
def import_transaction(*, dry_run: bool) -> Iterator[None]:
    """One transaction for the whole file; a dry run checks and counts everything, then rolls it back."""
    try:
        with transaction.atomic():
            yield
            if dry_run:
                raise _Rollback
    except _Rollback:
        pass


def read_rows(path: Path) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    handle = path.open(newline="", encoding="utf-8-sig")
    reader = csv.DictReader(handle)
    header = list(reader.fieldnames or [])

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        with handle:
            for row in reader:
                yield reader.line_num, row

    return header, rows()


def require_columns(header: list[str], wanted: dict[str, str]) -> None:
    """Raise ImportFileError naming every column (what it holds -> its name in the file) not in `header`."""
    missing = [key if key == name else f"{key} ({name!r})" for key, name in wanted.items() if name not in header]
    if missing:
        raise ImportFileError(f"columns not in the file: {', '.join(missing)}; the header is {header}")


@functools.lru_cache(maxsize=4096)
def parse_date(raw: str, date_format: str) -> date | None:
    raw = raw.strip()
    return datetime.strptime(raw, date_format).date() if raw else None


def parse_amount(raw: str) -> Decimal | None:
    cleaned = raw.strip().replace(",", "").removeprefix("$")
    if not cleaned:
        return None
    value = Decimal(cleaned)
    if not value.is_finite() or value < 0 or value >= Decimal("1e12"):
        raise InvalidOperation(raw)
    return value.quantize(Decimal("0.01"))
