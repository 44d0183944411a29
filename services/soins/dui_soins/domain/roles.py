"""Who may do what in the soins service, until the security issue brings the full habilitation matrix
(profession × ESMS × data category). Roles are the caller's `Actor.role`."""

from __future__ import annotations

from dui_shared.contracts.soins import CategorieDonnees, NaturePrescription
from dui_shared.envelope import Actor
from dui_shared.errors import Forbidden
from dui_shared.rpps import rpps_problem

ROLES_MEDECIN = frozenset({"medecin", "medecin_coordonnateur"})
"""Physicians: they write observations médicales and, with a valid RPPS number, prescribe."""

ROLES_MEDICAUX = ROLES_MEDECIN | {"infirmier"}
"""Who reads data of the `medical` category (medical transmissions, observations médicales)."""

ROLES_SOIN = ROLES_MEDICAUX | {
    "infirmier_coordonnateur",
    "cadre_de_sante",
    "aide_soignant",
    "aes",
    "auxiliaire_de_vie",
    "kinesitherapeute",
    "ergotherapeute",
    "psychomotricien",
    "orthophoniste",
    "dieteticien",
    "pedicure_podologue",
    "pharmacien",
}
"""Care roles: they trace acts, plan care, record observations received from elsewhere, and read the plan de
soins, the acts traced and what is overdue."""

ROLES_ADMINISTRATION = ROLES_MEDICAUX | {
    "infirmier_coordonnateur",
    "cadre_de_sante",
    "aide_soignant",
    "aes",
    "auxiliaire_de_vie",
    "pharmacien",
}
"""Care roles that prepare, give or help give drugs (the aide à la prise of CASF art. L313-26) or supervise those
who do: they read drug prescriptions, their versions and signatures. The other care roles (rééducation,
diététique, pédicurie…) read the prescriptions of acts and exams only."""


def voit(actor: Actor, categorie: CategorieDonnees) -> bool:
    """Whether the actor may read data of this category: what the habilitation matrix opens to their profile
    when the gateway authorised them, else only `medical` is restricted (physicians and nurses)."""
    if actor.lecture is not None:
        return actor.may_read(categorie.value)
    return categorie is not CategorieDonnees.medical or actor.role in ROLES_MEDICAUX


def exiger_prescripteur(role: str, identifiant: str) -> None:
    """An authorised prescriber: a physician's role and an identity that is a valid RPPS number."""
    if role not in ROLES_MEDECIN:
        raise Forbidden(
            f"seul un médecin peut prescrire, modifier ou arrêter une prescription (rôle « {role} »)",
            rule="prescripteur_non_habilite",
        )
    problem = rpps_problem(identifiant)
    if problem is not None:
        raise Forbidden(
            f"un prescripteur est identifié par un numéro RPPS valide : {problem[1]}",
            rule="prescripteur_non_habilite",
        )


def exiger_soignant(role: str, action: str) -> None:
    """Care acts (tracing, planning): a care role."""
    if role not in ROLES_SOIN:
        raise Forbidden(
            f"{action} est réservé aux professionnels du soin (rôle « {role} »)", rule="role_soignant_requis"
        )


def exiger_lecture_soins(actor: Actor, action: str) -> None:
    """Reading care data: the habilitation matrix decides for a caller the gateway authorised (its `soins`
    category), the care roles for any other caller."""
    if actor.lecture is None:
        exiger_soignant(actor.role, action)
    elif not actor.may_read("soins"):
        raise Forbidden(
            f"{action} est réservé aux professionnels du soin (rôle « {actor.role} »)",
            rule="role_soignant_requis",
        )


def exiger_acces_medical(actor: Actor) -> None:
    allowed = actor.may_read("medical") if actor.lecture is not None else actor.role in ROLES_MEDICAUX
    if not allowed:
        raise Forbidden(
            "les données médicales sont réservées aux professionnels que la matrice d'habilitations y autorise",
            rule="donnees_medicales_reservees",
        )


def voit_prescription(role: str, nature: NaturePrescription | str) -> bool:
    """Whether a role may read a prescription of this nature (its content, versions, slots and acts)."""
    if role in ROLES_ADMINISTRATION:
        return True
    return role in ROLES_SOIN and NaturePrescription(nature) is not NaturePrescription.medicament


def exiger_lecture_prescription(actor: Actor, nature: NaturePrescription | str) -> None:
    """Reading one prescription (or its versions): care data open to the caller, and for a drug a role that
    gives drugs."""
    exiger_lecture_soins(actor, "lire une prescription")
    role = actor.role
    if not voit_prescription(role, nature):
        raise Forbidden(
            "les prescriptions de médicaments sont réservées aux médecins, aux infirmiers et aux professionnels "
            f"qui administrent ou aident à la prise des médicaments (rôle « {role} »)",
            rule="medicaments_reserves",
        )
