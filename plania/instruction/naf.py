"""Sections of the French activity nomenclature (NAF rév. 2, INSEE; = NACE Rev. 2 sections),
for the officers' "sector" filter. A NAF code ("62.01Z") belongs to the section of its
two-digit division (62 -> J, "Information et communication").

Source: INSEE, Nomenclature d'activités française NAF rév. 2 (décret 2007-1888), sections A
to U and the divisions they group.
"""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# section -> (first division, last division), inclusive.
SECTIONS: dict[str, tuple[int, int]] = {
    "A": (1, 3),
    "B": (5, 9),
    "C": (10, 33),
    "D": (35, 35),
    "E": (36, 39),
    "F": (41, 43),
    "G": (45, 47),
    "H": (49, 53),
    "I": (55, 56),
    "J": (58, 63),
    "K": (64, 66),
    "L": (68, 68),
    "M": (69, 75),
    "N": (77, 82),
    "O": (84, 84),
    "P": (85, 85),
    "Q": (86, 88),
    "R": (90, 93),
    "S": (94, 96),
    "T": (97, 98),
    "U": (99, 99),
}

SECTION_LABELS = {
    "A": _("Agriculture, sylviculture et pêche"),
    "B": _("Industries extractives"),
    "C": _("Industrie manufacturière"),
    "D": _("Production et distribution d'électricité, de gaz, de vapeur et d'air conditionné"),
    "E": _("Production et distribution d'eau ; assainissement, gestion des déchets et dépollution"),
    "F": _("Construction"),
    "G": _("Commerce ; réparation d'automobiles et de motocycles"),
    "H": _("Transports et entreposage"),
    "I": _("Hébergement et restauration"),
    "J": _("Information et communication"),
    "K": _("Activités financières et d'assurance"),
    "L": _("Activités immobilières"),
    "M": _("Activités spécialisées, scientifiques et techniques"),
    "N": _("Activités de services administratifs et de soutien"),
    "O": _("Administration publique"),
    "P": _("Enseignement"),
    "Q": _("Santé humaine et action sociale"),
    "R": _("Arts, spectacles et activités récréatives"),
    "S": _("Autres activités de services"),
    "T": _("Activités des ménages en tant qu'employeurs"),
    "U": _("Activités extra-territoriales"),
}


def section_of(naf_code: str) -> str:
    """The section letter of a NAF code, "" when it cannot be read."""
    digits = (naf_code or "")[:2]
    if len(digits) != 2 or not digits.isdigit():
        return ""
    division = int(digits)
    for letter, (first, last) in SECTIONS.items():
        if first <= division <= last:
            return letter
    return ""


def section_filter(letter: str, field: str = "company__naf_code") -> Q:
    """A filter on the NAF codes of one section (by their division prefix)."""
    first, last = SECTIONS[letter]
    q = Q()
    for division in range(first, last + 1):
        q |= Q(**{f"{field}__startswith": f"{division:02d}"})
    return q


def section_choices() -> list[tuple[str, str]]:
    return [(letter, f"{letter} — {SECTION_LABELS[letter]}") for letter in SECTIONS]
