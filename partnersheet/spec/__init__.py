"""Template specs: the model (frozen dataclasses), loading and checking TOML, and the built-ins."""

from .loader import *  # noqa: F403
from .loader import __all__ as __all__
