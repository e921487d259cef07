"""IL401-IL404, IL410, IL411: timeouts, retries, polling and error handling around integration calls.

The replay, composite and result rules of the family (IL405-IL409) live in lint/rules/replay/.
"""
