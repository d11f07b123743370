"""Errors that users read, as codes with parameters: the page words them in its language.

The numerics know no language: an error carries a ``code`` and its ``params``, and the
page renders it from the language tables (``text.tr_error``: the key is
``{domain}.{code}``).  ``str(error)`` is the English message, formatted from the
module's own English template of that code, for the command line, logs and tests; a
test ties each template to its key in ``text._EN``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar


class CodedError(ValueError):
    """A user-facing error: ``code`` names what is wrong, ``params`` the details.

    Subclasses set ``domain`` (the first part of the language-table keys) and
    ``messages`` (code → English ``str.format`` template).  Built with :meth:`coded`;
    a plain ``CodedError("text")`` is a message without a code (shown as is).
    """

    domain: ClassVar[str] = ""
    messages: ClassVar[Mapping[str, str]] = {}

    def __init__(self, message: str, *, code: str | None = None,
                 params: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.params: dict[str, Any] = dict(params or {})

    @classmethod
    def coded(cls, code: str, **params: Any):
        """The error of ``code`` with ``params``; its message is the English template.

        Raises:
            KeyError: ``code`` is not one of ``messages`` or a placeholder is missing.
        """
        return cls(cls.messages[code].format(**params), code=code, params=params)
