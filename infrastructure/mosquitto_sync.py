"""Keeps Mosquitto's password and ACL files in step with the registry.

The projection leader rewrites both files shortly after an event that changes who may connect
or what a thing may do (a burst of events costs one rewrite), then asks Mosquitto to reload
them with SIGHUP, to the pid in Mosquitto's pid file. Followers leave the files to the leader.
Things disabled, removed or given a new secret are also listed in the kick file, which
FleetID's Mosquitto plugin reads on that reload to close their open connections.
"""

import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.utils import get_topic

from domain.channels import Channel
from domain.policies import Policy
from domain.things import Thing
from infrastructure.mosquitto_files import MosquittoFiles

log = logging.getLogger(__name__)

TOPICS = tuple(
    get_topic(cls)
    for cls in (
        Thing.Provisioned,
        Thing.SecretChanged,
        Thing.Enabled,
        Thing.Disabled,
        Thing.Removed,
        Channel.Enabled,
        Channel.Disabled,
        Policy.Granted,
        Policy.ActionsChanged,
        Policy.Revoked,
        Policy.Regranted,
    )
)
REVOKING = (Thing.SecretChanged, Thing.Disabled, Thing.Removed)
DELAY = 0.2
"""Seconds an event waits for the ones after it, so a bulk change costs one rewrite."""


class MosquittoSync:
    def __init__(
        self,
        files: MosquittoFiles,
        directory: Path,
        pid_file: Path | None,
        leading: Callable[[], bool],
    ) -> None:
        self._files = files
        self._directory = directory
        self._pid_file = pid_file
        self._leading = leading
        self._dirty = threading.Event()
        self._revoked: set[UUID] = set()
        self._revoked_lock = threading.Lock()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="mosquitto-sync", daemon=True)

    def start(self) -> None:
        """Write the files once now (when leading), then follow the registry."""
        self._dirty.set()
        self._thread.start()

    def react(self, event: DomainEventProtocol[Any]) -> None:
        if isinstance(event, REVOKING):
            with self._revoked_lock:
                self._revoked.add(event.originator_id)
        self._dirty.set()

    def close(self) -> None:
        self._stopping = True
        self._dirty.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while True:
            self._dirty.wait()
            if self._stopping:
                return
            time.sleep(DELAY)
            self._dirty.clear()
            with self._revoked_lock:
                revoked, self._revoked = self._revoked, set()
            if not self._leading():
                continue
            try:
                self._files.write(self._directory)
                self._files.write_kick_list(self._directory, revoked)
                self._reload()
            except Exception:
                log.exception("could not bring Mosquitto's files up to date; will retry")
                with self._revoked_lock:
                    self._revoked |= revoked
                self._dirty.set()
                time.sleep(1.0)

    def _reload(self) -> None:
        if self._pid_file is None:
            return
        try:
            pid = int(self._pid_file.read_text().strip())
        except (OSError, ValueError):
            log.warning("no Mosquitto pid in %s: files written, not reloaded", self._pid_file)
            return
        os.kill(pid, signal.SIGHUP)
