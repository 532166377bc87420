"""Backend workers that die are replaced, not fatal to the whole server.

Reflex starts Granian without `respawn_failed_workers`, so one worker killed
(out of memory, a crash) stops the supervisor and with it every other worker.
This module turns respawning on. It runs when the app module is imported,
which on Linux happens in the supervisor before Granian is constructed
(Reflex preloads the app there so that forked workers share its pages).
Granian still gives up on a worker that crashes again within seconds.
"""

import gc
import inspect
import logging
import os

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


def share_preloaded_memory() -> None:
    """Load litellm once in the supervisor, and keep what it loaded out of the collector's walks.

    A forked worker shares the supervisor's memory until it writes to a page.
    litellm is most of a worker's memory (~140 MiB of modules); imported just
    before the first fork, every worker shares one copy instead of importing
    its own when it starts (with 4 workers, 1,178 -> 816 MiB PSS at rest,
    bench/RESULTS.md). The collector writes to every object it visits, so
    each worker would soon hold a private copy of everything anyway:
    `gc.freeze()` just before each fork leaves those objects alone (they live
    as long as the process). Garbage is collected first, so none of it is
    frozen. Only a process that forks (Granian's supervisor) pays for the
    import here; the app's start-up work in each worker finds litellm loaded.
    """
    os.register_at_fork(before=_before_fork)


def _before_fork() -> None:
    # Lazily: the app module imports this one, and litellm takes seconds to import.
    from nomask_app.integrations.llm import load_litellm

    load_litellm()
    gc.collect()
    gc.freeze()
