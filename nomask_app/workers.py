"""Backend workers that die are replaced, not fatal to the whole server.

Reflex starts Granian without `respawn_failed_workers`, so one worker killed
(out of memory, a crash) stops the supervisor and with it every other worker.
This module turns respawning on. It runs when the app module is imported,
which on Linux happens in the supervisor before Granian is constructed
(Reflex preloads the app there so that forked workers share its pages).
Granian still gives up on a worker that crashes again within seconds.
"""

import inspect
import logging

log = logging.getLogger(__name__)


def respawn_failed_workers() -> bool:
    """Make `respawn_failed_workers=True` Granian's default; False if it has no such option."""
    try:
        from granian.server.common import AbstractServer
    except ImportError:  # another server runs the app (tests, `reflex run` in dev)
        return False
    init = AbstractServer.__init__
    names = [
        name
        for name, parameter in inspect.signature(init).parameters.items()
        if parameter.default is not inspect.Parameter.empty
    ]
    if "respawn_failed_workers" not in names or init.__defaults__ is None:
        log.warning("this Granian has no respawn_failed_workers option; a dead worker stops all")
        return False
    defaults = list(init.__defaults__)
    defaults[names.index("respawn_failed_workers")] = True
    init.__defaults__ = tuple(defaults)
    return True
