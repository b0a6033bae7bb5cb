"""What every dashboard shares: one torch thread, a banner, a state from a link, a link back,
and the page's own query string under Voila."""

from __future__ import annotations

import os
from typing import ClassVar

import ipywidgets as ipw
import torch

from ..codegen import Recipe
from ..state.presets import (
    presenter_section,
    preset_message,
    preset_model,
    state_query,
    view_traits,
)
from ..views.code_panel import CodePanel
from ..views.controls import MessageBanner
from ..views.nav import NavBar
from ..views.numbers_panel import NumbersPanel
from ..views.presenter import SCRIPT as PRESENTER_SCRIPT
from ..views.presenter import PresenterBar
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

    A kernel Voila started for a page finds the page's query in its environment. A kernel of
    Voila's preheated pool (``VOILA_PREHEAT=True``) was started before anyone asked for it: it
    waits here for the student's request (``voila.utils``), which is what lets a preset apply to
    it. Only that kernel imports voila, which brings the whole Jupyter server with it (about
    1.5 core-seconds and 50 MB a kernel; forkkernel's parent preloads it for the pool).
    """
    if os.environ.get("VOILA_PREHEAT", "False") != "False":  # as voila.utils reads it
        try:
            from voila.utils import get_query_string
        except ImportError:
            pass
        else:
            return get_query_string() or ""
    return os.environ.get("QUERY_STRING", "")


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

    Subclasses set ``MODEL`` (the state's class), ``CSS_CLASS``, ``PAGE`` (the notebook) and
    ``PRESET``: what a URL query may set (``limits``, ``symbols`` and, for settings that are
    not numbers, ``choices``), and define ``recipe()``, the code of the view on screen, and
    ``numbers_html()``, its numbers as tables. They call ``super().__init__(model, preset)``
    first, then build their views with ``nav`` and ``presenter`` (the presenter mode's bar) at
    the top, and end with ``present_sections``: the page's sections, for the presenter mode
    (``present=k`` in the link; ``present``).

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
    PAGE: ClassVar[str] = ""
    PRESET: ClassVar[dict] = {}

    def __init__(self, model=None, preset: str | None = None, **kwargs):
        super().__init__(**kwargs)
        use_torch_threads()
        self.add_class(self.CSS_CLASS)
        self.add_class("lstm-dash")
        self.banner = MessageBanner()
        self.nav = NavBar(current=self.PAGE)
        # the presenter mode: off until the link asks (``present_sections`` reads it)
        self.presenter = PresenterBar(self)
        self.presenter.on_reject(lambda _control, message: self.banner.show(message))
        self.model = self._preset_model(model, preset)
        view = view_traits(self.model)  # what the link names, and the panels follow
        self.link = ViewLink(lambda: self.link_query(), self.model, view,
                             hub=hub_redirect(), caveat=lambda: self.link_caveat())
        self.link.follow(self.presenter, ["section"])
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
                     f"<script>{UPLOAD_SCRIPT}</script><script>{PRESENTER_SCRIPT}</script>"))
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
        self._asked = (query, problems)  # its ``present`` is read once there are sections
        if problems:
            self.banner.show(preset_message(problems))
        return model

    def apply_preset(self, query: str | None) -> None:
        """Move the built dashboard to the state ``query`` asks for (the nearest valid one),
        in presenter mode if it says ``present=k``, else the whole page.

        For Voila's preheated kernels: build the dashboard before a student asks for it, then
        apply the student's query once it arrives, so only a rebuild is left to wait for.
        """
        self._preset_model(self.model, query)
        self._present_as_asked()

    def present_sections(self, sections) -> None:
        """Give the page's sections, ``(title, widgets)`` in the order the presenter walks
        them, and open the one the link asks for. What is in none stays on screen."""
        self.presenter.set_sections(sections)
        self._present_as_asked()

    def _present_as_asked(self) -> None:
        query, problems = self._asked
        section, more = presenter_section(query, len(self.presenter.sections))
        if more:  # one sentence for all the link's problems
            self.banner.show(preset_message(problems + more))
        self.present(section)

    def present(self, section: int = 1) -> None:
        """Show only section ``section`` (from 1) in large type, behind the presenter's bar;
        0 shows the whole page again. The page links carry ``?present=1`` meanwhile."""
        self.presenter.section = section
        self.nav.carry("?present=1" if section else "")

    @property
    def presenting(self) -> int:
        """The section the presenter mode shows, from 1; 0 when the whole page is shown."""
        return self.presenter.section

    def link_query(self) -> str:
        """The query of "Link to this view": ``query``, and the section in presenter mode
        (``&present=k``), so a shared or bookmarked link opens on the projector's view."""
        query = self.query
        if self.presenting:
            query += ("&" if query != "?" else "") + f"present={self.presenting}"
        return query

    @property
    def query(self) -> str:
        """The query string that reopens this view's state: the settings, then the view
        traits. Never the presenter mode: the code and the answers' settings use it."""
        return state_query(self.model)

    @property
    def message(self) -> str:
        """The banner's current text ('' when hidden): what the learner was last told."""
        return self.banner.text  # plain text: the banner escapes it on the way to the page
