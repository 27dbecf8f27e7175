"""Errors that carry a source location. Library code raises them; only the CLI prints them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, order=True)
class Loc:
    """A place in a source file: path relative to the project, 1-based line (0: whole file)."""

    path: str
    line: int = 0

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass(frozen=True)
class Problem:
    loc: Loc
    message: str

    def __str__(self) -> str:
        return f"{self.loc}: {self.message}"


class KgError(Exception):
    """Base class of every error the CLI turns into a message and an exit code."""

    exit_code = 2

    def lines(self) -> list[str]:
        return [str(self)]


class InputError(KgError):
    """Source data, ontology, shapes or queries that cannot be read; one Problem per line."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(set(problems), key=lambda p: (p.loc, p.message))
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self) -> tuple[type[InputError], tuple[list[Problem]]]:
        return (InputError, (self.problems,))  # travels whole from a worker process

    def lines(self) -> list[str]:
        return [str(p) for p in self.problems]


class UsageError(KgError):
    """A command was called with arguments it cannot use."""


class EnvironmentProblem(KgError):
    """The machine, not the input, stops the command: a full or read-only disk, another build
    running in the same project, a port in use."""

    exit_code = 4


class Finding(Protocol):
    """What NotConforming needs of a finding of validation (validate.graph.Finding)."""

    def line(self) -> str: ...


class Report(Protocol):
    """What NotConforming needs of a validation report (validate.graph.Report)."""

    @property
    def findings(self) -> Sequence[Finding]: ...

    @property
    def violations(self) -> Sequence[Finding]: ...


class NotConforming(KgError):
    """The graph does not conform to the shapes."""

    exit_code = 1

    def __init__(self, report: Report):
        self.report = report
        super().__init__(f"{len(report.violations)} violation(s)")

    def __reduce__(self) -> tuple[type[NotConforming], tuple[Report]]:
        return (NotConforming, (self.report,))

    def lines(self) -> list[str]:
        return [f.line() for f in self.report.findings]
