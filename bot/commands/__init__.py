"""The `commissioning-bot` CLI (also `python -m bot`): `cli.main`, one module per subcommand.

Each subcommand parses its options, calls one service function and prints the result.
May import: anything in `bot/` and the lower rooms.
"""
