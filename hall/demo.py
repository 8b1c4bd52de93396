"""Demo counters (manage.py seed_demo, through manage.py seed_hall): as many counters at each
demo window as its `counters` field says, numbered 1…n. Idempotent."""

from windows.models import ServicePoint

from .models import Counter


def load_counters():
    made = 0
    for window in ServicePoint.objects.filter(is_demo=True):
        for number in range(1, window.counters + 1):
            _counter, created = Counter.objects.get_or_create(
                window=window, number=number, defaults={"is_demo": True}
            )
            made += created
    return made
