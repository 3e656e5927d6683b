#!/usr/bin/env python3
"""Checks of the benchmark harness itself (metrics, adapters' contract handling, failures, cache),
with no peer installed: only numpy is needed.

    benches/forecast/.venv/bin/python benches/forecast/test_harness.py
"""

import common  # noqa: I001 - first: single-thread environment

import math
import os
import tempfile
import unittest

import numpy as np


class Module:
    """A stand-in `halobuzz_analytics` whose forecast_series returns what the test says."""

    def __init__(self, fn):
        self.forecast_series = fn


def result(point, lo80, hi80, lo95, hi95, name="M"):
    return {"point": point, "model": {"name": name},
            "intervals": [{"level": 80.0, "lower": lo80, "upper": hi80},
                          {"level": 95.0, "lower": lo95, "upper": hi95}]}


class Metrics(unittest.TestCase):
    def test_smape(self):
        self.assertAlmostEqual(common.smape([100, 0], [110, 0]), (200 * 10 / 210 + 0) / 2)
        self.assertEqual(common.smape([0, 0], [0, 0]), 0.0)
        self.assertAlmostEqual(common.smape([0], [5]), 200.0)

    def test_scale_and_mase(self):
        train = [1, 2, 3, 5, 7, 9]  # m = 2: differences 2, 3, 4, 4 -> 3.25
        self.assertAlmostEqual(common.seasonal_scale(train, 2), 3.25)
        self.assertAlmostEqual(common.mase([10, 10], [9, 12], 3.25), 1.5 / 3.25)
        self.assertTrue(math.isnan(common.mase([1], [1], 0.0)))
        self.assertTrue(math.isinf(common.mase([1], [2], 0.0)))
        np.testing.assert_array_equal(common.seasonal_naive(train, 5, 2), [7, 9, 7, 9, 7])

    def test_msis(self):
        # a = 0.05: widths 2; penalties 2/a * 1 = 40 below, 2/a * 2 = 80 above, 0 inside.
        y, lo, hi = [0.0, 5.0, 2.0], [1.0, 1.0, 1.0], [3.0, 3.0, 3.0]
        self.assertAlmostEqual(common.msis(y, lo, hi, 2.0, 95), (2 + 40 + 2 + 80 + 2) / 3 / 2.0)
        self.assertEqual(common.inside(y, lo, hi), 1)
        self.assertEqual(common.inside([1.0, 3.0], [1.0, 1.0], [3.0, 3.0]), 2)  # bounds inclusive

    def test_summary(self):
        train = np.arange(20, dtype=float) % 4 + 10
        test = np.array([10.0, 11.0, 12.0, 13.0])
        good = {"ms": 2.0, "model": "x", "point": [10.0, 11.0, 12.0, 14.0],
                "intervals": {"80": [[9] * 4, [11] * 4], "95": [[0] * 4, [100] * 4]}}
        recs = []
        for res in (good, {"ms": 4.0, "error": "ValueError: boom"}):
            rec = {"h": 4, "ms": res["ms"]}
            if "error" in res:
                rec["error"] = res["error"]
            rec.update(common.score(res, train, test, 4))
            recs.append(rec)
        s = common.summarize(recs)
        self.assertEqual((s["n"], s["ok"], s["fails"]), (2, 1, 1))
        self.assertEqual(s["cov80"], 2 / 4)
        self.assertEqual(s["cov95"], 1.0)
        # the seasonal naive is exact here: MASE_snaive = 0, so the only pair is skipped
        self.assertEqual(s["rel_mase_skipped"], 1)
        self.assertTrue(math.isnan(s["rel_mase"]))
        self.assertEqual(s["ms_median"], 3.0)


class Adapters(unittest.TestCase):
    y = np.sin(np.arange(60) * 2 * np.pi / 7) + 5 + np.random.default_rng(1).normal(0, 0.3, 60)

    def run_module(self, fn, h=3):
        adapter = common.HaloBuzzAdapter(Module(fn))
        return common.run_one(adapter, self.y, h, 7, [7])

    def test_contract(self):
        seen = {}

        def fn(values, horizon, season_length, levels):
            seen.update(values=values, horizon=horizon, season_length=season_length, levels=levels)
            return result([1.0] * horizon, [0.0] * horizon, [2.0] * horizon, [-1.0] * horizon, [3.0] * horizon)

        r = self.run_module(fn)
        self.assertNotIn("error", r)
        self.assertIsInstance(seen["values"], list)
        self.assertIsInstance(seen["values"][0], float)
        self.assertEqual((seen["horizon"], seen["season_length"], seen["levels"]), (3, [7], [80, 95]))
        self.assertEqual(r["intervals"]["95"], [[-1.0] * 3, [3.0] * 3])
        self.assertEqual(r["model"], "M")

    def test_int_season_for_nonseasonal(self):
        got = []
        adapter = common.HaloBuzzAdapter(Module(lambda v, h, season_length, levels: got.append(season_length)))
        common.run_one(adapter, self.y, 2, 1, [1])
        self.assertEqual(got, [1])

    def test_failures_are_recorded(self):
        def boom(*a, **k):
            raise RuntimeError("no model")

        self.assertIn("RuntimeError", self.run_module(boom)["error"])
        nan = lambda v, h, **k: result([float("nan")] * h, [0.0] * h, [1.0] * h, [0.0] * h, [1.0] * h)  # noqa: E731
        self.assertIn("non-finite", self.run_module(nan)["error"])
        short = lambda v, h, **k: result([1.0] * (h - 1), [0.0] * h, [1.0] * h, [0.0] * h, [1.0] * h)  # noqa: E731
        self.assertIn("expected 3", self.run_module(short)["error"])
        no95 = lambda v, h, **k: {"point": [1.0] * h, "model": {"name": "x"},  # noqa: E731
                                  "intervals": [{"level": 80.0, "lower": [0.0] * h, "upper": [2.0] * h}]}
        self.assertIn("no 95 %", self.run_module(no95)["error"])

    def test_missing_function_is_unavailable(self):
        class Empty:
            pass

        import sys
        saved = sys.modules.get("halobuzz_analytics")
        sys.modules["halobuzz_analytics"] = Empty()
        try:
            with self.assertRaises(common.MethodUnavailable) as cm:
                common.HaloBuzzAdapter()
            self.assertIn("no forecast_series", str(cm.exception))
        finally:
            if saved is None:
                del sys.modules["halobuzz_analytics"]
            else:
                sys.modules["halobuzz_analytics"] = saved

    def test_fake_is_a_seasonal_naive(self):
        r = common.run_one(common.make_adapter("fake"), self.y, 10, 7, [7])
        np.testing.assert_allclose(r["point"], common.seasonal_naive(self.y, 10, 7), rtol=1e-9)
        lo, hi = r["intervals"]["80"]
        self.assertTrue(np.all(np.array(hi) >= np.array(lo)))
        # one full season later the interval is sqrt(2) times wider
        self.assertAlmostEqual((hi[7] - lo[7]) / (hi[0] - lo[0]), math.sqrt(2), places=6)

    def test_cache_roundtrip_and_version(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "cache-x.json")
            c = common.Cache(path, "v1")
            c.put("k", {"ms": 1.0, "error": "x"})
            c.save()
            self.assertEqual(common.Cache(path, "v1").get("k"), {"ms": 1.0, "error": "x"})
            self.assertIsNone(common.Cache(path, "v2").get("k"))
            self.assertIsNone(common.Cache(path, "v1", enabled=False).get("k"))
        a = common.data_hash(self.y, 3, 7, [7])
        self.assertEqual(a, common.data_hash(self.y.copy(), 3, 7, [7]))
        self.assertNotEqual(a, common.data_hash(self.y[:-1], 3, 7, [7]))
        self.assertNotEqual(a, common.data_hash(self.y, 3, 7, [7, 365]))


if __name__ == "__main__":
    unittest.main()
