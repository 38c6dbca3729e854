"""Template specs: the model (frozen dataclasses), loading and checking TOML, and the built-ins."""

from .loader import *  # noqa: F403
from .loader import __all__ as _loader_all
from .registry import TemplateRegistry, as_registry, builtin_templates, load_template, template_by_hash

__all__ = [*_loader_all, "TemplateRegistry", "as_registry", "builtin_templates", "load_template", "template_by_hash"]
