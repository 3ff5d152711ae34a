"""The quarterly publication: open data files and a public page, checked before anything is written.

Sits beside `notifications/`: it reads the register through `storage/`, applies the rules of
`domain.publication`, and writes files. The CLI (`commissioning-bot publish`) and the Teams
command ("publish the register") both call `publication.service`.

May import: `domain`, `storage`, jsonschema — never `bot`, `dialogs` or botbuilder.
"""
