"""Taking returns in: safe opening, reading by name, normalising values, validation, problems."""
