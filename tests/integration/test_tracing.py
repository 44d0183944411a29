"""One trace from the HTTP request through the NATS messages to the projection that applies the event."""

from __future__ import annotations

import httpx
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tests.support.builders import OG_WIDE, candidature


async def test_the_projection_span_belongs_to_the_trace_of_the_http_request(
    gateway: httpx.AsyncClient, spans: InMemorySpanExporter, unique: str
) -> None:
    spans.clear()
    created = await gateway.post("/candidatures", json=candidature(f"Trace-{unique}"), headers=OG_WIDE)
    assert created.status_code == 201
    read = await gateway.get(
        f"/demandes/{created.json()['demande_id']}",
        headers={**OG_WIDE, "X-Dui-Min-Position": created.headers["X-Dui-Position"]},
    )
    assert read.status_code == 200

    finished = spans.get_finished_spans()
    http = next(s for s in finished if s.name == "POST /candidatures" and s.kind.name == "SERVER")
    trace_id = http.context.trace_id
    in_trace = [s for s in finished if s.context.trace_id == trace_id]
    names = [s.name for s in in_trace]
    assert any(
        s.kind.name == "CONSUMER" and "dui.rpc.admission.recevoir_candidature" in s.name for s in in_trace
    ), names
    assert any(n.startswith("projection admission apply CandidatureRecue") for n in names), names
