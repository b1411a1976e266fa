"""GraphQL of an OPG report version's exports (issue 15 item 5): the JSON for the OPG's digital
service, a CSV per section and the PDF, each made from the version's document alone
(``exports_json``, ``exports_csv``, ``exports_pdf``). The lead wires ``export: OpgReportExport``
onto ``OpgReportVersion``."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

import strawberry

from ca_api.opg_reports import exports_csv, exports_json, exports_pdf


@strawberry.type(description="One section of an OPG report as CSV (RFC 4180, header row first).")
class OpgReportCsvSection:
    section: str = strawberry.field(
        description="The section's name: accounts, money_in, money_out, transfers, deputy_fees, "
        "deputy_expenses, gifts, decisions, contacts, visits, care, benefits, assets, debts, "
        "actions, free_text."
    )
    csv: str = strawberry.field(
        description="The section as CSV: money as decimal strings with two places, dates ISO."
    )


@strawberry.type(
    description="An OPG report version exported (issue 15, R-OPG): made from the version's "
    "document alone, so the same version always exports the same."
)
class OpgReportExport:
    document: strawberry.Private[Mapping[str, Any]]

    def _digital_service_json(self) -> str:
        return exports_json.digital_service_json_text(self.document)

    def _csv_sections(self) -> list[OpgReportCsvSection]:
        return [
            OpgReportCsvSection(section=name, csv=text)
            for name, text in exports_csv.csv_sections(self.document)
        ]

    def _pdf_base64(self) -> str:
        return base64.b64encode(exports_pdf.report_pdf(self.document)).decode("ascii")

    digital_service_json: str = strawberry.field(
        resolver=_digital_service_json,
        description="The report as JSON in the shape of the OPG's digital service (keys sorted; "
        "valid against opg_report.schema.json, JSON Schema 2020-12), with the OPG's balance "
        "check: opening + money in - money out - deputy fees - deputy expenses - gifts = closing.",
    )
    csv_sections: list[OpgReportCsvSection] = strawberry.field(
        resolver=_csv_sections,
        description="The report as one CSV per section, in the report's order.",
    )
    pdf_base64: str = strawberry.field(
        resolver=_pdf_base64,
        description="The report as a PDF for the client's file, standard base64: the same "
        "version gives the same bytes.",
    )


def export_of(document: Mapping[str, Any]) -> OpgReportExport:
    """The exports of a report document (``report_views.document``)."""
    return OpgReportExport(document=document)
