"""A Redis server of one's own (stopped, restarted at will) and Celery workers in their own
processes, for tests and benchmarks of faults: the shared Redis is never touched."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any

import redis

from cainamur.celery import app
from tests.smtp import free_port

ROOT = Path(__file__).resolve().parent.parent


class RedisServer:
    """``redis-server`` on a free port, with its data on disk (an RDB written at shutdown,
    as a packaged Redis does): a restart keeps the queues; ``persist=False``: it loses
    them."""

    def __init__(self, port: int | None = None, *, persist: bool = True) -> None:
        self.port = port or free_port()
        self.persist = persist
        self.folder = Path(tempfile.mkdtemp(prefix="cai-redis-"))
        self.process: subprocess.Popen[bytes] | None = None

    @staticmethod
    def available() -> bool:
        return shutil.which("redis-server") is not None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.folder),
                "--save",
                # A save point makes SHUTDOWN write a snapshot, read back at start.
                "3600 1" if self.persist else "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis(port=self.port, socket_connect_timeout=0.2).ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        """A clean stop (as ``systemctl stop redis``): the data is saved first."""
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)
        self.process = None

    def restart(self, down_for: float = 0.0) -> None:
        self.stop()
        time.sleep(down_for)
        self.start()

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


@contextmanager
def redis_server(port: int | None = None) -> Iterator[RedisServer]:
    server = RedisServer(port)
    server.start()
    try:
        yield server
    finally:
        server.close()


@contextmanager
def broker_at(url: str) -> Iterator[None]:
    """This process sends its tasks to ``url`` (and not eagerly) for the duration."""
    previous = app.conf.broker_url, app.conf.task_always_eager
    app.conf.broker_url, app.conf.task_always_eager = url, False
    # The connection and producer pools are built once from the broker's address: drop
    # them so the next publish connects to the new one (Celery has no public reset).
    app._pool = None
    app.amqp._producer_pool = None
    try:
        yield
    finally:
        app.conf.broker_url, app.conf.task_always_eager = previous
        app._pool = None
        app.amqp._producer_pool = None


def worker_command(name: str, *, concurrency: int = 1, loglevel: str = "INFO") -> list[str]:
    """The production command line (README, Deploying), named ``name``."""
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "cainamur",
        "worker",
        "--pool",
        "prefork",
        "--concurrency",
        str(concurrency),
        "--loglevel",
        loglevel,
        "--hostname",
        name,
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]


def start_worker_process(
    name: str, env: dict[str, str], *, log: IO[Any] | int = subprocess.DEVNULL, concurrency: int = 1
) -> subprocess.Popen[bytes]:
    """A worker in its own process group (killing the group kills its pool too)."""
    return subprocess.Popen(
        worker_command(name, concurrency=concurrency),
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT if log is not subprocess.DEVNULL else subprocess.DEVNULL,
        start_new_session=True,
    )


def kill_worker(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL to the worker and its pool processes, as the OOM killer or a power cut."""
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def stop_worker(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            kill_worker(process)
