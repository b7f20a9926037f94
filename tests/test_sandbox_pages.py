"""The sandbox's pages look like the site's: the text above the cut and a "Read more" link
on journal and community pages, the cut's place on the entry page, tags as links to tag
pages, no protocol props."""

from __future__ import annotations

from urllib.parse import quote

from ljclient import LJ, http_get

from crosspost.sandbox import SandboxServer
from crosspost.sandbox.cuts import Cut, above_cut, split

EVENT = ('<p><b>Pairing:</b> Ianto/Jack</p><lj-cut text="The Lamp &amp; the Fog">'
         "<p>The fog came down.</p><p>It stayed.</p></lj-cut><p>Footer: comment at DW.</p>")


def _get(url: str) -> str:
    status, _, body = http_get(url)
    assert status == 200, url
    return body.decode()


def test_community_page_shows_the_text_above_the_cut_and_a_read_more_link(
        sandbox: SandboxServer) -> None:
    res = LJ(sandbox.url).post(subject="Lamp", event=EVENT, usejournal="fluffyfics",
                               props={"taglist": "type: fic, pairing: ianto jones/tenth doctor"})
    page = _get(f"{sandbox.url}/fluffyfics/")
    assert "<b>Pairing:</b> Ianto/Jack" in page
    assert "Footer: comment at DW." in page  # outside the cut: shown
    assert "The fog came down." not in page  # behind the cut: not on the journal page
    entry_path = res["url"].split(sandbox.url, 1)[1]
    assert f'<a href="{entry_path}#cutid1">The Lamp &amp; the Fog</a>' in page
    assert "opt_preformatted" not in page and "taglist" not in page


def test_entry_page_shows_the_whole_story_and_where_the_cut_is(
        sandbox: SandboxServer) -> None:
    res = LJ(sandbox.url).post(subject="Lamp", event=EVENT,
                               props={"taglist": "tea", "current_mood": "calm"})
    page = _get(res["url"])
    assert "The fog came down." in page and "<p>It stayed.</p>" in page
    assert page.index('id="cutid1"') < page.index("The fog came down.")
    assert 'class="cut-marker"' in page and "cut: The Lamp &amp; the Fog" in page
    assert "opt_preformatted" not in page and "current_mood" not in page  # no raw props


def test_tags_link_to_tag_pages_that_list_only_entries_with_the_tag(
        sandbox: SandboxServer) -> None:
    lj = LJ(sandbox.url)
    lj.post(subject="Tagged", event="<p>one</p>", usejournal="fluffyfics",
            props={"taglist": "pairing: ianto jones/tenth doctor"})
    lj.post(subject="Untagged", event="<p>two</p>", usejournal="fluffyfics")
    page = _get(f"{sandbox.url}/fluffyfics/")
    href = f"/fluffyfics/tag/{quote('pairing: ianto jones/tenth doctor', safe='')}"
    assert f'href="{href}"' in page
    tag_page = _get(sandbox.url + href)
    assert "Tagged" in tag_page and "Untagged" not in tag_page
    assert "entries tagged" in tag_page


def test_an_entry_without_a_cut_is_shown_whole_and_read_more_is_the_default_text(
        sandbox: SandboxServer) -> None:
    lj = LJ(sandbox.url)
    lj.post(subject="Short", event="<p>All of it.</p>")
    lj.post(subject="Long", event="<p>Start.</p><lj-cut><p>Hidden.</p></lj-cut>")
    page = _get(f"{sandbox.url}/writer/")
    assert "All of it." in page and "Start." in page and "Hidden." not in page
    assert ">Read more...</a>" in page


def test_dw_knows_the_cut_alias_and_lj_does_not() -> None:
    assert split("<p>a</p><cut>b</cut>", "dw") == ["<p>a</p>", Cut("Read more...", "b")]
    assert split("<p>a</p><cut>b</cut>", "lj") == ["<p>a</p><cut>b</cut>"]
    assert split("<p>a</p><cut>b</cut>", "ij") == ["<p>a</p><cut>b</cut>"]  # an old LJ fork
    # an unclosed cut runs to the end
    html, n = above_cut('x<lj-cut text="more">y', "/j/1.html")
    assert n == 1 and html.startswith("x") and "y" not in html
