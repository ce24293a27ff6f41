"""The one base of errors a person can act on, and the status each is answered with.

A `FolioError`'s message is written for the person asking ("document X is processing"),
so it goes out as it is: the API answers it with its `status` (api/errors.py), the CLI
prints it with the same status, whether it asked a server or answered in-process.
"""

from __future__ import annotations


class FolioError(Exception):
    """A request folio refuses or cannot complete, with an HTTP-style `status`."""

    status: int = 400
