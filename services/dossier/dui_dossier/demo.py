"""Demo data of the dossier usager for `make run`, loaded through the gateway after the admission demo.

Six residents the INSi simulator knows (config/insi-simulateur.json) are admitted to the EHPAD; four dossiers are
filled, MARTIN Jeanne Louise's in every section so that her fiche de synthèse shows them all. Dates are relative
to today, so the fiche reads the same (a review overdue, a prestation ending soon, an absence in progress) whatever
the day. Runs only when her dossier does not exist yet, so a restart keeps the data it finds.
"""

from __future__ import annotations

import argparse
import time as clock
from datetime import date, datetime, time, timedelta
from typing import Any

import httpx

from dui_shared.contracts.aggir import reponses_uniformes
from dui_shared.runtime.demo import demo_auth
from dui_shared.timezone import today_paris

EHPAD = "690004122"
HEADERS = {"X-Dui-Professionnel": "demo-secretariat", "X-Dui-Role": "secretariat", "X-Dui-Esms": "*"}
MEDECIN_RPPS = "10000000017"
SECTIONS = (
    "identite",
    "gir",
    "projet_personnalise",
    "personne_de_confiance",
    "entourage",
    "equipe",
    "referent",
    "absences_en_cours",
    "prestations",
    "mesures_liberte",
    "evaluations_recentes",
    "derniers_echanges",
    "alertes",
)

# the six demo residents of docs/insi-simulateur.md, as a candidature gives them (no birthplace yet)
MARTIN = {"nom_naissance": "Martin", "prenoms": "Jeanne Louise", "date_naissance": "1938-03-12", "sexe": "F"}
DUPONT = {"nom_naissance": "Dupont", "prenoms": "Marcel", "date_naissance": "1935-11-02", "sexe": "M"}
ROSSI = {"nom_naissance": "Rossi", "prenoms": "Maria", "date_naissance": "1942-07-21", "sexe": "F"}
BERNARD = {"nom_naissance": "Bernard", "prenoms": "Lucien", "date_naissance": "1940-01-15", "sexe": "M"}
LEFEBVRE = {"nom_naissance": "Lefebvre", "prenoms": "Odette", "date_naissance": "1931-05-30", "sexe": "F"}
PETIT = {"nom_naissance": "Petit", "prenoms": "Henri", "date_naissance": "1945-09-09", "sexe": "M"}

IDE = {"id": "ide-0042", "nom": "Sophie Bernard", "profession": "infirmier"}
AIDE_SOIGNANT = {"id": "as-0107", "nom": "Karim Haddad", "profession": "aide-soignant"}
PSYCHOLOGUE = {"id": "psy-0012", "nom": "Élise Fontaine", "profession": "psychologue"}

RISQUE_CHUTE: dict[str, Any] = {
    "code": "risque-chute",
    "libelle": "Évaluation du risque de chute",
    "description": "À refaire à l'entrée puis tous les six mois ou après toute chute.",
    "regle": "somme",
    "items": [
        {
            "code": "chute_annee",
            "libelle": "Chute au cours des douze derniers mois",
            "type": "booleen",
            "points_si_oui": 2,
        },
        {
            "code": "troubles_marche",
            "libelle": "Troubles de la marche ou de l'équilibre",
            "type": "choix",
            "options": [
                {"valeur": "aucun", "libelle": "Aucun", "points": 0},
                {"valeur": "legers", "libelle": "Légers", "points": 1},
                {"valeur": "severes", "libelle": "Sévères", "points": 2},
            ],
        },
        {
            "code": "nb_medicaments",
            "libelle": "Nombre de médicaments par jour",
            "type": "nombre",
            "min": 0,
            "max": 30,
            "decimales": 0,
            "coefficient": 0.2,
            "aide": "Chaque médicament compte pour 0,2 point.",
        },
        {
            "code": "troubles_cognitifs",
            "libelle": "Troubles cognitifs connus",
            "type": "booleen",
            "points_si_oui": 1,
        },
        {
            "code": "aide_technique",
            "libelle": "Aide technique à la marche",
            "type": "choix",
            "options": [
                {"valeur": "aucune", "libelle": "Aucune", "points": 0},
                {"valeur": "canne", "libelle": "Canne", "points": 1},
                {"valeur": "deambulateur", "libelle": "Déambulateur", "points": 1},
                {"valeur": "fauteuil", "libelle": "Fauteuil roulant", "points": 2},
            ],
        },
        {
            "code": "date_derniere_chute",
            "libelle": "Date de la dernière chute",
            "type": "date",
            "obligatoire": False,
        },
        {
            "code": "observations",
            "libelle": "Observations",
            "type": "texte",
            "longueur_max": 500,
            "obligatoire": False,
        },
    ],
    "interpretations": [
        {"min": 0, "max": 2.8, "libelle": "risque faible"},
        {"min": 3, "max": 4.8, "libelle": "risque modéré"},
        {"min": 5, "max": 13, "libelle": "risque élevé", "alerte": True},
    ],
}


# Mostly autonomous at entry (GIR 4), then confined to the chair after a fall (GIR 2).
AGGIR_ENTREE = reponses_uniformes(
    "A",
    toilette={"haut": "B", "bas": "B"},
    habillage={"haut": "A", "moyen": "B", "bas": "B"},
    transferts="B",
    deplacements_interieur="B",
    deplacements_exterieur="B",
)
AGGIR_APRES_CHUTE = reponses_uniformes(
    "B",
    coherence={"communication": "A", "comportement": "A"},
    orientation={"temps": "B", "espace": "A"},
    toilette={"haut": "C", "bas": "C"},
    habillage={"haut": "C", "moyen": "C", "bas": "C"},
    alimentation={"se_servir": "B", "manger": "A"},
    elimination={"urinaire": "C", "fecale": "B"},
    transferts="C",
    deplacements_interieur="C",
    deplacements_exterieur="C",
)


def at(day: date, hour: int, minute: int = 0) -> str:
    """A Paris wall-clock instant (the API reads instants without a time zone as Paris time)."""
    return datetime.combine(day, time(hour, minute)).isoformat()


_AUTEURS = (
    ("/grilles", "adm.bonnet"),
    ("/prestations", "social.muller"),
    ("/echanges", "social.muller"),
    ("/projet-personnalise", "cadre.vincent"),
    ("/evaluations", "cadre.vincent"),
    ("/mesures-liberte", "cadre.vincent"),
)
LECTEUR = {"X-Dui-Professionnel": "cadre.vincent"}
"""Reads (the fiche de synthèse) as the cadre de santé: every section is open to that line of the matrix."""


class Gateway:
    """The gateway as the demo uses it: every answer checked, reads made after the demo's own last write."""

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
    def _qui(path: str) -> dict[str, str]:
        """The demo account whose profession the habilitation matrix lets write this: grids are the OG
        administrator's, social data the social worker's, the accompaniment the cadre de santé's, the rest
        (identity, entourage, team, absences) the secretariat's."""
        for marker, account in _AUTEURS:
            if marker in path:
                return {"X-Dui-Professionnel": account}
        return {}

    def post(self, path: str, body: dict[str, Any] | None = None, expected: int = 201) -> Any:
        return self._check(self.http.post(path, json=body, headers=self._qui(path)), expected)

    def put(self, path: str, body: dict[str, Any], expected: int = 200) -> Any:
        return self._check(self.http.put(path, json=body, headers=self._qui(path)), expected)

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        headers = {"X-Dui-Min-Position": str(self.position), **LECTEUR}
        return self._check(self.http.get(path, params=params, headers=headers), 200)


def find_martin(gw: Gateway) -> dict[str, Any] | None:
    """MARTIN Jeanne Louise's dossier, whatever its status (the admission demo has another Martin). Her traits
    are INSi's once her INS is recovered (capitals), hence the comparison without case."""
    page = gw.get("/dossiers", {"q": "martin", "statut": ["actif", "clos", "archive"], "limit": 500})
    for item in page["items"]:
        traits = item["traits"]
        if (
            traits["prenoms"].casefold() == MARTIN["prenoms"].casefold()
            and traits["date_naissance"] == MARTIN["date_naissance"]
        ):
            return dict(item)
    return None


def admit(gw: Gateway, usager: dict[str, Any], admis_le: date, place: str) -> str:
    """Candidature, acceptance, admission to the EHPAD; the id of the dossier opened for the séjour."""
    created = gw.post(
        "/candidatures",
        {
            "usager": usager,
            "esms": [EHPAD],
            "type_accueil": "permanent",
            "recue_le": at(admis_le - timedelta(days=45), 9),
            "date_entree_souhaitee": admis_le.isoformat(),
        },
    )
    cid = created["candidatures"][0]
    gw.post(
        f"/candidatures/{cid}/decision",
        {"decision": "acceptee", "prononcee_le": at(admis_le - timedelta(days=14), 11)},
        expected=200,
    )
    sejour = gw.post(f"/candidatures/{cid}/admission", {"admis_le": at(admis_le, 10), "place": place})
    # the dossier service opens the dossier when it sees the admission: wait for it briefly
    for _ in range(50):
        page = gw.get("/dossiers", {"sejour_id": sejour["id"]})
        if page["total"] == 1:
            return str(page["items"][0]["id"])
        clock.sleep(0.2)
    raise RuntimeError(f"aucun dossier ouvert pour le séjour {sejour['id']} de {usager['nom_naissance']}")


def qualify(gw: Gateway, d: str, usager: dict[str, Any], lieu: str, justificatif: str | None) -> None:
    """Birthplace added to the traits, INS found by INSi (récupérée), then validated on an ID document."""
    gw.put(
        f"{d}/identite/traits",
        {"traits": {**usager, "lieu_naissance": lieu}, "motif": "lieu de naissance relevé à l'entrée"},
    )
    insi = gw.post(f"{d}/identite/insi", {"operation": "recherche"}, expected=200)
    if insi["resultat"] != "trouve":
        raise RuntimeError(f"INSi ne trouve pas {usager['nom_naissance']} {usager['prenoms']} : {insi}")
    if justificatif:
        gw.post(f"{d}/identite/validation", {"justificatif": justificatif}, expected=200)


def fill_martin(gw: Gateway, d: str, admise: date, today: date) -> None:
    """Every section of the fiche de synthèse, along six months of a résidente's life in the EHPAD."""
    chute = today - timedelta(days=31)
    qualify(gw, d, MARTIN, "69123", "carte_identite")

    fille = {
        "nom": "Martin",
        "prenom": "Claire",
        "roles": ["personne_de_confiance", "contact_urgence"],
        "lien": "fille",
        "telephone": "0612345678",
        "email": "claire.martin@example.org",
        "consentement_contact": True,
    }
    gw.post(f"{d}/entourage", fille)
    gw.post(
        f"{d}/entourage",
        {
            "nom": "Durand",
            "prenom": "Luc",
            "roles": ["medecin_traitant"],
            "rpps": MEDECIN_RPPS,
            "adresse_mssante": "luc.durand@medecin.mssante.fr",
            "telephone": "0478000000",
        },
    )
    gw.post(
        f"{d}/entourage",
        {
            "nom": "Martin",
            "prenom": "Paul",
            "roles": ["famille"],
            "lien": "fils",
            "telephone": "0698765432",
            "consentement_contact": True,
            "commentaire": "habite Grenoble, visite un week-end par mois",
        },
    )
    gw.post(f"{d}/equipe", {"professionnel": IDE, "du": admise.isoformat(), "referent": True})
    gw.post(f"{d}/equipe", {"professionnel": AIDE_SOIGNANT, "du": admise.isoformat()})

    gw.post(
        f"{d}/evaluations",
        {
            "grille": "aggir",
            "realisee_le": at(admise + timedelta(days=3), 10),
            "evaluateur": "Dr Leroy, médecin coordonnateur",
            "reponses": AGGIR_ENTREE,
            "commentaire": "évaluation d'entrée",
        },
    )
    gw.post(
        f"{d}/echanges",
        {
            "le": at(admise + timedelta(days=7), 16),
            "canal": "entretien",
            "participants": ["Jeanne Louise Martin", "Claire Martin", "IDE Sophie Bernard"],
            "objet": "entretien d'accueil : habitudes de vie et attentes",
            "resume": "Souhaite garder sa promenade quotidienne au jardin et le chant du jeudi.",
        },
    )

    # projet personnalisé: version 1 validated two months after the entry
    contenu: dict[str, Any] = {
        "objectifs": [
            {
                "code": "marche",
                "libelle": "Maintenir la marche",
                "domaine": "autonomie",
                "actions": [{"libelle": "Kinésithérapie 2 fois par semaine", "responsable": "kiné libéral"}],
            },
            {
                "code": "lien-social",
                "libelle": "Participer à une activité collective par semaine",
                "domaine": "vie sociale",
                "actions": [{"libelle": "Atelier chant du jeudi"}],
            },
        ],
        "responsable": IDE,
        "participation": {"usager_present": True, "representant_present": True},
        "expression_usager": "rester le plus autonome possible",
        "expression_entourage": "sa fille souhaite être prévenue de tout changement de traitement",
        "date_prochaine_revision": (admise + timedelta(days=240)).isoformat(),
    }
    gw.post(f"{d}/projet-personnalise", contenu)
    gw.post(
        f"{d}/projet-personnalise/versions/1/validation",
        {"valide_le": (admise + timedelta(days=60)).isoformat()},
        expected=200,
    )

    # a mesure de liberté whose review date has passed: it shows among the measures to re-examine
    gw.post(
        f"{d}/mesures-liberte",
        {
            "nature": "porte du service fermée la nuit",
            "justification": "déambulation nocturne avec risque de chute dans l'escalier",
            "decidee_par": "Dr Leroy, médecin coordonnateur",
            "decidee_le": (today - timedelta(days=100)).isoformat(),
            "avis_usager": "accepte",
            "avis_representant": "favorable",
            "revision_le": (today - timedelta(days=10)).isoformat(),
        },
    )
    gw.post(
        f"{d}/prestations",
        {
            "type": "apa",
            "organisme": "Métropole de Lyon",
            "reference": "APA-69-2026-0457",
            "debut": admise.isoformat(),
            "fin": (today + timedelta(days=45)).isoformat(),
            "montant_mensuel": 450.0,
        },
    )
    gw.post(
        f"{d}/prestations",
        {
            "type": "aide_sociale_hebergement",
            "organisme": "Métropole de Lyon",
            "reference": "ASH-69-2026-0112",
            "debut": admise.isoformat(),
            "fin": (admise + timedelta(days=730)).isoformat(),
            "montant_mensuel": 1250.0,
        },
    )

    # a fall, five nights in hospital, back with a higher dependency: GIR re-evaluated, fall risk high
    hospitalisation = gw.post(
        f"{d}/absences",
        {
            "type": "hospitalisation",
            "debut": at(chute, 15),
            "fin_prevue": at(chute + timedelta(days=5), 11),
            "commentaire": "chute dans la chambre, fracture du poignet",
        },
    )
    gw.post(
        f"{d}/absences/{hospitalisation['id']}/retour",
        {"fin": at(chute + timedelta(days=5), 11)},
        expected=200,
    )
    gw.post(
        f"{d}/evaluations",
        {
            "grille": "risque-chute",
            "realisee_le": at(chute + timedelta(days=7), 10),
            "evaluateur": "IDE Sophie Bernard",
            "reponses": {
                "chute_annee": True,
                "troubles_marche": "legers",
                "nb_medicaments": 7,
                "troubles_cognitifs": False,
                "aide_technique": "deambulateur",
                "date_derniere_chute": chute.isoformat(),
                "observations": "retour d'hospitalisation, marche avec déambulateur",
            },
        },
    )
    gw.post(
        f"{d}/evaluations",
        {
            "grille": "aggir",
            "realisee_le": at(chute + timedelta(days=8), 10),
            "evaluateur": "Dr Leroy, médecin coordonnateur",
            "reponses": AGGIR_APRES_CHUTE,
            "commentaire": "réévaluation après la chute",
        },
    )
    gw.post(
        f"{d}/echanges",
        {
            "le": at(chute + timedelta(days=11), 17, 30),
            "canal": "telephone",
            "participants": ["Claire Martin", "IDE Sophie Bernard"],
            "objet": "point après le retour d'hospitalisation",
            "resume": "Reprise progressive de la marche ; séjour chez sa fille prévu.",
        },
    )
    revision = gw.post(f"{d}/projet-personnalise/revision", {"motif": "chute et hospitalisation"})
    gw.put(
        f"{d}/projet-personnalise/versions/{revision['version']}",
        {
            **contenu,
            "objectifs": [
                {
                    **contenu["objectifs"][0],
                    "libelle": "Reprendre la marche après la chute",
                    "actions": [{"libelle": "Kinésithérapie 3 fois par semaine"}],
                },
                contenu["objectifs"][1],
            ],
            "date_prochaine_revision": (today + timedelta(days=90)).isoformat(),
        },
    )

    # with her daughter since yesterday, for a week
    gw.post(
        f"{d}/absences",
        {
            "type": "sejour_famille",
            "debut": at(today - timedelta(days=1), 14),
            "fin_prevue": at(today + timedelta(days=6), 18),
            "commentaire": "chez sa fille Claire, à Villeurbanne",
        },
    )


def fill_dupont(gw: Gateway, d: str, admis: date) -> None:
    """INS récupérée but not yet checked on an ID document; a GIR; a personne de confiance, a référent."""
    qualify(gw, d, DUPONT, "13055", None)
    gw.post(
        f"{d}/entourage",
        {
            "nom": "Dupont",
            "prenom": "Sylvie",
            "roles": ["personne_de_confiance"],
            "lien": "belle-fille",
            "telephone": "0611223344",
            "consentement_contact": True,
        },
    )
    gw.post(f"{d}/equipe", {"professionnel": AIDE_SOIGNANT, "du": admis.isoformat(), "referent": True})
    gw.post(
        f"{d}/evaluations",
        {
            "grille": "aggir",
            "realisee_le": at(admis + timedelta(days=5), 10),
            "evaluateur": "Dr Leroy, médecin coordonnateur",
            "reponses": reponses_uniformes("B", coherence={"communication": "B", "comportement": "A"}),
        },
    )
    gw.post(
        f"{d}/echanges",
        {
            "le": at(admis + timedelta(days=20), 15),
            "canal": "telephone",
            "participants": ["Sylvie Dupont", "AS Karim Haddad"],
            "objet": "organisation des visites du dimanche",
        },
    )


def fill_rossi(gw: Gateway, d: str, admis: date, today: date) -> None:
    """Identity qualified on a passport; a validated projet personnalisé; family, référent, aide sociale."""
    qualify(gw, d, ROSSI, "2A004", "passeport")
    gw.post(
        f"{d}/entourage",
        {
            "nom": "Rossi",
            "prenom": "Antoine",
            "roles": ["famille", "contact_urgence"],
            "lien": "neveu",
            "telephone": "0495000000",
            "consentement_contact": True,
        },
    )
    gw.post(f"{d}/equipe", {"professionnel": PSYCHOLOGUE, "du": admis.isoformat(), "referent": True})
    gw.post(
        f"{d}/projet-personnalise",
        {
            "objectifs": [
                {
                    "code": "langue",
                    "libelle": "Garder le lien avec sa langue et sa culture",
                    "domaine": "vie sociale",
                    "actions": [{"libelle": "Appel hebdomadaire avec sa sœur en Corse"}],
                },
                {
                    "code": "sommeil",
                    "libelle": "Retrouver un sommeil réparateur sans somnifère",
                    "domaine": "santé",
                },
            ],
            "responsable": PSYCHOLOGUE,
            "participation": {"usager_present": True, "modalite": "entretien"},
            "expression_usager": "rester en lien avec la Corse",
            "date_prochaine_revision": (today + timedelta(days=150)).isoformat(),
        },
    )
    gw.post(
        f"{d}/projet-personnalise/versions/1/validation",
        {"valide_le": (admis + timedelta(days=45)).isoformat()},
        expected=200,
    )
    gw.post(
        f"{d}/prestations",
        {
            "type": "aide_sociale_hebergement",
            "organisme": "Métropole de Lyon",
            "debut": admis.isoformat(),
            "montant_mensuel": 980.0,
        },
    )


def fill_bernard(gw: Gateway, d: str, admis: date) -> None:
    """INS récupérée; médecin traitant, APA, a short holiday with his family, a low fall risk."""
    qualify(gw, d, BERNARD, "75056", None)
    gw.post(
        f"{d}/entourage",
        {"nom": "Durand", "prenom": "Luc", "roles": ["medecin_traitant"], "rpps": MEDECIN_RPPS},
    )
    gw.post(
        f"{d}/prestations",
        {
            "type": "apa",
            "organisme": "Métropole de Lyon",
            "debut": admis.isoformat(),
            "fin": (admis + timedelta(days=365)).isoformat(),
            "montant_mensuel": 320.0,
        },
    )
    depart = admis + timedelta(days=30)
    vacances = gw.post(
        f"{d}/absences",
        {"type": "vacances", "debut": at(depart, 10), "fin_prevue": at(depart + timedelta(days=4), 18)},
    )
    gw.post(
        f"{d}/absences/{vacances['id']}/retour", {"fin": at(depart + timedelta(days=4), 17)}, expected=200
    )
    gw.post(
        f"{d}/evaluations",
        {
            "grille": "risque-chute",
            "realisee_le": at(admis + timedelta(days=2), 11),
            "reponses": {
                "chute_annee": False,
                "troubles_marche": "aucun",
                "nb_medicaments": 4,
                "troubles_cognitifs": False,
                "aide_technique": "canne",
            },
        },
    )


def load(gateway: str) -> None:
    today = today_paris()
    with httpx.Client(base_url=gateway, headers=HEADERS, timeout=30, auth=demo_auth()) as http:
        gw = Gateway(http)
        if find_martin(gw) is not None:
            print("Dossiers de démonstration déjà présents : rien à charger.")
            return

        gw.post("/grilles", RISQUE_CHUTE)
        residents = (
            (MARTIN, 200, "Chambre 201"),
            (DUPONT, 150, "Chambre 202"),
            (ROSSI, 120, "Chambre 203"),
            (BERNARD, 90, "Chambre 204"),
            (LEFEBVRE, 45, "Chambre 205"),
            (PETIT, 20, "Chambre 206"),
        )
        dossiers: list[tuple[str, date]] = []
        for usager, jours, place in residents:
            admis = today - timedelta(days=jours)
            dossiers.append((f"/dossiers/{admit(gw, usager, admis, place)}", admis))

        (martin, martin_admise), (dupont, dupont_admis), (rossi, rossi_admise), (bernard, bernard_admis) = (
            dossiers[:4]
        )
        fill_martin(gw, martin, martin_admise, today)
        fill_dupont(gw, dupont, dupont_admis)
        fill_rossi(gw, rossi, rossi_admise, today)
        fill_bernard(gw, bernard, bernard_admis)

        fiche = gw.get(f"{martin}/synthese")
        vides = [s for s in SECTIONS if not fiche[s]]
        if vides or fiche["identite"]["statut"] != "qualifiee":
            raise RuntimeError(f"fiche de synthèse de MARTIN Jeanne Louise incomplète : {vides}")
        print(
            "Démo : 4 dossiers complétés (fiche de synthèse complète : MARTIN Jeanne Louise), "
            f"{len(dossiers)} résidents admis à l'EHPAD {EHPAD}."
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--gateway", required=True)
    load(parser.parse_args().gateway)
