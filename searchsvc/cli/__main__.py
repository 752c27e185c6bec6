"""python -m searchsvc.cli: the searchsvc command."""

from . import main

main()
