"""The Bot Framework edge: the activity handler, incoming activities, auth, references, proactive sends.

Every botbuilder import outside `dialogs/` and the composition root lives here, so a move to the
Microsoft 365 Agents SDK touches only this package, `dialogs/` and `bot/app.py`.
May import: `bot.questions`, `bot.cards`, `bot.settings`, `bot.roles`, `bot.answering`, and the lower rooms.
"""
