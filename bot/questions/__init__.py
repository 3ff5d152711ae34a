"""Reading a register question in English into a `domain.query.Query`, and the `ask --json` shape.

`engine.answer_question` is the entry point; `period_phrases` finds the period, `reading` and
`words` take the question apart, `names` matches loose names to the register.
May import: `domain` only — no botbuilder, no database, no cards.
"""
