"""Public integration events: derived from the domain log, published on `DUI_INT` for the GEF, RH and EI systems.

`IntegrationPublisher` is a reaction (a `Projection` whose handlers act): a durable consumer of the domain log whose
position is stored in PostgreSQL (schema `reporting_integration`) with the few rows it needs to derive the events
(which séjour a dossier belongs to, what a prescription prescribes, who takes part in an agenda event). Each
integration event is published with `Nats-Msg-Id` = its deterministic id (uuid5 of the source event id and the
contract's subject), and `DUI_INT` de-duplicates over a day: a redelivered batch, a restart between publish and
commit, or a replay of the publisher within the window publishes nothing twice. It is not rebuilt with the read
model (`python -m dui_reporting rebuild` leaves it alone): its position is where the downstream systems are.

The contracts are in `dui_shared.contracts.integration`; `asyncapi_document()` describes them with FastStream
(`python -m dui_reporting asyncapi --out docs/asyncapi.json`). The mapping from domain events is documented in
examples/subscribers/README.md.
"""

from __future__ import annotations

import argparse
import inspect
import json
import re
import unicodedata
from pathlib import Path
from typing import Any
from uuid import UUID

from faststream.nats import NatsBroker
from faststream.specification import AsyncAPI
from nats.aio.client import Client as NATS

from dui_shared.contracts.admission import AdmissionPrononcee, MotifSortie, SortiePrononcee
from dui_shared.contracts.agenda import (
    EvenementModifie,
    EvenementPlanifie,
    EvenementRealise,
    StatutRealisation,
)
from dui_shared.contracts.dossier import (
    AbsenceAnnulee,
    AbsenceDeclaree,
    AbsenceTerminee,
    DossierOuvert,
    PrestationCloturee,
    PrestationOuverte,
    PrestationRenouvelee,
)
from dui_shared.contracts.integration import (
    INTEGRATION_EVENTS,
    INTEGRATION_STREAM,
    AbsenceAnnuleeGef,
    AbsenceDebutee,
    AbsenceFinie,
    ActeTrace,
    AdmissionGef,
    ChuteSignalee,
    FugueSignalee,
    IntegrationEvent,
    InterventionTenue,
    MedicamentNonAdministre,
    NatureActe,
    PrestationClotureeGef,
    PrestationOuverteGef,
    PrestationRenouveleeGef,
    SortieGef,
    TransmissionEcrite,
)
from dui_shared.contracts.soins import (
    ActeNonRealise,
    ActeRealise,
    NaturePrescription,
    PrescriptionEmise,
    PrescriptionModifiee,
    TransmissionSaisie,
    TypeTransmission,
)
from dui_shared.eventstore import StoredEvent
from dui_shared.projection import Db, Projection, handles
from dui_shared.timezone import to_paris

ASYNCAPI_FILE = Path(__file__).resolve().parents[3] / "docs" / "asyncapi.json"

_CHUTE = re.compile(r"\bchutes?\b")
_FUGUE = re.compile(r"\b(fugue|fugues|disparition|disparue?)\b")
_PAS_UN_FAIT = re.compile(r"\b(risque|prevention|prevenir)\b")


def _normalise(text: str) -> str:
    """Lower case, without accents: `Chute à 3 h` → `chute a 3 h`."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def type_ei_de_cible(cible: str | None) -> type[ChuteSignalee] | type[FugueSignalee] | None:
    """The adverse event a ciblée transmission's `cible` names, if any. A risk or its prevention is not one
    (`risque de chute`, `prévention des chutes`)."""
    if not cible:
        return None
    text = _normalise(cible)
    if _PAS_UN_FAIT.search(text):
        return None
    if _CHUTE.search(text):
        return ChuteSignalee
    if _FUGUE.search(text):
        return FugueSignalee
    return None


class IntegrationPublisher(Projection):
    name = "reporting_integration"
    subjects = (
        "dui.evt.*.admission.sejour.>",
        "dui.evt.*.dossier.>",
        "dui.evt.*.soins.>",
        "dui.evt.*.agenda.>",
    )
    tables = """
    CREATE TABLE IF NOT EXISTS dossier_sejour (
        dossier_id uuid PRIMARY KEY,
        sejour_id uuid NOT NULL
    );
    CREATE TABLE IF NOT EXISTS prescription_nature (
        prescription_id uuid PRIMARY KEY,
        nature text NOT NULL
    );
    CREATE TABLE IF NOT EXISTS evenement_agenda (
        evenement_id uuid PRIMARY KEY,
        type text NOT NULL,
        professionnels text[] NOT NULL
    );
    CREATE TABLE IF NOT EXISTS occurrence_tenue (
        evenement_id uuid NOT NULL,
        occurrence timestamptz NOT NULL,
        PRIMARY KEY (evenement_id, occurrence)
    );
    """

    def __init__(self, nc: NATS) -> None:
        self.js = nc.jetstream(timeout=5.0)
        self.published = 0

    async def publish(self, event: IntegrationEvent) -> None:
        headers = {
            "Nats-Msg-Id": str(event.id),
            "Ce-Type": event.subject(),
            "Dui-Source-Event": str(event.source_event_id),
            "content-type": "application/json",
        }
        await self.js.publish(
            event.subject(), event.model_dump_json().encode(), stream=INTEGRATION_STREAM, headers=headers
        )
        self.published += 1

    @staticmethod
    def _common(contract: type[IntegrationEvent], event: StoredEvent, qualifier: str = "") -> dict[str, Any]:
        env = event.envelope
        return {
            "id": contract.derived_id(env.id, qualifier),
            "source_event_id": env.id,
            "source_position": event.seq,
            "survenu_le": env.time,
            "esms": env.esms,
        }

    async def _sejour_of(self, db: Db, dossier_id: str) -> UUID | None:
        row = await db.fetchrow(
            "SELECT sejour_id FROM dossier_sejour WHERE dossier_id = $1", UUID(dossier_id)
        )
        return None if row is None else UUID(str(row["sejour_id"]))

    # -- GEF ---------------------------------------------------------------------------------------------

    @handles(AdmissionPrononcee)
    async def admission(self, db: Db, event: StoredEvent, data: AdmissionPrononcee) -> None:
        await self.publish(
            AdmissionGef(
                **self._common(AdmissionGef, event),
                sejour_id=UUID(event.envelope.subject),
                type_accueil=data.type_accueil,
                admis_le=data.admis_le,
                place=data.place,
            )
        )

    @handles(SortiePrononcee)
    async def sortie(self, db: Db, event: StoredEvent, data: SortiePrononcee) -> None:
        await self.publish(
            SortieGef(
                **self._common(SortieGef, event),
                sejour_id=UUID(event.envelope.subject),
                sortie_le=data.sortie_le,
                motif=data.motif,
                deces=data.motif is MotifSortie.deces,
            )
        )

    @handles(DossierOuvert)
    async def dossier_ouvert(self, db: Db, event: StoredEvent, data: DossierOuvert) -> None:
        await db.execute(
            "INSERT INTO dossier_sejour (dossier_id, sejour_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            UUID(event.envelope.subject),
            data.sejour_id,
        )

    @handles(AbsenceDeclaree)
    async def absence(self, db: Db, event: StoredEvent, data: AbsenceDeclaree) -> None:
        if (sejour := await self._sejour_of(db, event.envelope.subject)) is not None:
            await self.publish(
                AbsenceDebutee(
                    **self._common(AbsenceDebutee, event),
                    sejour_id=sejour,
                    absence_id=data.absence_id,
                    type=data.type,
                    debut=data.debut,
                    fin_prevue=data.fin_prevue,
                )
            )

    @handles(AbsenceTerminee)
    async def retour(self, db: Db, event: StoredEvent, data: AbsenceTerminee) -> None:
        if (sejour := await self._sejour_of(db, event.envelope.subject)) is not None:
            await self.publish(
                AbsenceFinie(
                    **self._common(AbsenceFinie, event),
                    sejour_id=sejour,
                    absence_id=data.absence_id,
                    fin=data.fin,
                )
            )

    @handles(AbsenceAnnulee)
    async def absence_annulee(self, db: Db, event: StoredEvent, data: AbsenceAnnulee) -> None:
        if (sejour := await self._sejour_of(db, event.envelope.subject)) is not None:
            await self.publish(
                AbsenceAnnuleeGef(
                    **self._common(AbsenceAnnuleeGef, event), sejour_id=sejour, absence_id=data.absence_id
                )
            )

    @handles(PrestationOuverte)
    async def prestation(self, db: Db, event: StoredEvent, data: PrestationOuverte) -> None:
        if (sejour := await self._sejour_of(db, event.envelope.subject)) is not None:
            await self.publish(
                PrestationOuverteGef(
                    **self._common(PrestationOuverteGef, event),
                    sejour_id=sejour,
                    prestation_id=data.prestation_id,
                    type=data.type,
                    organisme=data.organisme,
                    montant_mensuel=data.montant_mensuel,
                    debut=data.debut,
                    fin=data.fin,
                )
            )

    @handles(PrestationRenouvelee)
    async def prestation_renouvelee(self, db: Db, event: StoredEvent, data: PrestationRenouvelee) -> None:
        if (sejour := await self._sejour_of(db, event.envelope.subject)) is not None:
            await self.publish(
                PrestationRenouveleeGef(
                    **self._common(PrestationRenouveleeGef, event),
                    sejour_id=sejour,
                    prestation_id=data.prestation_id,
                    fin=data.fin,
                    montant_mensuel=data.montant_mensuel,
                )
            )

    @handles(PrestationCloturee)
    async def prestation_cloturee(self, db: Db, event: StoredEvent, data: PrestationCloturee) -> None:
        if (sejour := await self._sejour_of(db, event.envelope.subject)) is not None:
            await self.publish(
                PrestationClotureeGef(
                    **self._common(PrestationClotureeGef, event),
                    sejour_id=sejour,
                    prestation_id=data.prestation_id,
                    le=data.le,
                )
            )

    # -- RH and EI (soins) -------------------------------------------------------------------------------------

    @handles(PrescriptionEmise)
    async def prescription(self, db: Db, event: StoredEvent, data: PrescriptionEmise) -> None:
        await db.execute(
            "INSERT INTO prescription_nature VALUES ($1, $2) ON CONFLICT (prescription_id) "
            "DO UPDATE SET nature = EXCLUDED.nature",
            UUID(event.envelope.subject),
            data.contenu.nature.value,
        )

    @handles(PrescriptionModifiee)
    async def prescription_modifiee(self, db: Db, event: StoredEvent, data: PrescriptionModifiee) -> None:
        await db.execute(
            "INSERT INTO prescription_nature VALUES ($1, $2) ON CONFLICT (prescription_id) "
            "DO UPDATE SET nature = EXCLUDED.nature",
            UUID(event.envelope.subject),
            data.contenu.nature.value,
        )

    @handles(ActeRealise)
    async def acte_realise(self, db: Db, event: StoredEvent, data: ActeRealise) -> None:
        await self.publish(
            ActeTrace(
                **self._common(ActeTrace, event),
                professionnel=data.par,
                jour=to_paris(data.realise_le).date(),
                role=data.par_role,
                nature=NatureActe.prescription if data.prescription_id else NatureActe.plan_soins,
                realise=True,
            )
        )

    @handles(ActeNonRealise)
    async def acte_non_realise(self, db: Db, event: StoredEvent, data: ActeNonRealise) -> None:
        await self.publish(
            ActeTrace(
                **self._common(ActeTrace, event),
                professionnel=data.par,
                jour=to_paris(data.constate_le).date(),
                role=data.par_role,
                nature=NatureActe.prescription if data.prescription_id else NatureActe.plan_soins,
                realise=False,
            )
        )
        if data.prescription_id is None:
            return
        row = await db.fetchrow(
            "SELECT nature FROM prescription_nature WHERE prescription_id = $1", data.prescription_id
        )
        if row is not None and row["nature"] == NaturePrescription.medicament.value:
            await self.publish(
                MedicamentNonAdministre(
                    **self._common(MedicamentNonAdministre, event),
                    dossier_id=data.dossier_id,
                    constate_le=data.constate_le,
                    signale_par=data.par,
                    prescription_id=data.prescription_id,
                    prevu_le=data.prevu_le,
                    motif=data.motif,
                )
            )

    @handles(TransmissionSaisie)
    async def transmission(self, db: Db, event: StoredEvent, data: TransmissionSaisie) -> None:
        await self.publish(
            TransmissionEcrite(
                **self._common(TransmissionEcrite, event),
                professionnel=data.auteur,
                jour=data.jour_poste,
                profession=data.profession,
                poste=data.poste,
            )
        )
        contract = type_ei_de_cible(data.cible) if data.type is TypeTransmission.ciblee else None
        if contract is not None:
            await self.publish(
                contract(
                    **self._common(contract, event),
                    dossier_id=data.dossier_id,
                    constate_le=data.le,
                    signale_par=data.auteur,
                    transmission_id=UUID(event.envelope.subject),
                )
            )

    # -- RH (agenda) ---------------------------------------------------------------------------------------------

    @handles(EvenementPlanifie)
    async def planifie(self, db: Db, event: StoredEvent, data: EvenementPlanifie) -> None:
        await self._planning(db, event, data.type.value, list(data.participants.professionnels))

    @handles(EvenementModifie)
    async def modifie(self, db: Db, event: StoredEvent, data: EvenementModifie) -> None:
        await self._planning(db, event, data.type.value, list(data.participants.professionnels))

    async def _planning(self, db: Db, event: StoredEvent, type_: str, professionnels: list[str]) -> None:
        await db.execute(
            "INSERT INTO evenement_agenda VALUES ($1, $2, $3) ON CONFLICT (evenement_id) "
            "DO UPDATE SET type = EXCLUDED.type, professionnels = EXCLUDED.professionnels",
            UUID(event.envelope.subject),
            type_,
            professionnels,
        )

    @handles(EvenementRealise)
    async def realise(self, db: Db, event: StoredEvent, data: EvenementRealise) -> None:
        if data.statut is not StatutRealisation.realise:
            return
        evenement_id = UUID(event.envelope.subject)
        planning = await db.fetchrow(
            "SELECT type, professionnels FROM evenement_agenda WHERE evenement_id = $1", evenement_id
        )
        held = await db.fetchrow(
            "SELECT 1 FROM occurrence_tenue WHERE evenement_id = $1 AND occurrence = $2",
            evenement_id,
            data.occurrence,
        )
        if planning is None or held is not None:
            return  # a correction of an occurrence already held is not a second intervention
        await db.execute("INSERT INTO occurrence_tenue VALUES ($1, $2)", evenement_id, data.occurrence)
        for professionnel in planning["professionnels"]:
            await self.publish(
                InterventionTenue(
                    **self._common(InterventionTenue, event, professionnel),
                    professionnel=professionnel,
                    jour=to_paris(data.occurrence).date(),
                    evenement_id=evenement_id,
                    type=planning["type"],
                    occurrence=data.occurrence,
                )
            )


# -- AsyncAPI ------------------------------------------------------------------------------------------------


def asyncapi_broker() -> NatsBroker:
    """A broker that declares one FastStream publisher per contract: what the AsyncAPI document is made of.

    The publisher itself publishes with nats-py (it needs `Nats-Msg-Id` and the stream's acknowledgement inside
    its transaction), on the same subjects, from the same contracts: the document cannot drift from it."""
    broker = NatsBroker("nats://localhost:4222")
    for contract in INTEGRATION_EVENTS:
        broker.publisher(
            contract.subject(),
            stream=INTEGRATION_STREAM,
            schema=contract,
            title=contract.subject(),
            description=inspect.cleandoc(contract.__doc__ or contract.__name__),
        )
    return broker


def asyncapi_document() -> dict[str, Any]:
    spec = AsyncAPI(
        asyncapi_broker(),
        title="DUI — événements d'intégration",
        version="1.0.0",
        description=(
            "Événements publics publiés sur le flux JetStream DUI_INT (sujets dui.int.<domaine>.<evenement>.v<n>) "
            "pour la GEF, les RH et la gestion des événements indésirables. Chaque message porte Nats-Msg-Id = "
            "son champ id (dédoublonnage). Voir examples/subscribers/README.md."
        ),
        schema_version="3.0.0",
    )
    document: dict[str, Any] = json.loads(spec.to_specification().to_json())
    return document


def render_asyncapi() -> str:
    return json.dumps(asyncapi_document(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def asyncapi_cli(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m dui_reporting asyncapi",
        description="écrire le document AsyncAPI des événements publics",
    )
    parser.add_argument("--out", type=Path, default=ASYNCAPI_FILE, help="fichier à écrire (- : la sortie)")
    args = parser.parse_args(argv)
    text = render_asyncapi()
    if str(args.out) == "-":
        print(text, end="")
    else:
        args.out.write_text(text, encoding="utf-8")
