"""The views floor of ``widgets``: components that draw the arrays they are given.

Each is an ipywidgets box that builds its bqplot figure once and changes marks in place; none
imports a state model or reads a Trainer. The dashboards (``widgets.dashboards``) bind them to
the state. Colours and PNG pictures (``colors``), the hover read-out shared by every heatmap
(``hover``), the line rasteriser (``raster``) and the text alternatives (``text_alternative``)
live here too.
"""
