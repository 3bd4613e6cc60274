"""The office's data page with AppTest: sign-in, upload, errors, compare, publish, restore, conflicts."""

from __future__ import annotations

import csv
import os
import re

import pytest
from streamlit.testing.v1 import AppTest

from partner_directory.access.passwords import hash_password
from partner_directory.access.throttle import Throttle
from tests.apptest import app, prepare, texts
from tests.conftest import ROOT
from tests.stores import published_bytes, store_beside

PASSWORD = "correct horse battery"
HASH = hash_password(PASSWORD)

POLISH_HEADER = "Nazwa klastra;Miasto;Kraj;E-mail;Strona WWW;Usługi\r\n"
GOOD_ROWS = (
    "Pomorski Klaster ICT;Gdańsk;Polska;biuro@pomorski.example.org;pomorski.example.org;biurko|sala konferencyjna\r\n"
    "Klaster Żeglugi;Gdynia;Polska;kontakt@zegluga.example.org;https://zegluga.example.org;internet\r\n"
)
BAD_ROW = "Zły Klaster;Sopot;Polska;to-nie-email;javascript:alert(1);biurko\r\n"


def sign_in(at: AppTest, name: str) -> AppTest:
    """Sign a session in with the staff password at ``/staff``; it then shows the data page."""
    at.switch_page("pages/staff.py").run()
    at.text_input(key="staff_name").input(name)
    at.text_input(key="staff_password").input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert [title.value for title in at.title] == ["Partner data"], "signing in lands on the data page"
    return at


def staff_page() -> AppTest:
    return AppTest.from_file(str(ROOT / "pages" / "staff.py"), default_timeout=60)


def signed_in(monkeypatch, tmp_path, *, data: bytes | None = None) -> AppTest:
    prepare(monkeypatch, tmp_path, data=data, password_hash=HASH)
    return sign_in(app().run(), "Anna Nowak")


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader(key="upload").set_value((name, data, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_page_refuses_without_sign_in_even_by_its_address(monkeypatch, tmp_path):
    data_file = prepare(monkeypatch, tmp_path, password_hash=HASH)
    before = published_bytes(data_file)
    at = app().run()
    at.switch_page("pages/staff.py").run()
    direct = staff_page().run()
    for shown in (at, direct):  # through the navigation and by running the page file on its own
        assert [title.value for title in shown.title] == ["Office staff sign-in"]
        assert not shown.file_uploader and [button.label for button in shown.button] == ["Sign in"]
    assert published_bytes(data_file) == before


def test_without_any_sign_in_configured_nothing_is_allowed(monkeypatch, tmp_path):
    prepare(monkeypatch, tmp_path)
    at = app().run()
    at.switch_page("pages/staff.py").run()
    assert "No staff sign-in is configured" in texts(at)
    assert not at.text_input
    assert "password_hash" in at.code[0].value


class StoppedClock:
    """A clock for the app's throttle that moves only when told: no assertion depends on the machine's speed."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def stopped_throttle() -> tuple[Throttle, StoppedClock, str]:
    """The app's one throttle (call after ``prepare``), its clock stopped, and the key the app's sessions have."""
    from dashboard import signin

    throttle, clock = signin.throttle(), StoppedClock()
    throttle.clock = clock
    return throttle, clock, signin.client_key()


def test_a_wrong_password_is_refused_and_slowed_down(monkeypatch, tmp_path):
    prepare(monkeypatch, tmp_path, password_hash=HASH)
    throttle, _, client = stopped_throttle()
    at = staff_page().run()
    at.text_input(key="staff_name").input("Eve")
    at.text_input(key="staff_password").input("guess")
    at.button[0].click().run()
    assert "The password is not right" in texts(at)
    assert throttle.wait_seconds(client) == 1.0, "the failure opened this client's first window"
    at.text_input(key="staff_password").input(PASSWORD)
    at.button[0].click().run()  # again within the window, even with the right password: made to wait
    assert "Too many failed attempts" in texts(at)
    assert not at.file_uploader, "still not signed in"


def test_the_right_password_opens_the_data_page_at_the_same_address(monkeypatch, tmp_path):
    prepare(monkeypatch, tmp_path, password_hash=HASH)
    at = staff_page().run()
    at.text_input(key="staff_name").input("Anna Nowak")
    at.text_input(key="staff_password").input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert [title.value for title in at.title] == ["Partner data"]
    assert at.file_uploader


def test_upload_fix_compare_publish_and_restore(monkeypatch, tmp_path):
    at = signed_in(monkeypatch, tmp_path)
    data_file = tmp_path / "partners.csv"
    original = published_bytes(data_file)

    upload(at, "partnerzy.csv", (POLISH_HEADER + GOOD_ROWS + BAD_ROW).encode("cp1250"))
    page = texts(at)
    assert "3 rows read: 2 errors" in page
    errors = next(d.value for d in at.dataframe if "Message" in d.value.columns)
    assert list(errors["Row"]) == [4, 4]
    assert list(errors["Column"]) == ["E-mail", "Strona WWW"]  # the file's own headers
    assert "“to-nie-email” is not a valid e-mail address." in set(errors["Message"])
    assert at.button(key="publish").disabled
    # The editor holds the uploaded rows, the one with errors marked.
    editor = at.data_editor(key="editor").value
    assert list(editor["partner_name"]) == ["Pomorski Klaster ICT", "Klaster Żeglugi", "Zły Klaster"]
    assert list(editor["problems"]) == ["⚠️ Strona WWW", "", "❌ E-mail, Strona WWW"]
    assert published_bytes(data_file) == original

    upload(at, "partnerzy-poprawione.csv", (POLISH_HEADER + GOOD_ROWS).encode("cp1250"))
    assert "2 rows read: 0 errors" in texts(at)
    assert "2 added · 0 changed · 62 removed" in texts(at)
    assert "This version removes 100% of the published offices (removed: 62, published: 62)" in texts(at)
    at.button(key="geocode").click().run()
    assert not at.exception
    at.button(key="publish").click().run()  # a damaging publish asks first …
    assert "This publish could hurt" in texts(at)
    at.button(key="publish_cancel").click().run()  # … and can be refused
    assert "Nothing was published" in texts(at)
    assert published_bytes(data_file) == original
    at.button(key="publish").click().run()
    at.button(key="publish_confirm").click().run()
    assert "Published: the version of" in texts(at) and "Anna Nowak (offices: 2)" in texts(at)
    published = published_bytes(data_file).decode("utf-8-sig")
    assert "Klaster Żeglugi" in published and "Baltic" not in published

    members = app().run()  # a member's session sees the new list at once
    assert len(members.dataframe[0].value) == 2
    assert set(members.dataframe[0].value["partner"]) == {"Pomorski Klaster ICT", "Klaster Żeglugi"}

    at.run()
    restore_buttons = [b for b in at.button if b.key and b.key.startswith("restore-")]
    assert len(restore_buttons) == 1  # the list before the first publish
    restore_buttons[0].click().run()
    assert "This restore could hurt" in texts(at)  # it removes both published offices: asked like a publish
    at.button(key="restore_confirm").click().run()
    assert "is published again" in texts(at)
    assert "Baltic" in published_bytes(data_file).decode("utf-8-sig")
    # Three versions now (before, upload, restore); only the uploaded one can be restored again.
    assert len([b for b in at.download_button if b.key and b.key.startswith("download-")]) == 3
    assert len([b for b in at.button if b.key and b.key.startswith("restore-")]) == 1
    lines = [m.value for m in at.markdown if "·" in m.value and "offices" in m.value]
    lines = [re.sub(r"\\(.)", r"\1", line) for line in lines]
    assert [line.startswith("✅") for line in lines] == [True, False, False]  # exactly one is current
    assert "restored the version of" in lines[0] and "+62 ~0 −2 · offices: 62" in lines[0]
    assert "Anna Nowak · uploaded file · +2 ~0 −62 · offices: 2" in lines[1]
    assert "the list before the first publish · +62 ~0 −0 · offices: 62" in lines[2]


def test_a_draft_survives_a_new_session_and_is_offered_after_sign_in(monkeypatch, tmp_path):
    at = signed_in(monkeypatch, tmp_path)
    upload(at, "partnerzy.csv", (POLISH_HEADER + GOOD_ROWS + BAD_ROW).encode("cp1250"))
    assert "3 rows read: 2 errors" in texts(at)

    again = sign_in(app().run(), "anna nowak")  # a reload: a new session, signed in again
    assert "You have a draft from" in texts(again)
    assert "the uploaded file partnerzy.csv (rows: 3)" in texts(again)
    assert not [u for u in again.file_uploader if u.key == "upload"]  # nothing replaces it before an answer
    again.button(key="draft_continue").click().run()
    assert "3 rows read: 2 errors" in texts(again)
    assert len(again.data_editor(key="editor").value) == 3

    other = sign_in(app().run(), "Piotr")  # another person has no draft
    assert "You have a draft" not in texts(other)

    third = sign_in(app().run(), "Anna Nowak")
    third.button(key="draft_discard").click().run()
    assert "The draft is discarded" in texts(third)
    assert "You have a draft" not in texts(sign_in(app().run(), "Anna Nowak"))


def test_missing_columns_can_keep_the_published_values(monkeypatch, tmp_path):
    at = signed_in(monkeypatch, tmp_path)
    demo = (tmp_path / "partners.csv").read_bytes().decode("utf-8-sig").splitlines()
    header = demo[0].split(",")
    rows = list(csv.reader(demo[1:]))
    keep = ["partner_name", "city", "country", "address"]
    lines = [";".join(keep)] + [";".join(row[header.index(c)] for c in keep) for row in rows]
    upload(at, "bez-dat.csv", ("\r\n".join(lines) + "\r\n").encode("utf-8"))
    page = texts(at)
    sentence = next(line for line in page.splitlines() if line.startswith("The draft has no column"))
    for column in ("Partner ID", "Latitude", "Longitude", "In the BRA since", "Last verified", "Contact e-mail"):
        assert column in sentence
    assert "0 added · 62 changed · 0 removed" in page
    at.button(key="keep_published").click().run()
    page = texts(at)
    assert "The draft has no column" not in page
    assert "Nothing differs from the published list." in page


def test_the_lock_out_says_how_long_to_wait(monkeypatch, tmp_path):
    prepare(monkeypatch, tmp_path, password_hash=HASH)
    throttle, clock, client = stopped_throttle()
    at = app().run()
    at.switch_page("pages/staff.py").run()
    at.text_input(key="staff_name").input("Eve")
    at.text_input(key="staff_password").input("guess")
    for failure, window in enumerate((1, 2, 4), start=1):
        at.button[0].click().run()
        said = re.search(r"The password is not right\. .* The next attempt is possible in (\d+) s\.", texts(at))
        wait = throttle.wait_seconds(client)
        assert wait == window, f"failure {failure}: the throttle's own window"
        assert said and int(said.group(1)) > 0 and abs(int(said.group(1)) - wait) < 1, texts(at)  # was: always 0 s
        clock.now += 0.5  # half a second later, still inside the window: the wait said is what is left
        at.button[0].click().run()
        said = re.search(r"Too many failed attempts; wait (\d+) s and try again\.", texts(at))
        wait = throttle.wait_seconds(client)
        assert said and int(said.group(1)) > 0 and abs(int(said.group(1)) - wait) < 1, texts(at)
        clock.now += wait  # the window is over: the next attempt is checked again


def test_members_see_the_publish_time_from_the_history(monkeypatch, tmp_path):
    data_file = prepare(monkeypatch, tmp_path, password_hash=HASH)
    overview = app().run()
    overview.switch_page("pages/overview.py").run()
    assert "Data last updated" not in texts(overview)  # a fresh copy was never published
    at = sign_in(app().run(), "Anna")
    upload(at, "p.csv", (POLISH_HEADER + GOOD_ROWS).encode("utf-8"))
    at.button(key="geocode").click().run()
    at.button(key="publish").click().run()
    at.button(key="publish_confirm").click().run()
    os.utime(data_file, (0, 0))  # the file's own time says 1970
    overview.switch_page("pages/overview.py").run()
    when = store_beside(data_file, tmp_path / "history").published_at()
    assert f"Data last updated: {when:%Y-%m-%d %H:%M} UTC" in texts(overview)


def test_a_stale_publish_is_refused_with_two_sessions(monkeypatch, tmp_path):
    first = signed_in(monkeypatch, tmp_path)
    second = sign_in(app().run(), "Piotr")

    for session, extra in ((first, ""), (second, "Klaster Trzeci;Sopot;Polska;;;\r\n")):
        upload(session, "p.csv", (POLISH_HEADER + GOOD_ROWS + extra).encode("utf-8"))
        session.button(key="geocode").click().run()
    first.button(key="publish").click().run()
    first.button(key="publish_confirm").click().run()
    assert "Published: the version of" in texts(first)
    after_first = published_bytes(tmp_path / "partners.csv")
    second.button(key="publish").click().run()  # the button as the second page last showed it
    assert "Someone published a new version since this draft was started" in texts(second)
    assert second.button(key="publish").disabled and not [b for b in second.button if b.key == "publish_confirm"]
    assert published_bytes(tmp_path / "partners.csv") == after_first  # (a true race: the store refuses it)


@pytest.mark.parametrize(
    ("name", "data", "sentence"),
    [
        ("empty.csv", b"", "is empty"),
        ("only-header.csv", b"partner_name,city,country\r\n", "has a header but no partner rows"),
        ("columns.csv", b"Nazwa,Telefon\r\nA,1\r\n", "lacks the required column(s) country, city or address"),
        ("twice.csv", b"name,city,country,email,mail\r\nA,Gdynia,PL,a@example.org,b@example.org\r\n", "is given twice"),
        ("picture.png", b"\x89PNG\r\n\x1a\n\x00\x00", "has the extension .png"),
        ("renamed.csv", b"\x89PNG\r\n\x1a\n\x00\x00" * 20, "binary data"),
        ("big.csv", b"partner_name,city,country\r\n" + b"A,Gdynia,PL\r\n" * 1_000_000, "the limit is 10 MB"),
    ],
)
def test_bad_uploads_get_one_clear_message_and_change_nothing(monkeypatch, tmp_path, name, data, sentence):
    at = signed_in(monkeypatch, tmp_path)
    before = published_bytes(tmp_path / "partners.csv")
    upload(at, name, data)
    assert sentence in texts(at)
    assert len(at.error) == 1
    assert not [b for b in at.button if b.key == "publish"]
    assert published_bytes(tmp_path / "partners.csv") == before


def test_an_office_placed_approximately_gets_a_suggested_place(monkeypatch, tmp_path):
    at = signed_in(monkeypatch, tmp_path)
    upload(at, "p.csv", "name,city,country\r\nLiterówka,Gdnask,PL\r\n".encode())
    at.button(key="geocode").click().run()
    assert "Offices that need attention: 1" in texts(at)
    at.selectbox(key="suggest_place").select_index(0).run()
    at.button(key="use_place").click().run()
    assert "Offices placed by hand: 1." in texts(at)
    assert "Every office is placed" in texts(at)
    at.button(key="publish").click().run()
    at.button(key="publish_confirm").click().run()
    published = published_bytes(tmp_path / "partners.csv").decode("utf-8-sig")
    assert ",manual,address" in published and "54.35" in published


def test_a_draft_stays_with_its_author_in_a_shared_browser_session(monkeypatch, tmp_path):
    at = signed_in(monkeypatch, tmp_path)
    upload(at, "partnerzy.csv", (POLISH_HEADER + GOOD_ROWS).encode("cp1250"))
    assert "2 rows read" in texts(at)
    at.button(key="sign_out").click().run()
    sign_in(at, "Piotr")
    assert "2 rows read" not in texts(at) and "You have a draft" not in texts(at)
    at.button(key="sign_out").click().run()
    sign_in(at, "Anna Nowak")
    assert "You have a draft from" in texts(at)


def test_the_needs_attention_list_says_did_you_mean(monkeypatch, tmp_path):
    """Before: "Bydgosz" next to "ul. Gdańska 10" was placed in Gdańsk at city precision, and no one looked again."""
    at = signed_in(monkeypatch, tmp_path)
    rows = "name,city,address,country\r\nKujawy IT,Bydgosz,ul. Gdańska 10,PL\r\nAmbiguous,Springfield,,US\r\n"
    upload(at, "p.csv", rows.encode())
    at.button(key="geocode").click().run()
    assert "Offices that need attention: 2" in texts(at)
    attention = next(frame.value for frame in at.dataframe if "note" in frame.value.columns)
    notes = dict(zip(attention["city"], attention["note"], strict=True))
    assert "placed at Bydgoszcz (Kujawsko-Pomorskie)" in notes["Bydgosz"]
    assert "Did you mean Springfield (Missouri)" in notes["Springfield"]
    assert round(float(attention["latitude"].iloc[0]), 1) == 53.1  # Bydgoszcz, not Gdańsk (54.4)
