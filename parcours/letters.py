"""The letter inviting a person to the evaluation interview: French, with the same text
in the person's language beside it where a translation exists (docs/domain.md,
« Evaluations »). A pure function from a snapshot to PDF bytes."""

from __future__ import annotations

from datetime import date
from typing import Any, Final

from django.utils.translation import gettext as _

from beneficiaries.languages import LANGUAGE_NAMES, first_language
from cainamur.models import Centre
from cainamur.pdf import centre_snapshot, render_pdf
from parcours.models import Evaluation, Parcours
from parcours.rules import LEGAL_REFERENCES

#: The letter's paragraphs in the languages of first contact at the CAI. Placeholders:
#: {due} (date), {phone}, {office}, {address}. « obliged » is printed for an obliged path.
TRANSLATIONS: Final[dict[str, dict[str, str]]] = {
    "en": {
        "title": "Invitation to the evaluation interview",
        "body": (
            "As part of your integration path, we invite you to an evaluation interview with "
            "your caseworker. Together you will review your training (citizenship, French, "
            "work and training guidance) and what you need."
        ),
        "when": (
            "Please make an appointment before {due}: call {phone} or come to the {office} "
            "office ({address})."
        ),
        "obliged": (
            "The integration path is compulsory for you. If you cannot come, let us know and "
            "tell us why: an absence without a valid reason may be reported to the regional "
            "administration."
        ),
        "free": "The interview is free. An interpreter can be present if you ask.",
    },
    "ar": {
        "title": "دعوة إلى مقابلة التقييم",
        "body": (
            "في إطار مسار الاندماج الخاص بك، ندعوك إلى مقابلة تقييم مع المرشد(ة) المسؤول(ة) عن "
            "ملفك. ستراجعان معًا تكويناتك (المواطنة، اللغة الفرنسية، التوجيه المهني) "
            "واحتياجاتك."
        ),
        "when": (
            "يرجى أخذ موعد قبل {due}: اتصل بالرقم {phone} أو تعال إلى مكتب {office} ({address})."
        ),
        "obliged": (
            "مسار الاندماج إلزامي بالنسبة لك. إذا لم تستطع الحضور، أخبرنا بذلك واذكر السبب: "
            "قد يتم إبلاغ الإدارة الجهوية عن أي غياب بدون سبب مقبول."
        ),
        "free": "المقابلة مجانية. يمكن حضور مترجم إذا طلبت ذلك.",
    },
    "uk": {
        "title": "Запрошення на оцінювальну співбесіду",
        "body": (
            "У межах вашого інтеграційного курсу запрошуємо вас на оцінювальну співбесіду з "
            "вашим куратором. Разом ви обговорите ваше навчання (громадянство, французька "
            "мова, професійна орієнтація) та ваші потреби."
        ),
        "when": (
            "Будь ласка, запишіться на зустріч до {due}: зателефонуйте за номером {phone} або "
            "прийдіть до офісу {office} ({address})."
        ),
        "obliged": (
            "Інтеграційний курс для вас обов'язковий. Якщо ви не можете прийти, повідомте нас "
            "і вкажіть причину: про відсутність без поважної причини можуть повідомити "
            "регіональну адміністрацію."
        ),
        "free": "Співбесіда безкоштовна. На ваше прохання може бути присутній перекладач.",
    },
}
RTL: Final = frozenset({"ar", "fa", "ps", "ur", "ku"})


def _french(obliged: bool) -> dict[str, str]:
    texts = {
        "title": _("Invitation à l'entretien d'évaluation"),
        "body": _(
            "Dans le cadre de votre parcours d'intégration, nous vous invitons à un entretien "
            "d'évaluation avec votre référent·e. Vous ferez ensemble le point sur vos "
            "formations (citoyenneté, français, orientation socioprofessionnelle) et sur ce "
            "dont vous avez besoin."
        ),
        "when": _(
            "Merci de prendre rendez-vous avant le {due} : par téléphone au {phone} ou en "
            "passant au bureau de {office} ({address})."
        ),
        "obliged": _(
            "Le parcours d'intégration est obligatoire pour vous (%(reference)s). Si vous ne "
            "pouvez pas venir, prévenez-nous et indiquez-en le motif : une absence sans motif "
            "valable peut être signalée à l'administration régionale."
        )
        % {"reference": LEGAL_REFERENCES["obligation"]},
        "free": _("L'entretien est gratuit. Un·e interprète peut être présent·e sur demande."),
    }
    if not obliged:
        texts.pop("obliged")
    return texts


def _filled(texts: dict[str, str], values: dict[str, str]) -> dict[str, str]:
    return {key: text.format(**values) for key, text in texts.items()}


def invitation_snapshot(evaluation: Evaluation, *, on: date) -> dict[str, Any]:
    """What the letter shows, as plain values."""
    parcours: Parcours = evaluation.parcours
    beneficiary = parcours.beneficiary
    office = beneficiary.office
    obliged = parcours.kind == Parcours.Kind.OBLIGED
    address = ", ".join(
        part for part in (office.street, f"{office.postal_code} {office.city}") if part.strip()
    )
    values = {
        "due": f"{evaluation.due_on:%d/%m/%Y}",
        "phone": office.phone or Centre.current().phone,
        "office": office.name,
        "address": address,
    }
    language = first_language(
        [beneficiary.interpreter_language, *(beneficiary.languages or [])], TRANSLATIONS
    )
    translated: dict[str, str] = {}
    if language:
        translated = dict(TRANSLATIONS[language])
        if not obliged:
            translated.pop("obliged")
        if language in RTL:
            # Dates, numbers and names stay in their own direction inside the Arabic text.
            values = {key: f"\u2068{value}\u2069" for key, value in values.items()}
        translated = _filled(translated, values)
    return {
        "centre": centre_snapshot(),
        "on": f"{on:%d/%m/%Y}",
        "file_number": beneficiary.file_number,
        "person": {
            "full_name": beneficiary.full_name,
            "street": beneficiary.street,
            "city": f"{beneficiary.postal_code} {beneficiary.commune.name}".strip(),
        },
        "french": _filled(_french(obliged), values),
        "language": language,
        "language_name": str(LANGUAGE_NAMES.get(language, "")),
        "rtl": language in RTL,
        "translated": translated,
    }


def invitation_pdf(snapshot: dict[str, Any]) -> bytes:
    return render_pdf("pdf/invitation.html", snapshot)
