"""Demo data of the soins and agenda services for `make run`, loaded through the gateway after the dossier demo.

A day in the unit "Les Lilas" of the EHPAD, lived by its team: the six residents of the dossier demo are put in
the unit; the physician prescribes (drugs at several times of the day, an antalgic "si besoin", a dressing, a
blood test tomorrow) and the nurse plans the care without prescription (toilettes, prévention d'escarres, aide au
repas) a few days back; every slot already past yesterday and today is traced by the nurse or the aide-soignant
of its shift (one dressing refused), except the last one or two, left for the overdue list, and MARTIN Jeanne
Louise's, away with her daughter since yesterday afternoon (her slots show absent); transmissions ciblées and
libres of yesterday's and today's shifts, the morning ones read by the afternoon team; observations médicales;
in the agenda a weekly "Atelier mémoire" with its past sessions and presences, kinésithérapie twice a week, a
consultation next week, a reminder to the nurse, and a pédicure three days ago left unrecorded (a missed event).

Everything is dated relative to now (Paris), so the demo reads the same whatever the time of day: nothing is
traced or written in the future. Runs only when MARTIN's dossier has no prescription yet, so a restart keeps the
data it finds.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import httpx

from dui_shared.runtime.demo import demo_auth
from dui_shared.timezone import PARIS, today_paris

EHPAD = "690004122"
UNITE = "Les Lilas"
HEADERS = {"X-Dui-Professionnel": "demo-secretariat", "X-Dui-Role": "secretariat", "X-Dui-Esms": "*"}
TOLERANCE = timedelta(minutes=60)  # the plan's default: past it, an untraced slot is overdue
JOURS_RRULE = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True)
class Pro:
    """A professional of the EHPAD as the gateway knows the caller: an id, a role, the ESMS."""

    id: str
    nom: str
    role: str

    @property
    def headers(self) -> dict[str, str]:
        return {"X-Dui-Professionnel": self.id, "X-Dui-Role": self.role, "X-Dui-Esms": EHPAD}


MEDECIN = Pro("10000000017", "Dr Luc Durand", "medecin")  # a valid RPPS number: he may prescribe
IDE_MATIN = Pro("ide-0042", "Sophie Bernard", "infirmier")
IDE_APRES_MIDI = Pro("ide-0051", "Thomas Garnier", "infirmier")
IDE_NUIT = Pro("ide-0060", "Marc Lemoine", "infirmier")
AS_MATIN = Pro("as-0107", "Karim Haddad", "aide_soignant")
AS_APRES_MIDI = Pro("as-0113", "Nadia Benali", "aide_soignant")
AS_NUIT = Pro("as-0125", "Fatou Diallo", "aide_soignant")
ANIMATRICE = Pro("anim-0003", "Julie Marchand", "animateur")

# (infirmier, aide-soignant) of each shift of the OG (matin 7–14, après-midi 14–21, nuit 21–7)
EQUIPES = {
    "matin": (IDE_MATIN, AS_MATIN),
    "apres_midi": (IDE_APRES_MIDI, AS_APRES_MIDI),
    "nuit": (IDE_NUIT, AS_NUIT),
}


@dataclass(frozen=True)
class Resident:
    nom: str
    prenoms: str
    date_naissance: str


# the six residents the dossier demo admits to the EHPAD (docs/insi-simulateur.md)
MARTIN = Resident("Martin", "Jeanne Louise", "1938-03-12")
DUPONT = Resident("Dupont", "Marcel", "1935-11-02")
ROSSI = Resident("Rossi", "Maria", "1942-07-21")
BERNARD = Resident("Bernard", "Lucien", "1940-01-15")
LEFEBVRE = Resident("Lefebvre", "Odette", "1931-05-30")
PETIT = Resident("Petit", "Henri", "1945-09-09")
RESIDENTS = (MARTIN, DUPONT, ROSSI, BERNARD, LEFEBVRE, PETIT)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A Paris wall-clock instant."""
    return datetime.combine(day, time(hour, minute), tzinfo=PARIS)


def poste(instant: datetime) -> str:
    hour = instant.astimezone(PARIS).hour
    return "matin" if 7 <= hour < 14 else "apres_midi" if 14 <= hour < 21 else "nuit"


class Gateway:
    """The gateway as the demo uses it: every answer checked, reads made after the demo's own last write, each
    call made as the professional who does it."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http
        self.position = 0

    def _check(self, response: httpx.Response, expected: int) -> Any:
        if response.status_code != expected:
            request = response.request
            raise RuntimeError(
                f"{request.method} {request.url.path} : HTTP {response.status_code} "
                f"(attendu {expected}) : {response.text}"
            )
        written = response.headers.get("X-Dui-Position")
        if written is not None:
            self.position = max(self.position, int(written))
        return response.json()

    @staticmethod
    def _headers(who: Pro | None) -> dict[str, str]:
        return who.headers if who else {}

    def post(self, path: str, body: dict[str, Any], who: Pro | None = None, expected: int = 201) -> Any:
        return self._check(self.http.post(path, json=body, headers=self._headers(who)), expected)

    def put(self, path: str, body: dict[str, Any], who: Pro | None = None, expected: int = 200) -> Any:
        return self._check(self.http.put(path, json=body, headers=self._headers(who)), expected)

    def get(self, path: str, params: dict[str, Any] | None = None, who: Pro | None = None) -> Any:
        headers = {**self._headers(who), "X-Dui-Min-Position": str(self.position)}
        return self._check(self.http.get(path, params=params, headers=headers), 200)


def find(gw: Gateway, resident: Resident) -> str:
    """The resident's dossier in the EHPAD (traits in capitals once INSi gave them: compared without case)."""
    page = gw.get("/dossiers", {"q": resident.nom, "esms": EHPAD, "limit": 500})
    found = [
        str(item["id"])
        for item in page["items"]
        if item["traits"]["prenoms"].casefold() == resident.prenoms.casefold()
        and item["traits"]["date_naissance"] == resident.date_naissance
    ]
    if len(found) != 1:
        raise RuntimeError(
            f"dossier de {resident.nom.upper()} {resident.prenoms} introuvable dans l'EHPAD {EHPAD} : "
            "la démo des dossiers (python -m dui_dossier.demo) doit être chargée d'abord"
        )
    return found[0]


def medicament(
    denomination: str, dosage: str, forme: str, heures: list[str], unite: str, debut: datetime, **more: Any
) -> dict[str, Any]:
    return {
        "nature": "medicament",
        "medicament": {"denomination": denomination, "dosage": dosage, "forme": forme, "voie": "orale"},
        "prises": [{"heure": h, "quantite": 1, "unite": unite} for h in heures],
        "debut": debut.isoformat(),
        **more,
    }


def prescriptions(today: date) -> list[tuple[Resident, dict[str, Any]]]:
    """What the physician prescribes, started four days ago (a blood test tomorrow morning)."""
    debut = at(today - timedelta(days=4), 7)
    return [
        (
            MARTIN,
            medicament(
                "Paracétamol",
                "1 g",
                "comprimé",
                ["08:00", "14:00", "20:00"],
                "comprimé",
                debut,
                duree_jours=14,
                instructions="douleur du poignet droit après la fracture ; six heures au moins entre deux prises",
            ),
        ),
        (MARTIN, medicament("Bisoprolol", "2,5 mg", "comprimé", ["08:00"], "comprimé", debut)),
        (
            DUPONT,
            medicament(
                "Metformine",
                "500 mg",
                "comprimé",
                ["08:00", "12:00", "19:00"],
                "comprimé",
                debut,
                instructions="au milieu des repas",
            ),
        ),
        (
            DUPONT,
            {
                "nature": "examen",
                "acte": {
                    "type": "biologie",
                    "libelle": "Bilan sanguin : NFS, ionogramme, créatinine, HbA1c",
                },
                "le": at(today + timedelta(days=1), 7, 30).isoformat(),
                "instructions": "à jeun ; résultats au Dr Durand",
            },
        ),
        (
            ROSSI,
            medicament(
                "Lévothyroxine",
                "75 µg",
                "comprimé",
                ["07:00"],
                "comprimé",
                debut,
                instructions="à jeun, 30 minutes avant le petit déjeuner",
            ),
        ),
        (
            ROSSI,
            medicament(
                "Donépézil", "5 mg", "comprimé", ["20:00"], "comprimé", debut, instructions="au coucher"
            ),
        ),
        (BERNARD, medicament("Amlodipine", "5 mg", "comprimé", ["08:00"], "comprimé", debut)),
        (
            BERNARD,
            {
                "nature": "acte",
                "acte": {"type": "soins_infirmiers", "libelle": "Pansement de l'escarre du talon droit"},
                "prises": [{"heure": "10:00"}],
                "debut": debut.isoformat(),
                "instructions": "nettoyage au sérum physiologique, hydrocolloïde, talon en décharge",
            },
        ),
        (
            BERNARD,
            {
                "nature": "medicament",
                "medicament": {
                    "denomination": "Paracétamol",
                    "dosage": "1 g",
                    "forme": "comprimé",
                    "voie": "orale",
                },
                "si_besoin": {
                    "condition": "si douleur EVA > 3",
                    "max_par_jour": 3,
                    "quantite": 1,
                    "unite": "comprimé",
                },
                "debut": debut.isoformat(),
                "instructions": "six heures au moins entre deux prises ; 30 minutes avant le pansement",
            },
        ),
        (
            LEFEBVRE,
            medicament("Macrogol 4000", "10 g", "poudre pour solution buvable", ["08:00"], "sachet", debut),
        ),
        (
            PETIT,
            medicament(
                "Lévodopa + bensérazide",
                "100 mg/25 mg",
                "gélule",
                ["08:00", "12:00", "16:00", "20:00"],
                "gélule",
                debut,
                instructions="à heure fixe : ne pas décaler les prises",
            ),
        ),
    ]


def soins(today: date) -> list[tuple[Resident, dict[str, Any]]]:
    """Care the team plans without a prescription, from four days ago."""
    planned: list[tuple[Resident, dict[str, Any]]] = [
        (
            MARTIN,
            {
                "type": "toilette",
                "libelle": "Aide à la toilette au lavabo",
                "heures": ["08:30"],
                "consignes": "stimuler l'autonomie ; retirer l'attelle du poignet pour la toilette",
            },
        ),
        (DUPONT, {"type": "toilette", "libelle": "Toilette complète au lit", "heures": ["07:30"]}),
        (
            ROSSI,
            {
                "type": "aide_repas",
                "libelle": "Aide au repas (texture mixée)",
                "heures": ["12:00", "19:00"],
                "consignes": "stimuler ; complément oral si moins de la moitié du plateau est mangée",
            },
        ),
        (
            BERNARD,
            {
                "type": "prevention_escarres",
                "libelle": "Surveillance des points d'appui, talons en décharge",
                "heures": ["08:00", "20:00"],
            },
        ),
        (LEFEBVRE, {"type": "toilette", "libelle": "Toilette complète au lit", "heures": ["08:00"]}),
        (
            LEFEBVRE,
            {
                "type": "prevention_escarres",
                "libelle": "Changement de position toutes les trois heures",
                "heures": ["00:00", "03:00", "06:00", "09:00", "12:00", "15:00", "18:00", "21:00"],
                "consignes": "alterner décubitus latéral droit, dorsal, latéral gauche ; matelas à air",
            },
        ),
        (LEFEBVRE, {"type": "aide_repas", "libelle": "Aide totale au repas", "heures": ["12:00", "19:00"]}),
        (
            PETIT,
            {
                "type": "toilette",
                "libelle": "Douche accompagnée",
                "heures": ["09:00"],
                "jours_semaine": ["mardi", "vendredi"],
            },
        ),
    ]
    debut = at(today - timedelta(days=4), 0).isoformat()
    return [(resident, {**body, "debut": debut}) for resident, body in planned]


@dataclass(frozen=True)
class Note:
    """A transmission as one professional writes it at `le`."""

    le: datetime
    resident: Resident
    par: Pro
    body: dict[str, Any]


def ciblee(categorie: str, cible: str, donnees: str, actions: str, resultats: str) -> dict[str, Any]:
    return {
        "type": "ciblee",
        "categorie": categorie,
        "cible": cible,
        "donnees": donnees,
        "actions": actions,
        "resultats": resultats,
    }


def libre(categorie: str, texte: str) -> dict[str, Any]:
    return {"type": "libre", "categorie": categorie, "texte": texte}


def transmissions(today: date) -> list[Note]:
    """Yesterday's and today's shifts; only those already written by now are sent."""
    hier, demain = today - timedelta(days=1), today + timedelta(days=1)
    retour = today + timedelta(days=6)
    return [
        Note(
            at(hier, 10, 40),
            BERNARD,
            IDE_MATIN,
            ciblee(
                "douleur",
                "Douleur talon droit",
                "EVA 6/10 à la mobilisation du pied au moment du pansement ; refuse le soin.",
                "Paracétamol 1 g si besoin donné à 10 h 30. Pansement reporté, Dr Durand prévenu.",
                "EVA 2/10 à 11 h 30. Pansement à refaire demain matin, 30 minutes après l'antalgique.",
            ),
        ),
        Note(
            at(hier, 11, 15),
            MARTIN,
            AS_MATIN,
            libre(
                "accompagnement",
                "Toilette faite en autonomie partielle. Prépare sa valise pour son séjour chez sa fille, "
                "très contente de partir.",
            ),
        ),
        Note(
            at(hier, 12, 45),
            ROSSI,
            AS_MATIN,
            ciblee(
                "alimentation",
                "Alimentation",
                "N'a mangé que l'entrée au déjeuner, dit ne pas avoir faim.",
                "Plat proposé de nouveau en texture mixée, dessert lacté enrichi.",
                "Dessert pris en totalité, la moitié du plat.",
            ),
        ),
        Note(
            at(hier, 14, 20),
            MARTIN,
            IDE_APRES_MIDI,
            libre(
                "famille",
                "Partie à 14 h avec sa fille Claire pour une semaine à Villeurbanne. Piluliers de la semaine "
                f"et ordonnance remis à sa fille ; retour prévu le {retour:%d/%m} vers 18 h.",
            ),
        ),
        Note(
            at(hier, 17, 30),
            PETIT,
            AS_APRES_MIDI,
            libre(
                "vie_sociale",
                "A participé à l'atelier mémoire, puis joué aux cartes avec M. BERNARD au salon. De bonne humeur.",
            ),
        ),
        Note(
            at(hier, 19, 40),
            ROSSI,
            AS_APRES_MIDI,
            ciblee(
                "alimentation",
                "Alimentation",
                "A mangé la moitié du dîner.",
                "Complément oral proposé, hydratation encouragée (deux verres d'eau).",
                "Complément pris en totalité.",
            ),
        ),
        Note(
            at(hier, 23, 40),
            LEFEBVRE,
            IDE_NUIT,
            ciblee(
                "nuit",
                "Sommeil",
                "Agitée, appelle à plusieurs reprises, dit avoir froid.",
                "Réassurance, couverture supplémentaire, changement de position.",
                "Endormie vers 0 h 30, nuit calme ensuite.",
            ),
        ),
        Note(
            at(today, 3, 10),
            DUPONT,
            IDE_NUIT,
            libre(
                "nuit",
                "Levé deux fois pour uriner, accompagné aux toilettes, pas de chute. Glycémie capillaire à 3 h : "
                "1,32 g/L.",
            ),
        ),
        Note(
            at(today, 7, 50),
            DUPONT,
            IDE_MATIN,
            ciblee(
                "soins",
                "Glycémie",
                "Glycémie capillaire à jeun 1,85 g/L, sans signe clinique.",
                f"Dr Durand informé ; bilan sanguin à jeun prévu le {demain:%d/%m} à 7 h 30.",
                "Glycémie à recontrôler avant le déjeuner.",
            ),
        ),
        Note(
            at(today, 9, 40),
            LEFEBVRE,
            AS_MATIN,
            ciblee(
                "soins",
                "Risque d'escarre",
                "Rougeur du talon gauche qui disparaît à la pression.",
                "Effleurage, coussin de décharge installé, IDE informée.",
                "À surveiller à chaque changement de position.",
            ),
        ),
        Note(
            at(today, 10, 40),
            BERNARD,
            IDE_MATIN,
            ciblee(
                "douleur",
                "Douleur talon droit",
                "EVA 4/10 avant le soin : paracétamol 1 g si besoin à 9 h 30.",
                "Pansement refait à 10 h : plaie propre, bords rosés, pas d'écoulement ; hydrocolloïde renouvelé.",
                "EVA 1/10 après le soin, pansement bien toléré.",
            ),
        ),
        Note(
            at(today, 15, 45),
            PETIT,
            AS_APRES_MIDI,
            ciblee(
                "soins",
                "Mobilité",
                "Marche raide et tremblements en début d'après-midi.",
                "Accompagné au fauteuil, IDE informée.",
                "Plus à l'aise après un temps de repos ; à surveiller lors des transferts.",
            ),
        ),
        Note(
            at(today, 16, 30),
            ROSSI,
            ANIMATRICE,
            libre(
                "vie_sociale",
                "Appel vidéo avec sa sœur en Corse depuis la tablette de l'animation : très émue et contente.",
            ),
        ),
        Note(
            at(today, 22, 15),
            LEFEBVRE,
            IDE_NUIT,
            libre("nuit", "Endormie à 22 h, installée en décubitus latéral gauche ; pas d'agitation."),
        ),
    ]


def prevu(creneau: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(creneau["prevu_le"])


def reference(creneau: dict[str, Any]) -> dict[str, str]:
    if creneau["origine"] == "prescription":
        return {"prescription_id": str(creneau["prescription_id"])}
    return {"soin_id": str(creneau["soin_id"])}


class Journee:
    """The day as the demo loads it: the dossiers, what was created, and the counts of the summary."""

    def __init__(self, gw: Gateway, dossiers: dict[Resident, str], today: date, now: datetime) -> None:
        self.gw = gw
        self.d = dossiers
        self.today = today
        self.hier = today - timedelta(days=1)
        self.now = now
        self.prescriptions: dict[tuple[Resident, str], str] = {}
        self.soins = 0
        self.actes = 0
        self.refus = 0
        self.laisses: list[dict[str, Any]] = []
        self.transmissions = 0
        self.lues = 0
        self.observations = 0
        self.evenements: dict[str, str] = {}
        self.realisations = 0

    def past(self, instant: datetime) -> bool:
        return instant <= self.now

    # -- soins ------------------------------------------------------------------------------------------

    def prescrire_et_planifier(self) -> None:
        for resident in RESIDENTS:
            self.gw.put(f"/dossiers/{self.d[resident]}/plan-soins/unite", {"unite": UNITE}, IDE_MATIN)
        for resident, contenu in prescriptions(self.today):
            created = self.gw.post(
                f"/dossiers/{self.d[resident]}/prescriptions",
                {"contenu": contenu, "prescripteur_nom": MEDECIN.nom},
                MEDECIN,
            )
            quoi = (
                contenu["medicament"]["denomination"]
                if "medicament" in contenu
                else contenu["acte"]["libelle"]
            )
            self.prescriptions[(resident, quoi)] = str(created["id"])
        for resident, soin in soins(self.today):
            self.gw.post(f"/dossiers/{self.d[resident]}/plan-soins", soin, IDE_MATIN)
            self.soins += 1

    def plan(self, jour: date) -> list[dict[str, Any]]:
        params = {"esms": EHPAD, "unite": UNITE, "jour": jour.isoformat()}
        return list(self.gw.get("/plan-soins", params, IDE_MATIN)["creneaux"])

    def tracer(self) -> None:
        """Every slot already past yesterday and today, by the nurse (prescriptions) or the aide-soignant (care)
        of its shift; the slots of a resident away stay untraced (they show absent); the dressing of yesterday
        was refused; the last one or two slots overdue are left for the overdue list."""
        pansement = self.prescriptions[(BERNARD, "Pansement de l'escarre du talon droit")]
        refuse = (pansement, at(self.hier, 10))
        slots = [
            c
            for jour in (self.hier, self.today)
            for c in self.plan(jour)
            if self.past(prevu(c)) and not c["absent"] and c["acte"] is None
        ]
        # left untraced: the latest slots overdue for at least a quarter of an hour, of two residents, never
        # the dressing (the transmissions speak of it) nor the only slot traced today
        candidates = sorted(
            (
                c
                for c in slots
                if c.get("prescription_id") != pansement
                and self.now - timedelta(hours=23) <= prevu(c) <= self.now - TOLERANCE - timedelta(minutes=15)
            ),
            key=prevu,
            reverse=True,
        )
        for c in candidates:
            if len(self.laisses) == 2:
                break
            if any(x["usager"]["dossier_id"] == c["usager"]["dossier_id"] for x in self.laisses):
                continue
            today_left = [
                x for x in slots if prevu(x).date() == self.today and x is not c and x not in self.laisses
            ]
            if prevu(c).date() == self.today and not today_left:
                continue
            self.laisses.append(c)
        for i, c in enumerate(sorted(slots, key=prevu)):
            if c in self.laisses:
                continue
            when = prevu(c)
            infirmier, aide_soignant = EQUIPES[poste(when)]
            par = aide_soignant if c["origine"] == "soin" else infirmier
            body: dict[str, Any] = {**reference(c), "prevu_le": c["prevu_le"], "par_nom": par.nom}
            if (c.get("prescription_id"), when) == refuse:
                body.update(
                    statut="non_realise",
                    motif="refus",
                    commentaire="douleur du talon à la mobilisation (EVA 6/10), reporté après antalgique",
                )
                self.refus += 1
            else:
                body.update(
                    statut="realise",
                    realise_le=min(when + timedelta(minutes=5 + (i * 7) % 20), self.now).isoformat(),
                )
                if c["quantite"] is not None:
                    body["quantite"] = c["quantite"]
            self.gw.post(f"/dossiers/{c['usager']['dossier_id']}/actes", body, par, expected=200)
            self.actes += 1
        # the antalgic "si besoin" of BERNARD before his dressing, yesterday and this morning
        si_besoin = self.prescriptions[(BERNARD, "Paracétamol")]
        for when, par in ((at(self.hier, 10, 30), IDE_MATIN), (at(self.today, 9, 30), IDE_MATIN)):
            if self.past(when):
                self.gw.post(
                    f"/dossiers/{self.d[BERNARD]}/actes",
                    {
                        "prescription_id": si_besoin,
                        "statut": "realise",
                        "realise_le": when.isoformat(),
                        "quantite": 1,
                        "commentaire": "douleur du talon EVA > 3 avant le pansement",
                        "par_nom": par.nom,
                    },
                    par,
                    expected=200,
                )
                self.actes += 1

    def ecrire(self) -> None:
        """The transmissions already written, then the afternoon team reads the morning's ones (yesterday's,
        and today's once the afternoon has begun); the rest stays unread."""
        for note in transmissions(self.today):
            if self.past(note.le):
                self.gw.post(
                    f"/dossiers/{self.d[note.resident]}/transmissions",
                    {**note.body, "le": note.le.isoformat(), "unite": UNITE, "auteur_nom": note.par.nom},
                    note.par,
                )
                self.transmissions += 1
        jours = [self.hier] + ([self.today] if self.past(at(self.today, 14)) else [])
        for lecteur in (AS_APRES_MIDI, IDE_APRES_MIDI):
            ids = [
                t["id"]
                for jour in jours
                for t in self.gw.get(
                    "/transmissions",
                    {"esms": EHPAD, "unite": UNITE, "jour": jour.isoformat(), "poste": "matin", "limit": 500},
                    lecteur,
                )["items"]
                if t["auteur"] != lecteur.id
            ]
            if ids:
                self.lues += self.gw.post("/transmissions/lectures", {"ids": ids}, lecteur, expected=200)[
                    "lues"
                ]

    def observer(self) -> None:
        for resident, le, motif, texte in (
            (
                DUPONT,
                at(self.hier, 11, 30),
                "Visite hebdomadaire",
                "Diabète de type 2 : glycémies à jeun entre 1,60 et 1,90 g/L cette semaine, sans hypoglycémie. "
                "TA 138/82, pieds sans lésion. Poursuite de la metformine 500 mg matin, midi et soir ; bilan "
                "sanguin à jeun prescrit (NFS, ionogramme, créatinine, HbA1c) pour adapter le traitement.",
            ),
            (
                BERNARD,
                at(self.hier, 11, 45),
                "Escarre du talon droit",
                "Escarre du talon droit de stade 2 (2 × 1,5 cm), fond rose, sans signe d'infection. Douleur au "
                "soin (EVA 6/10 ce matin) : paracétamol 1 g si besoin 30 minutes avant le pansement. Décharge "
                "stricte du talon, surveillance des points d'appui matin et soir.",
            ),
        ):
            self.gw.post(
                f"/dossiers/{self.d[resident]}/observations",
                {"texte": texte, "motif": motif, "observee_le": le.isoformat(), "auteur_nom": MEDECIN.nom},
                MEDECIN,
            )
            self.observations += 1

    # -- agenda -----------------------------------------------------------------------------------------

    def planifier(self, cle: str, body: dict[str, Any], par: Pro) -> str:
        created = self.gw.post("/evenements", {"esms": EHPAD, **body}, par)
        self.evenements[cle] = str(created["id"])
        return self.evenements[cle]

    def realiser(self, evenement: str, debut: datetime, presences: list[dict[str, Any]], par: Pro) -> None:
        self.gw.post(
            f"/evenements/{evenement}/realisations",
            {"occurrence": debut.isoformat(), "statut": "realise", "presences": presences},
            par,
            expected=200,
        )
        self.realisations += 1

    def agenda(self) -> None:
        d, today = self.d, self.today
        # the weekly memory workshop, on yesterday's weekday, for three weeks now
        premier = today - timedelta(days=15)
        atelier = self.planifier(
            "atelier",
            {
                "type": "activite",
                "titre": "Atelier mémoire",
                "description": "Jeux de mémoire, chansons et souvenirs ; une heure en petit groupe.",
                "lieu": "Salon des Lilas",
                "debut": at(premier, 15).isoformat(),
                "fin": at(premier, 16).isoformat(),
                "recurrence": f"FREQ=WEEKLY;BYDAY={JOURS_RRULE[premier.weekday()]}",
                "participants": {
                    "usagers": [d[MARTIN], d[ROSSI], d[BERNARD], d[PETIT]],
                    "professionnels": [ANIMATRICE.id],
                },
            },
            ANIMATRICE,
        )

        def present(resident: Resident, motif: str | None = None) -> dict[str, Any]:
            if motif is None:
                return {"participant": d[resident], "present": True}
            return {"participant": d[resident], "present": False, "motif": motif}

        anime = {"participant": ANIMATRICE.id, "present": True}
        seances = {
            15: [
                present(MARTIN),
                present(ROSSI, "fatiguée, restée en chambre"),
                present(BERNARD),
                present(PETIT),
            ],
            8: [present(MARTIN), present(ROSSI), present(BERNARD, "visite de son fils"), present(PETIT)],
            # MARTIN left with her daughter at 14:00: the absence declared in her dossier shows her absent
            1: [present(ROSSI), present(BERNARD), present(PETIT)],
        }
        for jours, presences in seances.items():
            self.realiser(atelier, at(today - timedelta(days=jours), 15), [*presences, anime], ANIMATRICE)

        # kinésithérapie twice a week (Monday and Thursday) for PETIT, from two weeks ago
        debut = next(
            today - timedelta(days=n)
            for n in range(14, 7, -1)
            if (today - timedelta(days=n)).weekday() in (0, 3)
        )
        kine = self.planifier(
            "kine",
            {
                "type": "intervention",
                "titre": "Kinésithérapie",
                "description": "Rééducation de la marche et de l'équilibre (maladie de Parkinson).",
                "lieu": "Chambre 206 et couloir des Lilas",
                "intervenant": "M. Rey, masseur-kinésithérapeute libéral",
                "debut": at(debut, 10, 30).isoformat(),
                "fin": at(debut, 11).isoformat(),
                "recurrence": "FREQ=WEEKLY;BYDAY=MO,TH",
                "participants": {"usagers": [d[PETIT]]},
            },
            IDE_MATIN,
        )
        jour = debut
        while jour <= today:
            if jour.weekday() in (0, 3) and self.past(at(jour, 11)):
                self.realiser(kine, at(jour, 10, 30), [present(PETIT)], IDE_MATIN)
            jour += timedelta(days=1)

        # a consultation next week, and last week's pedicure nobody recorded (a missed event)
        rdv = today + timedelta(days=7)
        self.planifier(
            "consultation",
            {
                "type": "rendez_vous",
                "titre": "Consultation de neurologie",
                "description": "Suivi de la maladie de Parkinson. Transport en VSL réservé ; emporter le dernier "
                "courrier et la liste des traitements.",
                "lieu": "Hôpital neurologique Pierre-Wertheimer, Bron",
                "intervenant": "Dr Morel, neurologue",
                "debut": at(rdv, 14, 30).isoformat(),
                "fin": at(rdv, 15, 30).isoformat(),
                "participants": {"usagers": [d[PETIT]]},
            },
            IDE_MATIN,
        )
        pedicure = today - timedelta(days=3)
        self.planifier(
            "pedicure",
            {
                "type": "intervention",
                "titre": "Soins de pédicurie",
                "lieu": "Chambre 203",
                "intervenant": "Mme Caron, pédicure-podologue",
                "debut": at(pedicure, 10).isoformat(),
                "fin": at(pedicure, 10, 45).isoformat(),
                "participants": {"usagers": [d[ROSSI]]},
            },
            IDE_MATIN,
        )

        # the physician's reminder to the morning nurse
        self.gw.post(
            "/informations",
            {
                "destinataire": {"type": "professionnel", "id": IDE_MATIN.id},
                "esms": EHPAD,
                "objet": "Rappel : bilan sanguin de M. DUPONT demain à jeun",
                "message": "Prélèvement à 7 h 30 : NFS, ionogramme, créatinine, HbA1c. Le laisser à jeun depuis "
                "minuit ; metformine et petit déjeuner après le prélèvement.",
                "rappeler_le": at(today + timedelta(days=1), 6, 45).isoformat(),
            },
            MEDECIN,
        )

    # -- what the day must show ---------------------------------------------------------------------------

    def verifier(self) -> int:
        """The day as the team sees it; the number of slots overdue now."""
        martin = self.d[MARTIN]
        slots = [c for c in self.plan(self.today) if c["usager"]["dossier_id"] == martin]
        if not slots or any(c["statut"] != "absent" for c in slots):
            raise RuntimeError(
                f"MARTIN Jeanne Louise est absente : ses créneaux du jour devraient l'être ({slots})"
            )
        retards = self.gw.get("/actes/en-retard", {"esms": EHPAD, "unite": UNITE}, IDE_MATIN)["creneaux"]
        attendus = {(c["usager"]["dossier_id"], c["prevu_le"]) for c in self.laisses}
        if not attendus <= {(c["usager"]["dossier_id"], c["prevu_le"]) for c in retards}:
            raise RuntimeError(
                f"créneaux laissés sans trace absents des retards : {self.laisses} / {retards}"
            )
        manques = self.gw.get("/evenements/manques", {"esms": EHPAD, "limit": 500}, IDE_MATIN)["items"]
        if self.evenements["pedicure"] not in {str(o["evenement_id"]) for o in manques}:
            raise RuntimeError(f"la pédicurie non relevée devrait être un événement manqué : {manques}")
        agenda = self.gw.get(f"/agendas/usagers/{martin}", None, ANIMATRICE)
        if not any(str(o["evenement_id"]) == self.evenements["atelier"] for o in agenda["occurrences"]):
            raise RuntimeError(f"l'atelier mémoire manque à l'agenda de MARTIN Jeanne Louise : {agenda}")
        return len(retards)


def load(gateway: str) -> None:
    today = today_paris()
    now = datetime.now(PARIS).replace(microsecond=0)
    with httpx.Client(base_url=gateway, headers=HEADERS, timeout=30, auth=demo_auth()) as http:
        gw = Gateway(http)
        dossiers = {resident: find(gw, resident) for resident in RESIDENTS}
        # prescriptions are read by care roles
        if gw.get(f"/dossiers/{dossiers[MARTIN]}/prescriptions", None, IDE_MATIN):
            print("Soins et agenda de démonstration déjà présents : rien à charger.")
            return
        journee = Journee(gw, dossiers, today, now)
        journee.prescrire_et_planifier()
        journee.tracer()
        journee.ecrire()
        journee.observer()
        journee.agenda()
        retards = journee.verifier()
        print(
            f"Démo soins et agenda : journée de l'unité {UNITE} ({len(RESIDENTS)} résidents) — "
            f"{len(journee.prescriptions)} prescriptions, {journee.soins} soins planifiés, "
            f"{journee.actes} actes tracés dont {journee.refus} refus, {retards} en retard, "
            f"{journee.transmissions} transmissions ({journee.lues} lectures par l'équipe d'après-midi), "
            f"{journee.observations} observations médicales ; agenda : {len(journee.evenements)} événements, "
            f"{journee.realisations} séances relevées, 1 rappel."
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--gateway", required=True)
    load(parser.parse_args().gateway)
