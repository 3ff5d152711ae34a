"""The register's rules: agreements, periods, monitoring, alerts, data quality, what a question means.

Plain dataclasses and functions over `datetime.date` and `Decimal`, with the clock passed in.
May import: the standard library only (a bank-holiday calendar is handed in by the caller).
"""
