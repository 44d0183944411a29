"""What each endpoint touches: its data categories, or the profile flag it needs, or the person's own view.

One table for every endpoint of the gateway: `CurrentActor` looks the request's route up here, and a test fails
if an endpoint is missing, so a new endpoint cannot be published without saying what it opens. Reads are
`lecture`, other methods `ecriture`, unless the rule says otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

from dui_shared.contracts.habilitations import CategorieDonnees, ModeAcces

A = CategorieDonnees.administratif
S = CategorieDonnees.social
C = CategorieDonnees.accompagnement
SO = CategorieDonnees.soins
M = CategorieDonnees.medical
P = CategorieDonnees.psychologique
TOUTES = (A, S, C, SO, M, P)

LECTURE = ModeAcces.lecture
ECRITURE = ModeAcces.ecriture


@dataclass(frozen=True)
class Regle:
    """`categories`: the data the endpoint reads or writes (any of them opens it; with several, the service or
    the gateway filters what the caller may not see). `drapeaux`: profile flags, one of which is needed instead. `personne`: an
    endpoint of the person's own view (/moi), closed to professionals; `None`: open to every authenticated caller
    (their own rights, logging out). No category, no flag: any professional with a profile."""

    categories: tuple[CategorieDonnees, ...] = ()
    mode: ModeAcces | None = None
    drapeaux: tuple[str, ...] = ()
    personne: bool | None = False

    def mode_pour(self, methode: str) -> ModeAcces:
        if self.mode is not None:
            return self.mode
        return LECTURE if methode in ("GET", "HEAD") else ECRITURE


def _d(*categories: CategorieDonnees, mode: ModeAcces | None = None) -> Regle:
    return Regle(categories=categories, mode=mode)


LIBRE = Regle()
ADMINISTRATION = Regle(drapeaux=("administration",))
PILOTAGE = Regle(drapeaux=("revue_acces",), mode=LECTURE)
"""Indicators and reporting facts: pseudonymous figures per ESMS, for who reviews the OG's use of the DUI (the
`revue_acces` flag: direction, DPO, cadre de santé in the default matrix), within the ESMS they act for."""
TRANSMISSIONS = _d(A, S, C, SO, M, P)  # each transmission has its category; the soins service filters rows

D = "/dossiers/{dossier_id}"
PP = f"{D}/projet-personnalise"
MOI = "/moi/dossiers/{dossier_id}"

REGLES: dict[tuple[str, str], Regle] = {
    # admission: candidatures, séjours
    ("GET", "/esms"): LIBRE,
    ("POST", "/candidatures"): _d(A),
    ("GET", "/candidatures"): _d(A),
    ("GET", "/candidatures/{candidature_id}"): _d(A),
    ("POST", "/candidatures/{candidature_id}/admission"): _d(A),
    ("POST", "/candidatures/{candidature_id}/contacts"): _d(A),
    ("POST", "/candidatures/{candidature_id}/decision"): _d(A),
    ("POST", "/candidatures/{candidature_id}/visites-preadmission"): _d(A),
    ("GET", "/demandes/{demande_id}"): _d(A),
    ("POST", "/imports/viatrajectoire"): _d(A),
    ("GET", "/sejours"): _d(A),
    ("GET", "/sejours/{sejour_id}"): _d(A),
    ("POST", "/sejours/{sejour_id}/actions-sortie"): _d(A),
    ("POST", "/sejours/{sejour_id}/sortie"): _d(A),
    # dossier: identity, administrative and social data
    ("GET", "/dossiers"): _d(A),
    ("GET", D): _d(A),
    ("GET", f"{D}/synthese"): _d(A),  # sections of other categories are removed for who may not read them
    ("POST", f"{D}/archivage"): _d(A),
    ("GET", f"{D}/identite"): _d(A),
    ("PUT", f"{D}/identite/traits"): _d(A),
    ("POST", f"{D}/identite/insi"): _d(A),
    ("POST", f"{D}/identite/validation"): _d(A),
    ("POST", f"{D}/identite/doute"): _d(A),
    ("GET", f"{D}/entourage"): _d(A),
    ("POST", f"{D}/entourage"): _d(A),
    ("PUT", f"{D}/entourage/{{contact_id}}"): _d(A),
    ("POST", f"{D}/entourage/{{contact_id}}/retrait"): _d(A),
    ("GET", f"{D}/equipe"): _d(A),
    ("POST", f"{D}/equipe"): _d(A),
    ("POST", f"{D}/equipe/{{membre_id}}/fin"): _d(A),
    ("POST", f"{D}/equipe/{{membre_id}}/referent"): _d(A),
    ("GET", f"{D}/absences"): _d(A),
    ("POST", f"{D}/absences"): _d(A),
    ("POST", f"{D}/absences/{{absence_id}}/annulation"): _d(A),
    ("POST", f"{D}/absences/{{absence_id}}/retour"): _d(A),
    ("GET", f"{D}/presences"): _d(A),
    ("GET", "/presences"): _d(A),
    ("GET", f"{D}/prestations"): _d(S),
    ("POST", f"{D}/prestations"): _d(S),
    ("POST", f"{D}/prestations/{{prestation_id}}/cloture"): _d(S),
    ("POST", f"{D}/prestations/{{prestation_id}}/renouvellement"): _d(S),
    ("GET", "/prestations/echeances"): _d(S),
    ("GET", f"{D}/echanges"): _d(S),
    ("POST", f"{D}/echanges"): _d(S),
    ("GET", f"{D}/consentements"): _d(A),
    ("POST", f"{D}/consentements"): _d(A),
    # accompagnement: projet personnalisé, evaluations, mesures de liberté, agenda, information
    ("GET", PP): _d(C),
    ("POST", PP): _d(C),
    ("GET", f"{PP}/comparaison"): _d(C),
    ("POST", f"{PP}/revision"): _d(C),
    ("GET", f"{PP}/versions/{{version}}"): _d(C),
    ("PUT", f"{PP}/versions/{{version}}"): _d(C),
    ("POST", f"{PP}/versions/{{version}}/validation"): _d(C),
    ("GET", f"{D}/evaluations"): _d(C),
    ("POST", f"{D}/evaluations"): _d(C),
    ("GET", "/evaluations/{evaluation_id}"): _d(C),
    ("POST", "/evaluations/{evaluation_id}/annulation"): _d(C),
    ("GET", "/grilles"): LIBRE,
    ("GET", "/grilles/{code}"): LIBRE,
    ("POST", "/grilles"): ADMINISTRATION,
    ("GET", f"{D}/mesures-liberte"): _d(C),
    ("POST", f"{D}/mesures-liberte"): _d(C),
    ("POST", f"{D}/mesures-liberte/{{mesure_id}}/levee"): _d(C),
    ("POST", f"{D}/mesures-liberte/{{mesure_id}}/revision"): _d(C),
    ("GET", "/mesures-liberte/a-reexaminer"): _d(C),
    ("POST", "/evenements"): _d(C),
    ("GET", "/evenements/manques"): _d(C),
    ("GET", "/evenements/{evenement_id}"): _d(C),
    ("PUT", "/evenements/{evenement_id}"): _d(C),
    ("POST", "/evenements/{evenement_id}/annulation"): _d(C),
    ("POST", "/evenements/{evenement_id}/realisations"): _d(C),
    ("GET", "/agendas/usagers/{dossier_id}"): _d(C),
    ("GET", "/agendas/usagers/{dossier_id}.ics"): _d(C),
    ("GET", "/agendas/professionnels/{professionnel_id}"): _d(C),
    ("GET", "/agendas/professionnels/{professionnel_id}.ics"): _d(C),
    ("GET", "/agendas/candidatures/{candidature_id}"): _d(A),
    ("GET", "/agendas/candidatures/{candidature_id}.ics"): _d(A),
    ("POST", "/informations"): _d(C),
    ("GET", "/informations"): _d(C),
    ("GET", "/informations/{information_id}"): _d(C),
    ("POST", "/informations/{information_id}/lecture"): _d(C, mode=LECTURE),
    # soins: transmissions (mixed), medical data, care plan and acts
    ("GET", f"{D}/transmissions"): TRANSMISSIONS,
    ("POST", f"{D}/transmissions"): TRANSMISSIONS,
    ("GET", "/transmissions"): TRANSMISSIONS,
    ("GET", "/transmissions/non-lues"): TRANSMISSIONS,
    ("POST", "/transmissions/lectures"): Regle(categories=TRANSMISSIONS.categories, mode=LECTURE),
    ("GET", "/transmissions/{transmission_id}"): TRANSMISSIONS,
    ("GET", f"{D}/observations"): _d(M),
    ("POST", f"{D}/observations"): _d(M),
    ("GET", "/observations/{observation_id}"): _d(M),
    # read by care roles too (drugs by those who give them: the soins service's rule)
    ("GET", f"{D}/prescriptions"): _d(M, SO),
    ("POST", f"{D}/prescriptions"): _d(M),
    ("GET", "/prescriptions/{prescription_id}"): _d(M, SO),
    ("GET", "/prescriptions/{prescription_id}/versions"): _d(M, SO),
    ("POST", "/prescriptions/{prescription_id}/arret"): _d(M),
    ("POST", "/prescriptions/{prescription_id}/modification"): _d(M),
    ("GET", f"{D}/plan-soins"): _d(SO),
    ("POST", f"{D}/plan-soins"): _d(SO),
    ("PUT", f"{D}/plan-soins/unite"): _d(SO),
    ("POST", f"{D}/plan-soins/{{soin_id}}/arret"): _d(SO),
    ("GET", "/plan-soins"): _d(SO),
    ("GET", f"{D}/actes"): _d(SO),
    ("POST", f"{D}/actes"): _d(SO),
    ("GET", "/actes/en-retard"): _d(SO),
    # habilitations, emergency access, access journal
    ("GET", "/habilitations/matrice"): LIBRE,
    ("PUT", "/habilitations/matrice/profils/{profession}"): ADMINISTRATION,
    ("DELETE", "/habilitations/matrice/profils/{profession}"): ADMINISTRATION,
    ("GET", "/habilitations/comptes"): ADMINISTRATION,
    ("GET", "/habilitations/comptes/{identifiant}"): ADMINISTRATION,
    ("PUT", "/habilitations/comptes/{identifiant}"): ADMINISTRATION,
    ("POST", "/acces-urgence"): Regle(drapeaux=("acces_urgence",)),
    ("POST", "/acces-urgence/{acces_id}/cloture"): Regle(drapeaux=("acces_urgence",)),
    # reviewers list every access; whoever may open one lists their own (the service narrows it)
    ("GET", "/acces-urgence"): Regle(drapeaux=("revue_acces", "acces_urgence")),
    ("POST", "/acces-urgence/{acces_id}/revue"): Regle(drapeaux=("revue_acces",)),
    ("GET", f"{D}/acces-personnes"): _d(A),
    ("POST", f"{D}/acces-personnes"): _d(A),
    ("POST", f"{D}/acces-personnes/{{identifiant}}/retrait"): _d(A),
    ("GET", f"{D}/journal-acces"): Regle(drapeaux=("journal_acces",), mode=LECTURE),
    ("GET", "/exploitation/projections"): ADMINISTRATION,
    # reporting: aggregated, pseudonymous figures for the management (direction, DPO, cadre de santé)
    ("GET", "/reporting/indicateurs"): PILOTAGE,
    ("GET", "/reporting/indicateurs/mensuels"): PILOTAGE,
    ("GET", "/reporting/indicateurs/{code}/detail"): PILOTAGE,
    ("GET", "/reporting/faits"): PILOTAGE,
    # the caller's own session and rights, professionals and persons alike
    ("GET", "/moi"): Regle(personne=None),
    ("POST", "/session/deconnexion"): Regle(personne=None),
    # the person's own view
    ("GET", "/moi/dossiers"): Regle(personne=True),
    ("GET", f"{MOI}/identite"): Regle(categories=(A,), personne=True),
    ("GET", f"{MOI}/projet-personnalise"): Regle(categories=(C,), personne=True),
    ("GET", f"{MOI}/agenda"): Regle(categories=(C,), personne=True),
    ("GET", f"{MOI}/informations"): Regle(categories=(C,), personne=True),
    ("GET", f"{MOI}/journal-acces"): Regle(personne=True, mode=LECTURE),
    ("GET", f"{MOI}/consentements"): Regle(personne=True),
    ("POST", f"{MOI}/consentements"): Regle(personne=True),
}
"""(method, path template) → rule."""

PUBLIQUES = frozenset(
    {
        ("GET", "/health"),
        # the operator dashboard's page and where it logs in: no data, the page reads with the operator's token
        ("GET", "/tableau-de-bord"),
        ("GET", "/tableau-de-bord/"),
        ("GET", "/tableau-de-bord/config"),
    }
)
"""The only endpoints answered without a token."""
