"""The other repositories on both backends: events, the sources' schedule, digests, spikes, users, notes."""

from __future__ import annotations

from datetime import timedelta

from monitor.model import SourceState
from monitor.storage.database import Database
from monitor.storage.digests import DIGEST_RULE, Digests
from monitor.storage.events import Events
from monitor.storage.mentions import Mentions
from monitor.storage.notes import MAX_NOTE, Notes
from monitor.storage.outbox import Outbox
from monitor.storage.schedule import Schedule
from monitor.storage.spikes import Spikes
from monitor.storage.users import Users
from tests.factories import NOW, make_mention


def test_events_tell_what_happened_to_a_mention_in_order(db: Database) -> None:
    events = Events(db)
    mention = Mentions(db).insert(make_mention(None))
    assert mention.id is not None
    events.add("alerted", at=NOW, mention_id=mention.id, rule="bad review", destination="owner_phone", reason="1/5")
    events.add("acknowledged", at=NOW + timedelta(minutes=3), mention_id=mention.id, actor="hanako")
    events.add("source_broken", at=NOW + timedelta(minutes=1), reason="HTTP 503 x5")
    trail = events.of_mention(mention.id)
    assert [(e.type, e.rule, e.destination, e.reason, e.actor) for e in trail] == [
        ("alerted", "bad review", "owner_phone", "1/5", None),
        ("acknowledged", None, None, "", "hanako"),
    ]
    assert trail[0].at == NOW and trail[0].id < trail[1].id
    assert [e.reason for e in events.recent("source_broken", NOW)] == ["HTTP 503 x5"]
    assert events.recent("source_broken", NOW + timedelta(minutes=2)) == []


def test_the_schedule_keeps_due_times_validators_and_counters(db: Database) -> None:
    schedule = Schedule(db)
    schedule.ensure("blogs", "rss", NOW)
    schedule.ensure("reviews", "appstore", NOW + timedelta(minutes=5))
    schedule.ensure("blogs", "atom", NOW + timedelta(hours=1))  # a known source keeps its schedule
    assert schedule.due(["blogs", "reviews", "unknown"], NOW) == ["blogs"]
    assert schedule.due([], NOW) == []
    assert schedule.next_due_at(["blogs", "reviews"]) == NOW
    assert schedule.next_due_at([]) is None
    assert schedule.state("blogs") == SourceState()
    state = SourceState(etag='"v1"', last_modified="Mon, 16 Nov 2026 08:00:00 GMT", cursor={"since": "t3_1"})
    schedule.record_success("blogs", state, now=NOW, next_check_at=NOW + timedelta(minutes=15), items=4, skipped=1)
    assert schedule.state("blogs") == state
    assert schedule.record_failure("blogs", "HTTP 503", now=NOW, next_check_at=NOW + timedelta(minutes=2)) == 1
    assert schedule.record_failure("blogs", "HTTP 503", now=NOW, next_check_at=NOW + timedelta(minutes=4)) == 2
    schedule.set_broken_notified("blogs", True)
    health = schedule.health("blogs")
    assert health is not None
    assert (health.kind, health.next_check_at, health.consecutive_errors, health.last_error) == (
        "atom",
        NOW + timedelta(minutes=4),
        2,
        "HTTP 503",
    )
    assert (health.fetches_total, health.errors_total, health.items_total, health.skipped_total) == (3, 2, 4, 1)
    assert (health.last_success_at, health.last_error_at, health.broken_notified) == (NOW, NOW, True)
    assert [h.name for h in schedule.all_health()] == ["blogs", "reviews"]
    assert schedule.health("unknown") is None
    assert schedule.record_failure("unknown", "x", now=NOW, next_check_at=NOW) == 0


def test_a_digest_slot_is_settled_once_and_its_figures_are_counted(db: Database) -> None:
    digests, outbox, mentions, events = Digests(db), Outbox(db), Mentions(db), Events(db)
    slot = NOW - timedelta(days=7)
    assert not digests.settled(slot, "")
    digests.settle(slot, "", None)
    digests.settle(slot, "", NOW)  # settled again (queued after all): still one slot
    digests.settle(slot, "", NOW + timedelta(hours=1))
    assert digests.settled(slot, "") and not digests.settled(slot, "Acme Coffee")
    digests.settle(NOW, "", None)
    assert digests.last_settled("") == NOW
    assert digests.last_settled("Acme Coffee") is None
    assert digests.last_sent() is None
    outbox.enqueue_message("digest:1", destination="owner_email", rule=DIGEST_RULE, now=NOW, subject="s", body="b")
    row = outbox.find("digest:1")
    assert row is not None
    outbox.mark_sent([row.id], NOW + timedelta(minutes=1), outbox.log_delivery("owner_email", NOW, 1, "s"))
    assert digests.last_sent() == (NOW + timedelta(minutes=1), "owner_email")

    a = mentions.insert(make_mention(None, external_id="a", fingerprint="a", published_at=NOW - timedelta(days=1)))
    b = mentions.insert(make_mention(None, external_id="b", fingerprint="b", published_at=NOW - timedelta(days=2)))
    mentions.insert(make_mention(None, external_id="c", fingerprint="c", brand="Rival Beans"))
    assert a.id is not None and b.id is not None
    events.add("responded", at=NOW - timedelta(hours=5), mention_id=a.id)
    events.add("resolved", at=NOW - timedelta(hours=2), mention_id=a.id)
    events.add("acknowledged", at=NOW - timedelta(hours=9), mention_id=b.id)
    week = (NOW - timedelta(days=7), NOW)
    assert digests.counts_by_brand(NOW - timedelta(days=7), NOW + timedelta(days=1)) == {
        "Acme Coffee": 2,
        "Rival Beans": 1,
    }
    assert digests.first_responses("Acme Coffee", *week) == {a.id: NOW - timedelta(hours=5)}


def test_a_spike_remembers_when_it_last_fired(db: Database) -> None:
    spikes = Spikes(db)
    assert spikes.last_fired("negative surge", "Acme Coffee") is None
    spikes.fired("negative surge", "Acme Coffee", NOW)
    spikes.fired("negative surge", "Acme Coffee", NOW + timedelta(hours=2))
    spikes.fired("negative surge", "Rival Beans", NOW)
    assert spikes.last_fired("negative surge", "Acme Coffee") == NOW + timedelta(hours=2)
    assert spikes.last_fired("negative surge", "Rival Beans") == NOW


def test_users_their_brands_passwords_and_sessions(db: Database) -> None:
    users = Users(db)
    assert users.add("hanako", "$argon2id$one", brands=["Acme Coffee", "アクメ珈琲"], notify="owner_phone", now=NOW)
    assert not users.add("hanako", "$argon2id$two", brands=[], notify=None, now=NOW)
    assert users.add("admin", "$argon2id$three", brands=[], notify=None, now=NOW)
    hanako = users.get("hanako")
    assert hanako is not None
    assert (hanako.password_hash, hanako.brands, hanako.notify, hanako.created_at, hanako.session_epoch) == (
        "$argon2id$one",
        ("Acme Coffee", "アクメ珈琲"),
        "owner_phone",
        NOW,
        0,
    )
    assert hanako.may_see("アクメ珈琲") and not hanako.may_see("Rival Beans")
    assert [u.name for u in users.all()] == ["admin", "hanako"]
    assert users.set_password("hanako", "$argon2id$new")
    users.rehash("hanako", "$argon2id$newer")
    after = users.get("hanako")
    assert after is not None and (after.password_hash, after.session_epoch) == ("$argon2id$newer", 1)
    assert not users.set_password("nobody", "x")
    assert users.remove("hanako") and not users.remove("hanako")
    assert users.get("hanako") is None


def test_failed_logins_are_counted_per_key_and_forgotten(db: Database) -> None:
    users = Users(db)
    for minutes in (0, 1, 2):
        users.failure("ip:192.0.2.1", NOW + timedelta(minutes=minutes))
    users.failure("user:hanako", NOW)
    assert users.failures("ip:192.0.2.1", NOW + timedelta(minutes=1)) == 2
    users.forget_failures(NOW + timedelta(minutes=2))
    assert users.failures("ip:192.0.2.1", NOW - timedelta(days=1)) == 1
    assert users.failures("user:hanako", NOW - timedelta(days=1)) == 0
    users.clear_failures("ip:192.0.2.1")
    assert users.failures("ip:192.0.2.1", NOW - timedelta(days=1)) == 0


def test_notes_on_a_mention_in_order_and_cut_to_length(db: Database) -> None:
    notes = Notes(db)
    mention = Mentions(db).insert(make_mention(None))
    assert mention.id is not None
    notes.add(mention.id, at=NOW + timedelta(minutes=1), author="hanako", text="called the customer")
    notes.add(mention.id, at=NOW, author="cli", text="x" * (MAX_NOTE + 10))
    found = notes.of_mention(mention.id)
    assert [(n.author, n.at) for n in found] == [("cli", NOW), ("hanako", NOW + timedelta(minutes=1))]
    assert len(found[0].text) == MAX_NOTE and found[1].text == "called the customer"
    assert notes.of_mention(mention.id + 1) == []
