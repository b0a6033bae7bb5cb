"""What the tests, the benchmark and the screenshot script drive the dashboards with.

- ``driver.servers``: Voila, the classroom, JupyterHub and Jupyter servers on free ports, each
  stopped with everything it started;
- ``driver.kernel_session`` and ``driver.kernel_client``: a learner's tab without a browser,
  over the kernel websocket (jupyter_server's own codec), asynchronous and blocking;
- ``driver.ui``: Chromium and the page, driven as a learner does;
- ``driver.wait``: the one "wait until";
- ``driver.processes``: processes found by the mark in their environment, and measured.

It imports nothing from ``tests`` or ``bench``, and ``widgets`` not at all.
"""
