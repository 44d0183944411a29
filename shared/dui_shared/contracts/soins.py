"""Event contracts of the soins service (being built: issue 4)."""

from __future__ import annotations
