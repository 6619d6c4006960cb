"""The fixed cast of the sample data: campaigns, content, owners, accounts and journeys.

A journey is one entity: a person (anonymous visitor, marketing lead, sales-sourced
contact) or one person-less sales-sourced opportunity. Attributes are integer codes;
identifiers are rendered from the entity index later.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from orchestration.sample_data.rules import Rules

CHANNELS = ("paid_search", "paid_social", "email", "events", "content_syndication", "organic")
# Campaign count per channel: ~20 campaigns in all.
CAMPAIGNS_PER_CHANNEL = (4, 4, 4, 3, 3, 2)
N_CONTENT = 15
N_OWNERS = 10
PAGES = (
    "/",
    "/pricing",
    "/product",
    "/product/integrations",
    "/customers",
    "/blog/funnel-metrics",
    "/blog/attribution-101",
    "/docs",
    "/about",
    "/contact",
)
FORMS = ("demo_request", "contact_us", "ebook_download", "webinar_registration", "free_trial")
CRM_STAGES = ("discovery", "demo", "proposal", "negotiation")
# Job titles per seniority value; unknown seniority values fall back to a readable label.
TITLES = {
    "c_level": ("CEO", "CTO", "CFO", "Chief Revenue Officer"),
    "vp": ("VP Sales", "VP Marketing", "VP Engineering"),
    "director": ("Director of Marketing", "Director of Data", "Sales Director"),
    "manager": ("Marketing Manager", "Engineering Manager", "Revenue Operations Manager"),
    "individual_contributor": ("Data Analyst", "Software Engineer", "Marketing Specialist"),
    "student": ("Student", "Research Assistant"),
}
COMPANY_WORDS = (
    "north",
    "blue",
    "bright",
    "iron",
    "cedar",
    "silver",
    "rapid",
    "clear",
    "summit",
    "harbor",
    "pine",
    "atlas",
    "nova",
    "orbit",
    "quartz",
    "river",
)
COMPANY_SUFFIXES = ("labs", "systems", "analytics", "works", "cloud", "group", "health", "bank")
FIRST_NAMES = (
    "ava",
    "ben",
    "chloe",
    "david",
    "emma",
    "felix",
    "grace",
    "hugo",
    "isla",
    "jonas",
    "kai",
    "lena",
    "mia",
    "noah",
    "olivia",
    "paul",
    "quinn",
    "rosa",
    "sam",
    "tara",
    "umar",
    "vera",
    "will",
    "yara",
    "zoe",
)
LAST_NAMES = (
    "smith",
    "garcia",
    "muller",
    "rossi",
    "kim",
    "nguyen",
    "patel",
    "johnson",
    "silva",
    "novak",
    "berg",
    "dubois",
    "tanaka",
    "okafor",
    "jensen",
    "costa",
)


class Kind(IntEnum):
    """What kind of journey an entity was built to follow."""

    MQL = 0  # fit and engaged: becomes an MQL
    LOW_ENGAGEMENT = 1  # fits, but lifetime engagement stays below the threshold
    LOW_FIT = 2  # fit score below the threshold, any engagement
    SUBSCRIBER = 3  # identified by an email touch, never fills a form (fit unknown)
    SALES_PERSON = 4  # first appears in sales events
    SALES_OPPORTUNITY = 5  # an opportunity with no person at all
    VISITOR = 6  # anonymous only, never identifies


MARKETING_KINDS = (Kind.MQL, Kind.LOW_ENGAGEMENT, Kind.LOW_FIT, Kind.SUBSCRIBER)
SALES_SOURCED_KINDS = (Kind.SALES_PERSON, Kind.SALES_OPPORTUNITY)


@dataclass(frozen=True)
class World:
    """Campaigns, content, owners and accounts shared by all journeys."""

    campaign_channel: np.ndarray  # campaign code -> channel code
    account_industry: np.ndarray
    account_size: np.ndarray
    account_word: np.ndarray  # two word codes naming the account's company
    titles: tuple[str, ...]
    title_seniority: np.ndarray  # title code -> seniority code

    @property
    def n_campaigns(self) -> int:
        return len(self.campaign_channel)

    @property
    def n_accounts(self) -> int:
        return len(self.account_industry)

    def campaigns_in(self, *channels: str) -> np.ndarray:
        """Campaign codes running in any of the given channels."""
        codes = [CHANNELS.index(name) for name in channels]
        return np.flatnonzero(np.isin(self.campaign_channel, codes)).astype(np.int16)


def build_world(rng: np.random.Generator, rules: Rules, n_accounts: int) -> World:
    """Campaigns (one channel each), accounts with firmographics, and job titles."""
    campaign_channel = np.repeat(np.arange(len(CHANNELS)), CAMPAIGNS_PER_CHANNEL).astype(np.int8)
    seniorities = rules.fit_values["seniority"]
    titles: list[str] = []
    title_seniority: list[int] = []
    for code, seniority in enumerate(seniorities):
        for title in TITLES.get(seniority, (seniority.replace("_", " ").title(),)):
            titles.append(title)
            title_seniority.append(code)
    industry = rng.integers(0, len(rules.fit_values["industry"]), n_accounts).astype(np.int16)
    size = rng.integers(0, len(rules.fit_values["company_size"]), n_accounts).astype(np.int16)
    # One best-fit and one worst-fit company always exist, so every kind of person can be placed.
    industry[:2] = [
        np.argmax(rules.fit_points["industry"]),
        np.argmin(rules.fit_points["industry"]),
    ]
    size[:2] = [
        np.argmax(rules.fit_points["company_size"]),
        np.argmin(rules.fit_points["company_size"]),
    ]
    return World(
        campaign_channel=campaign_channel,
        account_industry=industry,
        account_size=size,
        account_word=np.stack(
            [
                rng.integers(0, len(COMPANY_WORDS), n_accounts),
                rng.integers(0, len(COMPANY_SUFFIXES), n_accounts),
            ],
            axis=1,
        ),
        titles=tuple(titles),
        title_seniority=np.array(title_seniority, np.int16),
    )


@dataclass
class Entities:
    """One row per journey: its kind and what it told us about itself."""

    kind: np.ndarray
    account: np.ndarray  # -1: none
    seniority: np.ndarray  # -1: never told
    job_title: np.ndarray
    fit: np.ndarray  # fit points of the attributes the person reports on forms
    free_mail: np.ndarray  # free-mail domain code, -1: company domain
    has_anon: np.ndarray  # has a web cookie

    def __len__(self) -> int:
        return len(self.kind)

    def of_kind(self, *kinds: Kind) -> np.ndarray:
        """Entity indexes of the given kinds."""
        return np.flatnonzero(np.isin(self.kind, [int(k) for k in kinds]))


def _pick_seniority(
    rng: np.random.Generator, points: np.ndarray, low: np.ndarray, high: np.ndarray
) -> np.ndarray:
    """A random seniority code whose points lie in [low, high) for each person."""
    order = np.argsort(points, kind="stable")
    sorted_points = points[order]
    first = np.searchsorted(sorted_points, low, side="left")
    stop = np.searchsorted(sorted_points, high, side="left")
    pick = first + (rng.random(len(low)) * (stop - first)).astype(np.int64)
    return order[pick].astype(np.int16)


def build_entities(
    rng: np.random.Generator, rules: Rules, world: World, kinds: np.ndarray
) -> Entities:
    """Attributes for journeys of the given kinds, consistent with what each kind must show.

    MQL and low-engagement people get a fit score at or above the fit threshold; low-fit
    people get one below it; everyone else never reports firmographics.
    """
    n = len(kinds)
    industry_points = rules.fit_points["industry"][world.account_industry]
    size_points = rules.fit_points["company_size"][world.account_size]
    account_points = industry_points + size_points
    seniority_points = rules.fit_points["seniority"]
    threshold = rules.fit_threshold

    account = rng.integers(0, world.n_accounts, n).astype(np.int32)
    fits = np.isin(kinds, [Kind.MQL, Kind.LOW_ENGAGEMENT])
    low = kinds == Kind.LOW_FIT
    good_accounts = np.flatnonzero(account_points + seniority_points.max() >= threshold)
    poor_accounts = np.flatnonzero(account_points + seniority_points.min() < threshold)
    if fits.any():
        if not len(good_accounts):
            raise ValueError("the fit points in the seeds cannot reach the fit threshold")
        account[fits] = rng.choice(good_accounts, fits.sum())
    if low.any():
        if not len(poor_accounts):
            raise ValueError("the fit points in the seeds cannot stay below the fit threshold")
        account[low] = rng.choice(poor_accounts, low.sum())

    seniority = np.full(n, -1, np.int16)
    reports = fits | low
    need = threshold - account_points[account]
    seniority[fits] = _pick_seniority(
        rng, seniority_points, need[fits], np.full(fits.sum(), np.inf)
    )
    seniority[low] = _pick_seniority(rng, seniority_points, np.full(low.sum(), -np.inf), need[low])

    fit = np.zeros(n, np.int64)
    fit[reports] = account_points[account[reports]] + seniority_points[seniority[reports]]

    # A random job title that matches the seniority.
    job_title = np.full(n, -1, np.int16)
    if reports.any():
        title_order = np.argsort(world.title_seniority, kind="stable")
        counts = np.bincount(world.title_seniority, minlength=len(seniority_points))
        starts = np.cumsum(counts) - counts
        s = seniority[reports]
        job_title[reports] = title_order[
            starts[s] + (rng.random(len(s)) * counts[s]).astype(np.int64)
        ]

    person = kinds != Kind.SALES_OPPORTUNITY
    free_mail = np.where(
        (rng.random(n) < 0.15) & person, rng.integers(0, len(rules.free_mail_domains), n), -1
    ).astype(np.int16)
    account[kinds == Kind.VISITOR] = -1
    has_anon = np.isin(kinds, [Kind.MQL, Kind.LOW_ENGAGEMENT, Kind.LOW_FIT, Kind.VISITOR])
    return Entities(
        kind=kinds.astype(np.int8),
        account=account,
        seniority=seniority,
        job_title=job_title,
        fit=fit,
        free_mail=free_mail,
        has_anon=has_anon,
    )


def concat_entities(parts: list[Entities]) -> Entities:
    """Entities of several builds, in order (entity index = position)."""
    return Entities(
        **{
            name: np.concatenate([getattr(part, name) for part in parts])
            for name in (
                "kind",
                "account",
                "seniority",
                "job_title",
                "fit",
                "free_mail",
                "has_anon",
            )
        }
    )
