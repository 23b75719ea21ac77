"""Issue 12: each connection setting is declared once — its type and default in the settings model, where it
is looked up (environment variable, label for prompts and ``config show``) in ``config.FIELDS`` — and the two
agree, so that no default can disagree with another."""

from __future__ import annotations

from cwsage.config import FIELDS, ManageSettings, SageSettings

MODELS = {"manage": ManageSettings, "sage": SageSettings}


def test_every_setting_of_the_models_is_declared_and_nothing_else() -> None:
    declared = {(f.section, f.name) for f in FIELDS}
    fields = {(section, name) for section, model in MODELS.items() for name in model.model_fields}
    assert declared == fields


def test_defaults_come_from_the_model() -> None:
    for spec in FIELDS:
        info = MODELS[spec.section].model_fields[spec.name]
        assert spec.default == (None if info.is_required() else info.get_default(call_default_factory=True)), spec


def test_environment_variables_are_distinct_and_named_for_their_setting() -> None:
    names = [f.env for f in FIELDS if f.env]
    assert len(names) == len(set(names))
    assert all(name.startswith(f"CWSAGE_{spec.section.upper()}_") for spec in FIELDS if (name := spec.env))
