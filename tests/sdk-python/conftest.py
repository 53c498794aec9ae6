"""
Starts each cloud emulator as the standalone command runs it (scripts/emulator.ts <cloud>
--port 0 --backing none, under node with tsx loaded: one process, which stop() ends — `npx tsx`
would leave the emulator running behind its wrappers), for the official Python SDKs to drive,
and writes this run's counts where scripts/test.sh folds them into the one closing "Tests:" line.
"""
import ctypes
import json
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ACCESS_KEY_ID = "AKIDpythonSdk"
ACCESS_KEY_SECRET = "python-Sdk-Secret-1"


def _end_with_parent():
    """Linux: the emulator gets SIGTERM if pytest dies without tearing its fixtures down."""
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Emulator:
    def __init__(self, cloud: str):
        self.cloud = cloud
        self.proc = subprocess.Popen(
            [shutil.which("node") or "node", "--import", "tsx", "scripts/emulator.ts", cloud, "--port", "0", "--backing", "none",
             "--access-key-id", ACCESS_KEY_ID, "--access-key-secret", ACCESS_KEY_SECRET],
            cwd=ROOT, stdout=subprocess.PIPE, text=True, env={**os.environ, "LOG_LEVEL": "warn"},
            preexec_fn=_end_with_parent,
        )
        deadline = time.monotonic() + 60
        line = ""
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            found = re.search(r"emulator on (http://[\d.]+:(\d+))", line)
            if found:
                self.url, self.port = found.group(1), int(found.group(2))
                return
            if not line and self.proc.poll() is not None:
                break
        self.stop()
        raise RuntimeError(f"the {cloud} emulator did not start: {line!r}")

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def instances(self):
        """The emulator's own view, through its control API (never through the SDK under test)."""
        import urllib.request
        with urllib.request.urlopen(f"{self.url}/_emulator/instances") as res:
            return {i["id"]: i for i in json.load(res)["instances"]}

    def wait_for(self, instance_id: str, state: str, timeout: float = 20.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            inst = self.instances().get(instance_id)
            if (inst is None and state == "deleted") or (inst is not None and inst["state"] == state):
                return inst
            time.sleep(0.1)
        raise AssertionError(f"{instance_id} did not reach {state} in {timeout} s (now {self.instances().get(instance_id)})")

    def created_once(self, run):
        """`run(token)` twice with one client token: one instance, which comes up running."""
        [instance_id] = run("py-sdk-lifecycle")
        assert run("py-sdk-lifecycle") == [instance_id]
        self.wait_for(instance_id, "running")
        return instance_id

    def cycle(self, instance_id, *, stop, start, delete, shown):
        """stop → start → delete through the SDK under test; `shown(state)` checks the SDK's own view."""
        stop()
        self.wait_for(instance_id, "stopped")
        shown("stopped")
        start()
        self.wait_for(instance_id, "running")
        delete()
        self.wait_for(instance_id, "deleted")
        shown("deleted")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.fixture(scope="session")
def tencent():
    emu = Emulator("tencent")
    yield emu
    emu.stop()


@pytest.fixture(scope="session")
def aliyun():
    emu = Emulator("aliyun")
    yield emu
    emu.stop()


def pytest_sessionfinish(session, exitstatus):
    target = os.environ.get("VIBEBOX_SDK_RESULTS")
    if not target:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    stats = reporter.stats if reporter else {}
    passed = len(stats.get("passed", []))
    failed = len(stats.get("failed", [])) + len(stats.get("error", []))
    Path(target).write_text(json.dumps({"passed": passed, "failed": failed}))
