"""model/memstore.py: a store holds exactly the triples it was given."""

from hypothesis import given, settings
from hypothesis import strategies as st
from pyoxigraph import BlankNode, Literal, NamedNode, Quad, Store, Triple

from kgbuild.model import memstore
from kgbuild.model.memstore import add, quads, store_of

iri = st.sampled_from(
    ["http://x/a", "http://x/a/b", "https://x/é?q=1#f", "urn:x:1", "http://x/%3E"]
).map(NamedNode)
blank = st.sampled_from(["a", "b1", "x-y.z", "Ä0"]).map(BlankNode)
text = st.text(st.sampled_from('a> <"\\\n\r\t\0\x01é😀\u2028^@'), max_size=5)
literal = st.one_of(
    text.map(Literal),
    st.builds(Literal, text, language=st.sampled_from(["nl", "en-gb", "x-Priv"])),
    st.builds(Literal, text, datatype=iri),
)
triple = st.builds(Triple, st.one_of(iri, blank), iri, st.one_of(iri, blank, literal))


def held(store: Store) -> set[Triple]:
    out = set()
    for q in store:
        assert q.graph_name == Quad(q.subject, q.predicate, q.object).graph_name  # default graph
        out.add(Triple(q.subject, q.predicate, q.object))
    return out


@settings(max_examples=300, deadline=None)
@given(st.lists(triple, max_size=20), st.integers(1, 4))
def test_a_store_holds_exactly_its_triples(triples, chunk):
    """Blank nodes keep their labels, literals their forms, in whatever batches they come."""
    before = memstore.CHUNK
    memstore.CHUNK = chunk
    try:
        store = store_of(triples)
    finally:
        memstore.CHUNK = before
    assert held(store) == set(triples)
    assert len(store) == len(set(triples))
    direct = Store()
    direct.bulk_extend(quads(triples))
    assert set(direct) == set(store)


def test_added_triples_join_those_there():
    a, b = NamedNode("http://x/a"), BlankNode("b")
    store = store_of([Triple(a, a, b)])
    add(store, iter([Triple(b, a, Literal("1")), Triple(a, a, b)]))
    add(store, [])
    assert held(store) == {Triple(a, a, b), Triple(b, a, Literal("1"))}
