"""IL4xx, replay and results: where event subscribers resume, and whether write results are read.

The replay rules read subscriptions and replay stores through `python_replay` (each call
judged once per file) and event consumers through `python_handlers`; IL405's config part
reads Camel endpoints (`config_camel`) and Kafka Connect connectors (`config_dialects`).
The result rules mark the calls whose results matter and read, once the file is traversed,
what their functions did with them (`python_results`): which keys were read, and whether
the result was handed on. In Apex, the model records that for `EventBus.publish` (a step's
`Fate`, read in the same walk as the rest of the file).
"""
