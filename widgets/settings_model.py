"""A traits model whose settings are validated and rebuild it, once per change, or roll back."""

from __future__ import annotations

from traitlets import HasTraits, TraitError

__all__ = ["SettingsModel"]


class SettingsModel(HasTraits):
    """Base for a dashboard's state: ``SETTINGS`` rebuild it, other traits only index it.

    Subclasses declare their traits, list the rebuilding ones in ``SETTINGS``, implement
    ``check(name, value)`` (return the clean value or raise ``ValueError`` with a sentence)
    and ``_rebuild()``, and wire ``@validate(*SETTINGS)`` to ``_validate_setting`` and
    ``@observe(*SETTINGS)`` to ``_setting_changed``.
    """

    SETTINGS: tuple[str, ...] = ()

    def __init__(self, **kwargs):
        self._holding = True  # traits given here are set together, then built once
        try:
            super().__init__(**kwargs)
        finally:
            self._holding = False
        self._rebuild()

    def check(self, name: str, value):
        raise NotImplementedError

    def _rebuild(self) -> None:
        raise NotImplementedError

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
            self._holding = True
            try:
                setattr(self, change["name"], change["old"])
            finally:
                self._holding = False
            raise

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
        self._holding = True
        try:
            for name, value in clean.items():
                setattr(self, name, value)
        finally:
            self._holding = False
        try:
            self._rebuild()
        except Exception:
            self._holding = True
            try:
                for name, value in old.items():
                    setattr(self, name, value)
            finally:
                self._holding = False
            raise
        for name, value in settings.items():
            if name not in self.SETTINGS:
                setattr(self, name, value)
