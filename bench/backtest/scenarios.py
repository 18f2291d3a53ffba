"""Synthetic 5-minute balance histories of SMS accounts, with what really happened: the true
balance, the spend that was coming (so the true time to empty is known), exporter outages and
failing queries. Deterministic for a seed."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field

STEP = 300  # seconds between samples: a 5-minute scrape interval
DAY = 86400
STEPS_PER_DAY = DAY // STEP
# Days the spend model runs past the evaluated history: no exporter reads them, but they hold
# the spend that was coming, so the truth of a forecast fired on the last day is known too.
TAIL_DAYS = 7


@dataclass
class Account:
    """One account's history. `spend[i]` is what the senders asked for in step i (whether or
    not the balance covered it); `balance[i]` is the balance at the end of step i. Both run
    TAIL_DAYS past the evaluated steps."""

    name: str
    provider: str
    kind: str  # "amount" or "messages"
    instances: tuple[str, ...]
    balance: list[float]
    spend: list[float]
    threshold: float | None = None
    auto_recharge: bool = False
    team: str = "growth"
    failing: list[str | None] = field(default_factory=list)  # None, "auth" or "timeout"

    @property
    def currency(self) -> str | None:
        return "EUR" if self.kind == "amount" else None


@dataclass
class History:
    start: int  # unix time of the first sample
    steps: int  # evaluated steps (the accounts' spend and balance run TAIL_DAYS further)
    accounts: list[Account]
    # Per instance, the steps where its scrape failed (a restart or an outage).
    down: dict[str, set[int]]

    def time(self, step: int) -> int:
        return self.start + step * STEP


def _seasonal(step: int, working_hours_only: bool) -> float:
    """Relative spend in a step: a daily cycle peaking in working hours, low at weekends."""
    hour = (step % STEPS_PER_DAY) * STEP / 3600
    weekday = (step // STEPS_PER_DAY) % 7  # the history starts on a Monday
    if working_hours_only:
        return 2.4 if 8 <= hour < 16 and weekday < 5 else 0.0
    daily = 1 + 0.8 * math.sin((hour - 8) / 24 * 2 * math.pi)
    return daily * (0.4 if weekday >= 5 else 1.15)


def _run(
    rng: random.Random,
    steps: int,
    daily_spend: float,
    start_balance: float,
    *,
    working_hours_only: bool = False,
    acceleration: float = 0.0,
    campaigns_every_days: float = 0.0,
    spikes: int = 0,
    refunds: bool = False,
    topup_days: tuple[float, float] = (0.5, 2.5),
    topup_delay_days: tuple[float, float] = (0.2, 3.5),
    auto_recharge_below: float | None = None,
    recharge_fails_at: int | None = None,
) -> tuple[list[float], list[float]]:
    """Balance and asked-for spend. Top-ups come when the balance falls below `topup_days`
    of spend, after a random delay (so some accounts run dry before someone acts)."""
    per_step = daily_spend / STEPS_PER_DAY
    spend = []
    for i in range(steps):
        growth = 1 + acceleration * i / steps
        noise = rng.lognormvariate(0, 0.3)
        spend.append(per_step * _seasonal(i, working_hours_only) * growth * noise)
    campaign_steps = set()
    if campaigns_every_days:
        day = rng.uniform(2, campaigns_every_days)
        while day < steps / STEPS_PER_DAY - 1:
            campaign_steps.add(int(day * STEPS_PER_DAY + 10 * 12))  # 10:00
            day += rng.uniform(0.6, 1.4) * campaigns_every_days
    spike_starts = {rng.randrange(STEPS_PER_DAY * 3, steps - STEPS_PER_DAY) for _ in range(spikes)}
    balance, current = [], start_balance
    topup_at: int | None = None
    campaign_left = 0
    for i in range(steps):
        if i in campaign_steps:
            campaign_left = 24  # two hours, 40 % of the balance
            campaign_per_step = 0.4 * max(current, 0) / 24
        asked = spend[i]
        if campaign_left:
            asked += campaign_per_step
            campaign_left -= 1
        if any(0 <= i - s < 36 for s in spike_starts):  # a runaway loop for 3 hours
            asked += 150 * per_step
        spend[i] = asked
        current = max(current - asked, 0.0)
        if refunds and rng.random() < 0.02:
            current += rng.uniform(0.5, 3) * per_step * 12
        failed = recharge_fails_at is not None and 0 <= i - recharge_fails_at < STEPS_PER_DAY * 2
        if auto_recharge_below is not None and current < auto_recharge_below and not failed:
            current += 10 * auto_recharge_below
        recent = sum(spend[max(0, i - STEPS_PER_DAY * 7) : i + 1]) / min(i + 1, STEPS_PER_DAY * 7)
        if topup_at is None and current < rng.uniform(*topup_days) * recent * STEPS_PER_DAY:
            topup_at = i + int(rng.uniform(*topup_delay_days) * STEPS_PER_DAY)
        if topup_at is not None and i >= topup_at:
            current += rng.uniform(8, 20) * recent * STEPS_PER_DAY
            topup_at = None
        balance.append(round(current, 2))
    return balance, spend


def synthesise(days: int, accounts: int, seed: int = 10, start: int = 0) -> History:
    """`accounts` of the scenarios below (in this order, at most 12) over `days` days, read
    by exporter e1 (the HA pair by e2 and e3), with e1's restarts and one total outage. The
    spend model runs TAIL_DAYS longer than the evaluated `days`."""
    rng = random.Random(seed)
    steps = days * STEPS_PER_DAY
    modelled = steps + TAIL_DAYS * STEPS_PER_DAY
    e1, pair = ("e1",), ("e2", "e3")

    def account(name: str, provider: str, kind: str = "amount", **options: object) -> Account:
        threshold = options.pop("threshold", None)
        auto = bool(options.pop("auto_recharge", False))
        instances = options.pop("instances", e1)
        balance, spend = _run(rng, modelled, **options)  # type: ignore[arg-type]
        return Account(name, provider, kind, instances, balance, spend, threshold, auto)  # type: ignore[arg-type]

    makers: list[Callable[[], Account]] = [
        lambda: account("steady", "twilio", daily_spend=120, start_balance=600, threshold=150),
        lambda: account(
            "office-hours", "vonage", daily_spend=200, start_balance=900, working_hours_only=True
        ),
        lambda: account(
            "campaigns", "plivo", daily_spend=60, start_balance=900, campaigns_every_days=9
        ),
        lambda: account(
            "irregular", "telnyx", daily_spend=90, start_balance=400, topup_days=(0.3, 2.5)
        ),
        lambda: account("idle", "bulksms", daily_spend=0.0, start_balance=3.5, threshold=1),
        lambda: account(
            "accelerating", "infobip", daily_spend=40, start_balance=300, acceleration=3.0
        ),
        lambda: account(
            "messages", "smsdev", "messages", daily_spend=800, start_balance=3000, threshold=1500
        ),
        lambda: account("refunds", "seven", daily_spend=70, start_balance=500, refunds=True),
        lambda: account(
            "auto-recharge",
            "clicksend",
            daily_spend=300,
            start_balance=500,
            threshold=50,
            auto_recharge=True,
            auto_recharge_below=100,
            recharge_fails_at=steps // 2,
            topup_days=(-1.0, -1.0),
        ),
        lambda: account("flaky", "messagebird", daily_spend=50, start_balance=400),
        lambda: account(
            "ha-pair", "brevo", daily_spend=100, start_balance=500, threshold=250, instances=pair
        ),
        lambda: account("runaway", "textmagic", daily_spend=30, start_balance=400, spikes=2),
    ]
    chosen = [make() for make in makers[:accounts]]
    for acc in chosen:
        acc.failing = [None] * steps
    flaky = next((a for a in chosen if a.name == "flaky"), None)
    if flaky is not None:  # a 2-hour timeout spell and a 4-hour revoked key, each week
        for week_start in range(STEPS_PER_DAY, steps - STEPS_PER_DAY * 4, STEPS_PER_DAY * 7):
            for i in range(week_start, week_start + 24):
                flaky.failing[i] = "timeout"
            for i in range(week_start + STEPS_PER_DAY * 3, week_start + STEPS_PER_DAY * 3 + 48):
                flaky.failing[i] = "auth"
    down: dict[str, set[int]] = {"e1": set(), "e2": set(), "e3": set()}
    # Restarts of 10 to 30 minutes, every one to three days, on e1 and e2.
    for instance in ("e1", "e2"):
        at = rng.randrange(STEPS_PER_DAY // 2, STEPS_PER_DAY * 2)
        while at < steps - 12:
            down[instance].update(range(at, at + rng.randint(2, 6)))
            at += rng.randrange(STEPS_PER_DAY, STEPS_PER_DAY * 3)
    # One total outage of three hours, two thirds in.
    outage = steps * 2 // 3
    for instance in down:
        down[instance].update(range(outage, outage + 36))
    return History(start, steps, chosen, down)


def time_to_empty(acc: Account, step: int, limit: int) -> float:
    """Seconds until the balance at `step` is spent by the spend that really came, with no
    top-up; math.inf if not within `limit` steps (at most TAIL_DAYS for the last step)."""
    left, spent = acc.balance[step], 0.0
    if left <= 0:
        return 0.0
    for k in range(step + 1, min(step + 1 + limit, len(acc.spend))):
        spent += acc.spend[k]
        if spent >= left:
            return (k - step) * STEP
    return math.inf
