"""Event contracts of the agenda service (being built: issue 4)."""

from __future__ import annotations
