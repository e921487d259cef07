"""Clients built in one project module and used in another: found where the imports name them, read one level deep."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

import lint.workers
from lint.engine import RunOptions, run
from lint.local_modules import LocalModules, may_be_client
from lint.prefilter import from_imports, passed_names
from lint.rules import load_registry
from tests.conftest import settings_for

CLIENTS = """\
    import requests
    from simple_salesforce import Salesforce

    sf = Salesforce(instance_url=INSTANCE_URL, session_id=SESSION_ID)


    def connect() -> Salesforce:
        return Salesforce(instance_url=INSTANCE_URL, session_id=SESSION_ID)


    class OrgSession(requests.Session):
        def login(self, body):
            return self.post(TOKEN_URL, data=body, timeout=10)


    class TimeoutSession(requests.Session):
        def request(self, method, url, **kwargs):
            kwargs.setdefault("timeout", 30)
            return super().request(method, url, **kwargs)


    class ApiSession(requests.Session):
        def get(self, path, **kwargs):
            return super().get(BASE_URL + path, timeout=10, **kwargs)
    """
JOBS = """\
    from ..clients import ApiSession, OrgSession, TimeoutSession, connect, sf


    def push(rows):
        for row in rows:
            sf.Contact.create(row)


    def pull(emails):
        client = connect()
        for email in emails:
            client.query(f"SELECT Id FROM Contact WHERE Email = '{email}'")


    def ping(url):
        OrgSession().get(url)
        TimeoutSession().get(url)
        ApiSession().get("/limits")
    """
SCRIPT = """\
    from app.clients import sf

    for row in load_rows():
        sf.Contact.update(row["Id"], row)
    """


def write(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


@pytest.fixture
def project(tmp_path: Path) -> Path:
    files = {"app/__init__.py": "", "app/clients.py": CLIENTS, "app/jobs/__init__.py": "", "app/jobs/sync.py": JOBS, "scripts/backfill.py": SCRIPT}
    return write(tmp_path / "project", files)


def check(root: Path, **options) -> list[tuple[str, str, int]]:
    result = run([root], settings_for(root), load_registry(), options=RunOptions(**options))
    return [(finding.path, finding.code, finding.span.start_line) for finding in result.findings]


EXPECTED = [
    ("app/jobs/sync.py", "IL101", 6),  # the module's client
    ("app/jobs/sync.py", "IL201", 6),
    ("app/jobs/sync.py", "IL202", 12),  # the factory's client
    ("app/jobs/sync.py", "IL508", 12),
    ("app/jobs/sync.py", "IL401", 16),  # a subclass, through the method it inherits; not the one sending with a default
    ("scripts/backfill.py", "IL201", 4),  # an absolute import, from a directory above the package
    ("scripts/backfill.py", "IL402", 4),
]


def test_clients_from_the_projects_own_modules_are_known_where_they_are_used(project):
    assert check(project) == EXPECTED


def test_the_same_findings_without_the_prefilter_with_workers_and_from_the_cache(project, tmp_path):
    assert check(project, prefilter=False) == EXPECTED
    assert check(project, jobs=2) == EXPECTED
    cache = tmp_path / "cache"
    assert check(project, cache_dir=cache) == EXPECTED
    assert check(project, cache_dir=cache) == EXPECTED


def test_a_cached_outcome_holds_only_while_the_modules_it_imports_from_are_unchanged(project, tmp_path, monkeypatch):
    linted: list[str] = []
    real = lint.workers.lint_source
    monkeypatch.setattr(lint.workers, "lint_source", lambda relative, *args: linted.append(relative) or real(relative, *args))
    cache = tmp_path / "cache"
    assert check(project, cache_dir=cache) == EXPECTED
    linted.clear()
    assert check(project, cache_dir=cache) == EXPECTED
    assert linted == []
    clients = project / "app/clients.py"
    clients.write_text(clients.read_text().replace("sf = Salesforce(", "sf = make_client(") + "\n")
    assert check(project, cache_dir=cache) == [finding for finding in EXPECTED if finding[1] not in ("IL101", "IL201", "IL402")]  # `sf`'s
    assert linted == ["app/clients.py", "app/jobs/sync.py", "scripts/backfill.py"]  # the module and the files importing from it
    clients.write_text(textwrap.dedent(CLIENTS) + "\n\n")
    assert check(project, cache_dir=cache) == EXPECTED


WHOLE = {
    "app/jobs/relative.py": """\
        from .. import clients


        def push(rows):
            for row in rows:
                clients.sf.Contact.create(row)
        """,
    "app/jobs/absolute.py": """\
        from app import clients


        def pull(ids):
            client = clients.connect()
            for record_id in ids:
                client.Account.get(record_id)
        """,
    "scripts/dotted.py": """\
        import app.clients

        app.clients.OrgSession().get(STATUS_URL)
        app.clients.TimeoutSession().get(STATUS_URL)
        """,
    "scripts/aliased.py": """\
        import app.clients as crm
        import requests

        for row in load_rows():
            crm.sf.Lead.update(row["Id"], row)
        requests.get(STATUS_URL, timeout=5)
        """,
}


def test_a_module_imported_whole_gives_its_clients_through_its_name(tmp_path):
    files = {"app/__init__.py": "", "app/clients.py": CLIENTS, "app/jobs/__init__.py": "", **WHOLE}
    expected = [
        ("app/jobs/absolute.py", "IL202", 7),  # `from app import clients`: the factory's client
        ("app/jobs/relative.py", "IL101", 6),  # `from .. import clients`: the module's client
        ("app/jobs/relative.py", "IL201", 6),
        ("scripts/aliased.py", "IL201", 5),  # `import app.clients as crm`
        ("scripts/aliased.py", "IL402", 5),
        ("scripts/dotted.py", "IL401", 3),  # `import app.clients`: a subclass, not the one sending with a default timeout
    ]
    root = write(tmp_path / "project", files)
    assert check(root) == expected
    assert check(root, prefilter=False) == expected


def test_a_module_imported_whole_counts_for_the_prefilter_and_the_cache(tmp_path, monkeypatch):
    files = {"app/__init__.py": "", "app/clients.py": CLIENTS, "app/jobs/__init__.py": "", "app/jobs/relative.py": WHOLE["app/jobs/relative.py"]}
    root = write(tmp_path / "project", files)
    linted: list[str] = []
    real = lint.workers.lint_source
    monkeypatch.setattr(lint.workers, "lint_source", lambda relative, *args: linted.append(relative) or real(relative, *args))
    cache = tmp_path / "cache"
    assert check(root, cache_dir=cache) == [("app/jobs/relative.py", "IL101", 6), ("app/jobs/relative.py", "IL201", 6)]
    clients = root / "app/clients.py"
    clients.write_text(clients.read_text().replace("sf = Salesforce(", "sf = make_client("))
    linted.clear()
    assert check(root, cache_dir=cache) == []
    assert linted == ["app/clients.py", "app/jobs/relative.py"]


HOLDER = """\
    import requests
    from simple_salesforce import Salesforce


    class OrgHandler:
        def __init__(self):
            self.connection = Salesforce(instance_url=INSTANCE_URL, session_id=SESSION_ID)
            self.http = requests.Session()

        def query(self, soql):
            return self.connection.query_all(soql)


    class Settings:
        def __init__(self):
            self.timeout = 30


    handler = OrgHandler()
    """
TOOLS = """\
    from . import crm
    from .crm import OrgHandler, Settings, handler


    def create_folders(sf_client: crm.OrgHandler, rows):
        for row in rows:
            sf_client.connection.Folder__c.create(row)


    async def ping(url):
        handler.http.get(url)


    def search(terms):
        client = OrgHandler()
        for term in terms:
            client.query(term)
            client.connection.query(f"SELECT Id FROM Account WHERE Name = '{term}'")


    def configure(url):
        Settings().http.get(url)
    """


def test_instances_of_another_modules_class_hold_the_clients_it_keeps_on_self(tmp_path):
    root = write(tmp_path / "project", {"app/__init__.py": "", "app/crm.py": HOLDER, "app/tools.py": TOOLS})
    expected = [
        ("app/tools.py", "IL101", 7),  # a parameter annotated with the class (`crm.OrgHandler`)
        ("app/tools.py", "IL201", 7),
        ("app/tools.py", "IL304", 11),  # the module's instance
        ("app/tools.py", "IL401", 11),
        ("app/tools.py", "IL202", 18),  # a new instance; `client.query` is the class's own method, and Settings holds no client
        ("app/tools.py", "IL508", 18),
    ]
    assert check(root) == expected
    assert check(root, prefilter=False) == expected


def test_only_names_defined_as_clients_are_typed(tmp_path):
    files = {
        "clients.py": "import requests\nfrom cache import Cache\n\nsession = requests.Session()\n\nclass Pager:\n    def get(self, url):\n        return []\n",
        "cache.py": "class Cache:\n    def get(self, key):\n        return None\n",
        "job.py": "from clients import Cache, Pager, session\n\ndef run(url):\n    Pager().get(url)\n    Cache().get(url)\n    session.get(url)\n",
    }
    assert check(write(tmp_path / "project", files)) == [("job.py", "IL401", 6)]


def test_the_prefilter_reads_a_file_for_what_the_modules_it_imports_from_may_give_it(tmp_path):
    files = {
        "clients.py": "import requests\n\nsession = requests.Session()\n\nclass Pager:\n    pass\n",
        "uses_session.py": "from clients import session\n\nsession.get(URL)\n",
        "uses_pager.py": "from clients import Pager\n\nPager().get(URL)\n",  # nothing here can be a client
    }
    root = write(tmp_path / "project", files)
    result = run([root], settings_for(root), load_registry())
    assert result.files_scanned == 2
    assert [(finding.path, finding.code) for finding in result.findings] == [("uses_session.py", "IL401")]


def test_a_module_that_cannot_be_read_or_parsed_exports_nothing(project):
    (project / "app/clients.py").write_bytes(b"import requests\nsf = Salesforce(\n\xff\xfe")
    assert [finding for finding in check(project) if finding[1] != "IL001"] == []
    (project / "app/clients.py").write_text("from .jobs.sync import push\nimport requests\nsf = requests.Session()\n")  # a cycle
    assert check(project) == []
    (project / "app/clients.py").write_text("import requests\nsf = requests.Session(" + "(" * 5000 + ")" * 5000 + ")\n")  # too deep
    assert [finding for finding in check(project) if finding[0] != "app/clients.py"] == []
    (project / "app/clients.py").unlink()
    os.symlink("clients.py", project / "app/clients.py")  # a link to itself
    assert check(project) == []


def test_modules_are_found_where_python_would_import_them_from_inside_the_project(tmp_path):
    root = write(tmp_path / "project", {"src/app/__init__.py": "", "src/app/db.py": "", "src/app/api/client.py": "", "src/app/api/jobs.py": ""})
    outside = write(tmp_path / "elsewhere", {"secrets.py": "TOKEN = 'x'\n"})
    os.symlink(outside / "secrets.py", root / "src/app/linked.py")
    modules = LocalModules(root)
    api = str(root / "src/app/api")
    assert modules.find(api, 1, "client") == str(root / "src/app/api/client.py")
    assert modules.find(api, 2, "db") == str(root / "src/app/db.py")
    assert modules.find(api, 0, "app.db") == str(root / "src/app/db.py")  # from the `src/` directory above
    assert modules.find(api, 0, "app") == str(root / "src/app/__init__.py")
    assert modules.find(api, 1, "") is None  # `from . import client` reads the package's `__init__.py`: here, none
    assert modules.find(api, 2, "") == str(root / "src/app/__init__.py")
    assert modules.find(api, 0, "requests") is None  # installed libraries are not read
    assert modules.find(api, 2, "linked") is None  # a link out of the project
    assert modules.find(api, 5, "db") is None  # above the project root
    jobs = b"from .client import sf\nfrom ..db import engine\nfrom app.api import client\nimport requests, app.db\nfrom .. import api\n"
    # `app.api` is a namespace package here (a folder without `__init__.py`); its module `client` is imported whole.
    found = [(module.relative, module.names) for module in modules.imported_by("src/app/api/jobs.py", jobs)]
    assert found == [("src/app/api/client.py", None), ("src/app/db.py", None), ("src/app/__init__.py", ("api",))]


def test_from_imports_are_read_from_the_bytes_relative_ones_included():
    data = b"from ..a.b import c, d as e\nfrom . import x\nfrom .import y\nfrom m import *\nimport os\nfrom q import (\n    r)\n"
    assert from_imports(data) == [(2, "a.b", ("c", "d")), (1, "", ("x",)), (1, "", ("y",)), (0, "m", None), (0, "q", None)]
    assert passed_names(data) == {"c": (2, "a.b", "c"), "e": (2, "a.b", "d"), "x": (1, "", "x"), "y": (1, "", "y")}


def test_a_plain_class_may_give_a_client_only_where_its_module_keeps_clients_on_self():
    holder = textwrap.dedent(HOLDER).encode()
    assert may_be_client(holder, "OrgHandler") and may_be_client(holder, "Settings")  # the text cannot tell which class holds it
    kept_elsewhere = b"import requests\n\nsession = requests.Session()\n\nclass Pager:\n    def get(self, url):\n        return []\n"
    assert not may_be_client(kept_elsewhere, "Pager")
    annotated = b"import requests\n\nclass Api:\n    def __init__(self, http):\n        self.http: requests.Session = http\n"
    assert may_be_client(annotated, "Api")


def test_a_name_a_package_passes_on_from_its_module_is_read_one_level_further(tmp_path, monkeypatch):
    files = {
        "app/__init__.py": "",
        "app/crm/__init__.py": "from .clients import sf as salesforce, connect\nfrom .util import slugify\n",
        "app/crm/clients.py": CLIENTS,
        "app/crm/util.py": "def slugify(text):\n    return text.lower()\n",
        "app/jobs.py": """\
            from app.crm import connect, salesforce, slugify
            from . import crm


            def push(rows):
                for row in rows:
                    salesforce.Contact.create(row)
                    crm.connect().Account.update(row["Id"], {"Name": slugify(row["Name"])})
            """,
    }
    root = write(tmp_path / "project", files)
    expected = [("app/jobs.py", "IL101", 7), ("app/jobs.py", "IL201", 7), ("app/jobs.py", "IL201", 8)]
    assert check(root) == expected
    assert check(root, prefilter=False) == expected
    linted: list[str] = []
    real = lint.workers.lint_source
    monkeypatch.setattr(lint.workers, "lint_source", lambda relative, *args: linted.append(relative) or real(relative, *args))
    cache = tmp_path / "cache"
    assert check(root, cache_dir=cache) == expected
    clients = root / "app/crm/clients.py"
    clients.write_text(clients.read_text().replace("sf = Salesforce(", "sf = make_client("))
    linted.clear()
    assert check(root, cache_dir=cache) == [("app/jobs.py", "IL201", 8)]  # a module two levels down changed: the job is linted again
    assert linted == ["app/crm/__init__.py", "app/crm/clients.py", "app/jobs.py"]  # and the package, which imports from it


SHAPED = """\
    import requests
    from requests.adapters import HTTPAdapter
    from simple_salesforce import Salesforce
    from urllib3.util.retry import Retry


    class TimeoutAdapter(HTTPAdapter):
        def send(self, request, **kwargs):
            kwargs.setdefault("timeout", 30)
            return super().send(request, **kwargs)


    http = requests.Session()
    http.mount("https://", TimeoutAdapter(max_retries=Retry(total=5, backoff_factor=2)))
    sf = Salesforce(instance_url=INSTANCE_URL, session_id=SESSION_ID, session=http)
    plain = requests.Session()


    class Erp:
        def __init__(self):
            self.http = requests.Session()
            self.http.mount("https://", TimeoutAdapter())
    """


def test_a_client_its_module_shapes_keeps_its_timeout_and_retries_where_it_is_imported(tmp_path):
    files = {
        "app/__init__.py": "",
        "app/clients.py": SHAPED,
        "app/job.py": """\
            from .clients import Erp, http, plain, sf


            def push(order):
                http.get(f"{ERP_URL}/orders/{order['id']}")
                Erp().http.get(f"{ERP_URL}/orders/{order['id']}")
                sf.restful(f"sobjects/Order__c/Ext__c/{order['id']}", method="PATCH", json=order)
                plain.get(f"{ERP_URL}/status")
            """,
    }
    assert check(write(tmp_path / "project", files)) == [("app/job.py", "IL401", 8)]  # only the session built plainly
