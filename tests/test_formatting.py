"""What people read: numbers, intervals, p-values, durations and local times, one way everywhere."""

from __future__ import annotations

import calendar
import time

import numpy as np
import pytest

from mlops_desktop.formatting import (
    MISSING,
    ci,
    count,
    difference,
    duration,
    elapsed,
    local_time,
    millis,
    number,
    p_text,
    p_value,
    percent,
    signed,
    significant,
)

NAN, INF = float("nan"), float("inf")
#: Central European time with its summer time rule, written out so no tz database is needed.
BERLIN = "CET-1CEST,M3.5.0,M10.5.0/3"


@pytest.fixture
def local_tz(monkeypatch):
    """Set the process time zone; the previous one is back after the test."""

    def use(tz: str) -> None:
        monkeypatch.setenv("TZ", tz)
        time.tzset()

    yield use
    monkeypatch.undo()
    time.tzset()


def utc(*fields: int) -> int:
    """Year, month, day, hour, minute, second in UTC as a Unix timestamp."""
    return calendar.timegm(fields)


@pytest.mark.parametrize("value", [None, NAN, INF, -INF])
def test_every_formatter_shows_one_marker_for_unknown_values(value):
    for formatter in (number, significant, signed, percent, p_value, count, millis):
        assert formatter(value) == MISSING, formatter
    for formatter in (duration, elapsed, local_time):
        assert formatter(value) == MISSING, formatter
    assert ci(value, 0.8) == ci(0.7, value) == MISSING
    assert difference(value, 0.0, 1.0) == MISSING


def test_numbers_get_fewer_decimals_as_they_grow():
    assert number(0.781234) == "0.781" and number(0.78151) == "0.782"
    assert number(12.345) == "12.35" and number(123.45) == "123.5"
    assert number(12345.6) == "12,346" and number(-1234.56) == "-1,234.6"
    assert number(0.5, digits=1) == "0.5" and number(1.0) == "1.000"


def test_rounding_that_crosses_a_magnitude_uses_the_larger_ones_precision():
    assert number(9.9996) == "10.00"
    assert number(99.996) == "100.0"
    assert number(9999.96) == "10,000"


def test_negative_numbers_keep_their_sign_but_never_read_minus_zero():
    assert number(-0.5) == "-0.500" and number(-0.0001) == "0.000"
    assert signed(-0.004) == "-0.004" and signed(-0.0001) == "+0.000"
    assert percent(-0.0001) == "0.0%" and percent(-0.25) == "-25.0%"
    assert millis(-0.01) == "0.0 ms"


def test_integers_booleans_and_words():
    assert number(12345) == "12,345" and number(np.int64(7)) == "7"
    assert number(np.float32(0.25)) == "0.250"
    assert number(True) == "yes" and number(False) == "no" and number("ok") == "ok"
    assert count(12345) == "12,345" and count(3.0) == "3"


def test_significant_digits_for_values_of_any_magnitude():
    assert significant(0.0123456) == "0.0123" and significant(35.546) == "35.5"
    assert significant(19.0) == "19" and significant(-0.5) == "-0.5"
    assert significant(1234.7) == "1,235" and significant(1.234e-5) == "1.23e-05"
    assert significant(0.781234, 4) == "0.7812" and significant(12345.6, 4) == "12,346"


def test_differences_and_intervals():
    assert signed(0.0123) == "+0.012" and signed(2) == "+2"
    assert ci(0.7123, 0.8456) == "0.712 – 0.846"
    assert difference(0.012, -0.004, 0.03) == "+0.012 (-0.004 to +0.030)"
    assert difference(0.012) == "+0.012" and difference(0.012, None, 0.03) == "+0.012"


def test_percentages():
    assert percent(0.1234) == "12.3%" and percent(1) == "100.0%"
    assert percent(0.5, 0) == "50%" and percent(0.0005, 2) == "0.05%"


def test_p_values():
    assert p_value(0.03214) == "0.0321" and p_value(0.5) == "0.5" and p_value(1.0) == "1"
    assert p_value(0.000123) == "0.000123" and p_value(1.234e-5) == "1.2e-05"
    assert p_value(0.0) == "< 1e-10" and p_value(2.67e-120) == "< 1e-10"
    assert p_text(2.67e-120) == "p < 1e-10" and p_text(0.0) == "p < 1e-10"
    assert p_text(0.0321) == "p = 0.0321" and p_text(3e-7) == "p = 3.0e-07"


def test_durations_and_running_clocks():
    assert duration(4.25) == "4.2 s" and duration(65) == "1 min 05 s"
    assert duration(59.96) == "1 min 00 s" and duration(3725) == "1 h 02 min"
    assert duration(-1) == "0.0 s"
    assert elapsed(7.9) == "0:07" and elapsed(750) == "12:30" and elapsed(3723) == "1:02:03"
    assert millis(12.345) == "12.3 ms" and millis(1234.56) == "1,234.6 ms"


def test_local_time_uses_the_users_time_zone(local_tz):
    ts = utc(2026, 3, 15, 8, 30, 5)
    local_tz("UTC0")
    assert local_time(ts) == "2026-03-15 08:30"
    local_tz(BERLIN)
    assert local_time(ts) == "2026-03-15 09:30"
    assert local_time(ts, seconds=True) == "2026-03-15 09:30:05"
    summer = utc(2026, 7, 1, 22, 30, 0)  # after midnight in Berlin, summer time (UTC+2)
    assert local_time(summer) == "2026-07-02 00:30"


def test_times_of_today_read_as_the_clock_alone(local_tz):
    local_tz(BERLIN)
    ts = utc(2026, 3, 15, 8, 30, 5)
    assert local_time(ts, now=ts + 3600) == "09:30:05"
    assert local_time(ts, now=ts + 86_400) == "2026-03-15 09:30"
    # The same UTC day but two local days: 23:50 and 00:10 in Berlin are not "today".
    late, early = utc(2026, 7, 1, 21, 50, 0), utc(2026, 7, 1, 22, 10, 0)
    assert local_time(late, now=early) == "2026-07-01 23:50"
    assert local_time(early, now=early) == "00:10:00"


def test_a_missing_time_can_read_as_now():
    assert local_time(None) == MISSING and local_time(None, empty="now") == "now"


def test_name_list_shows_the_first_names_and_counts_the_rest():
    from mlops_desktop.formatting import name_list

    assert name_list(["a", "b"]) == "a, b"
    assert name_list([f"c{i}" for i in range(419)], shown=3) == "c0, c1, c2 and 416 more"


def test_details_summarise_a_traceback_before_it():
    from mlops_desktop.formatting import readable_details

    try:
        int("twelve")
    except ValueError:
        import traceback

        details = traceback.format_exc()
    text = readable_details(details)
    first, where = text.splitlines()[:2]
    assert first == "What went wrong: ValueError: invalid literal for int() with base 10: 'twelve'"
    assert where.startswith("Where: ") and "test_formatting.py, line" in where
    assert text.index("Traceback (most recent call last)") > text.index("full technical details")
    assert text.endswith(details)
    assert readable_details("Folder: /tmp/ws") == "Folder: /tmp/ws"  # no traceback: as it was


def test_a_profile_reads_min_mean_and_max_at_one_precision():
    from mlops_desktop.formatting import profile_numbers

    assert profile_numbers(0.512, 2.97341, 4.0) == ("0.512", "2.973", "4.000")
    assert profile_numbers(19, 35.546, 75) == ("19", "35.5", "75")  # a whole-number column
    assert profile_numbers(250.0, 3271.258, 18424.0) == ("250", "3,271", "18,424")
    assert profile_numbers(-3.2, 0.00012, 1.5) == ("-3.200", "0.000", "1.500")
    assert profile_numbers(None, None, None) == ("—", "—", "—")


def test_a_pair_of_figures_reads_at_one_precision():
    from mlops_desktop.formatting import pair

    assert pair(0.304, 0.37) == ("0.304", "0.370")
    assert pair(38.61, 45.14) == ("38.6", "45.1")
    assert pair(2.5, 3271.3) == ("2", "3,271")
    assert pair(None, 1.0) == ("—", "1")


def test_a_count_agrees_with_its_noun():
    from mlops_desktop.formatting import counted

    assert counted(1, "column") == "1 column"
    assert counted(0, "window") == "0 windows"
    assert counted(1200, "labelled row") == "1,200 labelled rows"


def test_compared_reads_at_the_tables_precision_unless_it_would_equal_the_threshold():
    from mlops_desktop.formatting import compared, metric_label, operator

    assert compared(0.77642, 0.7) == "0.776"
    assert compared(0.69962, 0.7) == "0.6996"  # "0.700 misses ≥ 0.7" would read wrong
    assert compared(0.7, 0.7) == "0.700"
    assert compared(None, 0.7) == "—"
    assert (operator(">="), operator("<="), operator("<")) == ("≥", "≤", "<")
    assert (metric_label("roc_auc"), metric_label("custom")) == ("ROC AUC", "custom")


@pytest.mark.parametrize(
    "p, shown", [(2.67e-120, "p < 1e-10"), (0.0, "p < 1e-10"), (3e-7, "p = 3.0e-07")]
)
def test_alert_figures_and_drift_explanations_write_p_values_one_way(p, shown):
    from mlops_desktop.drift.explain import _verdict
    from mlops_desktop.monitoring.signals import _figure

    window = {"method": ["ks"], "p_value": [p], "threshold": [0.05], "statistic": [0.4]}
    assert shown in _figure(window, 0)  # the alert's evidence
    assert shown in _verdict("ks", 0.4, p, 0.05, True)  # the drift explanation
    assert "e-120" not in _verdict("ks", 0.4, p, 0.05, True)
