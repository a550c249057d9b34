"""The browser harness itself: a Chromium that dies in one test is
replaced before the next, so one crash fails one test, not every later
browser test of the worker (a CI run once lost a whole file that way)."""
import os
import signal

from harness import env


def test_a_browser_that_died_is_restarted_for_the_next_test(_browsers):
    b = _browsers("browser-crash", True)
    b.get("about:blank")
    assert b.alive()
    # Chromium is chromedriver's child; killing it is what a crash of
    # the browser looks like to the test (its session is gone).
    chromium = env.pid_children(b.driver.service.process.pid)
    assert chromium
    for pid in chromium:
        os.kill(pid, signal.SIGKILL)
    assert env.wait_until(lambda: not b.alive(), 20)
    b.reset()    # tolerates the dead browser (a fixture's teardown)

    again = _browsers("browser-crash", True)
    assert again is b and b.restarts == 1 and b.alive()
    assert os.path.exists(os.path.join(b.root, "chromedriver-dead-1.log"))
    b.get("about:blank")
    assert b.js("return 1 + 1") == 2
