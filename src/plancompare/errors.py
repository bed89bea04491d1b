"""Errors raised on bad input.

Every error a user can trigger with their own files is a :class:`PlancompareError`
whose message names the file (or document) and the problem, so the CLI can print
it without a traceback.
"""

from __future__ import annotations


class PlancompareError(Exception):
    """Base class for errors caused by input a user can fix.

    Instances survive pickling whatever their subclass's ``__init__`` takes (a worker process
    raising ``InputFileError(path, problem)`` reaches the parent as the same class, message and
    attributes), so parallel builds report the same one-line error as serial ones.
    """

    def __reduce__(self):
        return _rebuild_error, (type(self), self.args, dict(self.__dict__))


def _rebuild_error(cls: type, args: tuple, attributes: dict) -> PlancompareError:
    """An instance of ``cls`` with ``args`` and ``attributes``, without calling ``cls.__init__``
    (whose signature may differ from ``args``)."""
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(attributes)
    return error


class InputFileError(PlancompareError):
    """A source file cannot be read, decoded or understood."""

    def __init__(self, path, problem: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class CatalogError(PlancompareError):
    """The document catalog is inconsistent (missing file, duplicate id, bad column)."""


class ModelError(PlancompareError):
    """The embedding model cannot be found, converted or loaded."""


class UnknownItemError(PlancompareError, LookupError):
    """A passage id, district, theme or indicator that the corpus does not contain."""


class MatchInputError(PlancompareError, ValueError):
    """Passages, embeddings or parameters that cannot be used (missing columns, shape mismatch)."""


class OptionError(PlancompareError, ValueError):
    """A parameter outside its allowed values (an unknown language, an empty query, ``k < 1``)."""


class DataFileError(PlancompareError):
    """A configuration file (theme taxonomy, indicator registry, pattern list) is missing or malformed."""
