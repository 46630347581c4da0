"""Nationality groups for the figures: the Union (with the EEA and Switzerland) apart,
the rest by region of the world.

The regions follow the United Nations' M49 grouping, with two departures that match how
Belgian statistics (Statbel) and the centre's work read them: Turkey, Kosovo and the
Caucasus (Armenia, Azerbaijan, Georgia) are « Europe hors UE », and Iran is with the
Near and Middle East. Every country django-countries knows belongs to exactly one group
(a test checks it); stateless and unknown nationality are « autre ».
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from parcours import rules

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _codes(text: str) -> frozenset[str]:
    return frozenset(text.split())


EU = (rules.EU_MEMBER_STATES - {"BE"}) | rules.EEA_AND_SWISS_STATES | {"AX"}

GROUPS: dict[str, tuple[StrOrPromise, frozenset[str]]] = {
    "be": (_("Belgique"), frozenset({"BE"})),
    "eu": (_("Union européenne, EEE et Suisse"), frozenset(EU)),
    "europe": (
        _("Europe hors Union"),
        _codes("AD AL AM AZ BA BY FO GB GE GG GI IM JE MC MD ME MK RS RU SJ SM TR UA VA XK"),
    ),
    "north_africa": (_("Afrique du Nord"), _codes("DZ EG EH LY MA SD TN")),
    "africa": (
        _("Afrique subsaharienne"),
        _codes(
            "AO BF BI BJ BW CD CF CG CI CM CV DJ ER ET GA GH GM GN GQ GW KE KM LR LS MG ML "
            "MR MU MW MZ NA NE NG RE RW SC SH SL SN SO SS ST SZ TD TG TZ UG YT ZA ZM ZW"
        ),
    ),
    "near_east": (
        _("Proche et Moyen-Orient"),
        _codes("AE BH IL IQ IR JO KW LB OM PS QA SA SY YE"),
    ),
    "asia": (
        _("Asie"),
        _codes(
            "AF BD BN BT CC CN CX HK ID IN IO JP KG KH KP KR KZ LA LK MM MN MO MV MY NP PH "
            "PK SG TH TJ TL TM TW UZ VN"
        ),
    ),
    "americas": (
        _("Amériques"),
        _codes(
            "AG AI AR AW BB BL BM BO BQ BR BS BZ CA CL CO CR CU CW DM DO EC FK GD GF GL GP "
            "GS GT GY HN HT JM KN KY LC MF MQ MS MX NI PA PE PM PR PY SR SV SX TC TT US UY "
            "VC VE VG VI"
        ),
    ),
    "oceania": (
        _("Océanie"),
        _codes("AS AU CK FJ FM GU HM KI MH MP NC NF NR NU NZ PF PG PN PW SB TK TO TV UM VU WF WS"),
    ),
    "other": (
        _("Apatride, inconnue ou autre"),
        frozenset({rules.STATELESS, rules.UNKNOWN_NATIONALITY, "AQ", "BV", "TF"}),
    ),
}


def group_choices() -> list[tuple[str, StrOrPromise]]:
    return [(key, label) for key, (label, _members) in GROUPS.items()]


def codes_of(group: str) -> frozenset[str]:
    return GROUPS[group][1]


def group_of(code: str) -> str:
    """The group of a nationality code (« other » for a code no group names)."""
    return next((key for key, (_label, members) in GROUPS.items() if code in members), "other")
