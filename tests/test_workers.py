"""Granian replaces a dead backend worker instead of stopping the server."""

import inspect
import subprocess
import sys
import textwrap

from granian.server import Server

import nomask_app.nomask_app  # noqa: F401  (importing the app applies the setting)


def test_importing_the_app_turns_on_respawning_failed_workers():
    parameters = inspect.signature(Server.__init__).parameters
    assert parameters["respawn_failed_workers"].default is True


def test_a_forked_worker_finds_litellm_loaded_and_the_preloaded_objects_frozen():
    """Workers share the supervisor's litellm; their collectors leave it alone (shared pages)."""
    child = textwrap.dedent(
        """
        import gc, os, sys
        from nomask_app.workers import share_preloaded_memory
        before = (gc.get_freeze_count(), "litellm" in sys.modules)
        share_preloaded_memory()
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.write(write, f"{gc.get_freeze_count()} {'litellm' in sys.modules}".encode())
            os._exit(0)
        os.waitpid(pid, 0)
        print(*before, os.read(read, 100).decode())
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", child], capture_output=True, text=True, check=True, timeout=120
    )
    frozen, loaded, frozen_in_worker, loaded_in_worker = result.stdout.splitlines()[-1].split()
    assert (int(frozen), loaded) == (0, "False")
    assert loaded_in_worker == "True"
    assert int(frozen_in_worker) > 100_000  # litellm's objects among them


def test_an_event_carrying_a_dict_imports_nothing_more_once_the_app_is_loaded():
    """A worker's first message does not wait for imports (Reflex's model module: ~90 ms)."""
    child = textwrap.dedent(
        """
        import sys
        import nomask_app.nomask_app
        # Reflex's own step for an event's arguments (private to the pinned 0.10.1).
        from reflex_base.event.processor.base_state_processor import _transform_event_arg
        before = set(sys.modules)
        _transform_event_arg({"composer": "Hello"}, dict)  # as the chat's `send` receives
        print(sorted(set(sys.modules) - before))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", child], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip().splitlines()[-1] == "[]"  # the last line: logs may come first


async def test_a_started_worker_freezes_what_the_litellm_import_left(
    engine, use_models, monkeypatch
):
    """Full collections then skip the long-lived heap: shorter pauses while replies stream."""
    from nomask_app import startup

    use_models()
    frozen = []
    monkeypatch.setattr(startup.gc, "freeze", lambda: frozen.append(True))
    await startup.on_start()
    assert frozen == [True]


async def test_a_worker_whose_rehearsed_send_fails_still_starts(
    engine, use_models, monkeypatch, caplog
):
    """The rehearsal only saves the first message some time: its failure is logged, not fatal."""
    from nomask_app import startup

    use_models()

    def fail():
        raise RuntimeError("database went away")

    monkeypatch.setattr(startup.loaders, "rehearse_turns", fail)
    frozen = []
    monkeypatch.setattr(startup.gc, "freeze", lambda: frozen.append(True))
    await startup.on_start()
    assert frozen == [True]  # the rest of the start-up work ran
    assert "the rehearsed send failed" in caplog.text
