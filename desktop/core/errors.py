"""The core's exceptions, in one place (after Anki's ``pylib/anki/errors.py``).

Every path (GUI, CLI, export, import) catches these and shows ``str(e)``: one Chinese line a
user can act on. Raising one means nothing was written.
"""
from __future__ import annotations


class InputError(ValueError):
    """Refused input; ``str()`` is one Chinese line a user can act on. Nothing was written."""


class Refused(InputError):
    """The filing lifecycle does not allow this action now (read-only after 报送, review of a
    draft, ...); ``problems`` lists the validation problems when the plan is not clean."""

    def __init__(self, message: str, problems: tuple = ()):
        super().__init__(message)
        self.problems = tuple(problems)


class UnknownUnit(InputError):
    """A filing names a unit this database does not have; ``unit`` is what its cover declares
    (code, name, parent_code …), so a caller can ask the user about exactly that unit."""

    def __init__(self, message: str, unit: dict):
        super().__init__(message)
        self.unit = dict(unit)


class Conflict(InputError):
    """Another user changed the same data meanwhile (a shared database); reload and retry."""


class Cancelled(Exception):
    """Raised by ``Job.check`` once the user cancelled; work done so far is whole."""
