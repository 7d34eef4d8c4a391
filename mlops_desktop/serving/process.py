"""The scoring service as its own process: start it detached, find it, stop it gracefully.

The service outlives the desktop app (its own session, not the app's child in any way that a
closing window would end), records itself in ``service_instances`` with a heartbeat every second,
and is found again by the next app start.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mlops_desktop.errors import MlopsError
from mlops_desktop.registry.entities import ServiceInstance
from mlops_desktop.registry.processes import pid_alive
from mlops_desktop.serving.server import DEFAULT_HOST, DEFAULT_PORT, TOKEN_ENV

if TYPE_CHECKING:
    from mlops_desktop.registry.workspace import Workspace

HEARTBEAT_STALE_S = 10.0
LOG_NAME = "service.log"


@dataclass
class ServiceHandle:
    """A running service: its registry record, its address and (when we started it) its process."""

    instance: ServiceInstance
    process: subprocess.Popen | None = None
    log_path: Path | None = None

    @property
    def url(self) -> str:
        host = self.instance.host
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.instance.port}"


def load_problems(handle: ServiceHandle, timeout: float = 0.5) -> tuple[str, ...]:
    """What the running service could not load, as its /ping says ("credit@2 could not be
    loaded: …; serving credit@1"); empty when everything loaded or /ping could not be read."""
    import json
    import urllib.error
    import urllib.request

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: no proxy
    try:
        with opener.open(handle.url + "/ping", timeout=timeout) as response:
            body = response.read()
    except urllib.error.HTTPError as exc:  # 503: nothing that loads is live
        body = exc.read()
    except (OSError, ValueError):
        return ()
    try:
        errors = json.loads(body).get("load_errors") or {}
    except (ValueError, AttributeError):
        return ()
    return tuple(str(errors[name]) for name in sorted(errors))


def _alive(pid: int) -> bool:
    if os.name == "nt":
        return pid_alive(pid)  # os.kill(pid, 0) would end the process on Windows
    try:
        # A service this process started and that has exited stays a zombie until reaped.
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    except ChildProcessError:
        pass  # not our child: another process started it
    except OSError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def find_service(ws: Workspace) -> ServiceHandle | None:
    """The running service of this workspace, or None; records dead ones as crashed."""
    now = time.time()
    found = None
    for inst in ws.services.active():
        fresh = inst.heartbeat_at is not None and now - inst.heartbeat_at < HEARTBEAT_STALE_S
        if _alive(inst.pid) and fresh:
            if found is None and inst.status == "running":
                found = ServiceHandle(inst)
        elif not _alive(inst.pid) or not fresh:
            ws.services.mark_crashed(inst.id)
    return found


def _log_tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def start_service(
    ws: Workspace,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    token: str | None = None,
    *,
    require_token: bool = False,
    default_model: str | None = None,
    max_body_mb: float | None = None,
    timeout: float = 60.0,
    reuse: bool = True,
    scoring_processes: int | None = None,
) -> ServiceHandle:
    """Start the service in its own detached process and wait until it answers.

    With ``reuse`` a service already running for this workspace is returned as it is.
    Raises MlopsError with the service's own message when it cannot start (port in use, ...).
    """
    if reuse:
        running = find_service(ws)
        if running is not None:
            return running
    from mlops_desktop.serving.server import check_bind

    check_bind(host, token)  # refuse a non-loopback bind without a token before spawning
    log_dir = ws.path / "logs"
    log_dir.mkdir(exist_ok=True)
    log_path = log_dir / LOG_NAME
    cmd = _command(ws, host, port, require_token, default_model, max_body_mb)
    if scoring_processes is not None:
        cmd += ["--scoring-processes", str(scoring_processes)]
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=_environment(token),
            **_detached(),
        )
    return _wait_until_running(ws, proc, log_path, timeout)


def _command(
    ws: Workspace,
    host: str,
    port: int,
    require_token: bool,
    default_model: str | None,
    max_body_mb: float | None,
) -> list[str]:
    """The service's command line (``python -m mlops_desktop.serving ...``), without the token.
    In the frozen desktop app (PyInstaller) the app's own executable runs it (``SERVICE_ARG``)."""
    frozen = getattr(sys, "frozen", False)
    cmd = [
        sys.executable,
        *([SERVICE_ARG] if frozen else ["-m", "mlops_desktop.serving"]),
        "--workspace",
        str(ws.path),
        "--host",
        host,
        "--port",
        str(port),
    ]
    if require_token:
        cmd.append("--require-token")
    if default_model:
        cmd += ["--model", default_model]
    if max_body_mb is not None:
        cmd += ["--max-body-mb", str(max_body_mb)]
    return cmd


#: The frozen app's first argument that makes it the scoring service process.
SERVICE_ARG = "--scoring-service-process"


def _environment(token: str | None) -> dict[str, str]:
    """This process's environment with the package importable and the token (if any) set."""
    env = dict(os.environ)
    package_root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
    env.pop(TOKEN_ENV, None)
    if token:
        env[TOKEN_ENV] = token  # not on the command line, where other users could read it
    return env


def _detached() -> dict:
    """``Popen`` options that detach the service from this process's session."""
    if os.name == "nt":  # pragma: no cover - Windows
        return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP | subprocess.DETACHED_PROCESS}
    return {"start_new_session": True}


def _wait_until_running(
    ws: Workspace, proc: subprocess.Popen, log_path: Path, timeout: float
) -> ServiceHandle:
    """Wait for the started service to record itself as running; raise with its log if not."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        instance = ws.services.latest_of_pid(proc.pid)
        if instance is not None and instance.status == "running":
            return ServiceHandle(instance, proc, log_path)
        if proc.poll() is not None:
            tail = _log_tail(log_path, 6)
            last = tail.strip().splitlines()[-1] if tail.strip() else "no message"
            raise MlopsError(
                f"The scoring service did not start: {last}", details=f"{log_path}:\n{tail}"
            )
        time.sleep(0.05)
    proc.terminate()
    raise MlopsError(
        f"The scoring service did not answer within {timeout:.0f} s; see {log_path}.",
        details=_log_tail(log_path),
    )


def stop_service(
    ws: Workspace,
    handle: ServiceHandle | None = None,
    timeout: float = 30.0,
    signals: bool | None = None,
) -> bool:
    """Stop the service gracefully: in-flight requests finish, the log is flushed.

    The stop is asked through the registry, which the service reads every second, on every
    platform; on POSIX (``signals``, the default there) a SIGTERM makes it immediate. Windows
    has no SIGTERM (``os.kill`` would end the process at once, losing the log's last rows).
    Returns False when no service was running. Kills it only if it does not stop in ``timeout``.
    """
    handle = handle or find_service(ws)
    if handle is None:
        return False
    pid = handle.instance.pid
    ws.services.request_stop(handle.instance.id)
    if signals is None:
        signals = os.name != "nt"
    if signals:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            ws.services.mark_crashed(handle.instance.id)
            return False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if handle.process is not None and handle.process.poll() is not None:
            break
        if handle.process is None and not _alive(pid):
            break
        time.sleep(0.05)
    else:
        _kill(handle)
        ws.services.mark_crashed(handle.instance.id)
    return True


def _kill(handle: ServiceHandle) -> None:
    """End a service that did not stop in time (SIGKILL on POSIX, TerminateProcess on Windows)."""
    if handle.process is not None:
        handle.process.kill()
        handle.process.wait(5)
    elif os.name == "nt":
        os.kill(handle.instance.pid, signal.SIGTERM)  # Windows: TerminateProcess
    else:
        os.kill(handle.instance.pid, signal.SIGKILL)


def example_requests(url: str, model: str, columns: list[str]) -> dict[str, str]:
    """Copyable examples (curl and Python) for the Deploy page, with the model's columns."""
    import json

    record = json.dumps({"dataframe_records": [{c: None for c in columns}]})
    return {
        "curl": f"curl -s {url}/invocations -H 'Content-Type: application/json' -d '{record}'",
        "curl_v2": (
            f"curl -s {url}/v2/models/{model}/infer -d '"
            + json.dumps(
                {
                    "inputs": [
                        {"name": c, "shape": [1], "datatype": "BYTES", "data": [None]}
                        for c in columns
                    ]
                }
            )
            + "'"
        ),
        "python": (
            "import httpx\n"
            f"rows = {json.loads(record)['dataframe_records']!r}\n"
            f"answer = httpx.post('{url}/invocations', json={{'dataframe_records': rows}})\n"
            "print(answer.headers['X-Model-Version'], answer.json()['predictions'])"
        ),
    }
