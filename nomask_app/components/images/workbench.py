"""`ImageWorkbench` and `AdjustSlider`: the editor's preview canvas and its live sliders.

The React side lives in `image_workbench.jsx` next to this file (compiled into
the bundle: nothing is evaluated at run time, as the CSP requires).
"""

import reflex as rx
from reflex.vars import Var

_SOURCE = rx.asset("image_workbench.jsx", shared=True)


class ImageWorkbench(rx.Component):
    """The preview image; in "crop" mode a box can be dragged, in "mask" mode painted."""

    library = _SOURCE.importable_path
    tag = "ImageWorkbench"

    src: Var[str]
    alt: Var[str]
    mode: Var[str]
    brush: Var[int]
    mask_key: Var[int]
    on_crop: rx.EventHandler[lambda left, top, width, height: [left, top, width, height]]
    on_mask: rx.EventHandler[lambda data_url: [data_url]]


class AdjustSlider(rx.Component):
    """A range input (percent) that previews while dragged and commits when released."""

    library = _SOURCE.importable_path
    tag = "AdjustSlider"

    value: Var[int]
    min: Var[int]
    max: Var[int]
    step: Var[int]
    every: Var[int]
    on_preview: rx.EventHandler[lambda value: [value]]
    on_commit: rx.EventHandler[lambda value: [value]]


image_workbench = ImageWorkbench.create
adjust_slider = AdjustSlider.create
