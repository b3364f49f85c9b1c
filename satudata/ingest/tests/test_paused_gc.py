"""The cycle collector is off while uploads are read and checked, and back as it was after."""

import gc
import threading

from satudata.ingest.read import paused_gc


def test_off_inside_back_on_after_the_last_of_nested_and_concurrent_runs():
    assert gc.isenabled()
    inside, leave = threading.Event(), threading.Event()

    def other_run():
        with paused_gc():
            inside.set()
            leave.wait(10)

    thread = threading.Thread(target=other_run)
    with paused_gc():
        assert not gc.isenabled()
        thread.start()
        inside.wait(10)
        with paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert not gc.isenabled()  # the other run is still inside
    leave.set()
    thread.join(10)
    assert gc.isenabled()


def test_left_off_when_it_was_off_before():
    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_back_on_after_a_failure():
    try:
        with paused_gc():
            raise ValueError("a parser's surprise")
    except ValueError:
        pass
    assert gc.isenabled()
