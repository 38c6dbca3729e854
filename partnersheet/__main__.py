"""``python -m partnersheet`` runs the command line."""

from .cli import main

main()
