"""A realistic demo register and its monitoring returns, so `serve` shows something at once.

Demo data is not a rule, so it lives apart from `domain/`: `register` and `catalogue` generate
rows in the import format, `returns` plans returns, `seed` writes them through the returns repository.
May import: `domain`, `storage`.
"""
