"""What a credential looks like: the names that carry one, and a real secret told from a placeholder.

Shared by every source kind: a Python keyword argument, a dict entry and a config
key are judged by the same names and the same idea of a placeholder (`changeme`,
`<client-secret>`, `${SF_PASSWORD}`, `{{ token }}`, the name of an environment
variable or of a config key). Only the text is read here; where a value comes
from (an environment lookup, a secret manager) is each source's business.
"""

from __future__ import annotations

import re

# Arguments and keys that hold a credential (simple_salesforce's, OAuth's, and their config spellings).
SECRET_NAMES = frozenset({"password", "security_token", "consumer_secret", "client_secret", "privatekey", "session_id", "refresh_token"})
# The same names as config keys spell them, in words (config_settings.words: `clientSecret`, `SF_PASSWORD` and
# `salesforce.consumer.secret` end with them), with Kafka Connect's `salesforce.password.token` (the security
# token) and OAuth's `access_token` (a session id by another name).
SECRET_KEY_NAMES = (
    ("password",), ("password", "token"), ("security", "token"), ("consumer", "secret"), ("client", "secret"),
    ("privatekey",), ("private", "key"), ("session", "id"), ("refresh", "token"), ("access", "token"),
)  # fmt: skip
# A file that holds the secret (`/run/secrets/sf`, `./server.key`), not the secret itself.
FILE_PATH = re.compile(r"(?i)^(/|\.{1,2}/|~/|[a-z]:\\|file:)|\.(key|pem|jks|p12|pfx|crt|cer|der)$")
MIN_SECRET_LENGTH = 6
PLACEHOLDER = re.compile(
    r"""(?ix)
    ^(<.*>|\$\{.*\}|\{\{.*\}\}|\{[^{}]*\}|%\(\w+\)s|\$\w+|\*+|x+|\.+|-+)$  # <...>, ${...}, {{...}}, {name}, $VAR, ***, xxx
    | change[-_]?me | replace[-_]?me | x{3} | your[-_ ]?\w | placeholder | dummy | example | sample | redacted | fake
    | ^(secret|password|passwd|token|test|testing|none|null|undefined|todo|tbd|default|admin|pass|empty|unset)\d*$
    """
)
ENV_NAME = re.compile(r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$")  # SF_PASSWORD: the name of a variable, not its value
CONFIG_KEY = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")  # salesforce.password: a key in some config
# A version or version range (`^4.0.15`, `~7.9.0`, `>=2.1`): a package named like a secret (`"@inquirer/password": "^4.0.15"`).
VERSION = re.compile(r"^[v^~<>=]*\d+(\.(\d+|x|\*))+([-+][\w.-]+)?$")
PEM_HEADER = "-----BEGIN"
# Lower case, upper case, digits, symbols: the kinds of characters a generated secret mixes.
CHARACTER_KINDS = (str.islower, str.isupper, str.isdigit, lambda char: not char.isalnum())
LABEL = re.compile(r"^[A-Z][a-z]+$")
WORDS = re.compile(r"^[a-z]+([-_.][a-z]+)+$")
BEARER = re.compile(r"^Bearer\s+(?P<token>\S+)$", re.IGNORECASE)


def looks_like_secret(text: str, name: str) -> bool:
    """Whether a literal given to `name` is a real credential rather than a placeholder, a label or a reference."""
    value = text.strip()
    if is_private_key(value):
        return True
    if len(value) < MIN_SECRET_LENGTH or any(char.isspace() for char in value) or len(set(value)) == 1:
        return False
    bare = re.sub(r"[^a-z0-9]", "", value.lower())
    if bare == re.sub(r"[^a-z0-9]", "", name.lower()):
        return False  # {"password": "password"}: a field name
    if sum(any(map(kind, value)) for kind in CHARACTER_KINDS) < 2 or LABEL.match(value) or WORDS.match(value):
        return False  # "required", "Hidden", "api_key", "do-not-print": words, a label or a name, not a secret
    return not (PLACEHOLDER.search(value) or ENV_NAME.match(value) or CONFIG_KEY.match(value) or VERSION.match(value))


def is_file_path(text: str) -> bool:
    return FILE_PATH.search(text.strip()) is not None


def is_private_key(text: str) -> bool:
    """A PEM block (`-----BEGIN PRIVATE KEY-----...`)."""
    return text.lstrip().startswith(PEM_HEADER)


def bearer_token(header: str) -> str | None:
    """The token of an `Authorization: Bearer <token>` header value, if it carries a real-looking one."""
    match = BEARER.match(header)
    return match["token"] if match and looks_like_secret(match["token"], "token") else None
