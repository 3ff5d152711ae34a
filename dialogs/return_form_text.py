"""What the one-card return form says, as constants tests assert against.

Each message under a field says what was wrong and what to type instead. Placeholders are
filled with `str.format`; text a provider typed is escaped by the card before it is shown.
"""

from __future__ import annotations

FORM_BUTTON = "Fill in on one card"
CHECK_BUTTON = "Check my answers"
FORM_SENT = "Here is your whole return on one card. Fill it in and press 'Check my answers'."
FORM_INTRO = (
    "Fill in every field, then press 'Check my answers'. Anything you've already answered is filled in; "
    "last period's figures show in grey as a guide."
)
FORM_TYPED_INSTEAD = "Prefer one question at a time? Type 'continue my return'."
FORM_PROBLEMS = (
    "Some answers need another look \u2014 see the messages on the card. "
    "Everything else you entered is saved."
)
FORM_PROBLEM_COUNT = "{count} answers need another look."
FORM_ONE_PROBLEM = "1 answer needs another look."
FORM_CHECKED = "Thank you, every answer checks out. Please review your return below before you submit."

# Labels on the card.
KPI_LABEL = "{kpi} in {period} (target {target})"
REASON_LABEL = "Reason, if {kpi} is below {threshold} (80% of the target)"
SPEND_IN_PERIOD_LABEL = "Spend in {period}"
SPEND_TO_DATE_LABEL = "Spend in total since the agreement started, up to {end}"
SPEND_EXPLANATION_LABEL = "Spend explanation, needed if spend to date is above the agreement value or well behind profile"
RAG_LABEL = "RAG self-assessment"
RISKS_LABEL = "Risks and issues (or 'none')"
OUTCOMES_LABEL = "Outcomes achieved this period"
CASE_STUDY_LABEL = "Case study (optional, anonymised)"
LAST_PERIOD = "Last period: {value}"
NUMBER_PLACEHOLDER = "A number, like 120"
MONEY_PLACEHOLDER = "For example \u00a312,500, 12.5k or 12500"
RISKS_PLACEHOLDER = "Type them, or 'none'"

# A field left empty: what to type.
MISSING_NUMBER = "Missing: type the number as digits, like 120. Type 0 if there were none."
MISSING_REASON = "Missing: {kpi} is {actual}, below 80% of the target of {target}. Type the reason."
MISSING_MONEY = "Missing: type an amount in pounds, like \u00a312,500, 12.5k or 12500."
MISSING_EXPLANATION = "Missing: {warning} Type an explanation."
MISSING_RAG = "Missing: choose Red, Amber or Green."
MISSING_RISKS = "Missing: type any risks or issues, or 'none'."
MISSING_OUTCOMES = "Missing: type the outcomes the service achieved this period."
