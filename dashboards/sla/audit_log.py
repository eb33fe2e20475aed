"""The audit log of a contract on the SLA page: newest first, actions and roles in words."""

from typing import Any

from dash import html

from dashboards.i18n import word


def audit_table(entries: list[dict[str, Any]], lang: str) -> html.Table | html.P:
    """A table of audit entries: when (the client's time), who in which role, what, on what."""
    if not entries:
        return html.P(word(lang, "audit_none"), id="audit-log", className="legend")
    head = [word(lang, key) for key in ("audit_at", "audit_actor", "audit_action", "audit_subject")]
    return html.Table(
        [
            html.Thead(html.Tr([html.Th(cell) for cell in head])),
            html.Tbody(
                [
                    html.Tr(
                        [
                            html.Td(entry["at"][:19].replace("T", " ")),
                            html.Td(f"{entry['actor']} ({_role(entry['role'], lang)})"),
                            html.Td(_action(entry["action"], lang), className="audit-action"),
                            html.Td(entry["subject"]),
                        ]
                    )
                    for entry in entries
                ]
            ),
        ],
        id="audit-log",
        className="compliance",
    )


def _action(action: str, lang: str) -> str:
    """An action in words; one this page has no words for (e.g. a newer step) as its code."""
    named = word(lang, f"action_{action}")
    return action if named == f"action_{action}" else named


def _role(role: str, lang: str) -> str:
    named = word(lang, f"role_{role}")
    return role if named == f"role_{role}" else named
