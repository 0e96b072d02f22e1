"""Tasks of the project itself."""

import os
import socket

from celery import shared_task


@shared_task(name="portal.ping")
def ping(payload: str) -> dict[str, str]:
    """Answer with the payload, the host and the process that ran the task.

    Proves that a real worker picks tasks up from the broker and returns their results
    (tests/portal/test_celery.py); the PDF tasks use the same wiring.
    """
    return {"pong": payload, "host": socket.gethostname(), "pid": str(os.getpid())}
