"""Search spaces as objects: sample, mutate, list neighbours, encode, normalise and check
architecture strings of a space no table needs to hold.

``get_space("nb201")`` returns the `Space`; ``SPACES`` lists the names. Each space encodes with
the function its benchmark family uses (`pwlkit.benchmarks`), so predictors trained on a
benchmark and on a space's strings read the same graphs.
"""

from __future__ import annotations

from ..checks import Options, check
from .base import Space, as_rng
from .darts import DartsSpace
from .nb101 import NB101Space
from .nb201 import NB201Space
from .nbgraph import NBGraphSpace
from .tnb101_macro import TNB101MacroSpace
from .tnb101_micro import TNB101MicroSpace

_CLASSES: dict[str, type[Space]] = {
    cls.name: cls
    for cls in (
        NB201Space,
        NB101Space,
        DartsSpace,
        TNB101MicroSpace,
        TNB101MacroSpace,
        NBGraphSpace,
    )
}
SPACES: tuple[str, ...] = tuple(_CLASSES)
"""The names `get_space` knows."""


def get_space(name: str | Space) -> Space:
    """The space called ``name`` (a `Space` passes through).

    Raises:
        BadParameter: an unknown name (a ValueError listing the valid names, with the
            closest).

    Example:
        >>> get_space("nb201").canonical("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|")
        '|none~0|+|none~0|none~1|+|none~0|none~1|none~2|'
    """
    if isinstance(name, Space):
        return name
    return _CLASSES[check("space", name, Options(SPACES, what="space"))]()


__all__ = [
    "SPACES",
    "DartsSpace",
    "NB101Space",
    "NB201Space",
    "NBGraphSpace",
    "Space",
    "TNB101MacroSpace",
    "TNB101MicroSpace",
    "as_rng",
    "get_space",
]
