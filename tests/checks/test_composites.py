from __future__ import annotations

from .conftest import PackageMaker, diagnose


def test_composite_includes_composite_by_id(make_package: PackageMaker) -> None:
    directory = make_package(
        {
            "extra.yaml": """\
        products:
          bundle:
            name: Bundle
            type: composite
            of: {products: [tokens, support]}
        """
        }
    )
    assert diagnose(directory, "E0207") == [
        "extra.yaml:5:29: error[E0207]: composite product 'bundle' includes composite "
        "product 'support'",
    ]


def test_composite_includes_composite_by_tag(make_package: PackageMaker) -> None:
    directory = make_package(
        {
            "extra.yaml": """\
        products:
          bundle:
            name: Bundle
            type: composite
            tags: [addon]
          premium:
            name: Premium
            type: composite
            of: {tags: [usage, addon]}
        """
        }
    )
    assert diagnose(directory, "E0207") == [
        "extra.yaml:9:24: error[E0207]: composite product 'premium' includes composite "
        "product(s) 'bundle' through tag 'addon'",
    ]
