"""The words for asking one field of an agreement by name, and for listing agreements by signed status.

"What's the email address for the ISVA contract?", "project code for GR-2024-015", "how many
extension options are left on the Victim First contract?" each ask for one fact
(`domain/agreement_fields.py` says it). "Signed by both parties", "signed by us only" and "not
signed by either party" list agreements by the register's `signed` value (both / ours / none);
"unsigned" stays the data-quality check (anything short of both parties).
"""

from __future__ import annotations

import re

_WHAT = r"(?:(?:what|which)(?:'s| is| are| was)? (?:the |its |their )?)?"
_OF = r"(?: (?:for|of|on|at|in|about))?"


def _cue(name: str, pattern: str) -> tuple[str, re.Pattern[str]]:
    return name, re.compile(pattern)


# Asking for one field; listed most specific first ("contract manager's email" is the manager).
FIELD_CUES: list[tuple[str, re.Pattern[str]]] = [
    _cue("manager", rf"\b{_WHAT}(?:contract )?manager'?s? e-?mail(?: address)?{_OF}\b"),
    _cue("phone", rf"\b{_WHAT}(?:provider'?s? |contact'?s? |key contact'?s? )?(?:(?:tele)?phone|mobile|tel)(?: numbers?| no\.?)?{_OF}(?=\W|$)"),
    _cue("email", rf"\b{_WHAT}(?:provider'?s? |contact'?s? |key contact'?s? )?e-?mail(?: address(?:es)?)?(?: (?:for|of|on|at))\b"
                  rf"|\b(?:what|which)(?:'s| is) (?:the |its )?(?:provider'?s? |contact'?s? )?e-?mail(?: address)?\b"),
    _cue("project_code", rf"\b{_WHAT}(?:finance )?project codes?{_OF}\b(?!\s*(?:missing|blank))"),
    _cue("extensions", r"\bhow many (?:more )?(?:extension )?(?:options?|extensions?)(?: (?:are|is|do|does|have|has))?(?: (?:there|they|it|we))?"
                       r"(?: (?:left|remaining|still open|unused))(?: (?:on|for|in|with))?\b"
                       r"|\b(?:what|which) extension options? (?:does|do|has|have|are there(?: (?:on|for|in))?|is there(?: (?:on|for|in))?)\b"
                       r"|\bextension options? (?:left |remaining )?(?:for|on|of)\b"),
    _cue("signed", r"\b(?:what(?:'s| is) (?:the )?)?(?:signed|signature|signing) status(?: (?:of|for|on))?\b|\bwho (?:has )?signed\b"),
    _cue("funding_stream", r"\b(?:which|what)(?:'s| is)? (?:the )?(?:funding )?stream (?:is|does|funds|pays for|for|of)\b"
                           r"|\bfunding stream (?:for|of|on)\b|\bwho funds\b"
                           # "what is X funded from?" asks for the field; "funded by the VRU" (a stream named after it) is a filter.
                           r"|\bwhat (?:is|does) (?=.*\bfunded (?:from|by|through)\W*$)"),
    _cue("provider", r"\bwho(?:'s| is)? (?:the )?(?:provider|supplier|grantee|recipient)(?: (?:for|of|on))?\b|\bwho (?:delivers|provides|holds)\b"),
    _cue("area", r"\b(?:which|what) (?:area|borough|district|local authority|place) (?:is|does|do|did)\b|\b(?:area|borough|district) (?:of|for)\b"),
    _cue("category", r"\b(?:which|what) (?:service )?(?:category|type of service|kind of service) (?:is|does)\b|\b(?:service )?category (?:of|for)\b"),
    _cue("status", r"\b(?:what(?:'s| is) )?(?:the )?(?:current )?status (?:of|for|on)\b|\bwhat status (?:is|does|has)\b"),
    _cue("notes", rf"\b{_WHAT}(?:any )?notes?{_OF}\b(?!\s*(?:missing|blank))|\bnotes (?:say|said)\b"),
]
# Listing by the register's signed value. "Unsigned" is the data-quality check, read elsewhere.
SIGNED_CUES: list[tuple[str, re.Pattern[str]]] = [
    _cue("", r"\b(?:no|without|missing)(?: a| the)? (?:signed|signature|signing) status(?: recorded)?\b"
             r"|\b(?:signed|signature) status (?:not recorded|missing|blank|unknown)\b"),
    _cue("none", r"\bnot signed by (?:either|any) (?:party|parties|side)\b|\bsigned by neither(?: party| side)?\b"
                 r"|\bnot signed at all\b|\b(?:with )?no signatures?\b|\bnobody has signed\b|\bneither (?:party|side) (?:has )?signed\b"),
    _cue("ours", r"\bsigned (?:only )?by (?:us|ourselves|the (?:o?pcc|commissioner|mopac)|mopac|o?pcc) (?:only|alone)\b"
                 r"|\bonly signed by (?:us|the (?:o?pcc|commissioner|mopac)|mopac|o?pcc)\b|\bsigned only by us\b"
                 r"|\bsigned by us but not (?:by )?(?:the )?provider\b|\b(?:awaiting|waiting for|need(?:ing)?|missing) (?:the )?provider'?s? signatures?\b"
                 r"|\bnot (?:yet )?signed by the provider\b|\bthe provider (?:has ?n[o']t|hasn't|has not) signed\b"),
    _cue("both", r"(?<!not )(?<!n't )\b(?:signed by both(?: parties| sides)?|fully signed|signed by (?:everyone|all parties))\b"
                 r"|\bboth (?:parties|sides) (?:have )?signed\b|(?<!not )(?<!n't )\b(?:are|is|been|was|were|have|has) signed\b(?! by)"
                 r"|\bsigned (?:contracts?|grants?|agreements?|partnerships?)\b"),
]
