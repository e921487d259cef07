"""IL5xx: security — how integrations log in, where their secrets live, and what they send in clear text.

The rules read names and constants through the shared facts (`value_of`,
`string_template`, `type_of`), Salesforce calls through the shared classifier
(`likely_salesforce_call`), network calls and logins through python_clients,
request and event handlers through python_handlers, and loops through
`report_in_loop`. What a secret and a test path look like comes from
lint.sources.secrets and lint.sources.paths, shared with the other families.
What this family adds is its judgement: which arguments carry credentials,
endpoints or API versions, where a query's values come from, and whether a
login's result is kept.

Two conventions hold for every rule here:
- A constant is read through names (`password=SF_PASSWORD`), never from a
  parameter's default: the caller decides what a parameter holds.
- Findings are reported where the value sits in the code that uses it, and
  never repeat a secret's value in the message.
"""
