"""The last stage: the new tree is written as files arrive and replaces dist/ only when whole."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from kgbuild.build import Config, build
from kgbuild.emit import site as publish
from kgbuild.emit import tree
from kgbuild.emit.tree import LINK_MIN_BYTES, exchange, locked, new_tree, recover
from kgbuild.model.errors import EnvironmentProblem


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
    with new_tree(dist) as new:
        new.write([("a/b.txt", b"new")])
        assert snapshot(dist) == {dist.joinpath("old.txt").relative_to(dist): b"old"}
        new.swap_in()
    assert snapshot(dist) == {dist.joinpath("a/b.txt").relative_to(dist): b"new"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]


def test_an_error_while_writing_leaves_dist_and_no_new_tree(tmp_path):
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "old.txt").write_bytes(b"old")

    def files():
        yield "a.txt", b"a"
        raise RuntimeError("emitter failed")

    with pytest.raises(RuntimeError, match="emitter failed"), new_tree(dist) as new:
        new.write(files())
        new.swap_in()
    assert snapshot(dist) == {dist.joinpath("old.txt").relative_to(dist): b"old"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]


def test_the_same_large_bytes_twice_are_one_file(tmp_path):
    big, other = b"x" * LINK_MIN_BYTES, b"y" * LINK_MIN_BYTES
    with new_tree(tmp_path / "dist") as new:
        new.write(
            [("1/big", big), ("2/big", big), ("3/big", other), ("4/small", b"s"), ("5/small", b"s")]
        )
        new.swap_in()
    out = tmp_path / "dist"
    assert (out / "1/big").samefile(out / "2/big")
    assert not (out / "1/big").samefile(out / "3/big")
    assert (out / "3/big").read_bytes() == other
    assert not (out / "4/small").samefile(out / "5/small")


def test_a_file_is_written_whole_and_never_a_second_time(tmp_path):
    data = bytes(range(256)) * (3 * LINK_MIN_BYTES // 256 + 1)  # 3 MB: may need several writes
    with new_tree(tmp_path / "dist") as new:
        new.put("a/b.bin", data)
        with pytest.raises(FileExistsError):
            new.put("a/b.bin", b"other")
        new.swap_in()
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
    toml.write_text(
        toml.read_text().replace(
            'title_nl = "Register van de cultuurregio\'s"', 'title_nl = "Cultuurregioregister"'
        )
    )
    build(Config(root=project))
    assert doc.stat().st_ino == doc_inode  # the RDF does not hold the title: linked
    assert page.stat().st_ino != keep.stat().st_ino
    assert b"Cultuurregioregister" in page.read_bytes()
    assert keep.read_bytes() == old_page


def test_exchange_swaps_two_folders_in_one_step(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a/x").write_bytes(b"a")
    (tmp_path / "b").mkdir()
    (tmp_path / "b/x").write_bytes(b"b")
    if not exchange(tmp_path / "a", tmp_path / "b"):
        pytest.skip("this file system has no RENAME_EXCHANGE")
    assert (tmp_path / "a/x").read_bytes() == b"b"
    assert (tmp_path / "b/x").read_bytes() == b"a"


def test_without_exchange_the_tree_is_swapped_in_by_two_renames(tmp_path, monkeypatch):
    monkeypatch.setattr(tree, "exchange", lambda a, b: False)  # a file system without it
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "old.txt").write_bytes(b"old")
    with new_tree(dist) as new:
        new.write([("a.txt", b"new")])
        new.swap_in()
    assert snapshot(dist) == {Path("a.txt"): b"new"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]


def test_a_users_dist_symlink_is_followed_and_kept(tmp_path):
    """dist -> /srv/site (say): the folder it names is replaced, the link stays as it was."""
    site = tmp_path / "srv/site"
    site.mkdir(parents=True)
    (site / "old.txt").write_bytes(b"old")
    project = tmp_path / "project"
    project.mkdir()
    (project / "dist").symlink_to("../srv/site")
    for text in (b"one", b"two"):
        with new_tree(project / "dist") as new:
            new.write([("a.txt", text)])
            new.swap_in()
        assert os.readlink(project / "dist") == "../srv/site"
        assert snapshot(site) == {Path("a.txt"): text}
    assert sorted(p.name for p in (tmp_path / "srv").iterdir()) == ["site"]
    assert sorted(p.name for p in project.iterdir()) == ["dist"]


def test_recover_puts_back_a_dist_moved_aside_and_removes_the_trees_of_killed_builds(tmp_path):
    """A build killed between the two renames of the fallback swap left no dist/."""
    dist = tmp_path / "dist"
    for name, text in (("dist.old-11", b"old"), ("dist.new-11", b"new"), ("dist.new-12", b"x")):
        (tmp_path / name / "sub").mkdir(parents=True)
        (tmp_path / name / "sub/f").write_bytes(text)
    (tmp_path / "dist.other").mkdir()  # not a tree of a build: left alone
    recover(dist)
    assert snapshot(dist) == {Path("sub/f"): b"old"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist", "dist.other"]
    (tmp_path / "dist.old-13").mkdir()
    recover(dist)
    assert snapshot(dist) == {Path("sub/f"): b"old"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist", "dist.other"]


def test_a_folder_locked_by_another_build_is_waited_for_then_refused(tmp_path):
    waited = []
    with locked([tmp_path, tmp_path / "."]):  # one folder, named twice: locked once
        start = time.monotonic()
        with (
            pytest.raises(EnvironmentProblem, match="another kgbuild build is running here"),
            locked([tmp_path], wait=0.3, waiting=waited.append),
        ):
            pass
        assert time.monotonic() - start >= 0.3
    assert waited == [tmp_path]
    with locked([tmp_path], wait=0):
        pass
