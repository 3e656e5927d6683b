# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # HaloBuzz analytics from Python: quickstart
#
# Generate a synthetic HaloBuzz dataset, check its quality, compute the KPIs of the last 30 days,
# compare countries, look at signup cohorts, and plot daily revenue with pandas and matplotlib.
#
# This is a notebook in the "percent" format: open it in Jupyter (with jupytext), VS Code or PyCharm,
# or run it as a script (`python docs/notebooks/quickstart.py`). The test suite of
# `bindings-python` runs it headless, so it stays in step with the package.
#
# Needs `pip install halobuzz-analytics pandas matplotlib` (or `bindings-python/scripts/test.sh`,
# which builds the package into `bindings-python/.venv`).

# %%
import datetime as dt

import matplotlib.pyplot as plt
import pandas as pd

import halobuzz_analytics as ha

pd.set_option("display.width", 120)
pd.set_option("display.max_columns", 12)

# %% [markdown]
# ## 1. Data
#
# `Engine.generate` simulates users, streams, gifts, top-ups, games and moderation, seeded and
# deterministic. We inject a 45 % drop of money payments ten days before the end, to find it again
# in the plot. `Engine.from_directory("path/to/mongoexport")` loads real exports the same way.
#
# There is deliberately no default USD to NPR rate: reports that meet USD amounts need one. Nor is
# there a built-in key for the pseudonyms that replace user ids in results: pass your secret as
# `pseudonym_key=` (or set `ANALYTICS_PSEUDONYM_KEY`); a demo can ask for a random key of this process
# instead (its pseudonyms change with every run).
#
# Only days that are over are stored as rollups, and requests may not name days after tomorrow: both are
# decided by the engine's clock. We stop it (`now=`) the morning after the generated window, so the
# notebook gives the same output on any day; leave `now` out to use the machine's clock.

# %%
DAYS = 60
DROP_DAY = dt.date(2026, 4, 24)  # the default 60-day window is 2026-03-06 .. 2026-05-04

engine = ha.Engine.generate(
    users=2000,
    days=DAYS,
    seed=42,
    revenue_drop={"day": DROP_DAY, "pct": 45},
    usd_to_npr="133.5",
    ephemeral_pseudonym_key=True,  # a demo: real data needs pseudonym_key=<your secret>
    now=dt.datetime(2026, 5, 5, 9, tzinfo=dt.timezone(dt.timedelta(hours=10))),  # 9:00 in Sydney
    read_env=False,  # ignore REPORTS_TZ, USD_TO_NPR, ... of this machine
)
manifest = engine.generation_manifest
assert manifest is not None  # None only for an engine loaded from a directory
start = dt.date.fromisoformat(manifest["start"])
end = dt.date.fromisoformat(manifest["end"])
print(engine)
print(f"generated {sum(c['documents'] for c in manifest['collections'])} documents, {start} .. {end}")

# %% [markdown]
# ## 2. Data quality
#
# Invalid and duplicate documents are skipped, never counted in a KPI, and reported here.

# %%
quality = engine.quality_frame()
print(quality[["collection", "read", "valid", "invalid", "duplicates", "missing_country_share"]])
quality

# %%
engine.quality_frame("invalid").head(10)

# %% [markdown]
# ## 3. Daily rollups
#
# KPIs are computed from daily rollups. `kpis()` rolls up missing days itself; an explicit backfill
# shows progress (a `tqdm` bar works too) and can be stopped with Ctrl-C or by raising in the callback.

# %%
def report_progress(p):
    if p["done"] % 20 == 0 or p["done"] == p["total"]:
        print(f"rolled up {p['done']}/{p['total']} days (last: {p['date']})")


summary = engine.backfill(start, end, progress=report_progress)
summary

# %% [markdown]
# ## 4. KPIs of the last 30 days
#
# Results are plain dicts: the JSON contract with snake_case names (`byOGTier` becomes `by_og_tier`).

# %%
last30 = (end - dt.timedelta(days=29), end)
report = engine.kpis(*last30)
revenue = report["revenue"]
print(f"revenue {revenue['total']:,.2f} NPR ({revenue['growth']:+.1f}% vs the previous 30 days)")
print(f"DAU {report['engagement']['dau']:.1f}, MAU {report['engagement']['mau']}, "
      f"payer rate {report['monetization']['payer_rate']:.1f}%")
{k: revenue[k] for k in ("total", "coin_topups", "og_subscriptions", "refunds", "by_og_tier")}

# %% [markdown]
# Countries side by side: one row per country, one column per metric path.

# %%
by_country = engine.kpis_frame(*last30, country=["ALL", "NP", "IN", "UNKNOWN"])
columns = ["country", "revenue.total", "engagement.dau", "monetization.arpu", "retention.d7_retention"]
print(by_country[columns])
by_country[columns]

# %%
engine.top_creators_frame(*last30).head(5)

# %% [markdown]
# ## 5. Cohorts
#
# Weekly signup cohorts, and the share of each cohort active on its day N: a heat map (pass
# `on_or_after=True` for "active on day N or later"; NaN where a cohort is too young). Then the
# lifecycle of each week: of its active users, who is new, returning or resurrecting, and how many of
# the week before went dormant.

# %%
retention = engine.retention_matrix_frame(start, end, days=[1, 3, 7, 14, 30])
print(retention.round(1))
# Whole weeks only: a last week cut short at `end` would show most of the week before as dormant.
last_sunday = end - dt.timedelta(days=(end.weekday() + 1) % 7)
lifecycle = engine.lifecycle_frame(start, last_sunday, granularity="week")
print(lifecycle)

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5), constrained_layout=True)
shares = retention.drop(columns="cohort_size")
image = ax1.imshow(shares.to_numpy(), cmap="viridis", vmin=0, vmax=100, aspect="auto")
ax1.set_xticks(range(len(shares.columns)), list(shares.columns))
ax1.set_yticks(
    range(len(shares)), [f"{d:%d %b} ({n})" for d, n in zip(shares.index, retention["cohort_size"])]
)
ax1.set_title("Retained on day N (%), by signup week (size)")
fig.colorbar(image, ax=ax1)
bottom = 0
for column in ("new", "returning", "resurrecting"):
    ax2.bar(lifecycle["period"], lifecycle[column], width=5, bottom=bottom, label=column)
    bottom = bottom + lifecycle[column]
ax2.bar(lifecycle["period"], lifecycle["dormant"], width=5, label="dormant")
ax2.axhline(0, color="black", linewidth=0.5)
ax2.set_title("Users per week")
ax2.legend()

# %% [markdown]
# ## 6. A time series
#
# Daily revenue over the whole window, with the injected drop marked.

# %%
daily = engine.time_series_frame("revenue.total", start, end)
weekly = engine.time_series_frame("engagement.avg_session_duration", start, end, granularity="week")

fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(10, 7), constrained_layout=True)
ax1.plot(daily["period"], daily["value"], marker=".")
ax1.axvline(pd.Timestamp(DROP_DAY), color="tab:red", linestyle="--", label="injected 45% drop")
ax1.set_title("Daily revenue (NPR)")
ax1.legend()
ax2.bar(weekly["period"], weekly["value"], width=5)
ax2.set_title("Average session length per week (minutes)")
print(f"plotted {len(daily)} days; revenue on {DROP_DAY}: "
      f"{daily.set_index('period').loc[pd.Timestamp(DROP_DAY), 'value']:,.2f} NPR "
      f"(median day {daily['value'].median():,.2f})")
