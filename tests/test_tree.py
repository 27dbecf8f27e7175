"""The last stage: the new tree is written as files arrive and replaces dist/ only when whole."""

from __future__ import annotations

import os

import pytest

from kgbuild import publish
from kgbuild.build import Config, build
from kgbuild.tree import LINK_MIN_BYTES, new_tree


def snapshot(folder):
    return {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_a_tree_replaces_dist_only_when_swapped_in(tmp_path):
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "old.txt").write_bytes(b"old")
    with new_tree(dist) as tree:
        tree.write([("a/b.txt", b"new")])
        assert snapshot(dist) == {dist.joinpath("old.txt").relative_to(dist): b"old"}
        tree.swap_in()
    assert snapshot(dist) == {dist.joinpath("a/b.txt").relative_to(dist): b"new"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]


def test_an_error_while_writing_leaves_dist_and_no_new_tree(tmp_path):
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "old.txt").write_bytes(b"old")

    def files():
        yield "a.txt", b"a"
        raise RuntimeError("emitter failed")

    with pytest.raises(RuntimeError, match="emitter failed"), new_tree(dist) as tree:
        tree.write(files())
        tree.swap_in()
    assert snapshot(dist) == {dist.joinpath("old.txt").relative_to(dist): b"old"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]


def test_the_same_large_bytes_twice_are_one_file(tmp_path):
    big, other = b"x" * LINK_MIN_BYTES, b"y" * LINK_MIN_BYTES
    with new_tree(tmp_path / "dist") as tree:
        tree.write([("1/big", big), ("2/big", big), ("3/big", other), ("4/small", b"s"),
                    ("5/small", b"s")])
        tree.swap_in()
    out = tmp_path / "dist"
    assert (out / "1/big").samefile(out / "2/big")
    assert not (out / "1/big").samefile(out / "3/big")
    assert (out / "3/big").read_bytes() == other
    assert not (out / "4/small").samefile(out / "5/small")


def test_a_file_is_written_whole_and_never_a_second_time(tmp_path):
    data = bytes(range(256)) * (3 * LINK_MIN_BYTES // 256 + 1)  # 3 MB: may need several writes
    with new_tree(tmp_path / "dist") as tree:
        tree.put("a/b.bin", data)
        with pytest.raises(FileExistsError):
            tree.put("a/b.bin", b"other")
        tree.swap_in()
    assert (tmp_path / "dist/a/b.bin").read_bytes() == data
    assert (tmp_path / "dist/a/b.bin").stat().st_mode & 0o777 == 0o666 & ~current_umask()


def test_a_build_that_fails_while_publishing_keeps_the_old_dist(project, monkeypatch):
    """Pages are written by the workers while later ones render: a failure half-way must
    leave no trace."""
    build(Config(root=project))
    before = snapshot(project / "dist")
    real = publish.render_site

    def failing(*args, **kwargs):
        *rest, put = args
        written = []

        def put_then_fail(name, data):  # runs in each worker that renders pages
            if len(written) == 100:
                raise RuntimeError("renderer failed")
            put(name, data)
            written.append(name)
        return real(*rest, put_then_fail, **kwargs)

    monkeypatch.setattr(publish, "render_site", failing)
    with pytest.raises(RuntimeError, match="renderer failed"):
        build(Config(root=project))
    assert snapshot(project / "dist") == before
    assert not [p for p in project.iterdir() if p.name.startswith("dist.")]


def test_a_rebuild_links_unchanged_files_and_never_writes_into_the_old_ones(project):
    """An unchanged file keeps its inode (no file created, none deleted); a changed one is a new
    file, and the old file's bytes stay as they were (a hard link elsewhere still reads them)."""
    build(Config(root=project))
    dist = project / "dist"
    doc, page = dist / "doc/regio/twente.nt", dist / "doc/regio/twente.html"
    doc_inode, old_page = doc.stat().st_ino, page.read_bytes()
    keep = project / "kept-page.html"
    os.link(page, keep)
    toml = project / "data/dataset.toml"
    toml.write_text(toml.read_text().replace('title_nl = "Register van de cultuurregio\'s"',
                                             'title_nl = "Cultuurregioregister"'))
    build(Config(root=project))
    assert doc.stat().st_ino == doc_inode  # the RDF does not hold the title: linked
    assert page.stat().st_ino != keep.stat().st_ino
    assert b"Cultuurregioregister" in page.read_bytes()
    assert keep.read_bytes() == old_page
