"""Client threads that keep sending requests with a client certificate while a test changes tollgate."""

import threading

import requests

from .settings import TIMEOUT, wait_until

LOAD_THREADS = 4


class Load:
    """Client threads that send GET /echo until stopped, counting successes and failures.

    Even-numbered threads keep one keep-alive session; odd-numbered threads open a new
    connection for every request.
    """

    def __init__(self, url, cert):
        self.url = url
        self.cert = cert
        self.stop_event = threading.Event()
        self.lock = threading.Lock()
        self.succeeded = 0
        self.failures = []
        self.threads = [threading.Thread(target=self._run, args=(index % 2 == 0,)) for index in range(LOAD_THREADS)]

    def _run(self, keep_alive):
        session = requests.Session()
        while not self.stop_event.is_set():
            if not keep_alive:
                session.close()
                session = requests.Session()
            try:
                response = session.get(self.url, cert=self.cert, verify=False, timeout=TIMEOUT)
                ok = response.status_code == 200
                failure = None if ok else f"status {response.status_code}: {response.text[:200]}"
            except requests.RequestException as error:
                failure = f"{type(error).__name__}: {error}"
            with self.lock:
                if failure:
                    self.failures.append(failure)
                else:
                    self.succeeded += 1
        session.close()

    def count(self):
        with self.lock:
            return self.succeeded

    def wait_for_more(self, count):
        """Wait until `count` more requests succeeded than now."""
        target = self.count() + count
        wait_until(lambda: self.count() >= target, f"{count} more successful requests under load")

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_event.set()
        for thread in self.threads:
            thread.join(TIMEOUT)
