"""The words and phrases questions are read by, kept apart from the reading code.

Each cue is a compiled pattern over the lower-cased question. Order matters within a list:
longer, more specific phrases come first so that "no extension options left" is not read
as "extension options left".
"""

from __future__ import annotations

import re

from bot.questions.names import STOPWORDS


def _cues(*pairs: tuple[str | None, str]) -> list[tuple[str | None, re.Pattern[str]]]:
    return [(name, re.compile(pattern)) for name, pattern in pairs]


# Asking about one agreement: who to contact, who manages it, when it ends…
ASPECT_CUES = _cues(
    ("contact", r"\b(?:who(?:'s| is| are)? (?:the )?(?:key |main |provider'?s? )?contacts?(?: person)?(?: for| on| at)?|(?:key |main |provider )?contact (?:details|name|email)(?: for| of)?|who (?:do|should) i (?:contact|speak to|talk to)(?: about)?|contact for)\b"),
    ("manager", r"\b(?:who(?:'s| is)? (?:the )?contract manager(?: for| of| on)?|who manages|who is managing|contract manager (?:for|of|on)|managed by whom)\b"),
    ("end", r"\bwhen (?:does|do|did|will|is) (?=.*\b(?:end|expire|finish|run out|due to end|ending|expiring|finishing|come to an end)\b)"),
    ("start", r"\bwhen (?:does|do|did|will|is) (?=.*\b(?:start|begin|commence|go live|starting|beginning)\b)"),
    # "what is X worth?": `worth` ends the question; "worth … at least £250k" is a money limit, not this.
    ("value", r"\b(?:how much is|what is|what's) (?=.*\bworth\W*$)|\bworth\b(?=\W*$)"),
    ("details", r"\b(?:tell me about|details (?:of|for|on|about)|show me details (?:of|for)|what do you know about|information (?:on|about)|info (?:on|about)|look up|lookup)\b"),
)

# Data-quality questions; a named code narrows to that problem.
DATA_QUALITY_CUES = _cues(
    ("missing_end_date", r"\b(?:no|missing|without|lacking|blank|empty)(?: an?)? end dates?\b|\bend dates? (?:missing|blank)\b"),
    ("missing_start_date", r"\b(?:no|missing|without|lacking|blank|empty)(?: an?)? start dates?\b|\bstart dates? (?:missing|blank)\b"),
    ("missing_contact", r"\b(?:no|missing|without|lacking|blank)(?: an?)? (?:provider |key )?contacts?(?: details| names?)?\b"),
    ("generic_contact_email", r"\bgeneric (?:contact )?e-?mails?(?: address(?:es)?)?\b|\binfo@\S*|\b(?:info|admin|enquiries|office) e-?mails?\b"),
    ("unsigned", r"\bunsigned\b|\bnot (?:been |yet )?signed by both(?: parties| sides)?\b|\bnot (?:been |yet )?(?:fully )?signed\b|\bsignatures? missing\b"),
    ("missing_project_code", r"\b(?:no|missing|without|lacking|blank)(?: an?)? project codes?\b"),
    ("missing_value", r"\b(?:no|missing|without|lacking|blank)(?: an?)? values?\b"),
    ("missing_contract_manager", r"\b(?:no|missing|without|lacking|blank)(?: an?)? contract managers?\b"),
    ("expired_but_active", r"\b(?:expired|ended|lapsed|past (?:their |its |the )?end(?: dates?)?) but (?:are |is )?(?:still )?(?:marked |shown |recorded |listed |showing )?(?:as )?(?:active|live|open|current)\b|\bstill (?:marked |shown )?(?:as )?(?:active|open|live) (?:after|past) (?:their |the |its )?end(?: dates?)?\b"),
    ("missing_from_last_import", r"\bmissing from (?:the )?(?:last |latest |most recent )?import\b|\bnot in (?:the )?(?:last |latest )?import\b"),
    (None, r"\bdata[- ]quality(?: problems?| issues?| gaps?| errors?| flags?| report| checks?)?\b|\b(?:problems?|issues?|errors?|gaps?|mistakes?) (?:in|with|on) (?:the )?(?:register|data|records?)\b|\bwhat(?:'s| is) wrong with (?:the )?(?:register|data)\b|\bregister (?:problems?|issues?|errors?|gaps?)\b|\bincomplete (?:records?|entries|rows)\b|\b(?:problems?|issues?|errors?|gaps?)\b"),
)

# Extension options and decisions.
EXTENSION_CUES = _cues(
    ("none_left", r"\b(?:have |has |had )?used (?:up )?(?:all )?(?:of )?(?:their |its |the )?(?:extension )?(?:options?|extensions?)(?: up)?\b|\bexhausted (?:their |its |all )?(?:extension )?(?:options?|extensions?)\b|\b(?:extension )?options? (?:all )?used up\b|\bout of extensions?\b|\brun out of (?:extension )?(?:options?|extensions?)\b"),
    ("cannot_extend", r"\bno (?:more )?extension options?(?: (?:left|remaining|available))?\b|\bno (?:more )?extensions? (?:left|remaining|available)\b|\bcan(?:not|'t| not) be extended(?: any ?(?:further|more))?\b|\bnot extendable\b|\bunextendable\b|\bwithout (?:any )?extension options?\b|\bno (?:option|options) to extend\b"),
    ("decision_needed", r"\b(?:needing|need|needs|requiring|require|requires|due|awaiting|with|for) (?:an? )?extension decisions?\b|\bextension decisions?(?: due| needed| required| pending)?\b|\bdecide (?:whether|if) to extend\b|\bdecisions? (?:on|about) (?:extending|extensions?)\b"),
    ("extended", r"\b(?:have|has|had|been|were|was) (?:already )?(?:been )?extended\b|\bextensions? (?:used|exercised|taken)\b|\balready extended\b"),
    ("options_left", r"\b(?:with |have |has |having )?(?:unused |remaining |available )?extension options?(?: (?:left|remaining|available|unused|still open|not yet used))?\b|\bcan (?:still )?be extended\b|\bcould (?:still )?be extended\b|\bextendable\b|\bextensions? (?:left|remaining|available|unused)\b|\boptions? to extend\b|\bwith extensions?\b"),
)

# How many / how much.
INTENT_CUES = _cues(
    ("count", r"\bhow many\b|\bnumber of\b|\bcount(?: of)?\b"),
    ("total", r"\b(?:what is |what's )?(?:the )?total(?: value| spend| amount| cost)?(?: of)?\b|\bhow much(?: (?:is|are|do|does|did|will))?(?: we| it| they)?(?: (?:spend|fund|funding|worth|cost|costs))?\b|\bsum(?: of)?\b|\bcombined value\b|\b(?:what is |what's )?(?:the )?value of\b|\bworth in total\b"),
)

STATUS_CUES = _cues(
    ("all", r"\b(?:including|include|incl\.?|and|or|with|plus) (?:the )?(?:terminated|drafts?|cancelled)(?: ones| agreements)?(?: (?:and|or) (?:terminated|drafts?))?\b|\b(?:all|any) status(?:es)?\b|\bwhatever (?:their )?status\b"),
    ("terminated", r"\bterminated\b|\bcancelled\b|\bended early\b"),
    ("draft", r"\bdrafts?\b|\bnot yet (?:signed off|approved|agreed)\b|\bin draft\b"),
)

# Whether the question is about agreements that have ended or that are running now.
STATE_CUES = _cues(
    ("ended", r"\b(?:have |has |had |already )?(?:expired|lapsed|ended|finished)\b|\bout of date\b|\bpast (?:their |its )?end dates?\b"),
    ("current", r"\b(?:currently |still )?(?:running|live|in place|in force|operating|ongoing|current|active)\b|\bright now\b|\bat the moment\b|\bcurrently\b"),
)

DATE_FIELD_CUES = _cues(
    ("end", r"\b(?:expir\w*|end|ends|ending|finish|finishes|finishing|run(?:s|ning)? out|lapse|lapses|lapsing|due to end|come to an end|comes to an end|coming to an end|renew\w*|due for renewal|up for renewal|close|closes|closing)\b"),
    ("start", r"\b(?:start\w*|begin\w*|began|begun|commenc\w*|go(?:es)? live|went live|going live|kick(?:s|ed)? off|launch\w*|award(?:ed)?|new)\b"),
    ("running", r"\b(?:fund|funds|funded|funding|pay|paying|paid for|support|supporting|commission|commissioned|commissioning|have|run)\b"),
)

# Kind words: None means "all kinds" (still a sign the question is about the register).
KIND_WORDS: dict[str, str | None] = {
    "contract": "contract", "contracts": "contract", "grant": "grant", "grants": "grant",
    "partnership": "partnership", "partnerships": "partnership",
    "agreement": None, "agreements": None, "everything": None, "anything": None,
    "service": None, "services": None, "projects": None, "project": None, "awards": None,
    "commissions": None, "register": None, "things": None, "ones": None,
    # British and American spellings alike: a programme is an agreement of any kind.
    "programme": None, "programmes": None, "program": None, "programs": None,
}

# Words a question may contain that change nothing about the answer.
FILLER = frozenset(
    """a an the of for in on at to by with from and or but about as into than then through via under across within
    which what whats who whom whose where when how why that this these those there here
    do does did done is are was were be been being am will would shall should can could may might must
    we us our ours i me my you your they them their it its he she his her
    show list give get find tell let see display please pls can could kindly me all any every each some
    there's there're what's which's let's i'd i'm we've we're
    have has had having got get gets hold holds held receive receives received deliver delivers delivered provide provides provided
    currently now still already yet just also only ever
    up down out over due going go gonna set planned scheduled expected likely
    total number value values amount worth money cost costs funded funding fund spend spent
    register list lists record records row rows data details info information
    our organisation organisations organization organizations provider providers supplier suppliers org orgs
    local authority authorities council councils borough boroughs area areas
    name names named called category categories type types kind kinds stream streams
    service services
    need needs needing require requires requiring
    date dates end ends start starts period periods time
    any anything everything something overall altogether together combined
    them those ones one ones ones
    many much more most less least few
    question questions answer contact contacts use uses using email emails e-mail address addresses mailbox mailboxes
    hi hello hey thanks thank cheers ok okay
    """.split()
) | STOPWORDS

# Words that can only ever match a register name exactly (never as a typo).
RESERVED = frozenset(KIND_WORDS) | frozenset(
    "how many much total value worth when who what which contact manager end start expire expires expiring ended".split()
)

# An amount is never part of a date: "up to 24/02/2027" and "up to 31 March" are days, not £24 or £31.
_AMOUNT = r"(?P<{name}>£?\s?\d+(?:,\d{{3}})*(?:\.\d+)?(?:\s?(?:k|m|bn|million|thousand)\b)?)(?!\d|[,.]\d|\s*(?:days?|weeks?|months?|years?|%|/|-\d|st\b|nd\b|rd\b|th\b)|\s+(?:of\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec))"
_WORTH = r"(?:(?:worth|valued at|with (?:a )?(?:total )?value|value|values|of value|costing|costs?)\s+)?"


def _amount(name: str) -> str:
    return _AMOUNT.format(name=name)


MONEY_PATTERNS: list[tuple[re.Pattern[str], dict[str, tuple[str, bool]]]] = [
    (re.compile(r"\b" + _WORTH + r"between\s+" + _amount("a") + r"\s+(?:and|to|-)\s+" + _amount("b")),
     {"a": ("min", True), "b": ("max", True)}),
    (re.compile(_WORTH + _amount("a") + r"\s+(?:or more|or above|or over|and above|and over|plus|\+|or higher)\b"),
     {"a": ("min", True)}),
    (re.compile(_WORTH + _amount("a") + r"\s+(?:or less|or below|or under|and below|and under|or lower)\b"),
     {"a": ("max", True)}),
    (re.compile(r"\b" + _WORTH + r"(?:at least|no less than|not less than|a minimum of|minimum of|min(?:imum)?)\s+" + _amount("a")),
     {"a": ("min", True)}),
    (re.compile(r"\b" + _WORTH + r"(?:at most|no more than|not more than|a maximum of|maximum of|max(?:imum)?|up to)\s+" + _amount("a")),
     {"a": ("max", True)}),
    (re.compile(r"\b" + _WORTH + r"(?:over|above|more than|greater than|exceeding|in excess of|bigger than|larger than|higher than|>)\s*" + _amount("a")),
     {"a": ("min", False)}),
    (re.compile(r"\b" + _WORTH + r"(?:under|below|less than|smaller than|lower than|<)\s*" + _amount("a")),
     {"a": ("max", False)}),
]

# Monitoring returns: whether a question is about them, and which returns it means.
RETURNS_TOPIC = re.compile(
    r"\breturns?\b|\bmonitoring\b|\b(?:red|amber|green)\b|\brag\b|\bawaiting assessment\b|\bunassessed\b"
    r"|\b(?:haven't|have not|hasn't|has not|not yet|yet to|didn't|did not) (?:submitted|submit|sent|send|returned|completed)\b"
)
RETURNS_CUES = _cues(
    ("awaiting", r"\b(?:awaiting|waiting for|needing|needs?|to be|not yet) (?:an? )?assess(?:ment|ed)\b|\bunassessed\b|\bawaiting (?:review|sign[- ]off)\b"),
    ("not_submitted", r"\b(?:haven't|have not|hasn't|has not|not yet|yet to|didn't|did not|not) (?:been )?(?:submitted|submit|sent in|sent|send|returned|completed|done)\b|\boutstanding\b|\bmissing\b|\bnot in\b"),
    ("overdue", r"\boverdue\b|\blate\b|\bpast (?:their |the )?due dates?\b"),
    ("queried", r"\bqueried\b|\bsent back\b"),
    ("accepted", r"\baccepted\b|\bapproved\b|\bsigned off\b"),
    ("submitted", r"\bsubmitted\b|\bsent in\b|\breceived\b|\bin\b(?= *$)"),
    ("due", r"\bdue\b"),
    ("red", r"\bred\b"),
    ("amber", r"\bamber\b"),
    ("green", r"\bgreen\b"),
    (None, r"\bmonitoring\b|\breturns?\b|\brag(?: rating| status)?s?\b|\brated\b|\bself[- ]assess(?:ed|ment)\b|\bq[1-4]\b"),
)

# Every whole word the patterns above read, with common inflections: the dictionary typos are
# mended against (`bot.questions.tolerance`), beside FILLER, KIND_WORDS and the month and number
# words. A word missing here is simply never a correction; a fragment here ("expir") would be one.
READ_WORDS = frozenset(
    """
    expire expires expired expiring expiry expiries end ends ending ended finish finishes finishing finished
    lapse lapses lapsing lapsed renew renews renewal renewals renewing renewed close closes closing closed
    start starts starting started begin begins beginning began begun commence commences commencing commenced
    launch launches launching launched award awarded awards new live running run runs ongoing operating
    current currently active inactive open terminated cancelled draft drafts place force moment
    quarter quarters month months year years week weeks day days fortnight fortnights financial calendar fiscal
    next last this coming following previous past upcoming soon shortly imminently near future
    today tomorrow yesterday now christmas summer winter spring autumn half first second third fourth
    before after since until till between from onwards within during around towards
    how many much total count number sum combined value worth cost costs spend spent paid payment payments
    instalment instalments invoice invoices due overdue late outstanding owed unpaid
    over above under below more less than least most exceeding excess greater smaller bigger larger higher lower
    minimum maximum million thousand
    contact contacts manager managers managed manages managing person details email emails phone address
    provider providers supplier suppliers organisation organisations organization organizations
    stream streams funding funded fund funds area areas borough boroughs category categories kind kinds type types
    extension extensions extend extended extending extendable options option remaining left unused available
    decision decisions decide
    data quality problem problems issue issues error errors gaps gap missing blank empty without lacking generic
    unsigned signed signature signatures code codes import imported
    monitoring return returns submitted submit assessment assessed unassessed awaiting queried accepted approved
    rating rated red amber green rag
    breakdown split grouped group groups per each
    which what when where who whom whose why does tell show list give find look lookup information
    programme programmes program programs project projects
    cancel approve reject email send message notify remind chase pay delete remove update change edit
    budget budgets staff staffing headcount employees salary salaries best worst better worse recommend advise
    """.split()
)
