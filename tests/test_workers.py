"""Granian replaces a dead backend worker instead of stopping the server."""

import inspect

from granian.server import Server

import nomask_app.nomask_app  # noqa: F401  (importing the app applies the setting)


def test_importing_the_app_turns_on_respawning_failed_workers():
    parameters = inspect.signature(Server.__init__).parameters
    assert parameters["respawn_failed_workers"].default is True
