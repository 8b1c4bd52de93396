"""Reviews builds on appointments, never the other way round: appointments imports nothing of
reviews, and a completed case reaches reviews through the `case_completed` signal, sent in the
completion's transaction (the invitation commits or rolls back with it)."""

import ast
from pathlib import Path

import pytest
from django.db import transaction

import appointments
from appointments import cases
from appointments.constants import Status
from appointments.models import Notice
from tests.appointments.factories import CaseFactory


def imported_modules(path):
    """Every module `path` imports, at module level or inside a function."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def test_appointments_imports_nothing_of_reviews():
    package = Path(appointments.__file__).parent
    files = sorted(package.rglob("*.py"))
    assert package / "cases.py" in files  # the walk does see the app
    offenders = [
        f"{path.relative_to(package.parent)} imports {module}"
        for path in files
        for module in imported_modules(path)
        if module == "reviews" or module.startswith("reviews.")
    ]
    assert offenders == []


def test_the_import_walk_sees_imports_inside_functions(tmp_path):
    module = tmp_path / "sample.py"
    module.write_text("def complete():\n    from reviews.services import ratings\n")
    assert list(imported_modules(module)) == ["reviews.services"]


@pytest.mark.django_db(transaction=True)
def test_a_committed_completion_invites_once_and_a_rolled_back_one_not_at_all(
    window_a, item, staff_a
):
    committed = CaseFactory(window=window_a, item=item, status=Status.ACCEPTED, handled_by=staff_a)
    cases.complete(committed, staff_a)  # its own transaction, committed
    assert Notice.objects.filter(key=f"invite:{committed.reference}").count() == 1

    rolled_back = CaseFactory(
        window=window_a, item=item, status=Status.ACCEPTED, handled_by=staff_a
    )
    with pytest.raises(RuntimeError), transaction.atomic():
        cases.complete(rolled_back, staff_a)
        raise RuntimeError("the request failed after the completion")
    rolled_back.refresh_from_db()
    assert rolled_back.status == Status.ACCEPTED
    assert not Notice.objects.filter(key=f"invite:{rolled_back.reference}").exists()
    assert Notice.objects.filter(key__startswith="invite:").count() == 1
