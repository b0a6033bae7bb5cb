"""A traits model whose settings are validated and rebuild it, once per change, or roll back."""

from __future__ import annotations

from typing import ClassVar

from traitlets import HasTraits, TraitError

__all__ = ["SettingsModel"]


class SettingsModel(HasTraits):
    """Base for a dashboard's state: ``SETTINGS`` rebuild it, other traits only index it.

    Subclasses declare their traits, list the rebuilding ones in ``SETTINGS``, implement
    ``check(name, value)`` (return the clean value or raise ``ValueError`` with a sentence)
    and ``_rebuild()``, and wire ``@validate(*SETTINGS)`` to ``_validate_setting`` (validators
    need their names where the class is defined). Changes of ``SETTINGS`` are observed here.
    """

    SETTINGS: tuple[str, ...] = ()
    # view traits that index the built state, with how a message names them
    INDEX_LABELS: ClassVar[dict[str, str]] = {}

    def __init__(self, **kwargs):
        self._holding = True  # traits given here are set together, then built once
        try:
            super().__init__(**kwargs)
        finally:
            self._holding = False
        self.observe(self._setting_changed, names=list(self.SETTINGS))
        self._rebuild()

    def check(self, name: str, value):
        raise NotImplementedError

    def _rebuild(self) -> None:
        raise NotImplementedError

    def index_range(self, name: str) -> tuple[int, int]:
        """Inclusive range of the view trait ``name`` under the current settings."""
        raise NotImplementedError

    def _validate_index(self, proposal):
        name, value = proposal["trait"].name, proposal["value"]
        lo, hi = self.index_range(name)
        if not lo <= value <= hi:
            raise TraitError(f"{self.INDEX_LABELS[name]} must be from {lo} to {hi}; got {value}.")
        return value

    def _set_quietly(self, values: dict) -> None:
        """Set traits without triggering a rebuild per trait."""
        self._holding = True
        try:
            for name, value in values.items():
                setattr(self, name, value)
        finally:
            self._holding = False

    def _validate_setting(self, proposal):
        try:
            return self.check(proposal["trait"].name, proposal["value"])
        except ValueError as err:
            raise TraitError(str(err)) from None

    def _setting_changed(self, change) -> None:
        if self._holding:
            return
        try:
            self._rebuild()
        except Exception:
            # put the setting back, so the state always describes what is on screen
            self._set_quietly({change["name"]: change["old"]})
            raise

    @property
    def settings(self) -> dict:
        """Every setting by name: what a maths config of this state is built from."""
        return {name: getattr(self, name) for name in self.SETTINGS}

    def configure(self, **settings) -> None:
        """Set several traits with one rebuild; every setting is checked before any is set."""
        unknown = sorted(set(settings) - set(self.trait_names()))
        if unknown:
            raise TraitError(f"Unknown setting(s): {', '.join(unknown)}.")
        clean = {}
        for name in self.SETTINGS:
            if name in settings:
                try:
                    clean[name] = self.check(name, settings[name])
                except ValueError as err:
                    raise TraitError(str(err)) from None
        old = {name: getattr(self, name) for name in clean}
        self._set_quietly(clean)
        try:
            self._rebuild()
        except Exception:
            self._set_quietly(old)
            raise
        for name, value in settings.items():
            if name not in self.SETTINGS:
                setattr(self, name, value)
