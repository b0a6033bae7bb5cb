"""The dashboards floor of ``widgets``: each page, a state model with the views bound to it.

``dashboard.Dashboard`` is their base (the banner, the link, the code and numbers panels, and
the page scripts of ``accessibility`` and ``kernel_notice``); ``lstm_explorer``,
``mlp_explorer``, ``sequence_explorer`` and ``training_dashboard`` are the four pages the
notebooks in the repository's ``dashboards/`` folder show. ``sequence_text`` and
``training_text`` write two of them in words: their sentences and tables.
"""
