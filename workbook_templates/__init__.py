"""The built-in template specs (TOML), shipped as package data so an installed tool finds them."""
