"""What every dashboard shares: one torch thread, a banner, a state from a link, a link back,
and the page's own query string under Voila."""

from __future__ import annotations

import os
from typing import ClassVar

import ipywidgets as ipw
import torch

from ..codegen import Recipe
from ..state.presets import preset_message, preset_model, state_query, view_traits
from ..views.code_panel import CodePanel
from ..views.controls import MessageBanner
from ..views.numbers_panel import NumbersPanel
from ..views.series_picker import UPLOAD_SCRIPT
from ..views.share import SCRIPT as SHARE_SCRIPT
from ..views.view_link import ViewLink
from .accessibility import accessibility_script

__all__ = ["Dashboard", "hub_redirect", "query_string", "use_torch_threads"]


def use_torch_threads() -> int:
    """Run torch on one thread, or on ``TORCH_NUM_THREADS``; returns the count in use.

    A classroom runs a kernel per student on a few cores, and thirty kernels each spinning a
    thread per core only fight over them. Called when a dashboard is built, never on import.
    """
    wanted = os.environ.get("TORCH_NUM_THREADS", "1")
    threads = int(wanted) if wanted.isdigit() and int(wanted) > 0 else 1
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
    return threads


def query_string() -> str:
    """The page's query string under Voila ('' elsewhere, e.g. in JupyterLab).

    With Voila's preheated kernels this waits for the student's request, which is what lets a
    preset apply to a kernel that was started before anyone asked for it.
    """
    try:
        from voila.utils import get_query_string
    except ImportError:
        return os.environ.get("QUERY_STRING", "")
    return get_query_string() or ""


def hub_redirect() -> tuple[str, str] | None:
    """On a JupyterHub, this server's URL prefix and the hub's user-redirect that replaces it in
    a shared link (``/user/alice/``, ``/hub/user-redirect/``), so a link opens on its reader's
    own server; None elsewhere. The hub sets both in the server's environment, and the kernel
    inherits it.
    """
    server = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "")
    if not server.startswith("/"):
        return None
    base = os.environ.get("JUPYTERHUB_BASE_URL", "/").rstrip("/")
    return server, f"{base}/hub/user-redirect/"


class Dashboard(ipw.VBox):
    """Base of the dashboards: a ``model`` (a ``SettingsModel``), a ``banner``, a ``link``, the
    view's ``code`` (a ``CodePanel``) and its ``numbers`` as tables (a ``NumbersPanel``), both
    collapsed; ``panels`` lays the two out, toggles side by side.

    Subclasses set ``MODEL`` (the state's class), ``CSS_CLASS`` and ``PRESET``: what a URL
    query may set (``limits``, ``symbols`` and, for settings that are not numbers,
    ``choices``), and define ``recipe()``, the code of the view on screen, and
    ``numbers_html()``, its numbers as tables. They call ``super().__init__(model, preset)``
    first, then build their views.

    Parameters
    ----------
    model : SettingsModel, optional
        The state to show; the model's defaults if omitted.
    preset : str, optional
        A URL query string (``widgets.query_string()`` reads the page's under Voila). Bad
        values become the nearest valid state, and the banner says which parameter was wrong.
    """

    MODEL: ClassVar[type]
    CSS_CLASS: ClassVar[str] = ""
    PRESET: ClassVar[dict] = {}

    def __init__(self, model=None, preset: str | None = None, **kwargs):
        super().__init__(**kwargs)
        use_torch_threads()
        self.add_class(self.CSS_CLASS)
        self.add_class("lstm-dash")
        self.banner = MessageBanner()
        self.model = self._preset_model(model, preset)
        view = view_traits(self.model)  # what the link names, and the panels follow
        self.link = ViewLink(lambda: state_query(self.model), self.model, view,
                             hub=hub_redirect(), caveat=lambda: self.link_caveat())
        # looked up at each render, so a subclass's (or a test's) recipe is the one called
        self.code = CodePanel(lambda: self.recipe(), [(self.model, view)])
        self.numbers = NumbersPanel(lambda: self.numbers_html(), [(self.model, view)])
        for panel in (self.code, self.numbers):
            panel.toggle.on_reject(lambda _control, message: self.banner.show(message))
        self.panels = ipw.VBox([
            ipw.HBox([self.code.toggle, self.numbers.toggle],
                     layout=ipw.Layout(flex_flow="row wrap", align_items="center")),
            self.code.view, self.numbers.view])

    def _ipython_display_(self) -> None:
        # with the page scripts that name the controls for screen readers and copy and
        # complete the links: a dashboard shown anywhere (Voila, JupyterLab) brings them, in one
        # output, and each installs itself once a page
        from IPython.display import HTML, display

        display(HTML(accessibility_script().data + f"<script>{SHARE_SCRIPT}</script>"
                     f"<script>{UPLOAD_SCRIPT}</script>"))
        display(self._repr_mimebundle_(), raw=True)

    def link_caveat(self) -> str:
        """What the view's link cannot carry, in a sentence ('' when it carries it all): the
        learner's own file, on a page that offers one."""
        m = self.model
        if not getattr(m, "uses_own_series", False) or not m.csv.is_file:
            return ""
        return (f"This view uses your own file, {m.csv.parsed.name}: a link cannot carry it, "
                "so the link opens with an example series. Send the file along.")

    def recipe(self) -> Recipe:
        """The PyTorch code that rebuilds the view on screen (``widgets.codegen``)."""
        raise NotImplementedError

    def numbers_html(self) -> str:
        """The numbers of the view on screen as HTML tables (``text_alternative.html_table``)."""
        raise NotImplementedError

    def _preset_model(self, model, query: str | None):
        """The model in the state ``query`` asks for, and the banner's sentence if it must."""
        model, problems = preset_model(self.MODEL, query, model=model, **self.PRESET)
        if problems:
            self.banner.show(preset_message(problems))
        return model

    def apply_preset(self, query: str | None) -> None:
        """Move the built dashboard to the state ``query`` asks for (the nearest valid one).

        For Voila's preheated kernels: build the dashboard before a student asks for it, then
        apply the student's query once it arrives, so only a rebuild is left to wait for.
        """
        self._preset_model(self.model, query)

    @property
    def query(self) -> str:
        """The query string that reopens this view: the settings, then the view traits."""
        return self.link.query

    @property
    def message(self) -> str:
        """The banner's current text ('' when hidden): what the learner was last told."""
        return self.banner.text  # plain text: the banner escapes it on the way to the page
