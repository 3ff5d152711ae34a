"""The Teams app package: manifest template, icons, and the zip an administrator uploads.

May import: the standard library only.
"""
