"""The words the Apex index, its paths and the callout rules share.

A module of its own, free of imports, so that loading the rules for a run on
Python or config files does not build the Apex model's classes.
"""

# What a path through the call graph may end in (apex_paths).
CALLOUT, WRITE = "callout", "write"
# The async job interfaces, by type key, and the one that lets a job call out.
QUEUEABLE, BATCHABLE, SCHEDULABLE = "queueable", "database.batchable", "schedulable"
ALLOWS_CALLOUTS = "database.allowscallouts"
