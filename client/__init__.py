"""folio's REST API as a Python program sees it: one client for the CLI and the eval.

It imports nothing of api/, workers/ or eval/, so any of them may import it.
"""

from client.folio import DONE, FolioClient, ServerError, default_url

__all__ = ["DONE", "FolioClient", "ServerError", "default_url"]
