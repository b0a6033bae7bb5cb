"""Reading a view as the page does: its widgets by CSS class, its marks, the messages it sends."""

from collections.abc import Iterator
from contextlib import contextmanager

import bqplot as bq
import ipywidgets as ipw


def classes(widget: ipw.DOMWidget) -> list[str]:
    """The CSS classes the page gives ``widget`` (its state's ``_dom_classes``)."""
    return list(widget.get_state("_dom_classes")["_dom_classes"])


def by_class(box: ipw.Box, css_class: str) -> ipw.DOMWidget:
    """The one widget inside ``box`` (at any depth) with ``css_class``, as the page selects it."""
    found, todo = [], [box]
    while todo:
        widget = todo.pop()
        if css_class in classes(widget):
            found.append(widget)
        todo.extend(getattr(widget, "children", ()))
    assert len(found) == 1, f"{len(found)} widgets with class {css_class!r}"
    return found[0]


def the_mark(figure: bq.Figure, kind: type, **traits) -> bq.Mark:
    """The one mark of ``figure`` of type ``kind`` whose ``traits`` have these values."""
    found = [m for m in figure.marks
             if isinstance(m, kind) and all(getattr(m, k) == v for k, v in traits.items())]
    assert len(found) == 1, f"{len(found)} {kind.__name__} marks with {traits}"
    return found[0]


@contextmanager
def sent(*widgets: ipw.Widget) -> Iterator[list[tuple[ipw.Widget, dict]]]:
    """Record every comm message the kernel would send the page for ``widgets``, in order."""
    log: list[tuple[ipw.Widget, dict]] = []
    comms = [w.comm for w in widgets]
    for widget, comm in zip(widgets, comms, strict=True):
        comm.publish_msg = (lambda msg_type, data=None, widget=widget, **_:
                            log.append((widget, data)))
    try:
        yield log
    finally:
        for comm in comms:
            del comm.publish_msg  # the class's method again
