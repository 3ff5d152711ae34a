"""Local stand-ins for the Microsoft services the bot talks to: the Bot Connector and the
Bot Framework's OpenID metadata / signing keys. Real HTTP servers on 127.0.0.1, so the SDK's
own client and validation code runs against them."""
