"""`python -m bot` is the same as `commissioning-bot`."""

import sys

from bot.commands.cli import main

sys.exit(main())
