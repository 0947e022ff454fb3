"""`python -m searchnews` runs the command line."""

from .cli import main

main()
