"""A worker renders documents all day: WeasyPrint's PDF writing must not keep memory from
one document to the next (bench.attestations measures 1,000 renders)."""

from __future__ import annotations

import io

import weasyprint
from pypdf import PdfReader

from cainamur import pdf


def test_the_leak_of_weasyprint_70_is_stopped_and_looked_at_again_on_upgrade() -> None:
    # Failing here after an upgrade: check whether weasyprint/pdf/fonts.py still keeps the
    # metrics and the description string (then move WEASYPRINT_LEAKING), or drop the shim.
    assert weasyprint.__version__ == pdf.WEASYPRINT_LEAKING
    assert pdf._free_what_weasyprint_keeps()
    assert pdf._free_what_weasyprint_keeps()  # once: a second call changes nothing


def test_documents_keep_their_fonts_with_the_shim() -> None:
    content = pdf.render_pdf(
        "pdf/attestation.html",
        {"number": "CAI-ATT-2026-00001", "full_name": "BENALI Amina", "qr": ""},
        stylesheet="attestation.css",
    )
    reader = PdfReader(io.BytesIO(content))
    assert "BENALI Amina" in reader.pages[0].extract_text()
    fonts = {
        str(font["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    # Each embedded font is named after Pango's description of it (subset prefix + family).
    assert fonts and all("+" in name for name in fonts)
