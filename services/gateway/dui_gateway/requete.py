"""The id of a request: the client's `X-Request-Id` when it is safe to keep, fixed once by `CurrentActor`, then
the same in the access trace and on every bus call the request makes."""

from __future__ import annotations

import re
import uuid

from fastapi import Request

REQUETE_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def requete_id(request: Request) -> str:
    """The client's `X-Request-Id` when it is a plain token of 64 characters at most (it lands in traces and
    logs), else one of ours."""
    given = request.headers.get("x-request-id", "")
    return given if REQUETE_ID.fullmatch(given) else str(uuid.uuid4())


def correlation(request: Request) -> str:
    """The request's id, as `CurrentActor` fixed it: the same in its access trace and on every bus call."""
    return getattr(request.state, "requete_id", None) or requete_id(request)
