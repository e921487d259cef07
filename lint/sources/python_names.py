"""The dotted names of the objects Python rules care about: clients, their public aliases, and unbounded data
sources, with the callables that build each. Plain data, so code that reads text without parsing it (the
pre-filter's view of project modules, lint.local_modules) can use it without importing libcst."""

SALESFORCE = "simple_salesforce.Salesforce"
SFTYPE = "simple_salesforce.SFType"
BULK_HANDLER = "simple_salesforce.bulk.SFBulkHandler"
BULK_TYPE = "simple_salesforce.bulk.SFBulkType"
BULK2_HANDLER = "simple_salesforce.bulk2.SFBulk2Handler"
BULK2_TYPE = "simple_salesforce.bulk2.SFBulk2Type"
REQUESTS_SESSION = "requests.Session"
HTTPX_CLIENT = "httpx.Client"
HTTPX_ASYNC_CLIENT = "httpx.AsyncClient"
AIOHTTP_SESSION = "aiohttp.ClientSession"
URLLIB3_POOL = "urllib3.PoolManager"
HTTP_CONNECTIONS = ("http.client.HTTPConnection", "http.client.HTTPSConnection")
SALESFORCE_BULK = "salesforce_bulk.SalesforceBulk"

# Public re-exports and internal module paths that mean the same object.
CANONICAL_NAMES = {
    "simple_salesforce.api.Salesforce": SALESFORCE,
    "simple_salesforce.api.SFType": SFTYPE,
    "requests.sessions.Session": REQUESTS_SESSION,
    "requests.session": REQUESTS_SESSION,
    "requests.sessions.session": REQUESTS_SESSION,
    # OAuth sessions are requests sessions that add the token (the Salesforce one also the instance URL and version).
    "requests_oauthlib.OAuth2Session": REQUESTS_SESSION,
    "requests_oauthlib.oauth2_session.OAuth2Session": REQUESTS_SESSION,
    "salesforce_requests_oauthlib.SalesforceOAuth2Session": REQUESTS_SESSION,
    "httpx._client.Client": HTTPX_CLIENT,
    "httpx._client.AsyncClient": HTTPX_ASYNC_CLIENT,
    "salesforce_bulk.salesforce_bulk.SalesforceBulk": SALESFORCE_BULK,
}

# Data sources that can hold any number of records (what IL205 calls unbounded).
QUERY_RESULT = "simple_salesforce.QueryResult"  # the dict of sf.query/query_all: records, done, nextRecordsUrl
RECORDS = "simple_salesforce.Records"  # records of a query: a list or an iterator
CSV_ROWS = "csv.rows"
DATAFRAME = "pandas.DataFrame"
DATAFRAME_ROWS = "pandas.rows"
JSON_DOCUMENT = "json.document"
FILE = "io.file"
UNBOUNDED_SOURCES = frozenset({QUERY_RESULT, RECORDS, CSV_ROWS, DATAFRAME, DATAFRAME_ROWS, JSON_DOCUMENT, FILE})

# Callables whose result is an object rules care about: qualified name -> object type.
CONSTRUCTORS = {
    SALESFORCE: SALESFORCE,
    SFTYPE: SFTYPE,
    REQUESTS_SESSION: REQUESTS_SESSION,
    HTTPX_CLIENT: HTTPX_CLIENT,
    HTTPX_ASYNC_CLIENT: HTTPX_ASYNC_CLIENT,
    AIOHTTP_SESSION: AIOHTTP_SESSION,
    URLLIB3_POOL: URLLIB3_POOL,
    **{connection: connection for connection in HTTP_CONNECTIONS},
    SALESFORCE_BULK: SALESFORCE_BULK,
    "csv.reader": CSV_ROWS,
    "csv.DictReader": CSV_ROWS,
    "json.load": JSON_DOCUMENT,
    "json.loads": JSON_DOCUMENT,
    **{f"pandas.{reader}": DATAFRAME for reader in ("read_csv", "read_sql", "read_sql_query", "read_excel", "read_json", "read_parquet", "DataFrame")},
}
