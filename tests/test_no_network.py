"""No network from queries, by construction: SPARQL written by others (endpoint queries, shapes'
sh:sparql constraints, *-violation.rq files) runs in processes that the kernel keeps off the
network (sandbox.no_network), however the SERVICE keyword is spelled or hidden.

A real TCP listener on 127.0.0.1 records every connection; it must receive none. A control test
shows it does receive one when the same query runs in an ordinary pyoxigraph store.
"""

from __future__ import annotations

import multiprocessing
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from servers import in_thread

from kgbuild.build import Config, build, start_check
from kgbuild.model.errors import InputError
from kgbuild.runtime.parallel import in_background
from kgbuild.runtime.sandbox import SandboxUnavailable, memory_limit, no_network
from kgbuild.serve.endpoint import MAX_QUERY_CHARS, Endpoint, Request, make_server
from kgbuild.validate.graph import Report


class Listener:
    """A TCP server on 127.0.0.1 that records who connects (and answers nothing)."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.hits: list = []
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, addr = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.hits.append(addr)
            conn.close()

    def settled_hits(self) -> list:
        time.sleep(0.05)  # a connection made just now is accepted before it is counted
        return list(self.hits)

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(5)
        self.sock.close()


@pytest.fixture(scope="module")
def listener():
    one = Listener()
    try:
        yield one
    finally:
        one.stop()


@pytest.fixture(scope="module")
def dump(graph, tmp_path_factory) -> Path:
    from kgbuild.emit.dumps import serialize
    from kgbuild.model.formats import BY_NAME

    path = tmp_path_factory.mktemp("nonet") / "cultuurregios.nt"
    path.write_bytes(serialize(graph.triples, BY_NAME["nt"], graph.release.base))
    return path


@pytest.fixture(scope="module")
def endpoint(dump):
    return Endpoint(dump, time_limit=10.0)


# -- the forms of SERVICE -------------------------------------------------------------------

KEYWORDS = ["SERVICE", "service", "Service", "sErViCe", "\\u0053ERVICE", "\\u0073ervice"]
GAPS = [" ", "\n", "\t", "#c\n", " # SERVICE <http://example.org/> in a comment\n", "  "]


def service_forms(port: int):
    """(prologue, the SERVICE pattern, silent) for queries that ask the listener."""
    url = f"http://127.0.0.1:{port}/"
    targets = st.sampled_from(
        [
            ("", f"<{url}sparql>"),
            ("", f"<{url}\\u0073parql>"),  # an escape inside the IRI
            (f"PREFIX ex: <{url}>\n", "ex:sparql"),
            (f"BASE <{url}>\n", "<sparql>"),
            (f"PREFIX : <{url}>\n", ":"),
            ("", f"<http://localhost:{port}/sparql>"),
        ]
    )
    return st.builds(
        lambda kw, gap1, silent, target, gap2: (
            target[0],
            f"{kw}{gap1}{'SILENT' + gap1 if silent else ''}{target[1]}{gap2}{{ ?s ?p ?o }}",
            silent,
        ),
        st.sampled_from(KEYWORDS),
        st.sampled_from(GAPS + [""]),
        st.booleans(),
        targets,
        st.sampled_from(GAPS + [""]),
    )


PLACES = [  # where in the group pattern the SERVICE stands
    "{service}",
    "VALUES ?z {{ 1 }} OPTIONAL {{ {service} }}",
    "{{ SELECT * WHERE {{ {service} }} }}",
    "{{ VALUES ?z {{ 1 }} }} UNION {{ {service} }}",
    'FILTER(?d != "SERVICE <http://example.org/>") BIND("x" AS ?d) {service}',
]


def endpoint_queries(port: int):
    """(query, whether it may be answered without the SERVICE: SILENT, or an ASK that another
    branch already makes true)."""
    return st.builds(
        lambda form, place, kind: (
            form[0] + kind.format(place.format(service=form[1])),
            form[2] or ("VALUES" in place and kind.startswith("ASK")),
        ),
        service_forms(port),
        st.sampled_from(PLACES),
        st.sampled_from(
            [
                "SELECT * WHERE {{ {} }} LIMIT 5",
                "ASK {{ {} }}",
                "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {} }} LIMIT 5",
            ]
        ),
    )


def ask(endpoint: Endpoint, query: str):
    return endpoint.handle(Request("GET", urllib.parse.urlencode({"query": query})))


# -- the control: the listener does hear an unsandboxed engine ------------------------------


@pytest.mark.servers
def test_control_an_ordinary_store_does_call_the_listener(listener):
    before = len(listener.hits)
    query = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{listener.port}/sparql> {{ ?s ?p ?o }} }}"
    with pytest.raises(OSError):
        list(pyoxigraph.Store().query(query))
    assert len(listener.settled_hits()) > before


# -- the sandbox itself ----------------------------------------------------------------------


def _in_child(task):
    """Run task() in a forked process; its return value (or its exception, as text)."""
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)

    def run():
        try:
            child.send(("ok", task()))
        except BaseException as e:  # noqa: BLE001 - reported to the test
            child.send(("error", f"{type(e).__name__}: {e}"))

    proc = ctx.Process(target=run)
    proc.start()
    try:
        assert parent.poll(30), "the child did not answer"
        return parent.recv()
    finally:
        proc.join(10)


def _probe() -> dict:
    no_network()
    out = {}
    for name, family in (("inet", socket.AF_INET), ("inet6", socket.AF_INET6)):
        try:
            socket.socket(family, socket.SOCK_STREAM).close()
            out[name] = "opened"
        except PermissionError:
            out[name] = "refused"
    a, b = socket.socketpair(socket.AF_UNIX)
    a.sendall(b"x")
    out["unix"] = b.recv(1).decode()
    r, w = os.pipe()
    os.write(w, b"y")
    out["pipe"] = os.read(r, 1).decode()
    no_network()  # a second filter only adds to the first
    seen = []
    t = threading.Thread(target=lambda: seen.append(_opens()))
    t.start()
    t.join()
    out["thread"] = seen[0]
    return out


def _opens() -> str:
    try:
        socket.socket().close()
        return "opened"
    except PermissionError:
        return "refused"


def test_no_network_refuses_inet_sockets_and_keeps_unix_sockets_and_pipes():
    status, out = _in_child(_probe)
    assert status == "ok", out
    assert out == {
        "inet": "refused",
        "inet6": "refused",
        "unix": "x",
        "pipe": "y",
        "thread": "refused",
    }
    assert _opens() == "opened"  # this process keeps its network


def _refused_twice() -> str:
    """Forbid seccomp() itself first (as a container's profile may), then ask for the sandbox."""
    import errno

    import pyseccomp as seccomp

    f = seccomp.SyscallFilter(seccomp.ALLOW)
    f.add_rule(seccomp.ERRNO(errno.EPERM), "seccomp")
    f.add_rule(
        seccomp.ERRNO(errno.EPERM), "prctl", seccomp.Arg(0, seccomp.EQ, 22)
    )  # PR_SET_SECCOMP
    f.load()
    try:
        no_network()
    except SandboxUnavailable as e:
        return f"unavailable: {e} / {_opens()}"
    return "sandboxed"


def test_a_kernel_that_refuses_the_filter_gives_a_clear_error_not_an_open_network():
    status, out = _in_child(_refused_twice)
    assert status == "ok", out
    assert out.startswith("unavailable: the kernel refuses") and out.endswith("opened")


def test_memory_limit_counts_on_top_of_what_is_mapped():
    def grab():
        memory_limit(64 * 2**20)
        small = bytearray(16 * 2**20)
        try:
            bytearray(256 * 2**20)
        except MemoryError:
            return len(small), "refused"
        return len(small), "allowed"

    assert _in_child(grab) == ("ok", (16 * 2**20, "refused"))


def test_sandboxed_background_work_forks_even_with_one_job():
    wait = in_background(lambda: (os.getpid(), _opens()), jobs=1, sandboxed=True)
    pid, opens = wait()
    assert pid != os.getpid() and opens == "refused"


# -- (a) the endpoint ------------------------------------------------------------------------


@pytest.mark.servers
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_endpoint_never_reaches_the_network(endpoint, listener, data):
    query, may_skip = data.draw(endpoint_queries(listener.port))
    before = len(listener.hits)
    start = time.monotonic()
    resp = ask(endpoint, query)
    assert time.monotonic() - start < 10
    assert len(listener.settled_hits()) == before, query
    assert resp.status in (200, 400), (query, resp.body)
    if resp.status == 200:
        assert may_skip, query
    else:
        assert (
            b"federated queries (SERVICE) are not allowed" in resp.body
            or b"does not parse" in resp.body
        ), resp.body


@pytest.mark.servers
def test_endpoint_over_http_refuses_service_with_a_clear_400(dump, listener):
    server = make_server(Endpoint(dump), "127.0.0.1", 0)
    query = (
        f"PREFIX ex: <http://127.0.0.1:{listener.port}/>\n"
        "SELECT * WHERE { sErViCe#c\nex:x { ?s ?p ?o } }"
    )
    before = len(listener.hits)
    with in_thread(server) as base:
        url = base + "/sparql?" + urllib.parse.urlencode({"query": query})
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(url, timeout=30)
        assert e.value.code == 400
        assert b"federated queries (SERVICE) are not allowed" in e.value.read()
        with urllib.request.urlopen(
            base + "/sparql?" + urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"}), timeout=30
        ) as r:
            assert r.status == 200
    assert len(listener.settled_hits()) == before


# -- (b), (c) the build's validation ---------------------------------------------------------


def turtle_string(text: str) -> str:
    return '"""' + text.replace("\\", "\\\\").replace('"', '\\"') + '"""'


def shape_with(prologue: str, service: str) -> str:
    select = prologue + "SELECT $this WHERE { $this a ?t . " + service + " }"
    return (
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "@prefix cr: <https://w3id.org/cultuurregio/def/cultuurregio#> .\n"
        "<urn:x:NetShape> a sh:NodeShape ; sh:targetClass cr:Cultuurregio ;\n"
        '  sh:sparql [ a sh:SPARQLConstraint ; sh:message "reached" ;\n'
        f"    sh:select {turtle_string(select)} ] .\n"
    )


def violation_query_with(prologue: str, service: str) -> str:
    return (
        prologue + "SELECT ?focus ?message WHERE { BIND(<urn:x:a> AS ?focus) "
        'BIND("reached" AS ?message) ' + service + " }\n"
    )


def validate_with(graph, root: Path, files: dict[str, str]):
    """Validation of the bundled graph with only these shapes files, as the build runs it."""
    shapes = root / "shapes"
    shapes.mkdir(parents=True, exist_ok=True)
    for old in shapes.iterdir():
        old.unlink()
    for name, text in files.items():
        (shapes / name).write_text(text, encoding="utf-8")
    try:
        return start_check(graph, Config(root=root, jobs=1))()
    except InputError as e:
        return e


@pytest.mark.servers
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_violation_queries_never_reach_the_network(graph, tmp_path, listener, data):
    prologue, service, silent = data.draw(service_forms(listener.port))
    before = len(listener.hits)
    start = time.monotonic()
    out = validate_with(
        graph, tmp_path, {"net-violation.rq": violation_query_with(prologue, service)}
    )
    assert time.monotonic() - start < 60
    assert len(listener.settled_hits()) == before, service
    if isinstance(out, Report):
        assert silent, service
    else:
        assert len(out.problems) == 1, out.lines()
        line = out.lines()[0]
        assert line.startswith("shapes/net-violation.rq:")
        assert "federated queries (SERVICE) are not allowed" in line or "invalid SPARQL" in line


@pytest.mark.servers
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_shape_constraints_never_reach_the_network(graph, tmp_path, listener, data):
    prologue, service, _ = data.draw(service_forms(listener.port))
    before = len(listener.hits)
    start = time.monotonic()
    out = validate_with(graph, tmp_path, {"net-shapes.ttl": shape_with(prologue, service)})
    assert time.monotonic() - start < 60
    assert len(listener.settled_hits()) == before, service
    if isinstance(out, InputError):
        assert out.lines()[0].startswith("shapes"), out.lines()


@pytest.mark.servers
def test_a_build_with_service_in_shapes_fails_clearly_and_calls_no_one(project, listener):
    url = f"http://127.0.0.1:{listener.port}/"
    (project / "shapes" / "net-violation.rq").write_text(
        violation_query_with(f"PREFIX ex: <{url}>\n", "SERVICE#hidden\nex:sparql { ?s ?p ?o }")
    )
    before = len(listener.hits)
    with pytest.raises(InputError) as e:
        build(Config(root=project))
    assert len(listener.settled_hits()) == before
    assert e.value.lines() == [
        (
            "shapes/net-violation.rq:1: violation query failed: federated queries (SERVICE) are not "
            "allowed: validation runs without network access (Permission denied (os error 13))"
        )
    ]
    assert not (project / "dist").exists()


# -- memory, length and the time limit -------------------------------------------------------

HUNGRY = (
    "SELECT (GROUP_CONCAT(CONCAT(STR(?a), STR(?b), STR(?c)); separator=',') AS ?x) "
    "WHERE { ?a ?p ?b . ?c ?q ?d }"
)


def test_a_memory_hungry_query_is_stopped_and_the_endpoint_goes_on(dump):
    small = Endpoint(dump, max_memory=300 * 2**20)
    resp = ask(small, HUNGRY)
    assert resp.status == 503 and b"memory" in resp.body and b"300 MiB" in resp.body
    resp = ask(small, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert resp.status == 200 and b'"n"' in resp.body


def test_an_overlong_query_is_refused_at_once(endpoint):
    query = "SELECT * WHERE { ?s ?p ?o } #" + "x" * (200_000 - 29)
    assert len(query) == 200_000 > MAX_QUERY_CHARS
    start = time.monotonic()
    resp = ask(endpoint, query)
    assert resp.status == 413 and resp.body.count(b"\n") == 1
    assert time.monotonic() - start < 1


def test_a_text_that_stalls_the_token_scan_stays_within_the_time_limit(dump):
    """Quotes each followed by a backslash cost the token scan quadratic time (minutes at this
    length); it now runs in the query's child, which is stopped at the time limit."""
    query = "'\\" * (MAX_QUERY_CHARS // 2 - 1)
    start = time.monotonic()
    resp = ask(Endpoint(dump, time_limit=1.0), query)
    assert time.monotonic() - start < 5
    assert resp.status == 503 and b"time limit" in resp.body


@pytest.mark.servers
def test_the_command_line_build_runs_canned_queries_without_network(project, listener):
    """`kgbuild build` (the console command) takes the network away from its own process, so
    a canned query in queries/ with SERVICE fails at its file and calls no one."""
    url = f"http://127.0.0.1:{listener.port}/sparql"
    (project / "queries" / "net.rq").write_text(
        f"#+ summary: asks another host\nSELECT ?s WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }} "
        "ORDER BY ?s\n"
    )
    before = len(listener.hits)
    console = "import sys; from kgbuild.cli import run; sys.argv[0] = 'kgbuild'; run()"
    run = subprocess.run(
        [sys.executable, "-c", console, "build", "--root", str(project), "-q"],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert len(listener.settled_hits()) == before
    assert run.returncode == 2, run.stderr
    assert run.stderr.startswith("error: queries/net.rq:1: query failed: Permission denied")
    assert not (project / "dist").exists()


@pytest.mark.servers
def test_control_the_same_canned_query_in_an_unsandboxed_process_calls_the_listener(
    project, listener, graph
):
    from kgbuild.queries import read_queries
    from kgbuild.queries.run import run_embedded

    url = f"http://127.0.0.1:{listener.port}/sparql"
    (project / "queries" / "net.rq").write_text(
        f"#+ summary: asks another host\nSELECT ?s WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }} "
        "ORDER BY ?s\n"
    )
    spec = next(s for s in read_queries(project / "queries", project) if s.name == "net")
    before = len(listener.hits)
    with pytest.raises(InputError):
        run_embedded(graph.store, spec, {})
    assert len(listener.settled_hits()) > before
