"""JSON Schema validation of the kit files (content/kits/schemas), with cross-file references resolved."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from django.conf import settings
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

SCHEMA_FILES = ("kit", "participant", "communication", "animator", "chronogramme", "grid", "overlay")


def schema_dir() -> Path:
    return Path(settings.BASE_DIR) / "content" / "kits" / "schemas"


@cache
def _registry() -> tuple[Registry, dict[str, dict]]:
    schemas = {name: json.loads((schema_dir() / f"{name}.schema.json").read_text()) for name in SCHEMA_FILES}
    registry = Registry().with_resources(
        (schema["$id"], Resource.from_contents(schema)) for schema in schemas.values()
    )
    return registry, schemas


def validator(kind: str) -> Draft202012Validator:
    registry, schemas = _registry()
    return Draft202012Validator(schemas[kind], registry=registry)


def stimulus_validator() -> Draft202012Validator:
    registry, schemas = _registry()
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema",
              "$ref": "chronogramme.schema.json#/$defs/stimulus"}
    return Draft202012Validator(schema, registry=registry)


def errors(kind: str, data, where: str) -> list[str]:
    found = []
    for error in sorted(validator(kind).iter_errors(data), key=lambda e: list(e.absolute_path)):
        path = "/".join(str(p) for p in error.absolute_path) or "(racine)"
        found.append(f"{where} : {path} : {error.message}")
    return found
