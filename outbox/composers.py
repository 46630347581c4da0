"""What each kind of outgoing message says (French), keyed by its purpose."""

from __future__ import annotations

from collections.abc import Callable

from django.core.mail import EmailMessage
from django.utils.translation import gettext as _

from cainamur.models import Centre
from outbox.models import Dispatch


def attestation_copy(dispatch: Dispatch) -> EmailMessage:
    attestation = dispatch.attestation
    assert attestation is not None and attestation.pdf, "claimed only once the PDF is stored"
    snapshot = attestation.snapshot
    centre = Centre.current()
    cpas_line = (
        _("Cette personne bénéficie de l'aide de votre CPAS.") + "\n\n"
        if dispatch.recipient_kind == Dispatch.Recipient.CPAS
        else ""
    )
    body = _(
        "Madame, Monsieur,\n\n"
        "En application de l'article 152 du Code wallon de l'Action sociale et de la Santé, "
        "nous vous transmettons en pièce jointe la copie de l'attestation de fréquentation "
        "du parcours d'intégration n° %(number)s, délivrée le %(issued_on)s à %(name)s, "
        "né·e le %(birth)s.\n\n"
        "%(cpas_line)s"
        "Son authenticité peut être vérifiée sur %(verify)s avec son numéro et son code.\n\n"
        "Avec nos salutations distinguées,\n\n"
        "%(centre)s\n%(address)s\n%(phone)s · %(email)s\n"
    ) % {
        "number": attestation.number,
        "issued_on": snapshot["issued_on"],
        "name": snapshot["full_name"],
        "birth": snapshot["birth_date"],
        "cpas_line": cpas_line,
        "verify": snapshot["verify_url"].split("?", 1)[0],
        "centre": centre.name,
        "address": f"{centre.street}, {centre.postal_code} {centre.city}",
        "phone": centre.phone,
        "email": centre.email,
    }
    message = EmailMessage(
        subject=_("Attestation de fréquentation %(number)s — %(name)s")
        % {"number": attestation.number, "name": snapshot["full_name"]},
        body=body,
        to=[dispatch.to_address],
        reply_to=[centre.email],
    )
    with attestation.pdf.open("rb") as handle:
        message.attach(f"{attestation.number}.pdf", handle.read(), "application/pdf")
    return message


COMPOSERS: dict[str, Callable[[Dispatch], EmailMessage]] = {
    Dispatch.Purpose.ATTESTATION_COPY: attestation_copy,
}
