"""The sequence page's padding section: the reviews of the batch shown, fed padded and packed."""

from __future__ import annotations

import ipywidgets as ipw

from ..state.sequence_model import DIRECTIONS, SequenceModel
from ..views.controls import GuardedToggleButtons, MessageBanner, bind_controls
from . import padding_text as text

__all__ = ["PaddingSection"]


class PaddingSection(ipw.VBox):
    """Padded against packed, for the reviews only (hidden for the other data).

    A switch sets the model's ``bidirectional`` ("off" or "on", control ``ctl-bidirectional``);
    ``body`` holds the side-by-side tables and the checks' badges, ``status`` the checks in one
    sentence, a polite live region announced when a verdict changes. It follows the model's
    data, batch and ``bidirectional``; ``model.padding()`` runs the LSTM once per batch and
    direction.
    """

    def __init__(self, model: SequenceModel, banner: MessageBanner, **kwargs):
        super().__init__(**kwargs)
        self._model = model
        self.control = GuardedToggleButtons(
            options=[(d, d) for d in DIRECTIONS], value=model.bidirectional,
            description="bidirectional", tooltips=["one direction", "both directions"],
            style={"description_width": "100px", "button_width": "80px"})
        self.control.add_class("ctl-bidirectional")
        bind_controls(model, {"bidirectional": self.control}, banner, what="the view")
        self.body = ipw.HTML()
        self.body.add_class("padding-section")
        self.status = ipw.HTML()
        self.status.add_class("padding-status")
        self.status.add_class("live-status")  # the page script makes it a polite status
        self.status.add_class("sr-only")
        self.children = [
            ipw.HTML("<h3>Padding and packing</h3><p class='hint'>The reviews have different "
                     "lengths: each was padded with <code>&lt;pad&gt;</code> at the end to n_E "
                     "tokens. The same LSTM reads the batch as it is, padded, and packed with "
                     "<code>pack_padded_sequence(x, lengths, batch_first=True, "
                     "enforce_sorted=False)</code>, which stops each review at its own "
                     "length.</p>"),
            self.control, self.body, self.status]
        model.observe(self._update, names=["data", "batch", "bidirectional"])
        self._update()

    @property
    def shown(self) -> bool:
        """Whether the section is on the page: for the reviews only."""
        return self.layout.display != "none"

    def _update(self, _change=None) -> None:
        m = self._model
        run = m.padding()
        if run is None:
            # nothing left behind for a screen reader or a search of the page to find
            self.layout.display = "none"
            self.body.value = self.status.value = ""
            return
        self.layout.display = None
        self.control.value = m.bidirectional
        first = m.batch * m.batch_size
        self.body.value = text.padding_html(run, m.data.reviews, m.batch, first)
        self.status.value = text.padding_status(run)
