"""The example alert rules (deploy/prometheus/alerts.yml) name only metrics the
service serves, at the three levels of R6.1."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.api.conftest import SCRAPER

RULES = Path(__file__).parents[3] / "deploy" / "prometheus" / "alerts.yml"
LEVELS = {"info", "warning", "critical"}
SUFFIXES = ("_total", "_bucket", "_count", "_sum", "_created")


def _rules() -> list[dict[str, object]]:
    document = yaml.safe_load(RULES.read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def test_every_rule_has_a_name_an_expression_and_one_of_three_levels() -> None:
    rules = _rules()
    names = [rule["alert"] for rule in rules]
    assert len(names) == len(set(names)) >= 10
    for rule in rules:
        assert isinstance(rule["expr"], str) and rule["expr"].strip(), rule
        assert rule["labels"]["severity"] in LEVELS, rule  # type: ignore[index]
        assert rule["annotations"]["summary"], rule  # type: ignore[index]
    assert {rule["labels"]["severity"] for rule in rules} == LEVELS  # type: ignore[index]


def test_every_metric_a_rule_names_is_served(operated: TestClient) -> None:
    text = operated.get("/metrics", headers=SCRAPER).text
    served = {
        sample.name for family in text_string_to_metric_families(text) for sample in family.samples
    } | {family.name for family in text_string_to_metric_families(text)}
    for rule in _rules():
        for name in re.findall(r"\bestatelog_[a-z_]+", str(rule["expr"])):
            base = next((name.removesuffix(s) for s in SUFFIXES if name.endswith(s)), name)
            assert name in served or base in served, (rule["alert"], name)
