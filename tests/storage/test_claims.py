"""Several instances on one database, on both backends: leases (one holder at a time, renewed, taken over after
expiry), outbox rows claimed for delivery by one instance only, and the instances' register. Two connections race
for the same lease and the same rows: exactly one wins each."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from monitor.storage.database import Database, open_database
from monitor.storage.instances import Instances
from monitor.storage.leases import Leases
from monitor.storage.outbox import Outbox
from tests.factories import NOW

TTL = timedelta(minutes=2)
T = TypeVar("T")


def test_a_lease_has_one_holder_until_it_expires(db: Database) -> None:
    leases = Leases(db)
    assert leases.claim("poll:blogs", "a", NOW, TTL)
    assert not leases.claim("poll:blogs", "b", NOW + timedelta(minutes=1), TTL)
    assert leases.claim("poll:blogs", "a", NOW + timedelta(minutes=1), TTL)  # renewed
    lease = leases.get("poll:blogs")
    assert lease is not None
    assert (lease.holder, lease.acquired_at, lease.expires_at) == ("a", NOW, NOW + timedelta(minutes=3))
    assert not leases.claim("poll:blogs", "b", NOW + timedelta(minutes=2, seconds=59), TTL)
    assert leases.claim("poll:blogs", "b", NOW + timedelta(minutes=3), TTL)  # a died: b takes over at expiry
    lease = leases.get("poll:blogs")
    assert lease is not None and (lease.holder, lease.acquired_at) == ("b", NOW + timedelta(minutes=3))
    assert not leases.claim("poll:blogs", "a", NOW + timedelta(minutes=3), TTL)


def test_a_released_lease_is_free_at_once(db: Database) -> None:
    leases = Leases(db)
    assert leases.claim("digest", "a", NOW, TTL)
    assert leases.claim("spikes", "a", NOW, TTL)
    assert leases.claim("poll:x", "b", NOW, TTL)
    assert not leases.release("digest", "b")  # not b's to give
    assert leases.held_by("a") == ["digest", "spikes"]
    assert leases.release("digest", "a")
    assert leases.claim("digest", "b", NOW, TTL)
    assert leases.release_all("b") == 2
    assert leases.held_by("b") == []
    assert [lease.name for lease in leases.all()] == ["spikes"]
    assert leases.held_by("a", NOW + TTL) == []  # expired by then


def race(url: str, contenders: int, work: Callable[[Database, int], T]) -> list[T]:
    """Each contender opens its own connection (as an instance would), then all run `work` at the same moment."""
    barrier = threading.Barrier(contenders)
    results: list[T | None] = [None] * contenders
    errors: list[BaseException] = []

    def contender(i: int) -> None:
        try:
            db = open_database(url, migrate=False)
            try:
                barrier.wait(timeout=30)
                results[i] = work(db, i)
            finally:
                db.close()
        except BaseException as exc:  # reported below
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=contender, args=(i,)) for i in range(contenders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    return [r for r in results if r is not None]


def test_of_instances_racing_for_a_lease_exactly_one_wins(url: str, db: Database) -> None:
    for round_ in range(10):
        name = f"poll:source-{round_}"
        won = race(url, 3, lambda other, i, name=name: Leases(other).claim(name, f"instance-{i}", NOW, TTL))  # type: ignore[misc]
        assert won.count(True) == 1, won
        lease = Leases(db).get(name)
        assert lease is not None and won[int(lease.holder.removeprefix("instance-"))]


def test_of_instances_racing_for_an_expired_lease_exactly_one_takes_it_over(url: str, db: Database) -> None:
    for round_ in range(5):
        name = f"digest-{round_}"
        assert Leases(db).claim(name, "dead", NOW - timedelta(hours=1), TTL)
        won = race(url, 2, lambda other, i, name=name: Leases(other).claim(name, f"instance-{i}", NOW, TTL))  # type: ignore[misc]
        assert won.count(True) == 1, won


def queue(outbox: Outbox, n: int, destination: str = "owner_email", due: timedelta = timedelta(0)) -> int:
    key = f"m{n}:rule:{destination}"
    assert outbox.enqueue(key, destination=destination, rule="rule", now=NOW, due_at=NOW + due)
    row = outbox.find(key)
    assert row is not None
    return row.id


def test_an_instance_claims_the_due_rows_no_other_holds(db: Database) -> None:
    outbox = Outbox(db)
    due = [queue(outbox, n) for n in range(3)]
    later = queue(outbox, 3, due=timedelta(hours=1))
    elsewhere = queue(outbox, 4, destination="owner_phone")
    taken = outbox.claim_due("owner_email", "a", NOW, TTL)
    assert [r.id for r in taken] == due
    assert all(r.claimed_by == "a" and r.claimed_until == NOW + TTL for r in taken)
    assert later not in {r.id for r in taken} and elsewhere not in {r.id for r in taken}
    assert outbox.claim_due("owner_email", "b", NOW + timedelta(minutes=1), TTL) == []
    assert outbox.destinations_due(NOW, holder="b") == ["owner_phone"]
    assert outbox.destinations_due(NOW, holder="a") == ["owner_email", "owner_phone"]
    # a renews what it holds; b takes over what a held once a's claim has expired (a died mid-delivery)
    renewed = outbox.claim_due("owner_email", "a", NOW + timedelta(minutes=1), TTL)
    assert [r.claimed_until for r in renewed] == [NOW + timedelta(minutes=3)] * 3
    taken_over = outbox.claim_due("owner_email", "b", NOW + timedelta(minutes=3), TTL)
    assert [r.id for r in taken_over] == due
    # a sent row is nobody's to claim any more; a released one is free at once
    outbox.mark_sent(due[:1], NOW, outbox.log_delivery("owner_email", NOW, 1, "t"))
    assert outbox.release_claims("b", due[1:2]) == 1
    assert [r.id for r in outbox.claim_due("owner_email", "c", NOW + timedelta(minutes=3), TTL)] == [due[1]]
    assert outbox.release_claims("b") == 1
    assert outbox.release_claims("b", []) == 0
    assert [r.id for r in outbox.claim_due("owner_email", "c", NOW + timedelta(minutes=3), TTL, limit=5)] == due[1:]


def test_a_postponed_row_is_given_back(db: Database) -> None:
    outbox = Outbox(db)
    row = queue(outbox, 1)
    outbox.claim_due("owner_email", "a", NOW, TTL)
    outbox.postpone([row], NOW + timedelta(minutes=1), error="held: quiet hours")
    assert [r.id for r in outbox.claim_due("owner_email", "b", NOW + timedelta(minutes=1), TTL)] == [row]


def test_of_instances_claiming_the_same_rows_at_once_each_row_goes_to_one(url: str, db: Database) -> None:
    outbox = Outbox(db)
    for round_ in range(5):
        ids = {queue(outbox, 100 * round_ + n, destination=f"dest-{round_}") for n in range(20)}
        claimed = race(
            url,
            3,
            lambda other, i, d=f"dest-{round_}": [  # type: ignore[misc]
                r.id for r in Outbox(other).claim_due(d, f"instance-{i}", NOW, TTL, limit=8)
            ],
        )
        every = [row for rows in claimed for row in rows]
        assert len(every) == len(set(every)), claimed  # no row twice
        assert set(every) <= ids
        assert len(every) == 20  # 3 instances x 8 rows at most: all 20 taken, none lost


def test_instances_register_beat_and_show_what_they_hold(db: Database) -> None:
    instances, leases, outbox = Instances(db), Leases(db), Outbox(db)
    instances.register("host-a:100:x1", "host-a", 100, NOW)
    instances.register("host-b:200:y2", "host-b", 200, NOW)
    assert instances.heartbeat("host-b:200:y2", NOW + timedelta(seconds=10))
    assert not instances.heartbeat("nobody", NOW)
    leases.claim("poll:blogs", "host-a:100:x1", NOW, TTL)
    leases.claim("digest", "host-a:100:x1", NOW - timedelta(hours=1), TTL)  # expired long ago
    queue(outbox, 1)
    queue(outbox, 2)
    outbox.claim_due("owner_email", "host-b:200:y2", NOW, TTL)
    listed = instances.all(NOW + timedelta(seconds=10))
    assert [i.id for i in listed] == ["host-b:200:y2", "host-a:100:x1"]  # the freshest heartbeat first
    b, a = listed
    assert (a.hostname, a.pid, a.started_at, a.heartbeat_at, a.leases, a.outbox_claims) == (
        "host-a",
        100,
        NOW,
        NOW,
        ("poll:blogs",),
        0,
    )
    assert (b.heartbeat_at, b.leases, b.outbox_claims) == (NOW + timedelta(seconds=10), (), 2)
    # a clean stop frees what the instance held at once; a silent one is pruned
    instances.remove("host-b:200:y2")
    assert [r.claimed_by for r in outbox.pending("owner_email")] == [None, None]
    assert instances.prune(NOW + timedelta(seconds=1)) == ["host-a:100:x1"]
    assert instances.all(NOW) == []
    instances.register("host-a:100:x1", "host-a", 100, NOW + timedelta(minutes=5))
    assert [i.started_at for i in instances.all(NOW)] == [NOW + timedelta(minutes=5)]
