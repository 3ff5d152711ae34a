"""Everything the check-in and assessment dialogs say, as constants tests assert against.

Short, plain British English that tells people what to do next. Placeholders are filled
with `str.format`; anything a provider typed is quoted back only in plain-text messages.
"""

from __future__ import annotations

# Starting and choosing.
NO_AGREEMENTS = "There are no agreements with monitoring returns for your organisation. If that looks wrong, ask your contract manager."
STAFF_NOT_PROVIDER = (
    "Check-in is for providers sending their monitoring returns. "
    "To review returns, ask 'returns awaiting assessment'."
)
NOT_YOURS = "I can't find an agreement {reference} that you report on. Type 'check in' to see your agreements."
RETURN_NOT_YOURS = "That return isn't one you can open. Type 'check in' to see your own returns."
ASKED_AGAIN = "Sorry, I lost track of where we were, so I have not saved that. Please answer this question:"
NO_LONGER_YOURS = (
    "Your answer was not saved: the register no longer lists {reference} under your organisation. "
    "If that is wrong, ask your contract manager to correct the register."
)
CHOOSE_AGREEMENT = "Which agreement is this return for? Reply with its number or reference:\n\n{options}"
CHOOSE_PERIOD = "Which period is this return for? Reply with its number or name:\n\n{options}"
NOT_IN_LIST = "Please reply with one of the numbers or names listed:\n\n{options}"
NOTHING_OWED = "Nothing is waiting for a return on {reference} right now."
NOTHING_OWED_NEXT = "Nothing is waiting for a return on {reference} right now. The next one is for {period}, due {due}."
PERIOD_NOT_OPEN = "The {period} return for {reference} is {state}, so it can't be changed now."
STARTING = "Monitoring return for {reference} ({title}), {period}, due {due}. Type 'help' at any point for what you can say."
RESUMING = "Welcome back. Picking up your {period} return for {reference} where you left off."
QUERIED_NOTE = "Your contract manager queried this return: \u201c{comment}\u201d Change the answers that need it, then submit again."

# Questions.
SAME_AS_LAST = (
    "Last period ({period}) you reported {figures}. Use those figures as the starting point for {this_period}? "
    "Reply yes or no; you can change any answer before you submit."
)
ASK_KPI = "How many {kpi} in {period}? The target is {target}."
ASK_REASON = "{kpi}: {actual} is below 80% of the target of {target}. What is the reason?"
ASK_SPEND_IN_PERIOD = "How much did you spend in {period}? For example £12,500, 12.5k or 12500."
ASK_SPEND_TO_DATE = "How much have you spent in total since the agreement started, up to {end}?"
ASK_SPEND_EXPLANATION = "{warning} Please explain why."
OVERSPEND_WARNING = "Spend to date of {spent} is above the agreement value of {value}."
UNDERSPEND_WARNING = (
    "Spend to date of {spent} is well behind the {expected} a straight-line profile expects by {end} ({percent}% of it)."
)
UNDERSPEND_PAID_WARNING = (
    "Spend to date of {spent} is well behind the {expected} we had paid you by {end} ({percent}% of it)."
)
ASK_RAG = "How would you rate delivery this period: Red, Amber or Green?"
ASK_RISKS = "Any risks or issues to report? Type them, or 'none'."
ASK_OUTCOMES = "What outcomes did the service achieve this period?"
ASK_CASE_STUDY = "Optional: a short, anonymised case study. Type it, or 'skip'."
LAST_PERIOD_HINT = "Last period: {value}."
CURRENT_ANSWER_HINT = "Your answer so far: {value}. Type a new answer, or 'back'."

# What was wrong with an answer.
PROBLEMS = {
    "empty": "I didn't get an answer. Please type one, or 'help'.",
    "not_a_number": "\u201c{text}\u201d isn't a number. Type the number as digits, like 120.",
    "negative": "That can't be negative. Type 0 or more.",
    "not_money": "\u201c{text}\u201d isn't an amount of money. Type it like £12,500, 12.5k or 12500.",
    "to_date_below_period": (
        "Spend to date can't be less than this period's spend of {in_period}. "
        "Type the total spent since the agreement started."
    ),
    "not_a_choice": "Please reply with one of: {choices}.",
    "too_long": "That's longer than {limit} characters. Please shorten it.",
}

# Interruptions.
HELP_GENERAL = (
    "Answer the question above. You can also type 'back' to go to the previous question, "
    "'save for later' or 'cancel' to stop (your answers so far are saved), 'continue my return' later to pick up "
    "where you left off, or ask a register question and then carry on."
)
HELP_BY_KIND = {
    "number": "Type the number for this period as digits, like 120. Type 0 if there were none.",
    "money": "Type an amount in pounds, like £12,500, 12.5k or 12500.",
    "choice": "Reply Red, Amber or Green: Green means on track, Amber some concerns, Red serious problems.",
    "yes_no": "Reply yes to start from last period's figures (you can change any of them), or no to start afresh.",
    "text": "Type a short answer in your own words.",
    "none_or_text": "Type any risks or issues, or 'none' if there are none.",
    "optional_text": "Type a short anonymised story of someone the service helped, or 'skip'.",
}
CARRYING_ON = "Carrying on where we were:"
BACK_TO_IT = "That's the answer to your question. Your return is kept \u2014 back to where we were:"
NOTHING_TO_SAVE = "Stopped. Nothing was started yet, so there's nothing to save \u2014 type 'check in' when you're ready."
ASSESS_SAVED = (
    "Assessment put aside: nothing was recorded and the return is still waiting. "
    "Ask 'returns awaiting assessment' to come back to it."
)
CANCELLED = "Stopped. Your answers so far are saved \u2014 type 'continue my return' to pick up where you left off."
NOTHING_BEFORE = "This is the first question, so there's nothing to go back to."

# Summary and submission.
SUMMARY_PROMPT = "Here is your return. Reply 'submit', 'change' to change an answer, or 'save' to finish later."
CHOOSE_CHANGE = "Which answer do you want to change? Reply with its number:\n\n{options}"
SAVED_FOR_LATER = "Saved. Type 'continue my return' when you're ready to finish."
SUBMITTED = (
    "Thank you. Your {period} return for {reference} is submitted. "
    "Your contract manager will review it and tell you the outcome."
)
STALE_SUMMARY = (
    "That summary is from an earlier submission of this return, so nothing was submitted. "
    "Check your answers on the latest summary, then press Submit there or type submit."
)
STALE_BUTTON = "That button belongs to a different return. Please use the buttons on the latest card."
ALREADY_SUBMITTED = "Your {period} return for {reference} is already submitted."
ALREADY_SUBMITTED_BY = "Nothing changed: this return was already submitted. {outcome}."
SUBMIT_INCOMPLETE = "Nothing was submitted: some answers are still missing. Type 'continue my return' to finish them."
CONFLICT = "Someone else changed this return at the same moment. Please type your answer again."

# Assessment (staff).
STAFF_ONLY = "Only commissioning staff can assess returns."
NONE_AWAITING = "No returns are waiting for assessment."
NOT_AWAITING = "That return isn't waiting for assessment (it is {state})."
UNKNOWN_RETURN = "I can't find that return."
ASSESS_PROMPT = "Accept or query this return? Use the card, or reply 'accept' or 'query'."
ASK_RATING = "How would you rate performance? Reply Good, Approaching target, Requires improvement or Inadequate."
ASK_QUERY_COMMENT = "What should the provider look at again? Your comment is sent to them."
ASK_ACCEPT_COMMENT = "Any comment for the provider? Type it, or 'none'."
QUERY_NEEDS_COMMENT = "A query needs a comment so the provider knows what to change."
ASSESSED_ACCEPTED = "Accepted the {period} return for {reference}, rated {rating}. The provider will be told."
ASSESSED_QUERIED = "Queried the {period} return for {reference}. The provider will see your comment and can resubmit."
HELP_ASSESS = (
    "Choose accept or query, a rating on the Procurement Act scale and, for a query, a comment. "
    "Type 'back' to change the step before, 'save for later' to come back to it, or 'cancel' to stop."
)
NOTHING_BEFORE_ASSESS = "This is the first step, so there's nothing to go back to. Reply 'accept' or 'query', or use the card."
ASSESS_CANCELLED = "Assessment stopped. Nothing was changed."
# The assessment card's one submit, checked on the server.
FORM_NEEDS_RATING = "Choose a rating: it is needed to accept or to query."
FORM_NEEDS_DECISION = "Press Accept or Query."
FORM_NOT_RECORDED = "Not recorded yet. {problems} Everything you entered is still on the card below."
RESUBMITTED_SINCE = (
    "Nothing was recorded: that form is from before the return was submitted again on {when}. "
    "Here it is as it now stands: check the new answers, then accept or query it."
)
ALREADY_ASSESSED = "Nothing changed: this return was already assessed. {outcome}."
