"""The book's one piece of Jupyter server code: kernel websockets that send without Nagle's algorithm.

Tornado leaves Nagle's algorithm on for websockets. A slider's reply to a key press is a few small
messages (busy, the new picture, idle); on loopback a small write that follows another waits for
the browser's delayed ACK, 40 ms on Linux, which alone took the key-to-picture latency past the
book's 40 ms target (scripts/bench_jupyterlab_sliders.py measures it). Tornado's own HTTP/1
responses set TCP_NODELAY for the same reason.

A server extension (enabled by server.d/reparam-kernel-nodelay.json), because jupyter_server reads
only `jpserver_extensions` from its config.d folders. It runs in JupyterLab and Notebook 7 alike,
and leaves the server alone where someone configured ServerApp.kernel_websocket_connection_class
(a gateway, or scripts/bench_jupyterlab_sliders.py --nagle).
"""
from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection


LOADED_MESSAGE = "reparam: kernel websockets send with TCP_NODELAY"


class NoDelayKernelWebsocketConnection(ZMQChannelsWebsocketConnection):
    """jupyter_server's default kernel websocket connection, with TCP_NODELAY on its socket."""

    def connect(self):
        self.websocket_handler.set_nodelay(True)
        return super().connect()


def _jupyter_server_extension_points():
    return [{"module": __name__}]


def _load_jupyter_server_extension(serverapp):
    settings = serverapp.web_app.settings
    if "kernel_websocket_connection_class" in serverapp.config.ServerApp:
        serverapp.log.info("reparam: kernel websocket connection class configured; leaving it")
    elif settings.get("kernel_websocket_connection_class") is ZMQChannelsWebsocketConnection:
        settings["kernel_websocket_connection_class"] = NoDelayKernelWebsocketConnection
        serverapp.log.info(LOADED_MESSAGE)
