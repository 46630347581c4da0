"""The convention on paper (issue 14): however long its content, the signatures never sit
alone on a page: they stay with the closing commitments and the « Fait à … » line."""

from __future__ import annotations

import io
from typing import Any

from pypdf import PdfReader

from cainamur.models import User
from parcours.documents import convention_render
from parcours.models import Convention
from tests.factories import complete_path, obliged_file


def pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def test_signatures_stay_with_their_content(caseworker: User) -> None:
    parcours: Any = complete_path(obliged_file(caseworker), caseworker)
    snapshot = Convention.objects.filter(parcours=parcours).get().snapshot
    multi_page = 0
    # An amendment reason of growing length pushes the closing block down the pages.
    for lines in range(0, 60, 3):
        reason = " ".join(["Changement d'horaire de la formation de français."] * lines)
        text = pages(convention_render({**snapshot, "amendment_reason": reason}))
        multi_page += len(text) > 1
        signed = [page for page in text if "Pour le CAI" in page]
        assert len(signed) == 1
        assert "Fait à" in signed[0] and "La personne s'engage" in signed[0], lines
    assert multi_page  # the loop did reach a second page


def test_the_attestation_names_its_signatory_and_who_issued_it(caseworker: User) -> None:
    from attestations.documents import attestation_render
    from attestations.services import attestation_issue
    from cainamur.models import Centre

    Centre.objects.update(signatory_name="Marie Dupont", signatory_function="Directrice")
    parcours: Any = complete_path(obliged_file(caseworker), caseworker)
    caseworker.function = "Assistante sociale"
    caseworker.save()
    attestation = attestation_issue(parcours=parcours, by=caseworker)
    text = "\n".join(pages(attestation_render(attestation.snapshot)))
    assert "Marie Dupont" in text and "Directrice" in text
    assert f"Établie par {caseworker.get_full_name()}, Assistante sociale" in text
