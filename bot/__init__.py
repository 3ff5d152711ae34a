"""The edge: Teams, the CLI, cards, reading English questions, and the composition root.

- `app.create_app` wires everything once; `settings` reads the environment; `roles` says who is
  asking and what they may see; `answering` is the ask use case for one caller.
- `teams/` the Bot Framework edge, `questions/` English into a `Query`, `cards/` every Adaptive
  Card, `commands/` the `commissioning-bot` CLI, `graph/` the one Microsoft Graph client.
May import: every lower room (`domain`, `storage`, `demo`, `dialogs`, `notifications`).
"""
