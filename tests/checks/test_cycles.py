from __future__ import annotations

from .conftest import PackageMaker, diagnose


def test_composites_including_each_other(make_package: PackageMaker) -> None:
    directory = make_package(
        {
            "extra.yaml": """\
        products:
          bundle_a:
            name: A
            type: composite
            of: {products: [bundle_b]}
          bundle_b:
            name: B
            type: composite
            of: {products: [tokens, bundle_a]}
        """
        }
    )
    assert diagnose(directory, "E0202") == [
        "extra.yaml:5:21: error[E0202]: dependency cycle: product:bundle_a → product:bundle_b "
        "→ product:bundle_a",
    ]


def test_composite_selecting_itself_by_tag(make_package: PackageMaker) -> None:
    directory = make_package(
        {
            "extra.yaml": """\
        products:
          bundle:
            name: Bundle
            type: composite
            tags: [bundled]
            of: {tags: [bundled]}
        """
        }
    )
    assert diagnose(directory, "E0202") == [
        "extra.yaml:6:17: error[E0202]: dependency cycle: product:bundle → product:bundle "
        "(through a tag)",
    ]
    assert diagnose(directory, "E0207") == []
