"""Which integration a config document configures, told by its content (not its file name).

A file is parsed only when its bytes could configure a Salesforce integration
(`worth_parsing`); a document is scanned only when it matches a dialect or the
file mentions Salesforce, so CI workflows, Helm charts and docker-compose files
cost one regular-expression search and produce nothing. An OpenAPI spec counts only
as an External Service: when its file mentions Salesforce, sits in an
`external-services/` folder or is registered (an `*.externalServiceRegistration-meta.xml`
or the spec Salesforce DX keeps beside one); the specs of other services a repository keeps, its own
or vendored, configure no Salesforce integration. The dialect is recorded on the
document: rules pick the dialects they read, and messages name it.
This module also gives rules the entities of the simple dialects (CumulusCI
steps, Kafka Connect connectors); Camel and OpenAPI have modules of their own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterator

from lint.sources import REGISTRATION_SUFFIX
from lint.sources.config_camel import endpoints
from lint.sources.config_model import Mapping, Node, Scalar
from lint.sources.config_paths import Match


@dataclass(frozen=True)
class Dialect:
    name: str
    label: str  # for messages: "CumulusCI data mapping"


CUMULUSCI = Dialect("cumulusci", "CumulusCI data mapping")
CAMEL = Dialect("camel", "Camel route")
KAFKA_CONNECT = Dialect("kafka-connect", "Kafka Connect connector")
TAP = Dialect("tap", "Salesforce tap")  # Singer, Meltano, Airbyte
OPENAPI = Dialect("openapi", "OpenAPI spec")
GENERIC = Dialect("generic", "Salesforce integration settings")
# The dialects whose values are settings: all but OpenAPI, whose values are mostly examples and documentation.
SETTING_DIALECTS = (CUMULUSCI, CAMEL, KAFKA_CONNECT, TAP, GENERIC)

# `packageDirectories`: the key of a Salesforce DX project's sfdx-project.json, which need not say "salesforce".
_MENTIONS_SALESFORCE = rb"salesforce|sobject|/services/data/|force\.com|[a-z0-9]__[ce]\b|packageDirectories"
_MENTIONS = re.compile(_MENTIONS_SALESFORCE, re.IGNORECASE)
# Also worth a parse: the keys that identify dialects whose files need not say "salesforce".
_WORTH_PARSING = re.compile(
    _MENTIONS_SALESFORCE + rb"""|sf_object|(?:^|[{,\s])["']?api_type["']?\s*[:=]""",
    re.IGNORECASE | re.MULTILINE,
)
# Where the specs registered as External Services are: a folder of them (`external-services/`, `externalServices/`),
# Salesforce DX's `externalServiceRegistrations/` (a registration's spec can be kept there beside its metadata), and
# the registrations themselves (config_registration).
_EXTERNAL_SERVICES = re.compile(rf"(?:^|/)(?:external[-_]?services|externalServiceRegistrations)/|{re.escape(REGISTRATION_SUFFIX)}$", re.IGNORECASE)
# Machine-written files that name packages, not integrations (`@salesforce/cli` in a lockfile).
GENERATED = frozenset({"package-lock.json", "npm-shrinkwrap.json", "pnpm-lock.yaml"})

SALESFORCE_WORD = "salesforce"
# Settings only Salesforce taps have (tap-salesforce's `api_type`, Airbyte's `streams_criteria`), and a tap's credentials.
TAP_SETTINGS = frozenset({"api_type", "quota_percent_total", "quota_percent_per_run", "streams_criteria", "force_api"})
TAP_CREDENTIALS = frozenset({"client_id", "refresh_token", "username", "start_date"})
# (where the connector class is, where its settings are): flat, the REST API's `config`, Strimzi's `spec`.
CONNECTOR_SHAPES = (("connector.class", None), ("config.connector.class", "config"), ("spec.class", "spec.config"))


def worth_parsing(path: str, data: bytes) -> bool:
    if path.rsplit("/", 1)[-1] in GENERATED:
        return False
    return _WORTH_PARSING.search(data) is not None or _EXTERNAL_SERVICES.search(path) is not None


def concerns_salesforce(path: str, data: bytes) -> bool:
    """The file mentions Salesforce, or sits among External Service specs."""
    return _MENTIONS.search(data) is not None or _EXTERNAL_SERVICES.search(path) is not None


def detect(root: Node, concerns: bool) -> Dialect | None:
    """The document's dialect; GENERIC for other files that concern Salesforce; None: not scanned."""
    for dialect, matches in _DETECTORS:
        if matches(root):
            return dialect if concerns or dialect != OPENAPI else None
    return GENERIC if concerns else None


# -- CumulusCI -------------------------------------------------------------------------------


def mapping_steps(root: Node) -> Iterator[Match]:
    """A CumulusCI mapping's steps: key = the step's name, value = its settings (with `sf_object`)."""
    for match in root.select("*"):
        if isinstance(match.value, Mapping) and match.value.scalar("sf_object") is not None:
            yield match


def loads_records(step: Mapping) -> bool:
    """Whether a mapping step writes: every action does but `select`, which matches existing records,
    unless a similarity `threshold` makes it insert the rows it finds no match for."""
    action = step.scalar("action")
    return action is None or not action.is_("select") or step.first("select_options.threshold") is not None


# -- Kafka Connect ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Connector:
    connector_class: Scalar
    settings: Mapping  # the connector's properties: `salesforce.object`, `salesforce.sink.object.operation`...
    name: str

    def setting(self, key: str) -> Scalar | None:
        """A property by its full dotted name (`salesforce.use.custom.id.field`), however it is nested."""
        match = self.settings.first(key)
        return match.value if match is not None and isinstance(match.value, Scalar) else None


def connector(root: Node) -> Connector | None:
    """The Kafka Connect connector a document configures: a .properties file or a worker's flat JSON,
    the REST API's `{"name": ..., "config": {...}}`, or a Strimzi `KafkaConnector` (`spec.class`, `spec.config`)."""
    if not isinstance(root, Mapping):
        return None
    for class_pattern, settings_pattern in CONNECTOR_SHAPES:
        found = root.first(class_pattern)
        if found is None or not isinstance(found.value, Scalar):
            continue
        held = root.first(settings_pattern) if settings_pattern else None
        settings = held.value if held is not None else root
        if isinstance(settings, Mapping):
            return Connector(found.value, settings, _connector_name(root, settings))
    return None


def _connector_name(root: Mapping, settings: Mapping) -> str:
    """`name` at the top (REST API JSON), among the settings (.properties), or Strimzi's `metadata.name`."""
    for holder in (root, settings, root.get("metadata")):
        name = holder.scalar("name") if isinstance(holder, Mapping) else None
        if name is not None:
            return name.text
    return ""


# -- detection -------------------------------------------------------------------------------


def is_openapi(root: Node) -> bool:
    """An OpenAPI 2 or 3 document: its version and its `paths`."""
    if not isinstance(root, Mapping):
        return False
    version = root.scalar("openapi") or root.scalar("swagger")
    return version is not None and version.text.startswith(("2", "3")) and isinstance(root.get("paths"), Mapping)


def _is_cumulusci(root: Node) -> bool:
    return next(mapping_steps(root), None) is not None


def _is_kafka_connect(root: Node) -> bool:
    found = connector(root)
    return found is not None and SALESFORCE_WORD in found.connector_class.text.lower()


def _is_camel(root: Node) -> bool:
    return bool(endpoints(root))


def _is_tap(root: Node) -> bool:
    for match in root.select("plugins.*.*"):  # Meltano: plugins.extractors[] / plugins.loaders[]
        plugin = match.value
        if isinstance(plugin, Mapping) and any(
            SALESFORCE_WORD in value.text.lower() for key in ("name", "pip_url", "namespace", "variant") if (value := plugin.scalar(key)) is not None
        ):
            return True
    if not isinstance(root, Mapping):
        return False
    keys = {entry.key.text for entry in root.entries}
    return bool(keys & TAP_SETTINGS) and bool(keys & TAP_CREDENTIALS)


_DETECTORS: tuple[tuple[Dialect, Callable[[Node], bool]], ...] = (
    (OPENAPI, is_openapi),
    (CUMULUSCI, _is_cumulusci),
    (KAFKA_CONNECT, _is_kafka_connect),
    (CAMEL, _is_camel),
    (TAP, _is_tap),
)
