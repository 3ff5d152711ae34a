"""Checking thousands of grants and releases against the official schemas in seconds, with the same verdicts.

`jsonschema` walks every keyword of every item: 10,000 grants and contracts take over a
minute, most of it re-checking values that repeat (the funder, the currency, the same dates,
the same supplier) and comparing every item with every other for `uniqueItems`. This walker
follows the schema structurally (objects by their properties, arrays by their items) and hands
each leaf value to `jsonschema` itself, remembering the verdict for a value already seen.
Anything it cannot split exactly (a `$ref` with siblings in 2020-12, `oneOf` branches that look
at values, a property name that a `patternProperties` pattern also matches) goes to `jsonschema`
whole. Unique items across a whole package are checked by the callers' unique-id check.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

ANNOTATIONS = frozenset({
    "title", "description", "codelist", "openCodelist", "deprecated", "deprecatedVersion", "omitWhenMerged",
    "wholeListMerge", "rollUp", "default", "id", "$id", "$schema", "$defs", "definitions", "versionId", "examples",
})
OBJECT_KEYS = frozenset({"type", "properties", "required", "patternProperties", "oneOf", "anyOf"})
ARRAY_KEYS = frozenset({"type", "items", "minItems", "maxItems", "uniqueItems"})

Error = tuple[tuple[str | int, ...], str]


class ItemChecker:
    """Validates items against one item schema with `validator_class` and a format checker."""

    def __init__(self, root: Mapping[str, Any], validator_class: Any, format_checker: Any, *, draft4: bool) -> None:
        self._root = root
        self._class = validator_class
        self._formats = format_checker
        self._draft4 = draft4
        self._defs = {key: root[key] for key in ("definitions", "$defs") if key in root}
        self._leaf_validators: dict[int, Any] = {}
        self._memo: dict[tuple[int, Any], list[Error]] = {}
        self._split: dict[tuple[int, tuple[str, ...]], bool] = {}
        self._patterns: dict[int, list[re.Pattern[str]]] = {}
        # Shell schemas (a schema without its properties or items), kept so their ids stay theirs.
        self._shells: dict[tuple[int, str], dict[str, Any]] = {}

    def forget(self) -> None:
        """Drop remembered verdicts, so a long-running bot does not keep every value it ever checked."""
        self._memo.clear()

    def errors(self, instance: Any) -> list[Error]:
        return list(self._walk(instance, self._root, ()))

    # ---- the walk ----

    def _walk(self, instance: Any, schema: Mapping[str, Any], path: tuple[str | int, ...]) -> Iterator[Error]:
        schema = self._resolve(schema)
        keys = set(schema) - ANNOTATIONS
        if isinstance(instance, dict) and "properties" in keys and keys <= OBJECT_KEYS and self._splittable(instance, schema):
            shell = self._shell(schema, "properties")
            properties = schema["properties"]
            stub = {k: (None if k in properties else v) for k, v in instance.items()}
            yield from self._leaf(stub, shell, path)
            for key, value in instance.items():
                if key in properties:
                    yield from self._walk(value, properties[key], (*path, key))
            return
        if isinstance(instance, list) and isinstance(schema.get("items"), Mapping) and keys <= ARRAY_KEYS:
            shell = self._shell(schema, "items")
            if shell:
                yield from self._full(instance, shell, path)
            for index, item in enumerate(instance):
                yield from self._walk(item, schema["items"], (*path, index))
            return
        yield from self._leaf(instance, schema, path)

    def _shell(self, schema: Mapping[str, Any], without: str) -> dict[str, Any]:
        key = (id(schema), without)
        shell = self._shells.get(key)
        if shell is None:
            shell = self._shells[key] = {k: v for k, v in schema.items() if k != without and k not in ANNOTATIONS}
        return shell

    def _resolve(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        """Follow local `$ref`s; in 2020-12 a `$ref` with other keywords beside it is left for jsonschema."""
        while "$ref" in schema and str(schema["$ref"]).startswith("#/"):
            if not self._draft4 and set(schema) - ANNOTATIONS - {"$ref"}:
                return schema
            target: Any = self._root
            for part in str(schema["$ref"])[2:].split("/"):
                target = target[part]
            schema = target
        return schema

    def _splittable(self, instance: Mapping[str, Any], schema: Mapping[str, Any]) -> bool:
        """Exact only when oneOf/anyOf look at names alone and no declared property also matches a pattern."""
        key = (id(schema), tuple(instance))
        known = self._split.get(key)
        if known is None:
            known = self._split[key] = self._can_split(instance, schema)
        return known

    def _can_split(self, instance: Mapping[str, Any], schema: Mapping[str, Any]) -> bool:
        for keyword in ("oneOf", "anyOf"):
            if any(set(branch) - {"required"} for branch in schema.get(keyword, ())):
                return False
        patterns = self._patterns.get(id(schema))
        if patterns is None:
            patterns = self._patterns[id(schema)] = [re.compile(p) for p in schema.get("patternProperties", {})]
        return not any(p.search(key) for p in patterns for key in instance if key in schema["properties"])

    def _leaf(self, instance: Any, schema: Mapping[str, Any], path: tuple[str | int, ...]) -> Iterator[Error]:
        key: tuple[int, Any]
        if instance is None or isinstance(instance, (str, int, float, bool)):
            key = (id(schema), (type(instance), instance))
        elif isinstance(instance, dict) and all(v is None for v in instance.values()):
            key = (id(schema), tuple(instance))
        else:
            key = (id(schema), json.dumps(instance, sort_keys=True, default=str))
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = list(self._full(instance, schema, ()))
        for sub_path, message in found:
            yield (*path, *sub_path), message

    def _full(self, instance: Any, schema: Mapping[str, Any], path: tuple[str | int, ...]) -> Iterator[Error]:
        validator = self._leaf_validators.get(id(schema))
        if validator is None:
            # The root's definitions go along so local `$ref`s inside the leaf still resolve.
            validator = self._class({**self._defs, **schema}, format_checker=self._formats)
            self._leaf_validators[id(schema)] = validator
        for error in validator.iter_errors(instance):
            yield (*path, *error.absolute_path), error.message
