"""`python -m lint` runs the command line."""

from lint.cli import main

main(prog_name="intlint")
