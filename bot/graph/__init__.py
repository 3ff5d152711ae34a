"""Microsoft Graph over plain REST (aiohttp + msal): the one client, and what is done through it.

`client.GraphClient` gets app-only tokens and makes requests with retry on 429/503; `installs`
installs the app for a person. Register sync uses the same client.
May import: `bot.settings`, `notifications`, `storage`, `domain`.
"""
