"""Vars the page keeps itself, changed by what the server sends (`kept_var.js` next to this file).

Used by the chat's message list (message_log.py) and the sidebar (sidebar.py).
"""

import reflex as rx
from reflex.assets import AssetPathStr
from reflex.vars import Var, VarData
from reflex_base.utils.imports import ImportVar

# Imported by message_log.js and sidebar_rows.js from here.
rx.asset("kept_var.js", shared=True)


def kept_var(name: str, var_type: type, source: AssetPathStr, hook: str, arguments: str) -> Var:
    """The value React hook `hook` of `source` returns, called as `hook(arguments)`, as a var.

    `arguments` is JavaScript: for a kept var, the state's full name and the
    field of the var that carries the changes, and whatever else the hook
    takes; "" for a hook that takes nothing.
    """
    return Var(
        _js_expr=name,
        _var_type=var_type,
        _var_data=VarData(
            imports={source.importable_path: [ImportVar(tag=hook)]},
            hooks={f"const {name} = {hook}({arguments});": None},
        ),
    )
