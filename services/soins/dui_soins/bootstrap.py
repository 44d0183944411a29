"""The soins service's composition root (being built: issue 4)."""

from __future__ import annotations

from dataclasses import dataclass

from dui_shared.runtime.host import ServiceHost


@dataclass
class SoinsService(ServiceHost):
    name = "soins"
