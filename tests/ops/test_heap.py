"""Start-up moves the application's long-lived objects out of the cyclic garbage collector's reach, once, and
widens its young generation."""

from __future__ import annotations

import gc
import weakref

from app import main


class _Node:
    link: object


def test_start_up_freezes_the_heap_once(monkeypatch):
    monkeypatch.setattr(main, "_heap_settled", False)
    gc.unfreeze()
    thresholds = gc.get_threshold()
    gc.set_threshold(700, *thresholds[1:])  # Python's default
    try:
        main.settle_heap()
        assert gc.get_threshold() == (main.YOUNG_GENERATION, *thresholds[1:])
        frozen = gc.get_freeze_count()
        assert frozen > 1000  # the imported application, at least
        node = _Node()
        node.link = node  # a cycle made after start-up
        alive = weakref.ref(node)
        del node
        main.settle_heap()  # a second call freezes nothing: the cycle stays collectable
        assert gc.get_freeze_count() == frozen
        gc.collect()
        assert alive() is None
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
