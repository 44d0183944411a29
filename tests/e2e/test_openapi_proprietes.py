"""Property-based run of the gateway's OpenAPI (schemathesis): every operation, with requests generated from the
schema, valid and invalid, against the real gateway talking to the real services; no answer may be a 5xx.

The gateway is served by uvicorn on a free port in a thread of its own (its own event loop), and schemathesis
runs in a worker thread: pytest's event loop, where the services run, keeps serving meanwhile. Other checks
(status codes, content types, response schemas) run too but only report (printed with `-s`): they describe
how the OpenAPI matches the answers, they do not fail the test.

`KNOWN_SERVER_ERRORS` lists the 5xx already traced to code outside the gateway's edge and reported; each is
matched narrowly, printed at every run, and is to be deleted with its fix.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, Verbosity, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from dui_shared.config import Settings
from tests.support.identites import IdentitesDeTest
from tests.support.passerelle import passerelle_uvicorn


@pytest.fixture(params=["administrateur_og", "medecin_ehpad", "cadre_og"])
def en_tetes_auth(request: pytest.FixtureRequest, identites: IdentitesDeTest) -> dict[str, str]:
    """The identity every generated request carries, as a real token of the session's OIDC provider: an OG-wide
    administrator (habilitations, but no dossier data), a doctor of one EHPAD (Pro Santé Connect-shaped claims)
    and a cadre de santé of every ESMS (most categories open: most bodies get past the matrix to validation)."""
    who, role, esms = {
        "administrateur_og": ("adm-0001", "administrateur_og", ""),
        "medecin_ehpad": ("10000000017", "medecin", "690004122"),
        "cadre_og": ("cadre-0001", "cadre_de_sante", "*"),
    }[request.param]
    return {"Authorization": f"Bearer {identites.token(who, role, esms, own=True)}"}  # it logs out last


pytestmark = pytest.mark.filterwarnings(
    # raised from inside schemathesis' own strategies, nothing this test can change
    "ignore:Do not use the `random` module inside strategies:hypothesis.errors.HypothesisDeprecationWarning"
)
EXAMPLES_PER_MODE = 5  # per operation: 5 valid + 5 invalid requests, about 1 000-1 300 per identity
REPORTED_CHECKS: tuple[Callable[..., Any], ...] = (
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
)


KNOWN_SERVER_ERRORS: dict[str, Callable[[schemathesis.Case, schemathesis.Response], bool]] = {}
"""5xx traced to code outside the gateway's edge and reported, each matched narrowly; empty: none known."""
LAST = "POST /session/deconnexion"
"""Logging out revokes the run's token: that operation goes last, so it does not turn the others into 401s."""


@dataclass
class Rapport:
    statuses: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    server_errors: list[str] = field(default_factory=list)
    known: Counter[tuple[str, str]] = field(default_factory=Counter)
    mismatches: dict[tuple[str, str], Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    no_invalid_variant: list[str] = field(default_factory=list)
    untested: list[str] = field(default_factory=list)

    def summary(self) -> str:
        by_status: Counter[int] = Counter()
        for counter in self.statuses.values():
            by_status.update(counter)
        lines = [
            f"{len(self.statuses)} operations, {by_status.total()} requests, statuses {dict(sorted(by_status.items()))}"
        ]
        lines += [f"no invalid request to make (only fixed headers): {o}" for o in self.no_invalid_variant]
        lines += [f"known server error [{k}] {o}: {n}×" for (k, o), n in sorted(self.known.items())]
        lines += [f"not tested: {u}" for u in self.untested]
        for (operation, check), counter in sorted(self.mismatches.items()):
            lines.append(f"schema mismatch [{check}] {operation}: statuses {dict(counter)}")
        return "\n".join(lines)


@pytest.fixture(scope="module")
async def passerelle(gateway: httpx.AsyncClient, gateway_settings: Settings) -> AsyncIterator[str]:
    """`gateway` is asked for so that every service it needs runs, on pytest's event loop."""
    # about 3 000 requests a minute from one address: the limits tested elsewhere stay out of this run
    async with passerelle_uvicorn(
        gateway_settings.model_copy(update={"rate_limit": "1000000/minute"})
    ) as url:
        yield url


def _property(
    operation: Any,
    mode: GenerationMode,
    base_url: str,
    headers: dict[str, str],
    session: requests.Session,
    rapport: Rapport,
) -> Callable[[], None]:
    """One Hypothesis test: requests of `operation` generated in `mode`, each answer checked and counted."""

    @given(case=operation.as_strategy(generation_mode=mode, headers=headers))
    @hypothesis_settings(
        max_examples=EXAMPLES_PER_MODE,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: the failing request is reported as sent
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,  # findings are collected below, with the request as sent
    )
    def run(case: schemathesis.Case) -> None:
        response = case.call(base_url=base_url, session=session, headers=headers, timeout=30)
        rapport.statuses[operation.label][response.status_code] += 1
        known = [name for name, matches in KNOWN_SERVER_ERRORS.items() if matches(case, response)]
        if known:
            rapport.known[(known[0], operation.label)] += 1
        else:
            try:
                case.validate_response(response, checks=[not_a_server_error], headers=headers)
            except FailureGroup as exc:
                rapport.server_errors.append(f"{operation.label}:\n{exc.message}")
        for check in REPORTED_CHECKS:
            try:
                case.validate_response(response, checks=[check], headers=headers)
            except FailureGroup:
                rapport.mismatches[(operation.label, check.__name__)][response.status_code] += 1

    return run


def _explore(base_url: str, headers: dict[str, str]) -> Rapport:
    """Runs in a worker thread: synchronous HTTP calls, one Hypothesis test per operation and mode."""
    rapport = Rapport()
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json", timeout=30)
    with requests.Session() as session:
        results = list(schema.get_all_operations())
        results.sort(key=lambda r: isinstance(r, Ok) and r.ok().label == LAST)
        for result in results:
            if not isinstance(result, Ok):  # an operation schemathesis cannot read
                rapport.untested.append(f"unreadable operation: {result.err()}")
                continue
            operation = result.ok()
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                try:
                    _property(operation, mode, base_url, headers, session, rapport)()
                except Unsatisfiable:
                    if mode is GenerationMode.NEGATIVE:  # nothing but the fixed identity headers to spoil
                        rapport.no_invalid_variant.append(operation.label)
                    else:
                        rapport.untested.append(
                            f"{operation.label} (positive): no request could be generated"
                        )
                except Exception as exc:  # generation failed for this operation and mode
                    rapport.untested.append(f"{operation.label} ({mode.value}): {type(exc).__name__}: {exc}")
    return rapport


async def test_no_generated_request_gets_a_server_error(
    passerelle: str, en_tetes_auth: dict[str, str]
) -> None:
    started = time.monotonic()
    rapport = await asyncio.to_thread(_explore, passerelle, en_tetes_auth)
    print(f"\n{rapport.summary()}\n({time.monotonic() - started:.1f} s)")
    refused = sum(c[401] for c in rapport.statuses.values()) / max(
        1, sum(c.total() for c in rapport.statuses.values())
    )
    assert refused < 0.2, (
        f"{refused:.0%} of the generated requests were refused 401: the run explored nothing"
    )
    assert not rapport.server_errors, "\n\n".join(rapport.server_errors)
    assert not rapport.untested, "\n".join(rapport.untested)
    assert len(rapport.statuses) >= 100, sorted(rapport.statuses)
