"""Reading WARC files: the right records, read right, and damage that costs only itself."""

from __future__ import annotations

import gzip

import pytest
from warcmaker import Response, news_html, write_warc

from searchnews.warc.pages import is_html, skip_reason
from searchnews.warc.records import WarcDamage, WarcRecord, read_warc


def story(number: int) -> Response:
    return Response(
        f"https://news.example/{number}",
        news_html(f"Story {number}", f"Text of story number {number}. " * 20).encode(),
    )


def records(path) -> list[WarcRecord | WarcDamage]:
    return list(read_warc(str(path)))


def urls(found) -> list[str]:
    return [item.url for item in found if isinstance(item, WarcRecord)]


@pytest.mark.parametrize("compress", [True, False])
def test_every_record_comes_with_its_offset_and_length(tmp_path, compress):
    path = tmp_path / ("a.warc.gz" if compress else "a.warc")
    offsets = write_warc(path, [story(n) for n in range(4)], compress=compress)
    found = records(path)
    assert [item.offset for item in found] == offsets
    ends = [*offsets[1:], path.stat().st_size]
    assert [item.offset + item.length for item in found] == ends
    assert urls(found) == [f"https://news.example/{n}" for n in range(4)]
    first = found[0]
    assert first.kind == "response" and first.status == 200 and first.charset == "utf-8"
    assert first.record_id.startswith("<urn:uuid:") and first.captured.year == 2024
    assert first.payload.startswith(b"<!doctype html>")


def test_reading_can_start_at_a_record(tmp_path):
    offsets = write_warc(tmp_path / "a.warc.gz", [story(n) for n in range(3)])
    assert urls(read_warc(str(tmp_path / "a.warc.gz"), offsets[2])) == ["https://news.example/2"]


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br", None])
@pytest.mark.parametrize("chunked", [True, False])
def test_transfer_and_content_encodings_are_undone(tmp_path, encoding, chunked):
    body = news_html("Encoded", "A page that travelled encoded. " * 30).encode()
    response = Response("https://news.example/e", body, encoding=encoding, chunked=chunked)
    write_warc(tmp_path / "e.warc.gz", [response])
    (found,) = records(tmp_path / "e.warc.gz")
    assert found.payload == body


def test_a_charset_given_only_in_the_http_header_is_kept(tmp_path):
    body = news_html("Новости", "Текст статьи о погоде. " * 10, charset=None).encode("windows-1251")
    write_warc(tmp_path / "c.warc", [Response("https://ru.example/1", body,
                                              content_type="text/html; charset=windows-1251")],
               compress=False)  # fmt: skip
    (found,) = records(tmp_path / "c.warc")
    assert found.charset == "windows-1251" and found.payload == body


def test_records_that_are_not_pages_are_skipped_with_a_reason(tmp_path):
    items = [
        ("request", "https://news.example/1"),
        story(1),
        ("revisit", "https://news.example/1"),
        ("metadata", "https://news.example/1"),
        Response("https://news.example/logo.png", b"\x89PNG\r\n\x1a\n", content_type="image/png"),
        Response("https://news.example/gone", b"<html>gone</html>", status="404 Not Found"),
        Response(
            "https://news.example/untyped",
            news_html("Untyped", "Text. " * 9).encode(),
            content_type=None,
        ),
        Response("https://news.example/data", b'{"a": 1}', content_type="application/octet-stream"),
    ]
    write_warc(tmp_path / "m.warc.gz", items)
    reasons = [skip_reason(item) for item in records(tmp_path / "m.warc.gz")]
    assert reasons == [
        "request record",
        None,
        "revisit record",
        "metadata record",
        "not HTML (image/png)",
        "HTTP status 404",
        None,
        "not HTML (application/octet-stream)",
    ]


def test_html_is_told_by_type_then_by_sniffing():
    assert is_html("text/html; charset=utf-8", b"")
    assert is_html("application/xhtml+xml", b"")
    assert not is_html("text/css", b"<html>")
    assert is_html(None, b"\xef\xbb\xbf  <!-- note --> <!DOCTYPE html><html>")
    assert is_html("text/plain", b"<html><head>")
    assert not is_html("text/plain", b"Just words, <b>bold</b>.")


def _damaged(path, offsets, number, how):
    data = bytearray(path.read_bytes())
    start = offsets[number]
    if how == "corrupt":
        data[start + 40 : start + 70] = b"\0" * 30
    elif how == "truncate":
        del data[start + 90 :]
    path.write_bytes(bytes(data))


def test_a_corrupt_member_in_the_middle_costs_only_its_record(tmp_path):
    path = tmp_path / "d.warc.gz"
    offsets = write_warc(path, [story(n) for n in range(5)])
    _damaged(path, offsets, 2, "corrupt")
    found = records(path)
    assert urls(found) == [f"https://news.example/{n}" for n in (0, 1, 3, 4)]
    (damage,) = [item for item in found if isinstance(item, WarcDamage)]
    assert (damage.offset, damage.length) == (offsets[2], offsets[3] - offsets[2])
    assert "corrupt gzip" in damage.reason


@pytest.mark.parametrize("compress", [True, False])
def test_a_truncated_tail_costs_only_the_last_record(tmp_path, compress):
    path = tmp_path / ("t.warc.gz" if compress else "t.warc")
    offsets = write_warc(path, [story(n) for n in range(3)], compress=compress)
    _damaged(path, offsets, 2, "truncate")
    found = records(path)
    assert urls(found) == ["https://news.example/0", "https://news.example/1"]
    assert [item.offset for item in found if isinstance(item, WarcDamage)] == [offsets[2]]


@pytest.mark.parametrize("compress", [True, False])
@pytest.mark.parametrize("change", [-40, 40])
def test_a_record_whose_length_lies_costs_only_itself(tmp_path, compress, change):
    plain = tmp_path / "plain.warc"
    offsets = write_warc(plain, [story(n) for n in range(4)], compress=False)
    data = plain.read_bytes()
    records_bytes = [data[a:b] for a, b in zip(offsets, [*offsets[1:], len(data)], strict=True)]
    lying = records_bytes[1]
    declared = int(lying.split(b"Content-Length: ")[1].split(b"\r\n")[0])
    records_bytes[1] = lying.replace(
        b"Content-Length: %d" % declared, b"Content-Length: %d" % (declared + change)
    )
    path = tmp_path / ("lie.warc.gz" if compress else "lie.warc")
    path.write_bytes(b"".join(gzip.compress(r) if compress else r for r in records_bytes))
    found = records(path)
    assert urls(found) == [f"https://news.example/{n}" for n in (0, 2, 3)]
    assert len([item for item in found if isinstance(item, WarcDamage)]) == 1


def test_a_file_that_is_not_a_warc_is_one_damage(tmp_path):
    path = tmp_path / "fake.warc.gz"
    path.write_bytes(b"\x1f\x8b\x08" + b"not gzip at all" * 20)
    (damage,) = records(path)
    assert isinstance(damage, WarcDamage) and damage.offset == 0
    assert damage.length == path.stat().st_size
    text = tmp_path / "notes.warc"
    text.write_bytes(b"Just some notes, not an archive.\n" * 10)
    assert [type(item) for item in records(text)] == [WarcDamage]
