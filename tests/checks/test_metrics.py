from __future__ import annotations

from .conftest import PackageMaker, diagnose


def test_sql_metric_with_event_fields(make_package: PackageMaker) -> None:
    directory = make_package(
        {
            "extra.yaml": """\
        metrics:
          storage:
            name: Storage
            sql: SELECT 1 AS value FROM events
            event_type: heartbeat
            filters: {region: {in: [eu]}}
        """
        }
    )
    assert diagnose(directory, "E0209") == [
        "extra.yaml:5:5: error[E0209]: SQL metric 'storage' cannot also have `event_type`",
        "extra.yaml:6:5: error[E0209]: SQL metric 'storage' cannot also have `filters`",
    ]


def test_event_metric_needs_event_type_and_aggregate(make_package: PackageMaker) -> None:
    directory = make_package(
        {
            "extra.yaml": """\
        metrics:
          calls:
            name: Calls
            property: n
        """
        }
    )
    assert diagnose(directory, "E0209") == [
        "extra.yaml:2:3: error[E0209]: metric 'calls' has neither `event_type` nor `sql`",
        "extra.yaml:2:3: error[E0209]: metric 'calls' has no `aggregate`",
    ]


def test_property_required_unless_count(make_package: PackageMaker) -> None:
    directory = make_package(
        {
            "extra.yaml": """\
        metrics:
          summed:
            name: Summed
            event_type: call
            aggregate: sum
          counted:
            name: Counted
            event_type: call
            aggregate: count
            property: n
        """
        }
    )
    assert diagnose(directory, "E0209") == [
        "extra.yaml:5:16: error[E0209]: metric 'summed' aggregates with sum but has no `property`",
        "extra.yaml:10:5: error[E0209]: metric 'counted' counts events; `property` has no effect",
    ]


def test_filters_need_a_condition(make_package: PackageMaker) -> None:
    directory = make_package(
        {
            "extra.yaml": """\
        metrics:
          calls:
            name: Calls
            event_type: [call, '']
            aggregate: count
            filters:
              region: {}
              tier: {in: []}
        """
        }
    )
    assert diagnose(directory, "E0209") == [
        "extra.yaml:4:17: error[E0209]: metric 'calls' has an empty event_type",
        "extra.yaml:7:7: error[E0209]: filter on 'region' of metric 'calls' has no condition",
        "extra.yaml:8:18: error[E0209]: filter on 'tier' of metric 'calls' has an empty `in`: "
        "it matches no event",
    ]
