"""Shared parts of the forecasting benchmarks (`bench.py`, `m3.py`): method adapters, timing, the
per-method cache, accuracy metrics and markdown tables.

Every method is wrapped in an adapter with three steps, so that only the model's own work is timed:

    prepared = adapter.prepare(y)                    # untimed: convert the training values
    raw = adapter.call(prepared, h, m, periods)      # timed with time.perf_counter(): fit + forecast
    fc = adapter.parse(raw, h)                       # untimed: check shapes, read point and intervals

`run_one` catches every exception and every non-finite output and records it as a failure.
"""

import os

# One thread everywhere, set before numpy / numba / statsforecast / polars are imported (the caller
# imports this module first). Rust libraries (augurs, ours) use rayon at most.
for _var in (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "NUMBA_NUM_THREADS",
    "RAYON_NUM_THREADS",
    "POLARS_MAX_THREADS",
):
    os.environ[_var] = "1"

import hashlib  # noqa: E402
import importlib.util  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from importlib import metadata  # noqa: E402
from statistics import NormalDist  # noqa: E402

import numpy as np  # noqa: E402

LEVELS = (80, 95)
HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, "results")


class MethodUnavailable(Exception):
    """The method cannot run in this environment (package missing, function not there yet)."""


def pkg_version(name):
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


# --------------------------------------------------------------------------------------------------
# Adapters
# --------------------------------------------------------------------------------------------------


class Forecast:
    """A checked forecast: point and {level: (lower, upper)} as float arrays of length h."""

    def __init__(self, point, intervals, model):
        self.point = point
        self.intervals = intervals
        self.model = model


def _check(name, arr, h):
    a = np.asarray(arr, dtype=float)
    if a.shape != (h,):
        raise ValueError(f"{name}: expected {h} values, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name}: non-finite values")
    return a


class Adapter:
    name = "?"
    label = "?"
    cached = True  # peers are cached; ours and the fake stand-in are always re-run

    def version(self):
        """A string naming the package version and configuration: cache entries are used only when
        it matches."""
        raise NotImplementedError

    def prepare(self, y):
        return np.ascontiguousarray(y, dtype=np.float64)

    def call(self, prepared, h, m, periods):
        raise NotImplementedError

    def parse(self, raw, h):
        raise NotImplementedError

    def warmup_key(self, m, periods):
        return (m, tuple(periods))


class HaloBuzzAdapter(Adapter):
    """`ours`: halobuzz_analytics.forecast_series(values, horizon, season_length=periods,
    levels=[80, 95]) -> {"point": [...], "intervals": [{"level": 80.0, "lower": [...],
    "upper": [...]}, ...], "model": {"name": "..."}}.

    `module` can be any object with that function: `fake` passes a numpy seasonal naive."""

    cached = False

    def __init__(self, module=None, name="ours", label=None):
        self.name = name
        self.label = label or "halobuzz_analytics.forecast_series"
        if module is None:
            try:
                import halobuzz_analytics as module
            except ImportError as e:
                raise MethodUnavailable(
                    f"halobuzz_analytics cannot be imported ({e}); build it with "
                    "benches/forecast/setup.sh") from e
            if not hasattr(module, "forecast_series"):
                raise MethodUnavailable(
                    "halobuzz_analytics has no forecast_series yet (the forecaster is not in this "
                    f"build: {getattr(module, '__file__', '?')})")
        self.module = module

    def version(self):
        version = getattr(self.module, "__version__", None)
        return f"{self.label} {version}" if version else self.label

    def prepare(self, y):
        return [float(v) for v in y]

    def call(self, prepared, h, m, periods):
        season = list(periods) if len(periods) > 1 or periods[0] > 1 else 1
        return self.module.forecast_series(prepared, h, season_length=season, levels=list(LEVELS))

    def parse(self, raw, h):
        point = _check("point", raw["point"], h)
        intervals = {}
        for iv in raw.get("intervals") or []:
            lv = float(iv["level"])
            if lv <= 1.0:  # a fraction, 0.8 -> 80
                lv *= 100.0
            for want in LEVELS:
                if abs(lv - want) < 1e-6:
                    intervals[want] = (_check(f"lower {want}", iv["lower"], h),
                                       _check(f"upper {want}", iv["upper"], h))
        for want in LEVELS:
            if want not in intervals:
                raise ValueError(f"no {want} % interval in the result")
        model = raw.get("model") or {}
        return Forecast(point, intervals, str(model.get("name", "?")))


class FakeHaloBuzz:
    """Stands in for halobuzz_analytics with the same `forecast_series` contract: a seasonal naive
    (period = the first of `season_length`) with normal intervals widened as in Hyndman & Athanasopoulos
    (sigma * sqrt(k + 1), k = the number of complete seasons before step j). Tests the harness only."""

    @staticmethod
    def forecast_series(values, horizon, season_length=1, levels=(80, 95)):
        y = np.asarray(values, dtype=float)
        m = season_length if isinstance(season_length, int) else int(list(season_length)[0])
        m = max(1, min(m, len(y)))
        last = y[-m:]
        steps = np.arange(horizon)
        point = last[steps % m]
        resid = y[m:] - y[:-m]
        sigma = float(np.sqrt(np.mean(resid ** 2))) if resid.size else 0.0
        width = sigma * np.sqrt(steps // m + 1)
        intervals = []
        for lv in levels:
            z = NormalDist().inv_cdf(0.5 + lv / 200.0)
            intervals.append({"level": float(lv), "lower": list(point - z * width),
                              "upper": list(point + z * width)})
        return {"point": list(point), "intervals": intervals, "model": {"name": f"SeasonalNaive({m})"}}


class StatsForecastAdapter(Adapter):
    """A statsforecast model's `.forecast(y=..., h=..., level=[80, 95])` on a numpy array."""

    def __init__(self, name, label, make):
        if importlib.util.find_spec("statsforecast") is None:
            raise MethodUnavailable("statsforecast is not installed")
        self.name = name
        self.label = label
        self.make = make  # (m, periods) -> model object

    def version(self):
        return f"statsforecast {pkg_version('statsforecast')} {self.label}"

    def call(self, prepared, h, m, periods):
        model = self.make(m, periods)
        return model.forecast(y=prepared, h=h, level=list(LEVELS))

    def parse(self, raw, h):
        point = _check("mean", raw["mean"], h)
        intervals = {lv: (_check(f"lo-{lv}", raw[f"lo-{lv}"], h), _check(f"hi-{lv}", raw[f"hi-{lv}"], h))
                     for lv in LEVELS}
        return Forecast(point, intervals, self.label)


def sf_autoets():
    from statsforecast.models import AutoETS
    return StatsForecastAdapter("sf-autoets", "AutoETS(season_length=m)",
                                lambda m, periods: AutoETS(season_length=m))


def sf_mstl():
    from statsforecast.models import MSTL, AutoETS
    return StatsForecastAdapter(
        "sf-mstl", "MSTL(season_length=periods, trend_forecaster=AutoETS(model='ZZN'))",
        lambda m, periods: MSTL(season_length=list(periods), trend_forecaster=AutoETS(model="ZZN")))


def sf_snaive():
    from statsforecast.models import SeasonalNaive
    return StatsForecastAdapter("sf-snaive", "SeasonalNaive(season_length=m)",
                                lambda m, periods: SeasonalNaive(season_length=m))


def sf_theta():
    from statsforecast.models import Theta
    return StatsForecastAdapter("sf-theta", "Theta(season_length=m)",
                                lambda m, periods: Theta(season_length=m))


def sf_autotheta():
    from statsforecast.models import AutoTheta
    return StatsForecastAdapter("sf-autotheta", "AutoTheta(season_length=m)",
                                lambda m, periods: AutoTheta(season_length=m))


class AugursMSTLAdapter(Adapter):
    """augurs `MSTL.ets(periods)` (MSTL decomposition, AutoETS on the deseasonalised series): one
    `fit`, then one `predict(h, level=...)` per level (0.8 and 0.95); all three calls are timed."""

    name = "augurs-mstl"
    label = "MSTL.ets(periods)"

    def __init__(self):
        try:
            import augurs
        except ImportError as e:
            raise MethodUnavailable(f"augurs is not installed ({e})") from e
        self.augurs = augurs

    def version(self):
        return f"augurs {pkg_version('augurs')} {self.label}"

    def call(self, prepared, h, m, periods):
        model = self.augurs.MSTL.ets([int(p) for p in periods])
        model.fit(prepared)
        return {lv: model.predict(h, level=lv / 100.0) for lv in LEVELS}

    def parse(self, raw, h):
        point = _check("point", raw[LEVELS[0]].point(), h)
        intervals = {}
        for lv, f in raw.items():
            if f.lower() is None or f.upper() is None:
                raise ValueError(f"no {lv} % interval")
            intervals[lv] = (_check(f"lower {lv}", f.lower(), h), _check(f"upper {lv}", f.upper(), h))
        return Forecast(point, intervals, self.label)


def make_adapter(name):
    """Builds the adapter of a method name; raises MethodUnavailable when it cannot run here."""
    if name == "ours":
        return HaloBuzzAdapter()
    if name == "fake":
        return HaloBuzzAdapter(FakeHaloBuzz(), name="fake",
                               label="fake: numpy seasonal naive behind the `ours` contract (harness check)")
    factories = {
        "sf-autoets": sf_autoets,
        "sf-mstl": sf_mstl,
        "sf-snaive": sf_snaive,
        "sf-theta": sf_theta,
        "sf-autotheta": sf_autotheta,
        "augurs-mstl": AugursMSTLAdapter,
    }
    if name not in factories:
        raise SystemExit(f"unknown method {name!r}; known: ours, fake, {', '.join(factories)}")
    try:
        return factories[name]()
    except ImportError as e:
        raise MethodUnavailable(str(e)) from e


def run_one(adapter, y, h, m, periods):
    """Fit + forecast once. Returns a dict: ms, and point/intervals/model, or error."""
    prepared = adapter.prepare(y)
    t0 = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            raw = adapter.call(prepared, h, m, periods)
    except Exception as e:  # noqa: BLE001 - a failed fit is a counted failure, not a crash
        return {"ms": (time.perf_counter() - t0) * 1e3, "error": f"{type(e).__name__}: {e}"[:300]}
    ms = (time.perf_counter() - t0) * 1e3
    try:
        fc = adapter.parse(raw, h)
    except Exception as e:  # noqa: BLE001
        return {"ms": ms, "error": f"bad output: {type(e).__name__}: {e}"[:300]}
    return {
        "ms": ms,
        "model": fc.model,
        "point": _round(fc.point),
        "intervals": {str(lv): [_round(lo), _round(hi)] for lv, (lo, hi) in fc.intervals.items()},
    }


class Runner:
    """Runs one adapter, warming it up (untimed) once per season configuration so that numba's JIT
    compilation is not in any timed call."""

    def __init__(self, adapter):
        self.adapter = adapter
        self.warm = set()

    def __call__(self, y, h, m, periods):
        key = self.adapter.warmup_key(m, periods)
        if key not in self.warm:
            self.warm.add(key)
            run_one(self.adapter, y, h, m, periods)
        return run_one(self.adapter, y, h, m, periods)


def run_methods(tasks, methods, all_methods, cache_path, no_cache, group, make_record, progress_every=0):
    """Runs every available method on every task (task-major, so slow drifts of the machine's speed
    touch every method alike), peers through their cache. Methods not run now but with cache entries
    for these tasks (e.g. the peers when only `ours` runs) are read from their cache.

    A task is a dict with key, train, h, m, periods and `group` (printed as progress). Returns a dict:
    records {method: [make_record(task, method, result, from_cache)]} in `all_methods` order,
    versions {method: version string}, notes {method: why not run / partial}, fitted {method: count
    fitted now}, elapsed (s)."""
    runners, caches, notes = {}, {}, {}
    for name in methods:
        try:
            adapter = make_adapter(name)
        except MethodUnavailable as e:
            notes[name] = f"not run: {e}"
            print(f"SKIPPED {name}: {e}", file=sys.stderr)
            continue
        runners[name] = Runner(adapter)
        if adapter.cached:
            caches[name] = Cache(cache_path(name), adapter.version(), enabled=not no_cache)

    records = {}
    fitted = {}
    t_start = time.perf_counter()
    last = None
    for k, task in enumerate(tasks):
        if task[group] != last or (progress_every and k % progress_every == 0):
            for c in caches.values():
                c.save()
            last = task[group]
            print(f"[{time.perf_counter() - t_start:7.1f} s] {last} ({k}/{len(tasks)})", file=sys.stderr)
        for name, runner in runners.items():
            cache = caches.get(name)
            result = cache.get(task["key"]) if cache else None
            from_cache = result is not None
            if result is None:
                result = runner(task["train"], task["h"], task["m"], task["periods"])
                fitted[name] = fitted.get(name, 0) + 1
                if cache:
                    cache.put(task["key"], result)
            records.setdefault(name, []).append(make_record(task, name, result, from_cache))
    for c in caches.values():
        c.save()
    elapsed = time.perf_counter() - t_start

    versions = {name: r.adapter.version() for name, r in runners.items()}
    for name in all_methods:
        if name in runners or name in ("ours", "fake"):
            continue
        version, entries = load_cache_readonly(cache_path(name))
        hits = [(t, entries[t["key"]]) for t in tasks if t["key"] in entries]
        if hits:
            versions[name] = version
            records[name] = [make_record(t, name, res, True) for t, res in hits]
            if len(hits) < len(tasks):
                notes[name] = f"cache covers {len(hits)} of {len(tasks)} tasks"
    records = {name: records[name] for name in all_methods if name in records}
    print(f"fitted {fitted or 'nothing (all from the cache)'} in {elapsed:.1f} s", file=sys.stderr)
    return {"records": records, "versions": versions, "notes": notes, "fitted": fitted, "elapsed": elapsed}


def _round(a):
    # 10 significant digits keep the cache small; the metrics are unchanged at any shown precision.
    return [float(f"{float(v):.10g}") for v in a]


# --------------------------------------------------------------------------------------------------
# Cache
# --------------------------------------------------------------------------------------------------


def data_hash(train, h, m, periods):
    d = hashlib.sha256()
    d.update(np.ascontiguousarray(train, dtype=np.float64).tobytes())
    d.update(json.dumps([int(h), int(m), [int(p) for p in periods], list(LEVELS)]).encode())
    return d.hexdigest()[:16]


class Cache:
    """`results/<prefix><method>.json`: {"version": ..., "entries": {key: run_one(...) result}}.
    Entries are ignored when the version string (package version + configuration) differs."""

    def __init__(self, path, version, enabled=True):
        self.path = path
        self.version = version
        self.entries = {}
        self.dirty = False
        if enabled and os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                doc = json.load(f)
            if doc.get("version") == version:
                self.entries = doc.get("entries", {})
            else:
                print(f"  cache {os.path.basename(path)}: version {doc.get('version')!r} != {version!r}, "
                      "ignored", file=sys.stderr)

    def get(self, key):
        return self.entries.get(key)

    def put(self, key, value):
        self.entries[key] = value
        self.dirty = True

    def save(self):
        if not self.dirty:
            return
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        tmp = self.path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump({"version": self.version, "entries": self.entries}, f, separators=(",", ":"),
                      sort_keys=True)
            f.write("\n")
        os.replace(tmp, self.path)
        self.dirty = False


def load_cache_readonly(path):
    """The version and entries of a cache file written earlier (for methods not run now)."""
    if not os.path.exists(path):
        return None, {}
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    return doc.get("version"), doc.get("entries", {})


# --------------------------------------------------------------------------------------------------
# Metrics
# --------------------------------------------------------------------------------------------------


def smape(y, f):
    """Mean over the horizon of 200 |y - f| / (|y| + |f|), in percent; 0/0 counts as 0."""
    y = np.asarray(y, float)
    f = np.asarray(f, float)
    den = np.abs(y) + np.abs(f)
    num = 200.0 * np.abs(y - f)
    return float(np.mean(np.divide(num, den, out=np.zeros_like(num), where=den > 0)))


def seasonal_scale(train, m):
    """Mean absolute seasonal difference of the training set (the MASE / MSIS denominator)."""
    train = np.asarray(train, float)
    m = max(1, int(m))
    if len(train) <= m:
        return float("nan")
    return float(np.mean(np.abs(train[m:] - train[:-m])))


def seasonal_naive(train, h, m):
    train = np.asarray(train, float)
    m = max(1, min(int(m), len(train)))
    return train[-m:][np.arange(h) % m]


def mase(y, f, scale):
    mae = float(np.mean(np.abs(np.asarray(y, float) - np.asarray(f, float))))
    return mae / scale if scale > 0 else float("nan") if mae == 0 else float("inf")


def msis(y, lo, hi, scale, level=95):
    """Mean scaled interval score (Gneiting & Raftery; M4): mean of (u - l) + 2/a (l - y)[y < l]
    + 2/a (y - u)[y > u], a = 1 - level/100, divided by the in-sample seasonal scale."""
    y, lo, hi = (np.asarray(v, float) for v in (y, lo, hi))
    a = 1.0 - level / 100.0
    score = (hi - lo) + (2.0 / a) * (lo - y) * (y < lo) + (2.0 / a) * (y - hi) * (y > hi)
    s = float(np.mean(score))
    return s / scale if scale > 0 else float("nan")


def inside(y, lo, hi):
    """Number of held-out points inside [lo, hi]."""
    y, lo, hi = (np.asarray(v, float) for v in (y, lo, hi))
    return int(np.sum((y >= lo) & (y <= hi)))


def score(result, train, test, m):
    """The per-series-origin metrics of one run_one result (None where it failed)."""
    if "error" in result:
        return {}
    scale = seasonal_scale(train, m)
    point = result["point"]
    out = {
        "smape": smape(test, point),
        "mase": mase(test, point, scale),
        "mase_snaive": mase(test, seasonal_naive(train, len(test), m), scale),
    }
    for lv in LEVELS:
        lo, hi = result["intervals"][str(lv)]
        out[f"inside{lv}"] = inside(test, lo, hi)
    lo, hi = result["intervals"]["95"]
    out["msis95"] = msis(test, lo, hi, scale, 95)
    return out


def summarize(records):
    """Aggregates per-series-origin records of one method (see README for every formula)."""
    n = len(records)
    ok = [r for r in records if "error" not in r]
    fails = n - len(ok)
    ms = np.array([r["ms"] for r in records], float)
    out = {"n": n, "ok": len(ok), "fails": fails,
           "ms_median": float(np.median(ms)) if n else float("nan"),
           "ms_p95": float(np.percentile(ms, 95)) if n else float("nan"),
           "s_total": float(ms.sum() / 1e3) if n else 0.0}
    if not ok:
        return out
    out["smape"] = float(np.mean([r["smape"] for r in ok]))
    logs, skipped = [], 0
    for r in ok:
        a, b = r.get("mase"), r.get("mase_snaive")
        if a is None or b is None or not (math.isfinite(a) and math.isfinite(b)) or a <= 0 or b <= 0:
            skipped += 1
        else:
            logs.append(math.log(a / b))
    out["rel_mase"] = float(math.exp(np.mean(logs))) if logs else float("nan")
    out["rel_mase_skipped"] = skipped
    points = sum(r["h"] for r in ok)
    for lv in LEVELS:
        out[f"cov{lv}"] = sum(r[f"inside{lv}"] for r in ok) / points
    ms95 = [r["msis95"] for r in ok if math.isfinite(r["msis95"])]
    out["msis95_median"] = float(np.median(ms95)) if ms95 else float("nan")
    return out


# --------------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------------


def fmt(v, spec):
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "—"
    return format(v, spec)


def fmt_ms(v):
    """Milliseconds with a precision that suits their size: 0.052, 4.7, 363."""
    if v is None or not math.isfinite(v):
        return "—"
    return f"{v:.0f}" if v >= 100 else f"{v:.1f}" if v >= 1 else f"{v:.3f}"


def md_table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def environment():
    import multiprocessing
    return {
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {multiprocessing.cpu_count()} cores",
        "numpy": pkg_version("numpy"),
        "statsforecast": pkg_version("statsforecast"),
        "augurs": pkg_version("augurs"),
        "numba": pkg_version("numba"),
        "halobuzz-analytics": pkg_version("halobuzz-analytics") or "not installed",
        "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "load_average": " ".join(f"{v:.2f}" for v in os.getloadavg()),
    }


def write_json(path, doc):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(doc, f, separators=(",", ":"), allow_nan=True)
        f.write("\n")
    os.replace(tmp, path)


def parse_methods(text, known):
    names = [t.strip() for t in text.split(",") if t.strip()]
    for n in names:
        if n not in known:
            raise SystemExit(f"unknown method {n!r}; known: {', '.join(known)}")
    return names
