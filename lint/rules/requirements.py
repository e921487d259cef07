"""What a file must contain for the facts that rules read to find anything: the words of `Rule.requires`.

Each requirement over-approximates what a source fact needs in order to recognise a thing in
a file (see lint.rules.base.Requires). A fact that resolves names needs an import, since
qualified names and object types start at import statements (python_facts); a fact that reads
text needs that text. Rules combine them: `SALESFORCE_CALLS & Requires(markers=("composite",))`.
When a fact learns to recognise something new, its requirement here must grow with it; the
pre-filter tests (tests/test_prefilter.py) check every rule's examples and the fixtures.
"""

from __future__ import annotations

from lint.rules.base import Requires

# HTTP libraries python_clients reads calls of; the OAuth ones build requests sessions (python_names.CANONICAL_NAMES).
HTTP_LIBRARIES = ("requests", "httpx", "aiohttp", "urllib3", "urllib.request", "http.client", "requests_oauthlib", "salesforce_requests_oauthlib")

# An import of a module named for Salesforce (python_salesforce.imports_salesforce), as a statement, not in prose.
SALESFORCE_IMPORT = r"(?im)^[ \t]*(?:from|import)[ \t]+[\w.]*salesforce"
# A Salesforce operation (python_salesforce.likely_salesforce_call): a simple_salesforce client,
# SFType or bulk handler (typed through its import), requests/httpx sending to a REST URL, or a
# client named like one in a module that imports Salesforce code (`from cumulusci.tasks.salesforce import ...`).
SALESFORCE_CALLS = Requires(imports=("simple_salesforce",), markers=("/services/data",), patterns=(SALESFORCE_IMPORT,))

# A call over the network (python_clients.client_call): an HTTP library or a Salesforce client.
NETWORK_CALLS = Requires(imports=(*HTTP_LIBRARIES, "simple_salesforce", "salesforce_bulk"))

# A call to something named like subscribe: `pubsub.subscribe(...)`, `stub.Subscribe(...)`,
# `client.subscribe_topic(...)` (prose saying "subscribed" is not one).
SUBSCRIBE_CALL = r"(?i)subscribe\w*\s*\("

# Code run for each Salesforce event (python_handlers.enclosing_consumer): a Pub/Sub `Subscribe`
# loop or a callback given to a `subscribe` helper, an aiosfstream/aiocometd client, or a web
# route that reads an outbound message (`sforce.com`, `sObject`), a change event (`ChangeEvent`)
# or a platform event (an `X__e` name).
SALESFORCE_CONSUMERS = Requires(
    imports=("aiosfstream", "aiocometd"),
    markers=("sforce.com", "urn:sobject", "changeevent"),
    patterns=(r"sObject\b", r"__e\b", SUBSCRIBE_CALL),
)

# Where a subscription starts reading (python_replay): a Pub/Sub `FetchRequest`, a `subscribe`
# call with a replay id, or an aiosfstream client.
SUBSCRIPTIONS = Requires(imports=("aiosfstream",), markers=("fetchrequest",), patterns=(SUBSCRIBE_CALL,))

# Config dialects (config_dialects): CumulusCI mappings have `sf_object` steps; Camel routes use
# the `salesforce:` component and Kafka Connect connectors a Salesforce connector class; OpenAPI
# specs say `openapi:` or `swagger:`.
CUMULUSCI_MAPPINGS = Requires(markers=("sf_object",))
SALESFORCE_COMPONENTS = Requires(markers=("salesforce",))
OPENAPI_SPECS = Requires(markers=("openapi", "swagger"))
