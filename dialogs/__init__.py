"""Bot Framework dialogs: monitoring check-in, assessment and other multi-turn flows.

Importing botbuilder-dialogs imports Recognizers-Text, which sets the importing thread's
decimal precision to 15 digits — enough to round large sums of money. The precision is put
back here, once, so nothing else in the process has to know.

May import: `domain`, `storage` (and botbuilder: dialogs are part of the Teams edge).
"""

import decimal as _decimal

_precision = _decimal.getcontext().prec
import botbuilder.dialogs  # noqa: E402,F401 - imported here so the precision can be restored

_decimal.getcontext().prec = max(_precision, 28)
