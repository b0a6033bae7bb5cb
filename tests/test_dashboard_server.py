"""The Voila server's kernel websocket (dashboard_server.py), without a server."""

from unittest import mock

import pytest
from jupyter_client import KernelManager
from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection
from jupyter_server.services.kernels.websocket import KernelWebsocketHandler

from dashboard_server import DashboardConnection, NoDelayConnection


@pytest.mark.parametrize("connection_class", [DashboardConnection, NoDelayConnection])
def test_frames_leave_without_waiting_for_acknowledgements(connection_class):
    """Nagle's algorithm is off before the connection starts relaying the kernel's messages:
    standalone Voila's connection and the Jupyter server's (Binder, JupyterHub, ``make lab``)."""
    events = []
    handler = mock.Mock(spec=KernelWebsocketHandler)
    handler.set_nodelay.side_effect = lambda on: events.append(("set_nodelay", on))
    connection = connection_class(parent=KernelManager(), websocket_handler=handler)

    def relay(_self):
        events.append("relaying")
        return "future"

    with mock.patch.object(ZMQChannelsWebsocketConnection, "connect", relay):
        assert connection.connect() == "future"
    assert events == [("set_nodelay", True), "relaying"]
