"""The book's Jupyter settings (jupyter-config/), as the server sees them, without starting a browser."""
import subprocess
import sys
import textwrap

import pytest

reparam_jupyter_settings = pytest.importorskip(
    "reparam_jupyter_settings", reason="the book's Jupyter settings are not installed (pip install ./jupyter-config)")


def test_connection_sets_nodelay_before_connecting(monkeypatch):
    from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection
    from jupyter_server.services.kernels.websocket import KernelWebsocketHandler

    class Handler(KernelWebsocketHandler):
        def __init__(self):  # no application or request: only set_nodelay is called
            pass

        def set_nodelay(self, value):
            log.append(("set_nodelay", value))

    log = []
    monkeypatch.setattr(ZMQChannelsWebsocketConnection, "connect", lambda self: log.append("connect") or "future")
    connection = reparam_jupyter_settings.NoDelayKernelWebsocketConnection(websocket_handler=Handler())
    assert connection.connect() == "future"
    assert log == [("set_nodelay", True), "connect"]


SERVER_CLASS = textwrap.dedent("""
    import sys
    from jupyter_server.serverapp import ServerApp
    app = ServerApp()
    app.initialize(["--port=0", "--no-browser", *sys.argv[1:]])
    cls = app.web_app.settings["kernel_websocket_connection_class"]
    print(cls.__module__ + "." + cls.__name__)
""")


@pytest.mark.parametrize("args, expected", [
    ((), "reparam_jupyter_settings.NoDelayKernelWebsocketConnection"),
    # A configured class (a gateway, the benchmark's --nagle) wins over the book's.
    (("--ServerApp.kernel_websocket_connection_class="
      "jupyter_server.services.kernels.connection.channels.ZMQChannelsWebsocketConnection",),
     "jupyter_server.services.kernels.connection.channels.ZMQChannelsWebsocketConnection"),
])
def test_server_uses_the_books_connection_unless_configured(tmp_path, args, expected):
    env = {"JUPYTER_CONFIG_DIR": str(tmp_path / "config"), "JUPYTER_DATA_DIR": str(tmp_path / "data"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"), "HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", SERVER_CLASS, *args], capture_output=True, text=True,
                            env=env, cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1] == expected
