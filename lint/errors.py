"""The one base of the errors a user can fix (a bad config, baseline, output path or plugin).

The command line catches it alone, as one line and exit code 2, without importing every
module that may raise one (a `check` of one file should not load the baseline or git code).
"""

from __future__ import annotations


class UserError(Exception):
    """A problem with what intlint was given, worded for the user."""
